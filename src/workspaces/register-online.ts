import type { Domain } from "../domain.js";
import { Prisma, type Workspace } from "../generated/prisma/client.js";

export type OnlineRegistration = {
  url: string | null;
  deliveryMode: "PUSH" | "POLL";
  agentCard: unknown;
};

/**
 * The common register (SPEC 5) in one statement: a WORKSPACE-kind row that
 * is ONLINE, presented with its own live instance token, takes the payload's
 * url, delivery mode and card and the time, and comes back. Nothing is
 * minted, revoked or recorded on this path: no status changes. Every other
 * case matches nothing and takes the full transaction (which says why, mints,
 * or records): no or another bearer, a join token, a status other than
 * ONLINE, and PLATFORM rows, whose identity gate reads the MODEL secret under
 * the row lock (a secret write takes that lock without changing the row, so
 * this statement could not see it).
 *
 * The token is read from the statement's snapshot; a restart, a crash or a
 * join-token bootstrap that revokes it does so in a transaction that also
 * changes the workspace row. If that transaction commits while this UPDATE
 * waits for the row, PostgreSQL re-checks the WHERE on the new row version
 * only (not on the token row). `w.xmin = seen.xmin` closes that gap: `seen`
 * is the version this statement's snapshot saw, so a row changed meanwhile
 * matches nothing and the full path re-reads everything under the lock, as
 * before. Without it a stale runtime could write its url over the new one's.
 *
 * The commit is durable (unlike the heartbeat's): a register carries the
 * runtime's address, which a crash must not roll back behind its answer.
 * The sweep's mark moves with the beat, as on the full path (beatNow).
 * Named columns and a prepared statement, for the reasons heartbeat.ts gives.
 */
const COLUMNS = Object.values(Prisma.WorkspaceScalarFieldEnum)
  .map((c) => `w."${c}"`)
  .join(", ");
const REGISTER_WHILE_ONLINE = `
  UPDATE "Workspace" AS w SET url = $3, "deliveryMode" = $4::"DeliveryMode", "agentCard" = $5::text::jsonb,
    "lastHeartbeatAt" = now(), "heartbeatMarkAt" = now(), "updatedAt" = now(),
    "failureCode" = NULL, "failureMessage" = NULL, "failedAt" = NULL
  FROM "Workspace" AS seen, "InstanceToken" AS t
  WHERE w.id = $1::uuid AND w.status = 'ONLINE' AND w.kind = 'WORKSPACE'
    AND seen.id = w.id AND w.xmin = seen.xmin
    AND t."tokenHash" = $2 AND t."workspaceId" = w.id AND t."revokedAt" IS NULL
  RETURNING ${COLUMNS}`;

/** The registered row, or null when the one statement does not apply (take the full path). */
export async function registerWhileOnline(
  domain: Domain,
  tokenHash: string,
  workspaceId: string,
  data: OnlineRegistration,
): Promise<Workspace | null> {
  // The card as JSON text (cast in SQL): both drivers pass text as it is.
  const card = data.agentCard === undefined || data.agentCard === null ? null : JSON.stringify(data.agentCard);
  const params = [workspaceId, tokenHash, data.url, data.deliveryMode, card];
  const rows = await domain.sql.query<Workspace>(REGISTER_WHILE_ONLINE, params, "register_while_online");
  return rows[0] ?? null;
}
