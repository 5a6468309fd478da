import { createPublicKey, type KeyObject } from "node:crypto";
import {
  createRemoteJWKSet,
  errors,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwksCache,
  jwtVerify,
  type RemoteJWKSet,
} from "jose";
import { LRUCache } from "lru-cache";
import { AccessError, unavailable } from "../errors.js";
import type { MaybePromise } from "../maybe-promise.js";
import { highestRole, type Role } from "./roles.js";

export type JwtSettings = {
  /** One of the two key sources (the configuration allows exactly one). */
  jwksUrl: string | undefined;
  publicKeyPem: string | undefined;
  issuer: string;
  audience: string;
  rolesClaim: string;
  /** How soon after a fetch an unknown `kid` may fetch the key set again. */
  jwksCooldownSeconds: number;
};

export type VerifiedUser = { sub: string; role: Role | null };

/** Signatures only: `none` and the HMAC family (a public key used as a shared secret) are never accepted. */
const ASYMMETRIC = [
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
  "Ed25519",
];

/** Clocks of the issuer and of this service may differ a little; no more. */
const CLOCK_TOLERANCE_SECONDS = 5;

/**
 * A token whose signature and claims were verified is believed without a
 * second signature check while its verdict cannot have changed: until its
 * own expiry, and while the key set it was verified against is the one
 * held. Streams are judged again before each event: 10,000 canvases on one
 * workspace would otherwise verify 10,000 signatures per event (70-110 µs
 * each here). It was also bounded to 60 s, which bought nothing a key set
 * held unchanged could not give, and made the first event after a minute's
 * lull verify every canvas's token at once (BENCHMARKS.md, session 8).
 */
const MAX_VERIFIED = 20_000;
/**
 * How long a fetched key set is used before it is fetched again (jose's own
 * default, made explicit): a key withdrawn from the set stops verifying
 * within this, and so do the verdicts it gave.
 */
export const KEY_SET_MAX_AGE_MS = 600_000;
/** The one key of AUTH_JWT_PUBLIC_KEY never changes: a verdict holds until the token expires. */
const STATIC_KEY = "static";

/** The key set could not be fetched: nothing was judged about the token. */
class KeySetUnavailable extends Error {}

/**
 * Canvas users' tokens (SPEC section 10). Wrongly signed, expired, not yet
 * valid, another issuer or audience, a refused algorithm: 401. A key set
 * that cannot be fetched when this token needs it: 503.
 */
export class UserTokens {
  private readonly key: KeyObject | JWTVerifyGetKey;
  private readonly remote: RemoteJWKSet | null = null;
  /** jose's record of the key set it holds, written at each fetch (`jwksCache`). */
  private readonly fetched: { uat?: number; jwks?: unknown } = {};
  /** The content of the last key set seen, by the object jose wrote (a new one per fetch). */
  private keySet: { jwks: unknown; content: string } = { jwks: undefined, content: "" };
  /**
   * By the exact token text: one byte changed is another token, verified on
   * its own. Only successes are kept, with the key set they were verified against.
   */
  private readonly verified = new LRUCache<string, { user: VerifiedUser; goodUntilMs: number; keys: string }>({
    max: MAX_VERIFIED,
  });
  private checked = 0;

