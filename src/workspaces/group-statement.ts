import type { SqlDriver } from "../db/database.js";
import type { Workspace } from "../generated/prisma/client.js";

/**
 * Runs a group statement (a heartbeat's or a register's, see GroupCommit)
 * and hands each returned row to the item it names: the statement takes its
 * source rows as a JSON array ($1, each with its index `i`) and the
 * workspaces' ids as an array ($2, for the row locks), and returns `i AS
 * item` beside each row. For each item, in order: its row, or null. A row
 * handed to another item would lend one caller's credentials to another, so
 * each is checked to be its item's workspace.
 */
export async function runGroupStatement(
  sql: SqlDriver,
  statement: { text: string; name: string },
  items: readonly { workspaceId: string }[],
  source: readonly object[],
): Promise<(Workspace | null)[]> {
  const rows = await sql.query<Workspace & { item: number }>(
    statement.text,
    // Ids as an array literal: uuids (checked before an item gets here) need no quoting.
    [JSON.stringify(source), `{${items.map((it) => it.workspaceId).join(",")}}`],
    statement.name,
  );
  const out: (Workspace | null)[] = items.map(() => null);
  for (const { item: i, ...ws } of rows) {
    if (items[i]?.workspaceId !== ws.id) throw new Error(`${statement.name} returned a row of another workspace.`);
    out[i] = ws;
  }
  return out;
}
