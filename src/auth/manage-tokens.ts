import { err, failed, ok, type RequestFailure, type Result } from "../errors.js";
import { type Page, pageSize, toPage } from "../pagination.js";
import { isUuid, validateName } from "../workspaces/validate.js";
import type { Actor } from "./actor.js";
import { type ApiTokenRow, type ApiTokenStore, SELECT } from "./api-tokens.js";
import type { Role } from "./roles.js";

/** A token made through the API lives at most this long when it is given an expiry (none: until revoked). */
const MAX_LIFETIME_MS = 10 * 366 * 24 * 3600 * 1000;

export type CreatedApiToken = { token: string; apiToken: ApiTokenRow };

/** SPEC section 10: the token is answered once; only its digest is kept. */
export async function createApiToken(
  store: ApiTokenStore,
  input: { label: string; role: Role; expiresAt?: Date | null },
  actor: Actor,
): Promise<Result<CreatedApiToken, RequestFailure>> {
  const invalid = validateName(input.label, "input.label");
  if (invalid) return err({ ...invalid, message: invalid.message.replace("Names", "Labels") });
  const expiresAt = input.expiresAt ?? null;
  if (expiresAt && (expiresAt.getTime() <= Date.now() || expiresAt.getTime() > Date.now() + MAX_LIFETIME_MS)) {
    return failed("VALIDATION_FAILED", "expiresAt must be in the future, and within ten years.", "input.expiresAt");
  }
  return ok(await store.create({ label: input.label.trim(), role: input.role, expiresAt }, actor));
}

/** Refused on every instance within a second (the store's NOTIFY). Revoking a revoked token answers it as it is. */
export async function revokeApiToken(store: ApiTokenStore, id: string): Promise<Result<ApiTokenRow, RequestFailure>> {
  const revoked = isUuid(id) ? await store.revoke(id) : null;
  return revoked ? ok(revoked) : failed("NOT_FOUND", "No such API token.", "id");
}

const encodeCursor = (id: string) => Buffer.from(`api-token:${id}`).toString("base64url");
function decodeCursor(cursor: string): string | null {
  if (cursor.length > 128) return null;
  const m = /^api-token:(.+)$/.exec(Buffer.from(cursor, "base64url").toString("utf8"));
  return m?.[1] && isUuid(m[1]) ? m[1] : null;
}

/** Newest first. Revoked tokens only when asked for. Never the token itself: it is not stored. */
export async function listApiTokens(
  store: ApiTokenStore,
  args: { first?: number | null; after?: string | null; includeRevoked?: boolean | null },
): Promise<Result<Page<ApiTokenRow>, RequestFailure>> {
  const size = pageSize(args.first);
  if (!size.ok) return size;
  const take = size.value;
  const after = args.after ? decodeCursor(args.after) : null;
  if (args.after && !after) return failed("VALIDATION_FAILED", "after is not a cursor this service issued.", "after");
  const where = args.includeRevoked ? {} : { revokedAt: null };
  if (after && !(await store.prisma.apiToken.findFirst({ where: { id: after, ...where }, select: { id: true } }))) {
    return failed("VALIDATION_FAILED", "after names no token of this list.", "after");
  }
  const rows = await store.prisma.apiToken.findMany({
    where,
    select: SELECT,
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: take + 1,
    ...(after ? { cursor: { id: after }, skip: 1 } : {}),
  });
  return ok(toPage(rows, take, (r) => encodeCursor(r.id), after !== null));
}
