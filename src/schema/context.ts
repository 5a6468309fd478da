import type { AdminTokens } from "../auth/admin.js";
import type { Bearer } from "../auth/tokens.js";
import type { Domain } from "../domain.js";
import type { EventFeed } from "../events/feed.js";
import type { Loaders } from "./loaders.js";

/** Built once per request (HTTP, SSE) or per subscription (graphql-ws). */
export type Context = {
  domain: Domain;
  admins: AdminTokens;
  feed: EventFeed;
  bearer: Bearer;
  requestId: string;
  loaders: Loaders;
};
