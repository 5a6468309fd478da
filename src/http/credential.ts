import { LRUCache } from "lru-cache";
import type { AdminTokens } from "../auth/admin.js";
import type { Bearer } from "../auth/tokens.js";
import type { SqlDriver } from "../db/database.js";

/** A presented bearer as the rate limits see it: valid or not, and whose agent it is. */
export type BearerIdentity = { valid: boolean; instanceOf: string | null };

/** The workspace whose live instance token has this digest (a prepared statement on the driver). */
const LIVE_INSTANCE_TOKEN = `SELECT "workspaceId" FROM "InstanceToken" WHERE "tokenHash" = $1 AND "revokedAt" IS NULL`;

/**
 * "Is this credential valid?" for the rate limits (never for access: the
 * access rules and the agents' own checks judge rights). One place, so it
 * can follow the auth module when credentials change. Throws when the
 * lookup cannot be made.
 *
 * Every registerWorkspace asks it (is this the caller's own workspace, so
 * its bootstrap is given back?), so it goes to the driver as a prepared
 * statement, not through Prisma: Prisma's call cost about a third of a
 * common register's CPU (BENCHMARKS.md, session 7).
 */
export async function identifyBearer(
  bearer: Bearer,
  deps: { admins: AdminTokens; sql: SqlDriver },
): Promise<BearerIdentity> {
  if (bearer.kind !== "token") return { valid: false, instanceOf: null };
  const rows = await deps.sql.query<{ workspaceId: string }>(
    LIVE_INSTANCE_TOKEN,
    [bearer.hash],
    "rate_limit_live_instance_token",
  );
  const instance = rows[0];
  if (instance) return { valid: true, instanceOf: instance.workspaceId };
  return { valid: await deps.admins.isAdmin(bearer.hash), instanceOf: null };
}

/** How long a credential found valid is let past an address's exhausted limit without a new lookup. */
export const VALID_BEARER_MS = 5_000;

/**
 * identifyBearer remembering, for a few seconds, the credentials it found
 * valid. An address's failed-check budget is taken before each request is
 * judged, so many concurrent requests of valid agents behind one address
 * (or the heartbeat's group commit, which keeps 20 beats in flight at once)
 * run it dry and would each pay a database lookup to be let past. Only
 * valid answers are kept: a guess is looked up every time, so a limited
 * address learns nothing. A credential revoked meanwhile is still refused
 * by the request's own check (access is never judged here); it may only be
 * let past the failed-check limit for the rest of its few seconds, to be
 * answered 401. The bootstrap limit does not recall (a bootstrap it lets
 * through mints a token): it looks up every time.
 */
export function rememberValidBearers(ttlMs = VALID_BEARER_MS) {
  const valid = new LRUCache<string, BearerIdentity>({ max: 10_000, ttl: ttlMs });
  return {
    /** A valid answer found in the last few seconds, if any. */
    recall: (bearer: Bearer): BearerIdentity | undefined =>
      bearer.kind === "token" ? valid.get(bearer.hash) : undefined,
    /** identifyBearer, remembering a valid answer. */
    async identify(bearer: Bearer, deps: { admins: AdminTokens; sql: SqlDriver }): Promise<BearerIdentity> {
      const identity = await identifyBearer(bearer, deps);
      if (identity.valid && bearer.kind === "token") valid.set(bearer.hash, identity);
      return identity;
    },
  };
}
