import type { Domain } from "../domain.js";
import { failed, ok, type RequestFailure, type Result } from "../errors.js";
import { encodeEventCursor } from "../events/cursor.js";
import { HEAD_POSITION, parseHeadPosition } from "../events/visibility.js";
import { Prisma, type Workspace, type WorkspaceKind, type WorkspaceStatus } from "../generated/prisma/client.js";
import { type Page, pageSize, toPage } from "../pagination.js";
import { WORKSPACE_COLUMNS } from "./columns.js";
import { type CursorRow, decodeWorkspaceCursor, encodeWorkspaceCursor, type WorkspaceOrder } from "./list-cursor.js";
import { readStatusCounts } from "./status-counts.js";
import { hasControlCharacters, MAX_NAME, MAX_RUNTIME_OR_MODEL } from "./validate.js";

export type { WorkspaceOrder, WorkspaceOrderField } from "./list-cursor.js";

export const WORKSPACE_STATUSES: readonly WorkspaceStatus[] = [
  "PROVISIONING",
  "ONLINE",
  "OFFLINE",
  "FAILED",
  "REMOVED",
];
const LISTED_BY_DEFAULT = WORKSPACE_STATUSES.filter((s) => s !== "REMOVED");

export type WorkspaceListArgs = {
  first?: number | null;
  after?: string | null;
  status?: WorkspaceStatus | null;
  statuses?: readonly WorkspaceStatus[] | null;
  kind?: WorkspaceKind | null;
  runtime?: string | null;
  search?: string | null;
  orderBy?: WorkspaceOrder | null;
};

export type StatusCounts = { total: number; byStatus: { status: WorkspaceStatus; count: number }[] };

export type WorkspaceList = Page<Workspace> & {
  /** The newest recorded event when the page was read, in the same snapshot (never null: ev:0 for none). */
  headCursor: string;
  /** Counted on demand, once: one more round trip only when a client asks. */
  counts(): Promise<StatusCounts>;
};

/**
 * The sort keys of each order, as SQL over a table alias, with the id as the
 * last key. The same expressions are applied to the cursor's values, so a
 * cursor compares exactly as the rows do, in whatever collation and ctype
 * the database has. Indexes on exactly these keys serve the orders, scanned
 * forwards or backwards; LAST_HEARTBEAT_AT has none, so that heartbeats stay
 * HOT updates (the migration `workspace_list_orders` says more).
 */
const ORDER_KEYS: Record<WorkspaceOrder["field"], (a: string) => string[]> = {
  // Case-insensitive: people read "alpha, Beta" in that order.
  NAME: (a) => [`lower(${a}."name")`],
  CREATED_AT: (a) => [`${a}."createdAt"`],
  STATUS: (a) => [`${a}."status"`, `${a}."createdAt"`],
  // Never heartbeated sorts as the oldest heartbeat, in both directions.
  LAST_HEARTBEAT_AT: (a) => [`COALESCE(${a}."lastHeartbeatAt", '-infinity'::timestamptz)`],
};

/** The cursor's values under the same expressions as ORDER_KEYS. */
function cursorKeys(order: WorkspaceOrder, row: CursorRow): Prisma.Sql[] {
  switch (order.field) {
    case "NAME":
      return [Prisma.sql`lower(${row.name}::text)`];
    case "CREATED_AT":
      return [Prisma.sql`${row.createdAt}::timestamptz`];
    case "STATUS":
      return [Prisma.sql`${row.status}::"WorkspaceStatus"`, Prisma.sql`${row.createdAt}::timestamptz`];
    case "LAST_HEARTBEAT_AT":
      return [Prisma.sql`COALESCE(${row.lastHeartbeatAt}::timestamptz, '-infinity'::timestamptz)`];
  }
}

const invalid = (field: string, message: string) => failed("VALIDATION_FAILED", message, field);

type Filter = {
  statuses: readonly WorkspaceStatus[];
  kind: WorkspaceKind | null;
  runtime: string | null;
  search: string | null;
};

function readFilter(args: WorkspaceListArgs): Result<Filter, RequestFailure> {
  if (args.status && args.statuses && args.statuses.length > 0) {
    return invalid("statuses", "Give status or statuses, not both.");
  }
  const statuses = args.status
    ? [args.status]
    : args.statuses?.length
      ? [...new Set(args.statuses)]
      : LISTED_BY_DEFAULT;
  const runtime = args.runtime ?? null;
  if (runtime !== null && (runtime.length > MAX_RUNTIME_OR_MODEL || hasControlCharacters(runtime))) {
    return invalid("runtime", `runtime is at most ${MAX_RUNTIME_OR_MODEL} characters, without control characters.`);
  }
  const search = args.search ?? null;
  if (search !== null && (search.length > MAX_NAME || hasControlCharacters(search))) {
    return invalid("search", `search is at most ${MAX_NAME} characters, without control characters.`);
  }
  return ok({ statuses, kind: args.kind ?? null, runtime, search: search === "" ? null : search });
}

/** LIKE's wildcards and its escape character, matched literally. */
export const escapeLike = (text: string) => text.replace(/[\\%_]/g, "\\$&");

/** Every condition but the statuses: the counts by status are counted under these. */
function facetConditions(f: Filter): Prisma.Sql[] {
  const where: Prisma.Sql[] = [];
  if (f.kind) where.push(Prisma.sql`w."kind" = ${f.kind}::"WorkspaceKind"`);
  if (f.runtime !== null) where.push(Prisma.sql`w."runtime" = ${f.runtime}`);
  if (f.search !== null) where.push(nameContains(f.search));
  return where;
}

