import { refuseAdminAsAgent } from "../auth/access.js";
import { agentActor } from "../auth/actor.js";
import type { AdminTokens } from "../auth/admin.js";
import type { Bearer } from "../auth/tokens.js";
import { AccessError, type Domain, fail, type RequestFailure, unavailable } from "../domain.js";
import { recordEvent } from "../events/record.js";
import { Prisma, type Workspace } from "../generated/prisma/client.js";
import { isWorkspaceId } from "./validate.js";

export type Heartbeat = { workspace: Workspace; platformInboundSecret: string | null };

/**
 * The token decides first: a live instance token of this workspace, and
 * nothing else, may heartbeat (no bootstrap here). A revoked token is 401
 * whatever the workspace's status.
 */
async function requireOwnInstanceToken(domain: Domain, admins: AdminTokens, bearer: Bearer, workspaceId: string) {
  if (bearer.kind === "none") throw new AccessError("UNAUTHENTICATED", "An instance token is required.");
  if (bearer.kind === "malformed")
    throw new AccessError("UNAUTHENTICATED", "The Authorization header is not a bearer token.");
  // The instance token is looked up first: on the hot path (a live token)
  // that is the only query; the admin check matters only for a miss.
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

export async function heartbeat(
  auth: { domain: Domain; admins: AdminTokens; bearer: Bearer },
  input: { workspaceId: string },
): Promise<Heartbeat | RequestFailure> {
  const { domain, bearer } = auth;
  if (bearer.kind === "token" && isWorkspaceId(input.workspaceId)) {
    let ws: Workspace | null;
    try {
      ws = await beatWhileOnline(domain, bearer.hash, input.workspaceId);
    } catch (err) {
      throw unavailable("The instance token", err);
    }
    if (ws) return withInboundSecret(domain, ws);
  }
  // Anything else (no token, a wrong or revoked one, another workspace's, a
  // workspace that is not ONLINE) takes the full path, which says why.
  await requireOwnInstanceToken(domain, auth.admins, bearer, input.workspaceId);
  const { prisma } = domain;
  const now = new Date();
  // ONLINE after all (it came ONLINE since the statement above): record the time.
  let ws = await prisma.workspace
    .update({ where: { id: input.workspaceId, status: "ONLINE" }, data: { lastHeartbeatAt: now } })
    .catch((err: { code?: string }) => {
      if (err.code === "P2025") return null;
      throw err;
    });
  if (!ws) {
    const [current, hint] = await prisma.$transaction(async (tx) => {
      const { count } = await tx.workspace.updateMany({
        where: { id: input.workspaceId, status: "OFFLINE" },
        data: { status: "ONLINE", lastHeartbeatAt: now },
      });
      const hint =
        count === 1
          ? await recordEvent(tx, {
              workspaceId: input.workspaceId,
              type: "WORKSPACE_ONLINE",
              status: "ONLINE",
              actor: agentActor(input.workspaceId),
            })
          : null;
      return [await tx.workspace.findUnique({ where: { id: input.workspaceId } }), hint] as const;
    });
    if (hint) domain.events.publish(hint);
    if (!current || current.status === "REMOVED") return fail("NOT_FOUND", "No such workspace.", "input.workspaceId");
    if (current.status === "FAILED") {
      return fail(
        "WORKSPACE_FAILED",
        `The workspace is FAILED (${current.failureCode ?? "unknown"}): restartWorkspace first.`,
      );
    }
    ws = current;
  }
  return withInboundSecret(domain, ws);
}

function withInboundSecret(domain: Domain, ws: Workspace): Heartbeat {
  let platformInboundSecret: string | null = null;
  try {
    if (ws.inboundSecret) platformInboundSecret = domain.secrets.openInboundSecret(ws.id, ws.inboundSecret);
  } catch (err) {
    throw unavailable("The platform inbound secret", err);
  }
  return { workspace: ws, platformInboundSecret };
}

/**
 * The common heartbeat in one round trip: only a live instance token of this
 * workspace, while it is ONLINE, matches; it records the time and returns
 * the row. Every other case matches nothing and takes the full path.
 *
 * Its commit does not wait for the WAL flush (synchronous_commit off, for
 * this transaction only): should PostgreSQL crash, the last fraction of a
 * second of heartbeat times may be lost, which the next beat restores, while
 * the database stays consistent. Waiting for the flush bounded heartbeats at
 * about 2.6k per second on this machine whatever the CPU; without it, 6k.
 * Status changes (the full path below) keep their durable commits.
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
const COLUMNS = Object.values(Prisma.WorkspaceScalarFieldEnum)
  .map((c) => `w."${c}"`)
  .join(", ");
const BEAT_WHILE_ONLINE = `
  WITH commit_without_flush AS (SELECT set_config('synchronous_commit', 'off', true))
  UPDATE "Workspace" AS w SET "lastHeartbeatAt" = now(), "updatedAt" = now()
  FROM "InstanceToken" AS t, commit_without_flush
  WHERE w.id = $1::uuid AND w.status = 'ONLINE'
    AND t."tokenHash" = $2 AND t."workspaceId" = w.id AND t."revokedAt" IS NULL
  RETURNING ${COLUMNS}`;

async function beatWhileOnline(domain: Domain, tokenHash: string, workspaceId: string): Promise<Workspace | null> {
  const rows = await domain.sql.query<Workspace>(BEAT_WHILE_ONLINE, [workspaceId, tokenHash], "beat_while_online");
  return rows[0] ?? null;
}
