import { agentActor } from "../auth/actor.js";
import { type AgentAuth, requireOwnInstanceToken } from "../auth/instance-token.js";
import type { Domain } from "../domain.js";
import { failed, ok, type RequestFailure, type Result, unavailable } from "../errors.js";
import { type EventHint, recordEvent } from "../events/record.js";
import type { Workspace, WorkspaceStatus } from "../generated/prisma/client.js";
import { WORKSPACE_COLUMNS } from "./columns.js";
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
      ws = await beatWhileOnline(domain, bearer.hash, input.workspaceId, report);
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

/**
 * The common heartbeat in one round trip: only a live instance token of this
 * workspace, while it is ONLINE, matches; it records the time and the
 * runtime's state (when the beat carries one) and returns the row. A state
 * that goes into or out of DEGRADED does not match either: that change is an
 * event, recorded on the full path in the transaction of the change. Every
 * other case matches nothing and takes the full path.
 *
 * Its commit does not wait for the WAL flush (synchronous_commit off, for
 * this transaction only): should PostgreSQL crash, the last fraction of a
 * second of heartbeat times may be lost, which the next beat restores, while
 * the database stays consistent. Waiting for the flush bounded heartbeats at
 * about 2.6k per second on this machine whatever the CPU; without it, 6k.
 * Status changes (the full path below) keep their durable commits.
 *
 * It writes no indexed column on most beats, so PostgreSQL updates the row
 * in place (a HOT update) instead of adding an entry to each of the table's
 * indexes: the sweep's mark (heartbeatMarkAt) moves only once it is half a
 * heartbeat timeout behind. (Indexing lastHeartbeatAt itself cost 2-3× of
 * the beat's throughput.)
 *
 * It goes to the driver, not through Prisma: Prisma's $queryRaw took about
 * 290 µs of CPU per call here (the driver alone 70 µs), most of a heartbeat.
 * The driver returns the row as Prisma would: timestamptz as Date, jsonb
 * parsed, enums and uuids as strings (a test compares the two). And it is a
 * prepared statement, planned once per connection, which halved
 * PostgreSQL's CPU per beat. Its columns are named, not `w.*`: a column a
 * later migration adds under a running instance then leaves the prepared
 * statement's result as it was, instead of failing it. (A pooler in front
 * of PostgreSQL must keep prepared statements per client, as PgBouncer 1.21+
 * does with max_prepared_statements.)
 */
const BEAT_WHILE_ONLINE = `
  WITH commit_without_flush AS (SELECT set_config('synchronous_commit', 'off', true))
  UPDATE "Workspace" AS w SET "lastHeartbeatAt" = now(), "updatedAt" = now(),
    "runtimeState" = COALESCE($3::text::jsonb, w."runtimeState"),
    "heartbeatMarkAt" = CASE WHEN w."heartbeatMarkAt" IS NULL OR w."heartbeatMarkAt" < now() - $5::int * interval '1 millisecond'
      THEN now() ELSE w."heartbeatMarkAt" END
  FROM "InstanceToken" AS t, commit_without_flush
  WHERE w.id = $1::uuid AND w.status = 'ONLINE'
    AND t."tokenHash" = $2 AND t."workspaceId" = w.id AND t."revokedAt" IS NULL
    AND ($4::boolean IS NULL OR w."runtimeDegraded" = $4::boolean)
  RETURNING ${WORKSPACE_COLUMNS}`;

async function beatWhileOnline(
  domain: Domain,
  tokenHash: string,
  workspaceId: string,
  report: RuntimeState | null,
): Promise<Workspace | null> {
  // The report as JSON text (cast in SQL): both drivers pass text as it is.
  const params = [
    workspaceId,
    tokenHash,
    report && JSON.stringify(report),
    report && report.health === "DEGRADED",
    markLagMs(domain.config.heartbeatTimeoutSeconds),
  ];
  const rows = await domain.sql.query<Workspace>(BEAT_WHILE_ONLINE, params, "beat_while_online");
  return rows[0] ?? null;
}

/** How far the sweep's mark may fall behind the last beat before a beat moves it: half the timeout. */
export const markLagMs = (heartbeatTimeoutSeconds: number) => Math.floor((heartbeatTimeoutSeconds * 1000) / 2);

/** A beat written outside the common statement (register, a status change): the mark moves with it. */
export function beatNow(): { lastHeartbeatAt: Date; heartbeatMarkAt: Date } {
  const at = new Date();
  return { lastHeartbeatAt: at, heartbeatMarkAt: at };
}
