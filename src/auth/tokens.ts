import { hash, randomBytes } from "node:crypto";

/** 32 random bytes, base64url: what an agent or admin presents as its bearer. */
export const mintToken = () => randomBytes(32).toString("base64url");

/** Only this digest is ever stored. (One-shot `hash`: a third of createHash's cost, on every request.) */
export const hashToken = (token: string) => hash("sha256", token, "hex");

// Room for a user's JWT (a signature and claims), still far below Node's header limit.
/** A JWT by its shape: three base64url segments (the last empty for `alg: none`, which is refused). */
export const looksLikeJwt = (token: string) => /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token);

const MAX_BEARER = 8192;

export type Bearer = { kind: "none" } | { kind: "token"; token: string; hash: string } | { kind: "malformed" };

/** `Authorization: Bearer T` (or graphql-ws connectionParams.authorization). */
export function parseBearer(header: unknown): Bearer {
  if (header === undefined || header === null || header === "") return { kind: "none" };
  if (typeof header !== "string" || header.length > MAX_BEARER + 7) return { kind: "malformed" };
  const m = /^Bearer[ ]+([A-Za-z0-9._~+/=-]+)[ ]*$/i.exec(header);
  if (!m) return { kind: "malformed" };
  const token = m[1] as string;
  return { kind: "token", token, hash: hashToken(token) };
}
