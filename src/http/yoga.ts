import { randomUUID } from "node:crypto";
import type { Tracer } from "@opentelemetry/api";
import { NoSchemaIntrospectionCustomRule } from "graphql";
import { type CORSOptions, createYoga, type Plugin, type YogaServerInstance } from "graphql-yoga";
import type { AdminTokens } from "../auth/admin.js";
import type { Identities } from "../auth/authorize.js";
import { parseBearer } from "../auth/tokens.js";
import type { Config } from "../config.js";
import type { Domain } from "../domain.js";
import type { EventFeed } from "../events/feed.js";
import type { Logger, RootLogger } from "../log.js";
import type { Metrics } from "../observability/metrics.js";
import { useTracing } from "../observability/tracing.js";
import type { Context, LiveLane } from "../schema/context.js";
import { schema } from "../schema/index.js";
import { createLoaders } from "../schema/loaders.js";
import { useAccessRules } from "./access-rules.js";
import { useCompiledExecution } from "./compiled-execution.js";
import { useSingleAuthorization } from "./headers.js";
import { useQueryLimits } from "./limits.js";
import { createMaskError, useNoSuggestions, useRequestMasking } from "./mask-errors.js";
import { type RateLimits, useRateLimits } from "./rate-limits.js";
import { useRequestLog } from "./request-log.js";
import { useSharedSubscriptionExecution } from "./subscription-execution.js";

export type Yoga = YogaServerInstance<Record<string, unknown>, Context>;

/** What every operation's context is made of: the domain and who may be calling. */
export type ContextDeps = {
  domain: Domain;
  admins: AdminTokens;
  identities: Identities;
  feed: EventFeed;
  log: RootLogger;
};

/** Introspection off: graphql-js's own validation rule. */
const disableIntrospection = (): Plugin => ({
  onValidate: ({ addValidationRule }) => addValidationRule(NoSchemaIntrospectionCustomRule),
});

/** Closed unless CORS_ORIGINS lists the caller's origin. */
export function corsPolicy(origins: readonly string[]): (request: Request) => CORSOptions {
  const allowed = new Set(origins);
  return (request) => {
    const origin = request.headers.get("origin");
    if (!origin || !allowed.has(origin)) return false;
    return {
      // Listed twice so yoga echoes it with Vary: Origin (a one-entry list sends no Vary).
      origin: [origin, origin],
      credentials: true,
      allowedHeaders: ["authorization", "content-type"],
      exposedHeaders: ["x-request-id"],
      methods: ["GET", "POST"],
    };
  };
}

/**
 * The GraphQL context of one HTTP request, or of one graphql-ws operation
 * (src/http/socket.ts): the credential comes from the Authorization header
 * or from the socket's connection_init payload.
 */
export function contextFactory(deps: ContextDeps) {
  return (initial: Record<string, unknown>): Context => {
    const request = initial.request as Request | undefined;
    const connectionParams = initial.connectionParams as Record<string, unknown> | undefined;
    const header = connectionParams ? connectionParams.authorization : request?.headers.get("authorization");
    // Set by the request log from a sane x-request-id header; graphql-ws passes its own per operation.
    const requestId = (initial.requestId as string | undefined) ?? randomUUID();
    return {
      domain: deps.domain,
      admins: deps.admins,
      identities: deps.identities,
      feed: deps.feed,
      bearer: parseBearer(header),
      caller: null,
      loaders: createLoaders(deps.domain),
      requestId,
      log: (initial.log as Logger | undefined) ?? deps.log.child({ requestId }),
      ...(initial.lane ? { lane: initial.lane as LiveLane } : {}),
    };
  };
}

/** The yoga server: the schema behind the CORS policy and the envelop plugins, in their order. */
export function createYogaServer(
  config: Pick<Config, "graphiql" | "introspection" | "corsOrigins">,
  deps: ContextDeps & { metrics: Metrics | null; tracer: Tracer | null; rateLimits: RateLimits },
): Yoga {
  const { log, metrics, tracer } = deps;
  const maskError = createMaskError(log, { suggestions: config.introspection });
  return createYoga<Record<string, unknown>, Context>({
    schema,
    graphqlEndpoint: "/graphql",
    // The edge reads every body with the limit (src/http/body.ts); yoga.fetch is in-process only.
    maxRequestBodySize: false,
    landingPage: false,
    logging: false,
    graphiql: config.graphiql ? { title: "Workspace control plane" } : false,
    // About 9 MB of inline HTML (offline, no CDN): loaded on the first visit, not at start-up.
    renderGraphiQL: async (options) => (await import("@graphql-yoga/render-graphiql")).renderGraphiQL(options),
    maskedErrors: { maskError: (error, message) => maskError(error, message) },
    cors: corsPolicy(config.corsOrigins),
    context: contextFactory(deps),
    // The request log first, so every request is logged, refusals included; then
    // rate limits: an address out of budget is refused before any check runs.
    plugins: [
      useRequestLog(log, metrics ? (outcome) => metrics.observeRequest(outcome) : undefined),
      useRequestMasking(maskError),
      useSingleAuthorization(),
      // Then the operation's span, so every check and the execution run beneath it.
      ...(tracer ? [useTracing(tracer)] : []),
      useRateLimits(deps.rateLimits),
      ...useQueryLimits(),
      useAccessRules(),
      ...(config.introspection ? [] : [disableIntrospection(), useNoSuggestions()]),
      // Last: queries and mutations run compiled (graphql-jit), once per document;
      // a subscription's selection runs once per event for all who would get the same answer.
      ...useCompiledExecution(),
      useSharedSubscriptionExecution(),
    ],
  });
}
