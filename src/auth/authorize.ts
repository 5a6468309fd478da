import { AccessError, unavailable } from "../errors.js";
import type { PrismaClient } from "../generated/prisma/client.js";
import { andThen, isPromise, type MaybePromise } from "../maybe-promise.js";
import { type Actor, apiTokenActor, userActor } from "./actor.js";
import { type ApiTokenStore, isExpired } from "./api-tokens.js";
import type { UserTokens } from "./jwt.js";
import { atLeast, type Role } from "./roles.js";
import { type Bearer, looksLikeJwt } from "./tokens.js";

export type LiveInstanceToken = { id: string; workspaceId: string };

/** A live (unrevoked) instance token with this digest, or null. Throws if the lookup fails. */
export async function findLiveInstanceToken(prisma: PrismaClient, hash: string): Promise<LiveInstanceToken | null> {
  const row = await prisma.instanceToken.findUnique({
    where: { tokenHash: hash },
    select: { id: true, workspaceId: true, revokedAt: true },
  });
  return row && row.revokedAt === null ? { id: row.id, workspaceId: row.workspaceId } : null;
}

/** A person or a program with a role: an API token, or a canvas user's JWT. Agents are never callers with a role. */
export type Caller =
  | { kind: "apiToken"; id: string; label: string; role: Role }
  | { kind: "user"; sub: string; role: Role | null };

export const actorOf = (caller: Caller): Actor =>
  caller.kind === "apiToken" ? apiTokenActor(caller.id, caller.label) : userActor(caller.sub);

/** Who can be recognised, and how. `users` is null unless JWT sign-in is configured. */
export type Identities = { apiTokens: ApiTokenStore; users: UserTokens | null; prisma: PrismaClient };

/** What an operation needs, from its root fields' declarations: a role, an agent's call, or neither. */
export type Needs = { role: Role | null; agent: boolean };

/**
 * The one verdict on an operation (SPEC sections 2 and 10), given before
 * anything runs. A role is needed: the bearer must be a valid credential of
 * that role or above (401 when it was checked and found missing or wrong,
 * 403 when it is valid but below, or an agent's, 503 when it could not be
 * checked); answers with the caller. Only agents' calls: a person's token is
 * refused (403), anything else is left to the call's own token check.
 *
 * The answer comes at once when the verdict is already held (a JWT
 * verified and still good, an API token in the cache), else as a promise;
 * a refusal is thrown, or the promise rejects with it. Await it, or see
 * src/http/access-rules.ts for both at once.
 */
export function authorize(needs: Needs, bearer: Bearer, ids: Identities): MaybePromise<Caller | null> {
  const role = needs.role;
  if (role) {
    return andThen(identify(bearer, ids), (caller) => {
      if (!atLeast(caller.role, role)) {
        throw new AccessError(
          "FORBIDDEN",
          caller.role
            ? `This operation needs the ${role} role; the bearer has ${caller.role}.`
            : "The user token carries no role this service knows.",
        );
      }
      return caller;
    });
  }
  if (needs.agent && ids.users && bearer.kind === "token" && looksLikeJwt(bearer.token)) {
    return refuseUserAsAgent(ids.users, bearer.token);
  }
  return null;
}

async function refuseUserAsAgent(users: UserTokens, token: string): Promise<null> {
  const user = await Promise.resolve()
    .then(() => users.verify(token))
    .catch((err: unknown) => {
      // A JWT found wrong is no credential at all: the agent's call judges the bearer.
      if (err instanceof AccessError && err.code === "UNAUTHENTICATED") return null;
      throw err;
    });
  if (user) throw new AccessError("FORBIDDEN", "A user token cannot act as a workspace agent.");
  return null;
}

/**
 * Who the bearer is, or the refusal (thrown, or the promise's rejection).
 * Answered at once when the verdict is already held (a JWT verified and
 * still good, an API token in the cache): a subscription is judged before
 * every event.
 */
function identify(bearer: Bearer, ids: Identities): MaybePromise<Caller> {
  if (bearer.kind === "none") throw new AccessError("UNAUTHENTICATED", "A bearer token is required.");
  if (bearer.kind === "malformed")
    throw new AccessError("UNAUTHENTICATED", "The Authorization header is not a bearer token.");
  if (ids.users && looksLikeJwt(bearer.token)) {
    return andThen(
      ids.users.verify(bearer.token),
      (user): Caller => ({ kind: "user", sub: user.sub, role: user.role }),
    );
  }
  const hash = bearer.hash;
  return andThen(
    lookUp(() => ids.apiTokens.find(hash)),
    (token) => {
      if (token) {
        if (isExpired(token)) throw new AccessError("UNAUTHENTICATED", "The API token has expired.");
        return { kind: "apiToken", id: token.id, label: token.label, role: token.role };
      }
      return andThen(
        lookUp(() => findLiveInstanceToken(ids.prisma, hash)),
        (instance): never => {
          if (instance)
            throw new AccessError("FORBIDDEN", "Instance tokens may only register and heartbeat their own workspace.");
          throw new AccessError("UNAUTHENTICATED", "The bearer token is not valid.");
        },
      );
    },
  );
}

/** A lookup of the bearer, its failure (thrown or rejected) made the 503 refusal. */
function lookUp<T>(find: () => MaybePromise<T>): MaybePromise<T> {
  const failed = (err: unknown): never => {
    throw unavailable("The bearer token", err);
  };
  try {
    const found = find();
    return isPromise(found) ? found.catch(failed) : found;
  } catch (err) {
    return failed(err);
  }
}
