import type { Domain } from "../domain.js";
import { failed, ok, type RequestFailure, type Result } from "../errors.js";
import { encodeEventCursor } from "../events/cursor.js";
import { HEAD_POSITION, parseHeadPosition } from "../events/visibility.js";
import { Prisma, type Workspace, type WorkspaceKind, type WorkspaceStatus } from "../generated/prisma/client.js";
import { type Page, pageSize, toPage } from "../pagination.js";
import { WORKSPACE_COLUMNS } from "./columns.js";
import {
  type CursorRow,
  decodeWorkspaceCursor,
  encodeWorkspaceCursor,
  type WorkspaceCursor,
  type WorkspaceOrder,
} from "./list-cursor.js";
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
 * forwards or backwards, but LAST_HEARTBEAT_AT: Workspace has no index on
 * the last beat, so that heartbeats stay HOT updates (the migration
 * `workspace_list_orders` says more); its pages are chosen from
 * WorkspaceLastBeat (pageIdsByLastBeat), and these keys sort their rows.
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

export type Filter = {
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

export type PageQuery = { order: WorkspaceOrder; filter: Filter; after: WorkspaceCursor | null; take: number };

/** ORDER BY these keys, each in the order's direction. */
const sortBy = (keys: string[], direction: WorkspaceOrder["direction"]) =>
  Prisma.raw(keys.map((k) => `${k} ${direction === "ASC" ? "ASC" : "DESC"}`).join(", "));

/** The rows past the cursor in the order's direction: its keys (the id last) compared as a row. */
function pastCursor({ order, after }: PageQuery, keys: string[]): Prisma.Sql[] {
  if (!after) return [];
  const [mine, theirs] = [
    Prisma.raw(`(${keys.join(", ")})`),
    Prisma.join([...cursorKeys(order, after.row), Prisma.sql`${after.row.id}::uuid`]),
  ];
  return [order.direction === "ASC" ? Prisma.sql`${mine} > (${theirs})` : Prisma.sql`${mine} < (${theirs})`];
}

/**
 * The ids of one page, in order (take + 1 of them, to tell whether more
 * follow). The orders by name, creation and status are served by indexes on
 * exactly their keys; the order by last heartbeat by WorkspaceLastBeat's.
 */
export function pageIds(q: PageQuery): Prisma.Sql {
  if (q.order.field === "LAST_HEARTBEAT_AT") return pageIdsByLastBeat(q);
  const keys = [...ORDER_KEYS[q.order.field]("w"), `w."id"`];
  const where = and([statusIn(q.filter.statuses), ...facetConditions(q.filter), ...pastCursor(q, keys)]);
  return Prisma.sql`SELECT w.id FROM "Workspace" AS w ${where} ORDER BY ${sortBy(keys, q.order.direction)} LIMIT ${q.take + 1}`;
}

/**
 * The order by last heartbeat: each listed status's newest (or oldest) beats
 * from its own range of WorkspaceLastBeat's index (status, at, id), merged.
 * Each range stops after a page, so a page reads at most a page per status
 * whatever the number of workspaces; the other filters are applied to each
 * range through the workspace's row. The trigger that keeps WorkspaceLastBeat
 * writes it in the transaction that writes the workspace, so its beat and
 * status are the row's in the page's snapshot.
 */
function pageIdsByLastBeat(q: PageQuery): Prisma.Sql {
  const keys = [`b."at"`, `b."workspaceId"`];
  const conditions = [...facetConditions(q.filter), ...pastCursor(q, keys)];
  const ranges = q.filter.statuses.map(
    (status) => Prisma.sql`(
      SELECT b."workspaceId" AS id, b."at" FROM "WorkspaceLastBeat" AS b JOIN "Workspace" AS w ON w.id = b."workspaceId"
      ${and([Prisma.sql`b."status" = ${status}::"WorkspaceStatus"`, ...conditions])}
      ORDER BY ${sortBy(keys, q.order.direction)} LIMIT ${q.take + 1})`,
  );
  return Prisma.sql`
    SELECT p.id FROM (${Prisma.join(ranges, " UNION ALL ")}) AS p
    ORDER BY ${sortBy([`p."at"`, "p.id"], q.order.direction)} LIMIT ${q.take + 1}`;
}

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

  // The head is read beside the page (a one-row join), so an empty page still has one.
  // The page is chosen on the ids alone, then its rows are read.
  const query = Prisma.sql`
    SELECT head."head", ${Prisma.raw(WORKSPACE_COLUMNS)}
    FROM (SELECT ${HEAD_POSITION} AS "head") AS head
    LEFT JOIN LATERAL (
      SELECT w.* FROM (${pageIds({ order, filter, after, take })}) AS page JOIN "Workspace" AS w ON w.id = page.id
    ) AS w ON true
    ORDER BY ${sortBy([...ORDER_KEYS[order.field]("w"), `w."id"`], order.direction)}`;
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
