import type { SqlDriver } from "../db/database.js";
import type { Domain } from "../domain.js";
import type { WorkspaceKind, WorkspaceStatus } from "../generated/prisma/client.js";

// Workspaces by kind, runtime and status, kept by the database itself: a
// trigger on Workspace appends a row of +1 / -1 to "WorkspaceStatusCount" in
// the transaction of every insert, delete, and change of kind, runtime or
// status (the migration workspace_status_counts). A count is the sum of its
// rows, so a read costs the same at 100 workspaces or 100,000 and is exact
// in its snapshot, folded or not.

/** Past this many rows of changes, a read asks for a fold rather than wait for the sweep loop's. */
export const FOLD_ABOVE_ROWS = 1_000;

export type CountedFacets = { kind: WorkspaceKind | null; runtime: string | null };

/** The counts by status under the facets given (null: any); a status without workspaces is absent. */
export async function readStatusCounts(
  domain: Pick<Domain, "sql">,
  facets: CountedFacets,
): Promise<Map<WorkspaceStatus, number>> {
  const rows = await domain.sql.query<{ status: WorkspaceStatus; count: number; rows: number }>(
    `SELECT c."status", sum(c."delta")::int AS "count", count(*)::int AS "rows"
     FROM "WorkspaceStatusCount" AS c
     WHERE ($1::"WorkspaceKind" IS NULL OR c."kind" = $1) AND ($2::text IS NULL OR c."runtime" = $2)
     GROUP BY c."status"`,
    [facets.kind, facets.runtime],
  );
  if (rows.reduce((n, r) => n + Number(r.rows), 0) > FOLD_ABOVE_ROWS) foldInBackground(domain.sql);
  return new Map(rows.map((r) => [r.status, Number(r.count)]));
}

/**
 * Folds the rows of every (kind, runtime, status) that has more than one
 * into one row of their sum (none when it is 0), in one statement: the rows
 * it deletes are exactly the rows it sums (DELETE … RETURNING), so a change
 * committed meanwhile (a row its snapshot does not see) stays as it is, and
 * of two folds at once, the second skips the rows the first deleted and
 * cannot see the row the first wrote. A read sees the rows before the fold
 * or after it, never both. Two statements (sum, then delete) would lose
 * the changes committed between them.
 */
const FOLD = `
  WITH gone AS (
    DELETE FROM "WorkspaceStatusCount" AS c
    WHERE (c."kind", c."runtime", c."status") IN (
      SELECT "kind", "runtime", "status" FROM "WorkspaceStatusCount"
      GROUP BY "kind", "runtime", "status" HAVING count(*) > 1)
    RETURNING c."kind", c."runtime", c."status", c."delta"
  ), summed AS (
    INSERT INTO "WorkspaceStatusCount" ("kind", "runtime", "status", "delta")
    SELECT "kind", "runtime", "status", sum("delta") FROM gone
    GROUP BY "kind", "runtime", "status" HAVING sum("delta") <> 0
    RETURNING 1
  )
  SELECT (SELECT count(*) FROM gone)::int AS "folded", (SELECT count(*) FROM summed)::int AS "into"`;

/** Folds the counts' rows (the sweep loop calls it every interval): how many rows became how many. */
export async function foldStatusCounts(domain: Pick<Domain, "sql">): Promise<{ folded: number; into: number }> {
  const [row] = await domain.sql.query<{ folded: number; into: number }>(FOLD);
  return { folded: Number(row?.folded ?? 0), into: Number(row?.into ?? 0) };
}

const folding = new WeakMap<SqlDriver, Promise<unknown>>();

/**
 * One fold at a time per database handle, not awaited by the read that asked.
 * Its failure is dropped here: the fold is one statement, so a failed one
 * changed nothing, and the sweep loop folds at its next interval and logs
 * why it could not.
 */
function foldInBackground(sql: SqlDriver): void {
  if (folding.has(sql)) return;
  const fold = foldStatusCounts({ sql })
    .catch(() => {})
    .finally(() => folding.delete(sql));
  folding.set(sql, fold);
}