  constructor(private readonly settings: JwtSettings) {
    if (settings.jwksUrl) {
      const remote = createRemoteJWKSet(new URL(settings.jwksUrl), {
        cooldownDuration: settings.jwksCooldownSeconds * 1000,
        cacheMaxAge: KEY_SET_MAX_AGE_MS,
        timeoutDuration: 5_000,
        [jwksCache]: this.fetched as Record<string, never>,
      });
      this.remote = remote;
      this.key = async (header, token) => {
        try {
          return await remote(header, token);
        } catch (err) {
          // No key for this kid (after a refresh) is the token's fault; anything else is the fetch's.
          if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys) throw err;
          throw new KeySetUnavailable("the JSON Web Key Set could not be fetched", { cause: err });
        }
      };
    } else if (settings.publicKeyPem) {
      this.key = createPublicKey(settings.publicKeyPem);
    } else throw new Error("UserTokens needs AUTH_JWKS_URL or AUTH_JWT_PUBLIC_KEY");
  }

  /** Signature checks made so far (each a full verification, not a kept verdict). */
  get signaturesChecked(): number {
    return this.checked;
  }

  /**
   * The user a token names, or the refusal. A verdict kept for it is
   * answered at once while the key set it was given under is the one held
   * and fresh; otherwise (a set to fetch again first, or none kept) it is
   * worked out below.
   */
  verify(token: string): MaybePromise<VerifiedUser> {
    const known = this.verified.get(token);
    if (known && Date.now() < known.goodUntilMs && known.keys === this.keysHeld()) return known.user;
    return this.verifyAgain(token);
  }

  private async verifyAgain(token: string): Promise<VerifiedUser> {
    const known = this.verified.get(token);
    if (known) {
      // Past its expiry (with the tolerance jose allows), or the key set changed: verified again.
      if (Date.now() < known.goodUntilMs && known.keys === (this.keysHeld() ?? (await this.keysRefetched())))
        return known.user;
      this.verified.delete(token);
    }
    let payload: JWTPayload;
    // The key set the key came from. Null when the set was fetched or changed while the key was
    // found (the first use, an unknown kid): which set gave the key is not known, so the verdict
    // is not kept, and the token's next use is verified again.
    let keys: string | null = null;
    const key: JWTVerifyGetKey = async (header, jws) => {
      const before = this.keysHeld();
      const found = typeof this.key === "function" ? await this.key(header, jws) : this.key;
      keys = before !== null && before === this.keysHeld() ? before : null;
      return found;
    };
    this.checked++;
    try {
      ({ payload } = await jwtVerify(token, key, {
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        algorithms: ASYMMETRIC,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ["sub", "exp"],
      }));
    } catch (err) {
      if (err instanceof KeySetUnavailable) throw unavailable("The user token's signing key", err);
      throw new AccessError("UNAUTHENTICATED", `The user token is not valid (${reason(err)}).`);
    }
    const user = { sub: payload.sub as string, role: roleOf(payload, this.settings.rolesClaim) };
    // exp is required, so present; jose accepts the token until exp plus the tolerance, and no longer.
    const goodUntilMs = ((payload.exp as number) + CLOCK_TOLERANCE_SECONDS) * 1000;
    if (keys !== null) this.verified.set(token, { user, goodUntilMs, keys });
    return user;
  }

  /**
   * The key set held now, as its content (a verdict holds while this is the
   * same), or null when there is none fresh: it must be fetched first.
   */
  private keysHeld(): string | null {
    if (!this.remote) return STATIC_KEY;
    const { uat, jwks } = this.fetched;
    if (uat === undefined || jwks === undefined || Date.now() >= uat + KEY_SET_MAX_AGE_MS) return null;
    if (this.keySet.jwks !== jwks) this.keySet = { jwks, content: JSON.stringify(jwks) };
    return this.keySet.content;
  }

  /**
   * The key set fetched again (one fetch for every caller meanwhile: jose
   * shares it). Unchanged, every verdict it gave still holds; a fetch that
   * fails refuses with 503, as a verification needing it would.
   */
  private async keysRefetched(): Promise<string | null> {
    try {
      await this.remote?.reload();
    } catch (err) {
      throw unavailable("The user token's signing key", err);
    }
    return this.keysHeld();
  }
}

/** The claim by its literal name, else as a dotted path (`realm_access.roles`); a string or a list. */
function roleOf(payload: JWTPayload, claim: string): Role | null {
  let value: unknown = payload[claim];
  if (value === undefined && claim.includes(".")) {
    value = claim
      .split(".")
      .reduce<unknown>((v, k) => (v && typeof v === "object" ? (v as never)[k] : undefined), payload);
  }
  return highestRole(typeof value === "string" ? [value] : Array.isArray(value) ? value : []);
}

/** A short, safe reason: jose's codes name the check that failed, never the token's content. */
function reason(err: unknown): string {
  if (err instanceof errors.JWTExpired) return "expired";
  if (err instanceof errors.JWTClaimValidationFailed) return `claim ${err.claim} ${err.reason}`;
  if (err instanceof errors.JOSEAlgNotAllowed) return "algorithm not allowed";
  if (err instanceof errors.JWSSignatureVerificationFailed) return "signature";
  if (err instanceof errors.JWKSNoMatchingKey) return "no matching key";
  return "malformed or not verifiable";
}
