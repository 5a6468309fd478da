import type { AdminTokens } from "../auth/admin.js";
import type { Caller, Identities } from "../auth/authorize.js";
import type { Bearer } from "../auth/tokens.js";
import type { Domain } from "../domain.js";
import type { EventFeed } from "../events/feed.js";
import type { Logger } from "../log.js";
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
};
