import type { AdminTokens } from "../auth/admin.js";
import type { Caller, Identities } from "../auth/authorize.js";
import type { Bearer } from "../auth/tokens.js";
import type { Domain } from "../domain.js";
import type { EventFeed } from "../events/feed.js";
import type { Logger } from "../log.js";
import type { MaybePromise } from "../maybe-promise.js";
import type { Loaders } from "./loaders.js";

/** Built once per request (HTTP, SSE) or per subscription (graphql-ws). */
export type Context = {
  /** The caller's view of the domain: once the access check identified a caller, its actor is theirs. */
  domain: Domain;
  admins: AdminTokens;
  identities: Identities;
  feed: EventFeed;
  bearer: Bearer;
  /** Set by the access check when the operation needed a role; null otherwise (agents, public fields). */
  caller: Caller | null;
  requestId: string;
  /** Bound to requestId: what logs during this request or operation logs through it. */
  log: Logger;
  loaders: Loaders;
  /** A graphql-ws subscription's own way to its socket (src/http/live-lane.ts); absent over HTTP and SSE. */
  lane?: LiveLane;
};

/**
 * Where a subscription's answers can go without passing through each
 * layer of its stream (src/http/subscription-execution.ts): straight to
 * the subscriber's socket, once the access rules have judged the caller
 * again. Anything it cannot do now it declines, and the stream's own path
 * delivers that answer.
 */
export type LiveLane = {
  /** Sends a `next` message with this payload (JSON text) now; false when it cannot (see src/http/live-lane.ts). */
  send(payloadJson: string): boolean;
  /**
   * The access rules' verdict on the caller again, true when it may still
   * receive (at once when they hold it); set by them once the operation
   * passed its check. Without it, nothing goes through the lane.
   */
  judge?: () => MaybePromise<boolean>;
};