/**
 * The name search: a case-insensitive substring, LIKE's wildcards taken
 * literally. The trigram index (migration workspace_name_trigrams) serves
 * exactly this predicate; a search under 3 characters has no trigram and
 * reads the table.
 */
export const nameContains = (search: string) => Prisma.sql`w."name" ILIKE ${`%${escapeLike(search)}%`} ESCAPE '\\'`;

const statusIn = (statuses: readonly WorkspaceStatus[]) =>
  Prisma.sql`w."status" IN (${Prisma.join(statuses.map((s) => Prisma.sql`${s}::"WorkspaceStatus"`))})`;

const and = (conditions: Prisma.Sql[]) =>
  conditions.length ? Prisma.sql`WHERE ${Prisma.join(conditions, " AND ")}` : Prisma.empty;

/**
 * One page of workspaces, filtered and ordered, in one statement that also
 * reads the newest event's sequence number: the page and the head cursor
 * come from one snapshot, so a canvas that subscribes after the head cursor
 * misses no change made after the page and sees none twice (the head is the
 * newest settled position, see src/events/visibility.ts).
 */
export async function listWorkspaces(
  domain: Domain,
  args: WorkspaceListArgs,
): Promise<Result<WorkspaceList, RequestFailure>> {
  const size = pageSize(args.first);
  if (!size.ok) return size;
  const take = size.value;
  const read = readFilter(args);
  if (!read.ok) return read;
  const filter = read.value;
  const order: WorkspaceOrder = args.orderBy ?? { field: "CREATED_AT", direction: "ASC" };
  const after = args.after ? decodeWorkspaceCursor(args.after) : null;
  if (args.after && !after) return invalid("after", "after is not a cursor this service issued.");
  if (after && (after.order.field !== order.field || after.order.direction !== order.direction)) {
    return invalid("after", "after was issued for another order; page with the orderBy it was issued for.");
  }

  const dir = order.direction === "ASC" ? "ASC" : "DESC";
  const keys = (alias: string) => [...ORDER_KEYS[order.field](alias), `${alias}."id"`];
  const orderBy = (alias: string) =>
    Prisma.raw(
      keys(alias)
        .map((k) => `${k} ${dir}`)
        .join(", "),
    );
  const conditions = [statusIn(filter.statuses), ...facetConditions(filter)];
  if (after) {
    const mine = Prisma.raw(`(${keys("w").join(", ")})`);
    const theirs = Prisma.join([...cursorKeys(order, after.row), Prisma.sql`${after.row.id}::uuid`]);
    conditions.push(dir === "ASC" ? Prisma.sql`${mine} > (${theirs})` : Prisma.sql`${mine} < (${theirs})`);
  }
  // The head is read beside the page (a one-row join), so an empty page still has one.
  // The page is chosen on the ids alone, then its rows are read: an order no
  // index serves (the last heartbeat) sorts every listed row, and sorting
  // narrow rows instead of whole ones took a third off it at 100,000.
  const query = Prisma.sql`
    SELECT head."head", ${Prisma.raw(WORKSPACE_COLUMNS)}
    FROM (SELECT ${HEAD_POSITION} AS "head") AS head
    LEFT JOIN LATERAL (
      SELECT w.* FROM (
        SELECT w.id FROM "Workspace" AS w ${and(conditions)} ORDER BY ${orderBy("w")} LIMIT ${take + 1}
      ) AS page JOIN "Workspace" AS w ON w.id = page.id
    ) AS w ON true
    ORDER BY ${orderBy("w")}`;
  const rows = await domain.sql.query<Workspace & { head: string }>(query.text, query.values);
  const head = parseHeadPosition(rows[0]?.head ?? "0:0");
  const workspaces: Workspace[] = [];
  for (const { head: _, ...row } of rows) if (row.id !== null) workspaces.push(row);

  let counted: Promise<StatusCounts> | undefined;
  return ok({
    ...toPage(workspaces, take, (w) => encodeWorkspaceCursor(order, w), after !== null),
    headCursor: encodeEventCursor(head),
    counts: () => {
      counted ??= countByStatus(domain, filter);
      return counted;
    },
  });
}

/**
 * Counts by status under every filter but the status one, so a status
 * picker can show what each choice would list; the total is what the
 * whole filter lists. Without a name filter they come from the counts
 * the database keeps by kind, runtime and status (status-counts.ts), whose
 * cost does not grow with the workspaces; under a name filter, from the rows.
 */
async function countByStatus(domain: Domain, filter: Filter): Promise<StatusCounts> {
  const counts = filter.search === null ? await readStatusCounts(domain, filter) : await countRows(domain, filter);
  const byStatus = WORKSPACE_STATUSES.map((status) => ({ status, count: counts.get(status) ?? 0 }));
  const total = filter.statuses.reduce((sum, s) => sum + (counts.get(s) ?? 0), 0);
  return { total, byStatus };
}

async function countRows(domain: Domain, filter: Filter): Promise<Map<WorkspaceStatus, number>> {
  const query = Prisma.sql`
    SELECT w."status", count(*)::int AS "count" FROM "Workspace" AS w ${and(facetConditions(filter))}
    GROUP BY w."status"`;
  const rows = await domain.sql.query<{ status: WorkspaceStatus; count: number }>(query.text, query.values);
  return new Map(rows.map((r) => [r.status, Number(r.count)]));
}
