import type { WorkspaceEvent } from "../generated/prisma/client.js";

/**
 * Where an event stands in the record: its transaction's id, then its own
 * sequence number (several events of one transaction keep their insert
 * order). Every reader sees the record in this order, and sees an event only
 * once every transaction that could still take a smaller position has ended
 * (see VISIBLE_EVENTS): "after P" then never skips an event that commits
 * late, without a lock around every event write.
 */
export type EventPosition = { txid: bigint; seq: bigint };

export const START: EventPosition = { txid: 0n, seq: 0n };

export const positionOf = (event: Pick<WorkspaceEvent, "txid" | "seq">): EventPosition => ({
  txid: event.txid,
  seq: event.seq,
});

export const compareEventPositions = (a: EventPosition, b: EventPosition): number =>
  a.txid === b.txid ? (a.seq === b.seq ? 0 : a.seq < b.seq ? -1 : 1) : a.txid < b.txid ? -1 : 1;

/** The largest value of PostgreSQL's int8 (both parts are int8). */
const INT8_MAX = 9_223_372_036_854_775_807n;

/** Opaque event cursors: the position, wrapped. */
export const encodeEventCursor = (p: EventPosition) => Buffer.from(`ev:${p.txid}:${p.seq}`).toString("base64url");

/**
 * Null for anything that is not a cursor this service issued. Past int8 a
 * number could not reach SQL as a parameter (a 500 before this check).
 * `ev:<seq>` is the form issued before positions had a transaction part:
 * the events recorded then all have transaction part 0 (the migration that
 * added it), so such a cursor still resumes exactly where it was issued.
 */
export function decodeEventCursor(cursor: string): EventPosition | null {
  if (cursor.length > 96) return null;
  const text = Buffer.from(cursor, "base64url").toString("utf8");
  const m = /^ev:(?:(\d{1,19}):)?(\d{1,19})$/.exec(text);
  if (!m) return null;
  const txid = BigInt(m[1] ?? "0");
  const seq = BigInt(m[2] as string);
  return txid <= INT8_MAX && seq <= INT8_MAX ? { txid, seq } : null;
}
