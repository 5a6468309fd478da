import { agentActor } from "../auth/actor.js";
import { type AgentAuth, requireOwnInstanceToken } from "../auth/instance-token.js";
import type { Domain } from "../domain.js";
import { failed, ok, type RequestFailure, type Result, unavailable } from "../errors.js";
import { type EventHint, recordEvent } from "../events/record.js";
import type { Workspace, WorkspaceStatus } from "../generated/prisma/client.js";
import { beatWhileOnline } from "./beat-statement.js";
import { type RuntimeState, type RuntimeStateInput, validateRuntimeState } from "./runtime-state.js";
import { isWorkspaceId, noSuchWorkspace } from "./validate.js";

export type Heartbeat = { workspace: Workspace; platformInboundSecret: string | null };

/**
 * The token decides first: a live instance token of this workspace, and
 * nothing else, may heartbeat (no bootstrap here). A revoked token is 401
 * whatever the workspace's status.
 */
export type HeartbeatInput = { workspaceId: string; state?: RuntimeStateInput | null };

export async function heartbeat(auth: AgentAuth, input: HeartbeatInput): Promise<Result<Heartbeat, RequestFailure>> {
  const { domain, bearer } = auth;
  const state = input.state ? validateRuntimeState(input.state) : null;
  if (state && !state.ok) {
    // The token still decides first: a caller it refuses learns nothing of the input.
    await requireOwnInstanceToken(domain.prisma, auth.admins, bearer, input.workspaceId);
    return state;
  }
  const report: RuntimeState | null = state ? { ...state.value, reportedAt: new Date().toISOString() } : null;
  if (bearer.kind === "token" && isWorkspaceId(input.workspaceId)) {
    let ws: Workspace | null;
    try {
      ws = await beatWhileOnline(domain.sql, {
        workspaceId: input.workspaceId,
        tokenHash: bearer.hash,
        report,
        markLagMs: markLagMs(domain.config.heartbeatTimeoutSeconds),
      });
    } catch (err) {
      throw unavailable("The instance token", err);
    }
    if (ws) return ok(withInboundSecret(domain, ws));
  }
  // Anything else (no token, a wrong or revoked one, another workspace's, a
  // workspace that is not ONLINE, a change into or out of DEGRADED) takes the
  // full path, which says why or records the change with its events.
  await requireOwnInstanceToken(domain.prisma, auth.admins, bearer, input.workspaceId);
  const outcome = await domain.prisma.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<{ status: WorkspaceStatus; runtimeDegraded: boolean }[]>`
      SELECT status, "runtimeDegraded" FROM "Workspace" WHERE id = ${input.workspaceId}::uuid FOR UPDATE`;
    const current = rows[0];
    if (!current || current.status === "REMOVED") return null;
    if (current.status !== "ONLINE" && current.status !== "OFFLINE") {
      return { workspace: await tx.workspace.findUniqueOrThrow({ where: { id: input.workspaceId } }), hints: [] };
    }
    const degraded = report ? report.health === "DEGRADED" : current.runtimeDegraded;
    const workspace = await tx.workspace.update({
      where: { id: input.workspaceId },
      data: {
        status: "ONLINE",
        ...beatNow(),
        ...(report ? { runtimeState: report, runtimeDegraded: degraded } : {}),
      },
    });
    const hints: EventHint[] = [];
    // Each event carries the status the workspace has after it: ONLINE.
    if (current.status === "OFFLINE") {
      hints.push(
        await recordEvent(tx, {
          workspaceId: input.workspaceId,
          type: "WORKSPACE_ONLINE",
          status: "ONLINE",
          actor: agentActor(input.workspaceId),
        }),
      );
    }
    if (degraded !== current.runtimeDegraded) {
      hints.push(
        await recordEvent(tx, {
          workspaceId: input.workspaceId,
          status: "ONLINE",
          actor: agentActor(input.workspaceId),
          ...(degraded
            ? {
                type: "WORKSPACE_DEGRADED",
                message: report?.degradedReason ?? null,
                payload: { reason: report?.degradedReason ?? null, version: report?.version ?? null },
              }
            : { type: "WORKSPACE_RECOVERED" }),
        }),
      );
    }
    return { workspace, hints };
  });
  for (const hint of outcome?.hints ?? []) domain.events.publish(hint);
  if (!outcome) return noSuchWorkspace("input.workspaceId");
  const ws = outcome.workspace;
  if (ws.status === "FAILED") {
    return failed(
      "WORKSPACE_FAILED",
      `The workspace is FAILED (${ws.failureCode ?? "unknown"}): restartWorkspace first.`,
    );
  }
  return ok(withInboundSecret(domain, ws));
}

const withInboundSecret = (domain: Domain, ws: Workspace): Heartbeat => ({
  workspace: ws,
  platformInboundSecret: inboundSecretOf(domain, ws),
});

/** What register and heartbeat answer every time: the workspace's inbound secret, opened; null where it has none. */
export function inboundSecretOf(domain: Domain, ws: Workspace): string | null {
  try {
    return ws.inboundSecret ? domain.secrets.openInboundSecret(ws.id, ws.inboundSecret) : null;
  } catch (err) {
    throw unavailable("The platform inbound secret", err);
  }
}

/** How far the sweep's mark may fall behind the last beat before a beat moves it: half the timeout. */
export const markLagMs = (heartbeatTimeoutSeconds: number) => Math.floor((heartbeatTimeoutSeconds * 1000) / 2);

/** A beat written outside the common statement (register, a status change): the mark moves with it. */
export function beatNow(): { lastHeartbeatAt: Date; heartbeatMarkAt: Date } {
  const at = new Date();
  return { lastHeartbeatAt: at, heartbeatMarkAt: at };
}
