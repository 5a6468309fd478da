import { Prisma, type PrismaClient, type WorkspaceEvent, type WorkspaceEventType } from "../generated/prisma/client.js";
import { compareEventPositions, type EventPosition } from "./cursor.js";

/**
 * The settling horizon: the oldest transaction of this database still running
 * when the statement's snapshot was taken, or the snapshot's upper bound
 * when none is (every later transaction takes a larger id). Transactions of
 * other databases on the cluster (listed by pg_stat_activity as running
 * there) do not hold it back. One that ended between the snapshot and that
 * list stays counted, which only delays: the horizon is never too late.
 * Compared as 32-bit ids, which is how pg_stat_activity gives them.
 */
const HORIZON = `coalesce(
  (SELECT min(x::text::bigint) FROM pg_snapshot_xip(pg_current_snapshot()) x
   WHERE (x::text::bigint % 4294967296) NOT IN (
     SELECT a.backend_xid::text::bigint FROM pg_stat_activity a
     WHERE a.datname <> current_database() AND a.backend_xid IS NOT NULL)),
  pg_snapshot_xmax(pg_current_snapshot())::text::bigint)`;

/**
 * Whether an event is settled: its position's transaction part lies below
 * the horizon, so every transaction that could still record an event at a
 * smaller position has ended, and a reader that has passed a settled
 * position never sees an event appear behind it. Ordered by position, the
 * settled events of a read are a prefix of it. A long transaction of this
 * database delays delivery (this service keeps its own short); it never
 * reorders or loses an event.
 */
const settledText = (alias: string) => `(${alias}.txid < ${HORIZON})`;
export const settled = (alias: string) => Prisma.raw(settledText(alias));

/** Positions after `p`, as a condition on the row of `alias`. */
export const after = (alias: string, p: EventPosition) =>
  Prisma.sql`(${Prisma.raw(alias)}.txid, ${Prisma.raw(alias)}.seq) > (${p.txid.toString()}::bigint, ${p.seq.toString()}::bigint)`;

/** Positions before `p`, as a condition on the row of `alias`. */
export const before = (alias: string, p: EventPosition) =>
  Prisma.sql`(${Prisma.raw(alias)}.txid, ${Prisma.raw(alias)}.seq) < (${p.txid.toString()}::bigint, ${p.seq.toString()}::bigint)`;

/**
 * The newest settled event's position as `txid:seq` (`0:0` before the first),
 * for a statement's select list: read in the statement's own snapshot, so a
 * page and its head cursor agree.
 */
export const HEAD_POSITION = Prisma.raw(
  `coalesce((SELECT h.txid::text || ':' || h.seq::text FROM "WorkspaceEvent" h WHERE ${settledText("h")} ORDER BY h.txid DESC, h.seq DESC LIMIT 1), '0:0')`,
);

export function parseHeadPosition(text: string): EventPosition {
  const [txid, seq] = text.split(":");
  return { txid: BigInt(txid ?? "0"), seq: BigInt(seq ?? "0") };
}

/** The newest settled position now, in one read. */
export async function readHeadPosition(prisma: PrismaClient): Promise<EventPosition> {
  const [row] = await prisma.$queryRaw<{ head: string }[]>`SELECT ${HEAD_POSITION} AS head`;
  return parseHeadPosition(row?.head ?? "0:0");
}

export type SettledPage = {
  events: WorkspaceEvent[];
  /** An event past the page was recorded but is not settled yet: read again soon. */
  heldBack: boolean;
};

/**
 * Up to `limit` settled events after `from`, in position order, of one
 * workspace and type or of all, in one read. Unsettled rows come back too
 * (they sort after every settled one) only to say that something waits.
 */
export async function readSettledAfter(
  prisma: PrismaClient,
  from: EventPosition,
  filter: { workspaceId?: string | null; type?: WorkspaceEventType | null },
  limit: number,
): Promise<SettledPage> {
  const conditions = [after("e", from)];
  if (filter.workspaceId) conditions.push(Prisma.sql`e."workspaceId" = ${filter.workspaceId}::uuid`);
  if (filter.type) conditions.push(Prisma.sql`e.type = ${filter.type}::"WorkspaceEventType"`);
  const rows = await prisma.$queryRaw<(WorkspaceEvent & { settled: boolean })[]>`
    SELECT e.*, ${settled("e")} AS settled FROM "WorkspaceEvent" e
    WHERE ${Prisma.join(conditions, " AND ")}
    ORDER BY e.txid, e.seq LIMIT ${limit}`;
  const events: WorkspaceEvent[] = [];
  for (const { settled: ok, ...event } of rows) {
    if (!ok) return { events, heldBack: true };
    events.push(event);
  }
  return { events, heldBack: false };
}

/**
 * Whether a position lies past the newest settled event (SPEC 7a): nothing
 * was ever issued there, and a subscription resuming after it would wait for
 * ever. `known` is a position already seen settled (the feed's), which
 * spares the read for every cursor at or before it.
 */
export async function isPastNewestEvent(
  prisma: PrismaClient,
  p: EventPosition,
  known: EventPosition,
): Promise<boolean> {
  if (compareEventPositions(p, known) <= 0) return false;
  const head = await readHeadPosition(prisma);
  return compareEventPositions(p, head) > 0;
}
