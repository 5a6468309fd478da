/** Opaque event cursors: the commit-ordered sequence number, wrapped. */
export const encodeEventCursor = (seq: bigint | string) => Buffer.from(`ev:${seq}`).toString("base64url");

/** Null for anything that is not a cursor this service issued. */
export function decodeEventCursor(cursor: string): bigint | null {
  if (cursor.length > 64) return null;
  const text = Buffer.from(cursor, "base64url").toString("utf8");
  const m = /^ev:(\d{1,19})$/.exec(text);
  return m ? BigInt(m[1] as string) : null;
}
