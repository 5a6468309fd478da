import type { SqlDriver } from "../db/database.js";
import { type GroupRules, groupCommitOf } from "../db/group-commit.js";
import type { Workspace } from "../generated/prisma/client.js";
import { WORKSPACE_COLUMNS } from "./columns.js";
import { runGroupStatement } from "./group-statement.js";
import type { RuntimeState } from "./runtime-state.js";

/** One common heartbeat: the workspace, the presented token's hash, and the runtime's report if it carried one. */
export type Beat = { workspaceId: string; tokenHash: string; report: RuntimeState | null; markLagMs: number };

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
 * Status changes (the full path) keep their durable commits.
 *
 * It writes no indexed column on most beats, so PostgreSQL updates the row
 * in place (a HOT update) instead of adding an entry to each of the table's
 * indexes: the sweep's mark (heartbeatMarkAt) moves only once it is half a
 * heartbeat timeout behind. (Indexing lastHeartbeatAt itself cost 2-3× of
 * the beat's throughput.) The beat is copied, by a trigger, to the narrow
 * WorkspaceLastBeat, whose index serves the order by last heartbeat.
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
 *
 * `beat` is the statement's source row: its workspace, token hash, report
 * (jsonb), expected health and mark lag. The one-beat statement and the
 * group's (below) share this text, so the two cannot disagree.
 */
const beatStatement = (
  source: string,
  beat: { id: string; hash: string; report: string; degraded: string; lag: string },
  ids: string,
) => `
  WITH commit_without_flush AS (SELECT set_config('synchronous_commit', 'off', true)),
    free_rows AS (SELECT id FROM "Workspace" WHERE id = ${ids} ORDER BY id FOR NO KEY UPDATE SKIP LOCKED)
  UPDATE "Workspace" AS w SET "lastHeartbeatAt" = now(), "updatedAt" = now(),
    "runtimeState" = COALESCE(${beat.report}, w."runtimeState"),
    "heartbeatMarkAt" = CASE WHEN w."heartbeatMarkAt" IS NULL OR w."heartbeatMarkAt" < now() - ${beat.lag} * interval '1 millisecond'
      THEN now() ELSE w."heartbeatMarkAt" END
  FROM ${source}"InstanceToken" AS t, commit_without_flush
  WHERE w.id IN (SELECT id FROM free_rows) AND w.id = ${beat.id} AND w.status = 'ONLINE'
    AND t."tokenHash" = ${beat.hash} AND t."workspaceId" = w.id AND t."revokedAt" IS NULL
    AND (${beat.degraded} IS NULL OR w."runtimeDegraded" = ${beat.degraded})`;

/**
 * A beat never waits on a row lock: the statement first locks its rows (in
 * id order), skipping any another transaction holds (a sweep's batch, a
 * change under way). A beat whose row was skipped gets null and takes the
 * full path alone, which waits for that one row; without this, one held
 * row would stall a group and every beat queued behind it. The lock is the
 * one the update takes (FOR NO KEY UPDATE), so the events' foreign-key
 * checks (FOR KEY SHARE) neither wait on it nor make a row be skipped.
 */
const BEAT_WHILE_ONLINE = `${beatStatement(
  "",
  { id: "$1::uuid", hash: "$2", report: "$3::text::jsonb", degraded: "$4::boolean", lag: "$5::int" },
  "$1::uuid",
)}
  RETURNING ${WORKSPACE_COLUMNS}`;

/**
 * Many beats in one statement (the group commit, see GroupCommit): one
 * source row per beat, each matched on its own pair (workspace, token hash)
 * exactly as the one-beat statement matches it, and each returned row names
 * its source row (`beat`). A batch holds a workspace at most once, so no
 * target row joins two source rows. The workspaces' ids come again as an
 * array ($2), for the planner: it takes a set-returning function for 100
 * rows, and with 20,000 workspaces it scanned every instance token (20 ms a
 * statement); the rows locked by id (`id = ANY`) make it start from the
 * primary key.
 */
const BEATS_WHILE_ONLINE = `${beatStatement(
  "jsonb_to_recordset($1::text::jsonb) AS b(i int, id uuid, hash text, report jsonb, degraded boolean, lag int), ",
  { id: "b.id", hash: "b.hash", report: "b.report", degraded: "b.degraded", lag: "b.lag" },
  "ANY($2::text::uuid[])",
)}
  RETURNING b.i AS item, ${WORKSPACE_COLUMNS}`;

/** The one-beat statement: the row it beat, or null for the full path. */
export async function beatOne(sql: SqlDriver, beat: Beat): Promise<Workspace | null> {
  // The report as JSON text (cast in SQL): both drivers pass text as it is.
  const params = [
    beat.workspaceId,
    beat.tokenHash,
    beat.report && JSON.stringify(beat.report),
    beat.report && beat.report.health === "DEGRADED",
    beat.markLagMs,
  ];
  const rows = await sql.query<Workspace>(BEAT_WHILE_ONLINE, params, "beat_while_online");
  return rows[0] ?? null;
}

/** The group statement: for each beat, in order, its row or null. Beats must name distinct workspaces. */
export async function beatMany(sql: SqlDriver, beats: readonly Beat[]): Promise<(Workspace | null)[]> {
  const source = beats.map((b, i) => ({
    i,
    id: b.workspaceId,
    hash: b.tokenHash,
    report: b.report,
    degraded: b.report && b.report.health === "DEGRADED",
    lag: b.markLagMs,
  }));
  return runGroupStatement(sql, { text: BEATS_WHILE_ONLINE, name: "beats_while_online" }, beats, source);
}

/**
 * How beats share a statement (GroupCommit). A workspace is in a statement
 * once. A second beat of it shares the entry only with the same token hash
 * (the same verdict, by definition) and mark lag and, if both carry reports,
 * the same health (one statement checks one); any other waits for the next
 * statement. The entry writes its last report; each beat that carried a
 * report gets the row with its own (the row as it was after that beat), and
 * the beats without one get the row as it is (they come after the reports).
 * The beats of a statement were all under way at once, so that order is as
 * good as any.
 */
const beatRules = (sql: SqlDriver): GroupRules<Beat, Workspace> => ({
  key: (beat) => beat.workspaceId,
  join: (held, beat) => {
    if (held.tokenHash !== beat.tokenHash || held.markLagMs !== beat.markLagMs) return null;
    if (held.report && beat.report && held.report.health !== beat.report.health) return null;
    return beat.report ? beat : held;
  },
  // The report as the database gives JSON back.
  answer: (row, beat) => (beat.report ? { ...row, runtimeState: JSON.parse(JSON.stringify(beat.report)) } : { ...row }),
  one: (beat) => beatOne(sql, beat),
  many: (beats) => beatMany(sql, beats),
});

/**
 * The common beat's statement, grouped with the beats that wait beside it,
 * or on its own inside a transaction. A statement waits on no row lock (it
 * skips held rows, above): neither a group nor the beats queued behind it
 * stall on one held row, and it can deadlock with nothing.
 */
export function beatWhileOnline(sql: SqlDriver, beat: Beat): Promise<Workspace | null> {
  const group = groupCommitOf(sql, "heartbeat", beatRules);
  return group ? group.run(beat) : beatOne(sql, beat);
}
