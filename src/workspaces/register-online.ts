import type { Domain } from "../domain.js";
import type { Workspace } from "../generated/prisma/client.js";
import { WORKSPACE_COLUMNS } from "./columns.js";

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
 * the row lock (a secret write takes that lock without changing the row).
 *
 * The token is judged under the locks, as the full path judges it: the
 * workspace row first (FOR NO KEY UPDATE, the inner select), then the token
 * row (FOR SHARE), in the order every revoker takes them (restart, remove,
 * a runtime's exit, a join-token bootstrap: the row lock, then the
 * revocation), so no deadlock. A lock that waited re-reads the row's newest
 * version and checks it again, so a revocation committed meanwhile leaves
 * nothing to update; PostgreSQL's re-check of an UPDATE ... FROM alone would
 * look at the workspace row's newest version but not the token's, and a
 * stale runtime could write its url over the new one's (the lock-race test).
 * Two registers of one workspace queue on the row lock and both pass.
 *
 * The commit is durable (unlike the heartbeat's): a register carries the
 * runtime's address, which a crash must not roll back behind its answer.
 * The sweep's mark moves with the beat, as on the full path (beatNow).
 * Named columns and a prepared statement, for the reasons heartbeat.ts gives.
 */
const REGISTER_WHILE_ONLINE = `
  WITH live AS (
    SELECT t.id FROM "InstanceToken" AS t,
      (SELECT id FROM "Workspace" WHERE id = $1::uuid AND status = 'ONLINE' AND kind = 'WORKSPACE'
       FOR NO KEY UPDATE) AS ws
    WHERE t."workspaceId" = ws.id AND t."tokenHash" = $2 AND t."revokedAt" IS NULL
    FOR SHARE OF t
  )
  UPDATE "Workspace" AS w SET url = $3, "deliveryMode" = $4::"DeliveryMode", "agentCard" = $5::text::jsonb,
    "lastHeartbeatAt" = now(), "heartbeatMarkAt" = now(), "updatedAt" = now(),
    "failureCode" = NULL, "failureMessage" = NULL, "failedAt" = NULL
  FROM live
  WHERE w.id = $1::uuid
  RETURNING ${WORKSPACE_COLUMNS}`;

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
