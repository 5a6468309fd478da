import type { PrismaClient } from "../generated/prisma/client.js";

/** The largest value of PostgreSQL's int8 (`seq` is a bigserial). */
const INT8_MAX = 9_223_372_036_854_775_807n;

/** Opaque event cursors: the commit-ordered sequence number, wrapped. */
export const encodeEventCursor = (seq: bigint | string) => Buffer.from(`ev:${seq}`).toString("base64url");

/**
 * Null for anything that is not a cursor this service issued. Past int8 the
 * number could not reach SQL as a parameter (a 500 before this check).
 */
export function decodeEventCursor(cursor: string): bigint | null {
  if (cursor.length > 64) return null;
  const text = Buffer.from(cursor, "base64url").toString("utf8");
  const m = /^ev:(\d{1,19})$/.exec(text);
  if (!m) return null;
  const seq = BigInt(m[1] as string);
  return seq <= INT8_MAX ? seq : null;
}

/**
 * Whether a decoded cursor lies past the newest recorded event (SPEC 7a):
 * nothing was ever issued there, and a subscription resuming after it would
 * wait for ever. `known` is a position already seen recorded (the feed's),
 * which spares the read for every cursor at or below it.
 */
export async function isPastNewestEvent(prisma: PrismaClient, seq: bigint, known = 0n): Promise<boolean> {
  if (seq <= known) return false;
  const newest = await prisma.workspaceEvent.findFirst({ orderBy: { seq: "desc" }, select: { seq: true } });
  return seq > (newest?.seq ?? 0n);
}
