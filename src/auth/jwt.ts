import { createPublicKey, type KeyObject } from "node:crypto";
import { createRemoteJWKSet, errors, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from "jose";
import { LRUCache } from "lru-cache";
import { AccessError, unavailable } from "../errors.js";
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
 * A token whose signature and claims were verified is believed this long
 * without checking its signature again, never past its own expiry. Streams
 * are judged again before each event: 10,000 canvases on one workspace
 * would otherwise verify 10,000 signatures per event. It bounds how long a
 * key withdrawn from the key set keeps its tokens good (jose keeps a fetched
 * key set for minutes in any case).
 */
export const VERIFIED_FOR_MS = 60_000;
const MAX_VERIFIED = 20_000;

/** The key set could not be fetched: nothing was judged about the token. */
class KeySetUnavailable extends Error {}

/**
 * Canvas users' tokens (SPEC section 10). Wrongly signed, expired, not yet
 * valid, another issuer or audience, a refused algorithm: 401. A key set
 * that cannot be fetched when this token needs it: 503.
 */
export class UserTokens {
  private readonly key: KeyObject | JWTVerifyGetKey;
  /** By the exact token text: one byte changed is another token, verified on its own. Only successes are kept. */
  private readonly verified = new LRUCache<string, { user: VerifiedUser; goodUntilMs: number }>({
    max: MAX_VERIFIED,
    ttl: VERIFIED_FOR_MS,
  });

  constructor(private readonly settings: JwtSettings) {
    if (settings.jwksUrl) {
      const remote = createRemoteJWKSet(new URL(settings.jwksUrl), {
        cooldownDuration: settings.jwksCooldownSeconds * 1000,
        timeoutDuration: 5_000,
      });
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

  async verify(token: string): Promise<VerifiedUser> {
    const known = this.verified.get(token);
    if (known && Date.now() < known.goodUntilMs) return known.user;
    // Past its expiry (with the tolerance jose allows): verified again, which refuses it as expired.
    if (known) this.verified.delete(token);
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.key as JWTVerifyGetKey, {
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
    this.verified.set(token, { user, goodUntilMs });
    return user;
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
