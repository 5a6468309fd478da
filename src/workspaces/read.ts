import type { Domain } from "../domain.js";
import { err, failed, ok, type RequestFailure, type Result } from "../errors.js";
import { compareEventPositions, decodeEventCursor, encodeEventCursor, positionOf } from "../events/cursor.js";
import {
  after as afterPosition,
  before as beforePosition,
  HEAD_POSITION,
  parseHeadPosition,
  settled,
} from "../events/visibility.js";
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
    .map((c) => (c === "seq" || c === "txid" ? `e.${c}::text AS ${c}` : `e."${c}"`))
    .join(", "),
);

/**
 * The settled record in position order (oldest first on every page), of one
 * workspace or of all (src/events/visibility.ts). `first`/`after` page forwards from the oldest; `last`/`before`
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
  if (after !== null) conditions.push(afterPosition("e", after));
  if (before !== null) conditions.push(beforePosition("e", before));
  conditions.push(settled("e"));
  const dir = Prisma.raw(backwards ? "DESC" : "ASC");
  const query = Prisma.sql`
    SELECT head."head", ${EVENT_COLUMNS}
    FROM (SELECT ${HEAD_POSITION} AS "head") AS head
    LEFT JOIN LATERAL (
      SELECT * FROM "WorkspaceEvent" AS e WHERE ${Prisma.join(conditions, " AND ")}
      ORDER BY e.txid ${dir}, e.seq ${dir} LIMIT ${take + 1}
    ) AS e ON true
    ORDER BY e.txid ${dir}, e.seq ${dir}`;
  type Row = Omit<WorkspaceEvent, "seq" | "txid"> & { seq: string | null; txid: string | null; head: string };
  const rows = await domain.sql.query<Row>(query.text, query.values);
  const head = parseHeadPosition(rows[0]?.head ?? "0:0");
  // SPEC 7a: a cursor past the newest recorded event is refused, not an empty page for ever.
  if (after !== null && compareEventPositions(after, head) > 0) {
    return failed("VALIDATION_FAILED", "after lies past the newest recorded event.", "after");
  }
  const events: WorkspaceEvent[] = [];
  for (const { head: _, seq, txid, ...row } of rows) {
    if (seq !== null && txid !== null) events.push({ ...row, seq: BigInt(seq), txid: BigInt(txid) });
  }

  const more = events.length > take;
  const nodes = events.slice(0, take);
  if (backwards) nodes.reverse();
  const edges = nodes.map((node) => ({ cursor: encodeEventCursor(positionOf(node)), node }));
  return ok({
    edges,
    pageInfo: {
      hasNextPage: backwards ? before !== null : more,
      hasPreviousPage: backwards ? more : after !== null,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    headCursor: encodeEventCursor(head),
  });
}
