import { refuseAdminAsAgent } from "../auth/access.js";
import { agentActor } from "../auth/actor.js";
import type { AdminTokens } from "../auth/admin.js";
import type { Bearer } from "../auth/tokens.js";
import { AccessError, type Domain, fail, type RequestFailure, unavailable } from "../domain.js";
import { recordEvent } from "../events/record.js";
import { lockWorkspace } from "../workspaces/provision.js";
import { isWorkspaceId } from "../workspaces/validate.js";
import { type RuntimeEnvironment, readRuntimeEnvironment } from "./environment.js";

type AgentAuth = { domain: Domain; admins: AdminTokens; bearer: Bearer };

/** A live instance token of this workspace and nothing else (an admin token is FORBIDDEN: SPEC 9). */
async function requireOwnInstanceToken({ domain, admins, bearer }: AgentAuth, workspaceId: string) {
  if (bearer.kind === "none") throw new AccessError("UNAUTHENTICATED", "An instance token is required.");
  if (bearer.kind === "malformed")
    throw new AccessError("UNAUTHENTICATED", "The Authorization header is not a bearer token.");
  let row: { workspaceId: string; revokedAt: Date | null } | null;
  try {
    row = await domain.prisma.instanceToken.findUnique({
      where: { tokenHash: bearer.hash },
      select: { workspaceId: true, revokedAt: true },
    });
  } catch (err) {
    throw unavailable("The instance token", err);
  }
  if (!row) await refuseAdminAsAgent(bearer, admins);
  if (!row || row.revokedAt !== null) throw new AccessError("UNAUTHENTICATED", "The instance token is not valid.");
  if (row.workspaceId !== workspaceId)
    throw new AccessError("FORBIDDEN", "This instance token belongs to another workspace.");
}

/**
 * The runtime's configuration, values included: the one place secret values
 * leave the service (SPEC 9). Each read is recorded as WORKSPACE_CONFIG_READ
 * with the keys only, in the same transaction as the read.
 */
export async function readAgentConfig(
  auth: AgentAuth,
  workspaceId: string,
): Promise<RuntimeEnvironment | RequestFailure> {
  // The token decides first; a malformed id is then simply not its workspace.
  await requireOwnInstanceToken(auth, workspaceId);
  if (!isWorkspaceId(workspaceId)) return fail("NOT_FOUND", "No such workspace.", "workspaceId");
  const { domain } = auth;
  const result = await domain.prisma.$transaction(async (tx) => {
    const status = await lockWorkspace(tx, workspaceId);
    if (!status || status === "REMOVED") return fail("NOT_FOUND", "No such workspace.", "workspaceId");
    if (status === "FAILED")
      return fail("WORKSPACE_FAILED", "The workspace is FAILED: fix the cause, then restartWorkspace.");
    const env = await readRuntimeEnvironment(tx, domain.provisioning.environment, workspaceId);
    if (!env) return fail("NOT_FOUND", "No such workspace.", "workspaceId");
    // With a provisioner the digest is the one of the start; a runtime
    // started elsewhere is configured by this read.
    if (domain.provisioning.mode === "external") {
      await tx.workspace.update({
        where: { id: workspaceId },
        data: { configDigest: env.digest },
        select: { id: true },
      });
    }
    const hint = await recordEvent(tx, {
      workspaceId,
      actor: agentActor(workspaceId),
      type: "WORKSPACE_CONFIG_READ",
      status: status as "PROVISIONING" | "ONLINE" | "OFFLINE",
      payload: {
        keys: env.entries.map((e) => e.key),
        unreadable: env.entries.filter((e) => "error" in e).map((e) => e.key),
      },
    });
    return { env, hint };
  });
  if ("code" in result) return result;
  domain.events.publish(result.hint);
  return result.env;
}
