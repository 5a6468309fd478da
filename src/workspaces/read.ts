import type { Domain } from "../domain.js";
import { err, failed, ok, type RequestFailure, type Result } from "../errors.js";
import { decodeEventCursor, encodeEventCursor } from "../events/cursor.js";
import { Prisma, type Workspace, type WorkspaceEvent } from "../generated/prisma/client.js";
import { type Page, pageSize } from "../pagination.js";
import { isWorkspaceId } from "./validate.js";

/** Malformed and unknown ids read as null (SPEC section 8). */
export function findWorkspace(domain: Domain, id: string): Promise<Workspace | null> {
  if (!isWorkspaceId(id)) return Promise.resolve(null);
  return domain.prisma.workspace.findUnique({ where: { id } });
}

export type EventListArgs = {
  workspaceId?: string | null;
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
};

export type EventList = Page<WorkspaceEvent> & {
  /** The newest recorded event (of any workspace) when the page was read, in the same snapshot. */
  headCursor: string;
};

const badCursor = (field: "after" | "before") =>
  failed("VALIDATION_FAILED", `${field} is not a cursor this service issued.`, field);

const EVENT_COLUMNS = Prisma.raw(
  Object.values(Prisma.WorkspaceEventScalarFieldEnum)
    .map((c) => (c === "seq" ? `e.seq::text AS seq` : `e."${c}"`))
    .join(", "),
);

/**
 * The record in commit order (oldest first on every page), of one workspace
 * or of all. `first`/`after` page forwards from the oldest; `last`/`before`
 * from the newest backwards. The page and the head cursor are read in one
 * statement, so they come from one snapshot: subscribing with `after` set to
 * the head cursor continues exactly where the page's record ended.
 */
export async function listEvents(domain: Domain, args: EventListArgs): Promise<Result<EventList, RequestFailure>> {
  if (args.first != null && args.last != null) {
    return failed("VALIDATION_FAILED", "Give first or last, not both.", "last");
  }
  const backwards = args.last != null;
  const size = pageSize(backwards ? args.last : args.first);
  if (!size.ok) return backwards ? err({ ...size.error, field: "last" }) : size;
  const take = size.value;
  const after = args.after ? decodeEventCursor(args.after) : null;
  if (args.after && after === null) return badCursor("after");
  const before = args.before ? decodeEventCursor(args.before) : null;
  if (args.before && before === null) return badCursor("before");
  const workspaceId = args.workspaceId ?? null;
  const conditions: Prisma.Sql[] = [];
  // A malformed id (the empty string too) names no workspace: no events, never all of them.
  if (workspaceId !== null && !isWorkspaceId(workspaceId)) conditions.push(Prisma.sql`false`);
  else if (workspaceId !== null) conditions.push(Prisma.sql`e."workspaceId" = ${workspaceId}::uuid`);
  if (after !== null) conditions.push(Prisma.sql`e.seq > ${after.toString()}::bigint`);
  if (before !== null) conditions.push(Prisma.sql`e.seq < ${before.toString()}::bigint`);
  const where = conditions.length ? Prisma.sql`WHERE ${Prisma.join(conditions, " AND ")}` : Prisma.empty;
  const query = Prisma.sql`
    SELECT head."headSeq", ${EVENT_COLUMNS}
    FROM (SELECT coalesce(max(seq), 0)::text AS "headSeq" FROM "WorkspaceEvent") AS head
    LEFT JOIN LATERAL (
      SELECT * FROM "WorkspaceEvent" AS e ${where}
      ORDER BY e.seq ${Prisma.raw(backwards ? "DESC" : "ASC")} LIMIT ${take + 1}
    ) AS e ON true
    ORDER BY e.seq ${Prisma.raw(backwards ? "DESC" : "ASC")}`;
  type Row = Omit<WorkspaceEvent, "seq"> & { seq: string | null; headSeq: string };
  const rows = await domain.sql.query<Row>(query.text, query.values);
  const headSeq = rows[0]?.headSeq ?? "0";
  // SPEC 7a: a cursor past the newest recorded event is refused, not an empty page for ever.
  if (after !== null && after > BigInt(headSeq)) {
    return failed("VALIDATION_FAILED", "after lies past the newest recorded event.", "after");
  }
  const events: WorkspaceEvent[] = [];
  for (const { headSeq: _, seq, ...row } of rows) if (seq !== null) events.push({ ...row, seq: BigInt(seq) });

  const more = events.length > take;
  const nodes = events.slice(0, take);
  if (backwards) nodes.reverse();
  const edges = nodes.map((node) => ({ cursor: encodeEventCursor(node.seq), node }));
  return ok({
    edges,
    pageInfo: {
      hasNextPage: backwards ? before !== null : more,
      hasPreviousPage: backwards ? more : after !== null,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    headCursor: encodeEventCursor(headSeq),
  });
}
