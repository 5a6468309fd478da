import type { SqlDriver } from "../db/database.js";
import { type GroupRules, groupCommitOf } from "../db/group-commit.js";
import type { Workspace } from "../generated/prisma/client.js";
import { WORKSPACE_COLUMNS } from "./columns.js";
import { runGroupStatement } from "./group-statement.js";

export type OnlineRegistration = {
  url: string | null;
  deliveryMode: "PUSH" | "POLL";
  agentCard: unknown;
};

/** One common register: the workspace, the presented token's hash, and what it writes (the card as JSON text). */
type Register = {
  workspaceId: string;
  tokenHash: string;
  url: string | null;
  deliveryMode: string;
  card: string | null;
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
 * workspace row (FOR NO KEY UPDATE), then the token row (FOR SHARE), in the
 * order every revoker takes them (restart, remove, a runtime's exit, a
 * join-token bootstrap: the row lock, then the revocation). A row changed
 * since the statement's snapshot is locked in its newest version and checked
 * again (PostgreSQL's re-check of a locking read), so a revocation committed
 * meanwhile leaves nothing to update; without the token's lock, a stale
 * runtime could write its url over the new one's (the lock-race test).
 *
 * It waits on no lock: a row another transaction holds (a bootstrap, a
 * restart, a sweep's batch) is skipped (SKIP LOCKED), and that register gets
 * no row and takes the full path, which waits for its lock and decides there.
 * Statements run one at a time in a group commit, so a wait here would stall
 * every register queued behind it; and a statement that waits on nothing
 * cannot deadlock.
 *
 * The commit is durable (unlike the heartbeat's): a register carries the
 * runtime's address, which a crash must not roll back behind its answer.
 * Grouping shares that WAL flush among the registers of a statement. The
 * sweep's mark moves with the beat, as on the full path (beatNow). Named
 * columns and a prepared statement, for the reasons beat-statement.ts gives.
 *
 * `source` is the statement's source rows r(i, id, hash, url, mode, card):
 * one VALUES row for a lone register, a JSON array for a group; `ids` the
 * workspaces' ids for the row locks. One text for both, so the two cannot
 * disagree.
 */
const registerStatement = (source: string, ids: string) => `
  WITH free_rows AS (
      SELECT id FROM "Workspace" WHERE id = ${ids} AND status = 'ONLINE' AND kind = 'WORKSPACE'
      ORDER BY id FOR NO KEY UPDATE SKIP LOCKED),
    live AS (
      SELECT r.i FROM ${source} JOIN "InstanceToken" AS t ON t."workspaceId" = r.id AND t."tokenHash" = r.hash
      WHERE r.id IN (SELECT id FROM free_rows) AND t."revokedAt" IS NULL
      FOR SHARE OF t SKIP LOCKED)
  UPDATE "Workspace" AS w SET url = r.url, "deliveryMode" = r.mode, "agentCard" = r.card,
    "lastHeartbeatAt" = now(), "heartbeatMarkAt" = now(), "updatedAt" = now(),
    "failureCode" = NULL, "failureMessage" = NULL, "failedAt" = NULL
  FROM ${source}
  WHERE r.i IN (SELECT i FROM live) AND w.id = r.id AND w.status = 'ONLINE' AND w.kind = 'WORKSPACE'
  RETURNING r.i AS item, ${WORKSPACE_COLUMNS}`;

const REGISTER_WHILE_ONLINE = registerStatement(
  `(VALUES (0, $1::uuid, $2::text, $3::text, $4::"DeliveryMode", $5::text::jsonb)) AS r(i, id, hash, url, mode, card)`,
  "$1::uuid",
);

/** Many registers (distinct workspaces), each matched on its own (workspace, token hash) pair. */
const REGISTERS_WHILE_ONLINE = registerStatement(
  `(SELECT i, id, hash, url, mode::"DeliveryMode" AS mode, card FROM jsonb_to_recordset($1::text::jsonb)
      AS x(i int, id uuid, hash text, url text, mode text, card jsonb)) AS r`,
  "ANY($2::text::uuid[])",
);

async function registerOne(sql: SqlDriver, r: Register): Promise<Workspace | null> {
  const params = [r.workspaceId, r.tokenHash, r.url, r.deliveryMode, r.card];
  const rows = await sql.query<Workspace & { item: number }>(REGISTER_WHILE_ONLINE, params, "register_while_online");
  const row = rows[0];
  if (!row) return null;
  const { item: _, ...ws } = row;
  return ws;
}

async function registerMany(sql: SqlDriver, regs: readonly Register[]): Promise<(Workspace | null)[]> {
  const source = regs.map((r, i) => ({
    i,
    id: r.workspaceId,
    hash: r.tokenHash,
    url: r.url,
    mode: r.deliveryMode,
    card: r.card === null ? null : JSON.parse(r.card),
  }));
  return runGroupStatement(sql, { text: REGISTERS_WHILE_ONLINE, name: "registers_while_online" }, regs, source);
}

/**
 * How registers share a statement (GroupCommit): a workspace is in a
 * statement once, and a second register of it shares the entry only when it
 * presents the same token and writes the same url, delivery mode and card
 * (running the two in turn would leave the same row); any other waits for
 * the next statement.
 */
const registerRules = (sql: SqlDriver): GroupRules<Register, Workspace> => ({
  key: (r) => r.workspaceId,
  join: (held, r) =>
    held.tokenHash === r.tokenHash && held.url === r.url && held.deliveryMode === r.deliveryMode && held.card === r.card
      ? held
      : null,
  answer: (row) => ({ ...row }),
  one: (r) => registerOne(sql, r),
  many: (regs) => registerMany(sql, regs),
});

/** The registered row, or null when the one statement does not apply (take the full path). */
export function registerWhileOnline(
  sql: SqlDriver,
  tokenHash: string,
  workspaceId: string,
  data: OnlineRegistration,
): Promise<Workspace | null> {
  // The card as JSON text (cast in SQL): both drivers pass text as it is.
  const card = data.agentCard === undefined || data.agentCard === null ? null : JSON.stringify(data.agentCard);
  const r: Register = { workspaceId, tokenHash, url: data.url, deliveryMode: data.deliveryMode, card };
  const group = groupCommitOf(sql, "register", registerRules);
  return group ? group.run(r) : registerOne(sql, r);
}
