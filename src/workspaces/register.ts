import { randomUUID } from "node:crypto";
import { agentActor } from "../auth/actor.js";
import { type AgentAuth, checkRegisterToken } from "../auth/instance-token.js";
import { hashToken, mintToken } from "../auth/tokens.js";
import { violatedUniqueIndex } from "../db/errors.js";
import type { Domain } from "../domain.js";
import { AccessError, type Err, err, failed, ok, type RequestFailure, type Result, unavailable } from "../errors.js";
import { type EventHint, recordEvent } from "../events/record.js";
import { Prisma, type Workspace } from "../generated/prisma/client.js";
import { checkManagedRegisterToken, consumeJoinToken } from "../provisioning/join-tokens.js";
import { beatNow, inboundSecretOf } from "./heartbeat.js";
import { registerWhileOnline } from "./register-online.js";
import { isWorkspaceId, noSuchWorkspace, type RegisterInput, validateRegisterInput } from "./validate.js";

export type Registered = {
  workspace: Workspace;
  authToken: string | null;
  platformInboundSecret: string | null;
  deliveryMode: "PUSH" | "POLL";
};

const notFound = () => noSuchWorkspace("input.workspaceId");

export async function registerWorkspace(
  auth: AgentAuth,
  input: RegisterInput,
): Promise<Result<Registered, RequestFailure>> {
  const { domain } = auth;
  const { prisma } = domain;
  const invalid = validateRegisterInput(input);
  if (invalid) return err(invalid);
  if (!isWorkspaceId(input.workspaceId)) return notFound();
  const deliveryMode = input.deliveryMode ?? (input.url ? "PUSH" : "POLL");
  // A claim of PLATFORM is judged on the full path (PLATFORM_KIND_FORBIDDEN after the token check).
  if (auth.bearer.kind === "token" && input.kind !== "PLATFORM") {
    let online: Workspace | null;
    try {
      online = await registerWhileOnline(domain.sql, auth.bearer.hash, input.workspaceId, {
        url: input.url ?? null,
        deliveryMode,
        agentCard: input.agentCard,
      });
    } catch (err) {
      throw unavailable("The instance token", err);
    }
    if (online) {
      return ok({
        workspace: online,
        authToken: null,
        platformInboundSecret: inboundSecretOf(domain, online),
        deliveryMode,
      });
    }
  }
  let ws: Workspace | null;
  try {
    ws = await prisma.workspace.findUnique({ where: { id: input.workspaceId } });
  } catch (err) {
    throw unavailable("The workspace", err);
  }
  if (!ws || ws.status === "REMOVED") return notFound();

  // With a provisioner, only the join token it handed its runtime bootstraps (SPEC 9).
  const mode =
    domain.provisioning.mode === "external"
      ? await checkRegisterToken(prisma, auth.admins, auth.bearer, ws.id)
      : await checkManagedRegisterToken(auth, ws.id);

  if (input.kind === "PLATFORM" && ws.kind !== "PLATFORM") {
    return failed("PLATFORM_KIND_FORBIDDEN", "Only an admin can make a platform agent, at create time.", "input.kind");
  }
  if (ws.status === "FAILED") return workspaceFailed(ws);

  const platformInboundSecret = inboundSecretOf(domain, ws);
  const presented = mode === "token" ? (auth.bearer as { hash: string }).hash : null;
  const join = typeof mode === "object" ? mode.join : null;
  const result = await goOnline(domain, ws.id, presented, join, {
    url: input.url ?? null,
    deliveryMode,
    agentCard: (input.agentCard ?? null) as Prisma.InputJsonValue,
    identityGate: ws.kind === "PLATFORM" ? { mcpServerPresent: input.mcpServerPresent } : null,
  });
  if (!result.ok) return result;
  return ok({ ...result.value, platformInboundSecret, deliveryMode });
}

const workspaceFailed = (ws: Workspace) =>
  failed(
    "WORKSPACE_FAILED",
    `The workspace is FAILED (${ws.failureCode ?? "unknown"}): fix the cause, then restartWorkspace.`,
  );

/**
 * The success transaction of SPEC section 5 step 6, under the workspace's row
 * lock. `presentedHash` is the bearer that passed the token check (null on a
 * bootstrap); it is checked again under the lock, since a restart may have
 * revoked it in between: then, with no live token left, this is a bootstrap.
 * A platform agent's identity gate (step 5) runs under the same lock, so a
 * MODEL deleted meanwhile (secret writes take this lock too) is seen.
 * `joinHash`: a join token's bootstrap, which consumes it here.
 */
