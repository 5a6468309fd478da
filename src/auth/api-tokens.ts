import { randomUUID } from "node:crypto";
import { LRUCache } from "lru-cache";
import type { ApiTokenOrigin, ApiTokenRole, PrismaClient } from "../generated/prisma/client.js";
import type { MaybePromise } from "../maybe-promise.js";
import { type Actor, actorJson } from "./actor.js";
import type { Role } from "./roles.js";
import { hashToken, mintToken } from "./tokens.js";

/** The NOTIFY channel every instance listens on for revocations. */
export const API_TOKENS_CHANNEL = "api_tokens_changed";

/** What a live API token grants; `expiresAt` is judged at each use. */
export type ApiTokenIdentity = { id: string; label: string; role: Role; expiresAt: Date | null };

export type ApiTokenRow = {
  id: string;
  label: string;
  role: ApiTokenRole;
  origin: ApiTokenOrigin;
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  createdBy: unknown;
};

/** A cached token is looked up again after this long, which also bounds how stale `lastUsedAt` gets. */
const REVALIDATE_MS = 60_000;
const MAX_CACHED = 10_000;

const toRole = (r: ApiTokenRole) => r.toLowerCase() as Role;
export const fromRole = (r: Role) => r.toUpperCase() as ApiTokenRole;

export const isExpired = (t: { expiresAt: Date | null }, now = Date.now()) =>
  t.expiresAt !== null && t.expiresAt.getTime() <= now;

/**
 * API tokens, stored as SHA-256 digests. Lookups are cached per instance,
 * and a revocation reaches every instance at once: this process drops its
 * cache when it revokes, others hear the NOTIFY committed with it. While
 * `trusted()` is false (the NOTIFY connection is down, so a revocation could
 * go unheard) nothing is served from the cache; a lookup that raced a
 * revocation is not kept.
 */
export class ApiTokenStore {
  /** Least recently used first out when full; an entry is looked up again after REVALIDATE_MS. */
  private readonly cache = new LRUCache<string, ApiTokenIdentity>({ max: MAX_CACHED, ttl: REVALIDATE_MS });
  /** Lookups under way, shared by every caller asking for the same digest meanwhile. */
  private readonly inflight = new Map<string, Promise<ApiTokenIdentity | null>>();
  private generation = 0;
  /** Sent with this process's NOTIFYs: their echo needs no second invalidation. */
  readonly origin = randomUUID();

  constructor(
    readonly prisma: PrismaClient,
    /** False while a revocation elsewhere could go unheard (the NOTIFY connection is down). */
    readonly trusted: () => boolean = () => true,
  ) {}

  invalidate(): void {
    this.generation++;
    this.cache.clear();
    // A lookup begun before a revocation may have read the old row: later callers start their own.
    this.inflight.clear();
  }

  heard(payload?: string): void {
    if (payload !== this.origin) this.invalidate();
  }

  /**
   * The unrevoked API token with this digest (expired or not), or null.
   * Answered at once from the cache; throws (or rejects) if the lookup fails. A database lookup also records the use, at
   * most once a minute per token, in the same statement.
   */
  find(tokenHash: string): MaybePromise<ApiTokenIdentity | null> {
    // Untrusted: what was cached may have been revoked unheard, and stays unusable after a reconnect.
    if (!this.trusted()) this.invalidate();
    const hit = this.cache.get(tokenHash);
    if (hit) return hit;
    // One lookup for everyone who asks meanwhile: 10,000 streams of one token
    // re-judged before one event, past the revalidation time, are one query,
    // not 10,000 queued for the pool.
    const pending = this.inflight.get(tokenHash);
    if (pending) return pending;
    const lookup = this.lookUp(tokenHash).finally(() => {
      if (this.inflight.get(tokenHash) === lookup) this.inflight.delete(tokenHash);
    });
    this.inflight.set(tokenHash, lookup);
    return lookup;
  }

  private async lookUp(tokenHash: string): Promise<ApiTokenIdentity | null> {
    const generation = this.generation;
    const [row] = await this.prisma.$queryRaw<
      { id: string; label: string; role: ApiTokenRole; expiresAt: Date | null; revokedAt: Date | null }[]
    >`
      WITH used AS (
        UPDATE "ApiToken" SET "lastUsedAt" = now()
        WHERE "tokenHash" = ${tokenHash} AND "revokedAt" IS NULL
          AND ("expiresAt" IS NULL OR "expiresAt" > now())
          AND ("lastUsedAt" IS NULL OR "lastUsedAt" < now() - interval '1 minute')
        RETURNING id)
      SELECT id::text AS id, label, role::text AS role, "expiresAt", "revokedAt"
      FROM "ApiToken" WHERE "tokenHash" = ${tokenHash}`;
    if (!row || row.revokedAt !== null) {
      this.cache.delete(tokenHash);
      return null;
    }
    const identity = {
      id: row.id,
      label: row.label,
      role: toRole(row.role),
      expiresAt: row.expiresAt === null ? null : new Date(row.expiresAt),
    };
    if (generation === this.generation && this.trusted()) {
      this.cache.set(tokenHash, identity);
    }
    return identity;
  }

  /**
   * Whether this digest is a valid API token, of any role: such a bearer is a
   * person's or a program's, never a workspace agent's (SPEC sections 2, 10).
   */
  async isAdmin(tokenHash: string): Promise<boolean> {
    const token = await this.find(tokenHash);
    return token !== null && !isExpired(token);
  }

  /** A new token: answered once, stored as its digest. */
  async create(input: { label: string; role: Role; expiresAt: Date | null }, createdBy: Actor) {
    const token = mintToken();
    const row = await this.prisma.apiToken.create({
      data: {
        tokenHash: hashToken(token),
        label: input.label,
        role: fromRole(input.role),
        expiresAt: input.expiresAt,
        createdBy: actorJson(createdBy),
      },
      select: SELECT,
    });
    return { token, apiToken: row };
  }

  /**
   * Revokes, with a NOTIFY committed in the same transaction, so every
   * instance drops what it cached. Already revoked: answered as it is.
   * Unknown: null.
   */
  async revoke(id: string): Promise<ApiTokenRow | null> {
    try {
      const [, row] = await this.prisma.$transaction([
        this.prisma.apiToken.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: new Date() } }),
        this.prisma.apiToken.findUnique({ where: { id }, select: SELECT }),
        this.notifyChange(),
      ]);
      return row;
    } finally {
      this.invalidate();
    }
  }

  notifyChange() {
    return this.prisma.$executeRawUnsafe(`NOTIFY ${API_TOKENS_CHANNEL}, '${this.origin}'`);
  }
}

export const SELECT = {
  id: true,
  label: true,
  role: true,
  origin: true,
  createdAt: true,
  expiresAt: true,
  revokedAt: true,
  lastUsedAt: true,
  createdBy: true,
} as const;