async function goOnline(
  domain: Domain,
  workspaceId: string,
  presentedHash: string | null,
  joinHash: string | null,
  data: {
    url: string | null;
    deliveryMode: "PUSH" | "POLL";
    agentCard: Prisma.InputJsonValue | null;
    identityGate: { mcpServerPresent: boolean | null | undefined } | null;
  },
): Promise<Result<{ workspace: Workspace; authToken: string | null }, RequestFailure>> {
  try {
    const [outcome, hint] = await domain.prisma.$transaction(async (tx) => {
      const locked = await tx.$queryRaw<{ status: string }[]>`
        SELECT status::text AS status FROM "Workspace" WHERE id = ${workspaceId}::uuid FOR UPDATE`;
      const status = locked[0]?.status;
      if (!status || status === "REMOVED") return [notFound(), null] as const;
      if (status === "FAILED")
        return [failed("WORKSPACE_FAILED", "The workspace is FAILED: restartWorkspace first."), null] as const;
      if (data.identityGate) {
        const refused = await platformIdentityGate(domain, tx, workspaceId, data.identityGate.mcpServerPresent);
        if (refused) return refused;
      }
      let authToken: string | null = null;
      const stillLive =
        presentedHash !== null &&
        (await tx.instanceToken.findUnique({ where: { tokenHash: presentedHash }, select: { revokedAt: true } }))
          ?.revokedAt === null;
      if (!stillLive) {
        if (joinHash) await consumeJoinToken(tx, workspaceId, joinHash);
        else if (domain.provisioning.mode !== "external")
          throw new AccessError(
            "UNAUTHENTICATED",
            "The instance token was revoked; a runtime joins with its join token.",
          );
        // Another bootstrap may have won while this one waited for the lock:
        // then this caller holds no valid credential, as for any second
        // register. With none live, minting revokes nothing: at most one
        // token is ever live (the partial unique index backs this).
        const live = await tx.instanceToken.count({ where: { workspaceId, revokedAt: null } });
        if (live > 0) throw new AccessError("UNAUTHENTICATED", "This workspace has a live instance token; present it.");
        authToken = mintToken();
        await tx.instanceToken.create({ data: { id: randomUUID(), workspaceId, tokenHash: hashToken(authToken) } });
      }
      const workspace = await tx.workspace.update({
        where: { id: workspaceId },
        data: {
          status: "ONLINE",
          url: data.url,
          deliveryMode: data.deliveryMode,
          agentCard: data.agentCard ?? Prisma.DbNull,
          ...beatNow(),
          failureCode: null,
          failureMessage: null,
          failedAt: null,
        },
      });
      const hint =
        status === "ONLINE"
          ? null
          : await recordEvent(tx, {
              workspaceId,
              type: "WORKSPACE_ONLINE",
              status: "ONLINE",
              actor: agentActor(workspaceId),
            });
      return [ok({ workspace, authToken }), hint] as const;
    });
    if (hint) domain.events.publish(hint);
    return outcome;
  } catch (err) {
    // The partial unique index on live tokens: a concurrent bootstrap won.
    if (violatedUniqueIndex(err) === "InstanceToken_one_live_per_workspace") {
      throw new AccessError("UNAUTHENTICATED", "This workspace has a live instance token; present it.");
    }
    throw err;
  }
}

/**
 * SPEC section 5 step 5, inside the register transaction under the row lock:
 * a platform agent without its MODEL secret or its MCP server is marked
 * FAILED, its tokens revoked and the event recorded; the transaction commits
 * all of it and the caller answers the refusal as data. A failed existence
 * check throws (503) and rolls everything back.
 */
async function platformIdentityGate(
  domain: Domain,
  tx: Prisma.TransactionClient,
  workspaceId: string,
  mcpServerPresent: boolean | null | undefined,
): Promise<readonly [Err<RequestFailure>, EventHint | null] | null> {
  let hasModel: boolean;
  try {
    hasModel = await domain.secrets.workspaceSecretExists(workspaceId, "MODEL", tx);
  } catch (err) {
    throw unavailable("The platform agent's MODEL secret", err);
  }
  const reason = !hasModel ? "model_missing" : mcpServerPresent === false ? "mcp_server_missing" : null;
  if (!reason) return null;
  const message =
    reason === "model_missing"
      ? "The platform agent has no MODEL secret: set it, then restartWorkspace."
      : "The platform agent reported no MCP server: fix it, then restartWorkspace.";
  const { count } = await tx.workspace.updateMany({
    where: { id: workspaceId, status: { notIn: ["REMOVED", "FAILED"] } },
    data: {
      status: "FAILED",
      failureCode: "PLATFORM_AGENT_IDENTITY_GATE",
      failureMessage: message,
      failedAt: new Date(),
    },
  });
  await tx.instanceToken.updateMany({ where: { workspaceId, revokedAt: null }, data: { revokedAt: new Date() } });
  const hint =
    count === 0
      ? null
      : await recordEvent(tx, {
          workspaceId,
          type: "WORKSPACE_PROVISION_FAILED",
          status: "FAILED",
          code: "PLATFORM_AGENT_IDENTITY_GATE",
          message,
          payload: { reason },
          actor: agentActor(workspaceId),
        });
  return [failed("PLATFORM_AGENT_IDENTITY_GATE", message), hint] as const;
}
