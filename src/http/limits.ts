import { costLimitPlugin } from "@escape.tech/graphql-armor-cost-limit";
import { maxAliasesPlugin } from "@escape.tech/graphql-armor-max-aliases";
import { maxDepthPlugin } from "@escape.tech/graphql-armor-max-depth";
import { maxDirectivesPlugin } from "@escape.tech/graphql-armor-max-directives";
import { MaxTokensParserWLexer } from "@escape.tech/graphql-armor-max-tokens";
import { GraphQLError, type ParseOptions, type Source, type ValidationContext } from "graphql";
import type { Plugin } from "graphql-yoga";
import type { Context } from "../schema/context.js";
import { rootFields, selectOperation } from "./operation.js";

/**
 * Bounds on a GraphQL document (SPEC section 8). Our own deepest operation
 * nests 7 levels and the schema has no cycles; introspection (`__schema`) is
 * left to graphql-js's own MaxIntrospectionDepthRule, so GraphiQL and codegen
 * keep working. Cost counts a literal `first: N` as N items: a page of 100
 * workspaces with every field costs about 22,000. The token limit also
 * bounds nesting, which graphql-js parses by recursion.
 */
export const QUERY_LIMITS = {
  maxTokens: 1_000,
  maxDepth: 12,
  maxAliases: 20,
  maxDirectives: 50,
  maxCost: 50_000,
} as const;

// Report a rejection as an ordinary validation error (GRAPHQL_VALIDATION_FAILED,
// with every other error found) instead of throwing out of validate().
const asValidationError = {
  propagateOnRejection: false,
  onReject: [(ctx: ValidationContext | null, err: GraphQLError) => ctx?.reportError(err)],
};

/**
 * graphql-armor's token-counting parser. graphql-js parses nested lists and
 * selections by recursion: should a document still exhaust the stack before
 * the limit stops it, that is the client's syntax error, not a 500.
 */
export function parseWithTokenLimit(source: string | Source, n: number, options?: ParseOptions) {
  try {
    return new MaxTokensParserWLexer(source, { ...options, n }).parseDocument();
  } catch (err) {
    if (err instanceof RangeError) throw new GraphQLError("Syntax Error: The document nests too deeply.");
    throw err;
  }
}

function useTokenLimit(n: number): Plugin {
  const parse = (source: string | Source, options?: ParseOptions) => parseWithTokenLimit(source, n, options);
  return { onParse: ({ setParseFn }) => setParseFn(parse) };
}

/** The document limits as envelop plugins, for createYoga's plugin list. */
export function useQueryLimits(limits = QUERY_LIMITS): Plugin[] {
  return [
    useTokenLimit(limits.maxTokens),
    maxDepthPlugin({ n: limits.maxDepth, ...asValidationError }),
    maxAliasesPlugin({ n: limits.maxAliases, ...asValidationError }),
    maxDirectivesPlugin({ n: limits.maxDirectives, ...asValidationError }),
    costLimitPlugin({ maxCost: limits.maxCost, ...asValidationError }),
  ] as Plugin[];
}

export type RateLimit = { perMinute: number; burst: number };

/**
 * A token bucket per client, in this process's memory: with several
 * instances each keeps its own count, so a client gets up to N times the
 * rate across N instances. Bounded in size; past `maxClients` the buckets
 * that have refilled are dropped first, then the oldest (which forgets them:
 * fail-open for those clients rather than memory without bound).
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly perMs: number;

  constructor(
    readonly limit: RateLimit,
    private readonly now: () => number = Date.now,
    private readonly maxClients = 100_000,
  ) {
    this.perMs = limit.perMinute / 60_000;
  }

  private level(key: string, now: number): number {
    const b = this.buckets.get(key);
    if (!b) return this.limit.burst;
    return Math.min(this.limit.burst, b.tokens + (now - b.at) * this.perMs);
  }

  private wait(missing: number): number {
    return Math.max(1, Math.ceil(missing / this.perMs / 1000));
  }

  /** Seconds until `n` more are allowed; 0 if they are allowed now. Takes nothing. */
  retryAfter(key: string, n = 1): number {
    const level = this.level(key, this.now());
    return level >= n ? 0 : this.wait(n - level);
  }

  /** Takes `n` (at most the burst); 0 if taken, else the seconds to wait (nothing taken). */
  take(key: string, n = 1): number {
    const now = this.now();
    const want = Math.min(n, this.limit.burst);
    const level = this.level(key, now);
    if (level < want) return this.wait(want - level);
    this.buckets.delete(key);
    this.buckets.set(key, { tokens: level - want, at: now });
    if (this.buckets.size > this.maxClients) this.prune(now);
    return 0;
  }

  get size(): number {
    return this.buckets.size;
  }

  private prune(now: number) {
    for (const key of this.buckets.keys()) {
      if (this.level(key, now) >= this.limit.burst) this.buckets.delete(key);
    }
    const target = Math.floor(this.maxClients * 0.9);
    for (const key of this.buckets.keys()) {
      if (this.buckets.size <= target) break;
      this.buckets.delete(key);
    }
  }
}

/**
 * The key a client is counted under: its remote address, IPv4-mapped IPv6
 * unwrapped, and an IPv6 address cut to its /64 (one host commonly holds a
 * whole /64, so counting single addresses would be no limit at all).
 */
export function clientKey(address: string | undefined | null): string | null {
  if (!address) return null;
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped) return mapped[1] as string;
  if (!address.includes(":")) return address;
  const bare = address.split("%")[0] as string;
  const [head = "", tail] = bare.split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const groups = tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill("0"), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => (Number.parseInt(g, 16) || 0).toString(16))
    .join(":")}::/64`;
}

export type RateLimits = {
  /** Requests that presented a bearer (or Authorization header) found wrong. */
  authFailures: RateLimiter | null;
  /** registerWorkspace calls with no bearer (the bootstrap path). */
  bootstraps: RateLimiter | null;
};

export function createRateLimits(config: { authFailuresPerMinute: number; bootstrapsPerMinute: number }): RateLimits {
  const make = (perMinute: number) =>
    perMinute > 0 ? new RateLimiter({ perMinute, burst: Math.max(1, Math.ceil(perMinute / 2)) }) : null;
  return { authFailures: make(config.authFailuresPerMinute), bootstraps: make(config.bootstrapsPerMinute) };
}

const RATE_LIMITED = "RATE_LIMITED";

const refusalMessage = (what: string, seconds: number) => `Too many ${what} from this address; retry in ${seconds} s.`;

/** The 429 answered before yoga parses anything. */
export function rateLimitedResponse(what: string, seconds: number): Response {
  return new Response(
    JSON.stringify({ errors: [{ message: refusalMessage(what, seconds), extensions: { code: RATE_LIMITED } }] }),
    {
      status: 429,
      headers: { "content-type": "application/json; charset=utf-8", "retry-after": String(seconds) },
    },
  );
}

function rateLimitedError(what: string, seconds: number): GraphQLError {
  return new GraphQLError(refusalMessage(what, seconds), {
    extensions: { code: RATE_LIMITED, http: { status: 429, headers: { "retry-after": String(seconds) } } },
  });
}

type Addressed = { remoteAddress?: string };

const hasUnauthenticated = (result: unknown): boolean => {
  const errors = (result as { errors?: readonly { extensions?: { code?: unknown } }[] } | null)?.errors;
  return Array.isArray(errors) && errors.some((e) => e?.extensions?.code === "UNAUTHENTICATED");
};

/**
 * Rate limits per client address (SPEC section 8), so tokens cannot be
 * guessed at speed and bootstraps cannot flood the database. An address out
 * of failed checks gets 429 on any request that carries credentials, before
 * they are checked: answering a correct guess would keep guessing open.
 * Requests without an address (in-process yoga.fetch) are not limited.
 */
export function useRateLimits(limits: RateLimits): Plugin<Context> {
  const { authFailures, bootstraps } = limits;
  return {
    onRequest({ request, serverContext, endResponse }) {
      const key = clientKey((serverContext as Addressed).remoteAddress);
      if (!key || !authFailures || !request.headers.has("authorization")) return;
      const wait = authFailures.retryAfter(key);
      if (wait > 0) endResponse(rateLimitedResponse("failed credential checks", wait));
    },
    onExecute({ args, setResultAndStopExecution }) {
      const ctx = args.contextValue as Context & Addressed;
      const key = clientKey(ctx.remoteAddress);
      if (!key || !bootstraps || ctx.bearer.kind !== "none") return;
      const op = selectOperation(args.document, args.operationName);
      if (op?.operation !== "mutation") return;
      const calls = rootFields(args.document, op).filter((f) => f.name.value === "registerWorkspace").length;
      if (calls === 0) return;
      const wait = bootstraps.take(key, calls);
      if (wait > 0) setResultAndStopExecution({ errors: [rateLimitedError("registrations without a token", wait)] });
    },
    onResultProcess({ request, result, serverContext }) {
      const key = clientKey((serverContext as Addressed).remoteAddress);
      if (!key || !authFailures || !request.headers.has("authorization")) return;
      const results = Array.isArray(result) ? result : [result];
      if (results.some(hasUnauthenticated)) authFailures.take(key);
    },
  };
}

/**
 * graphql-ws connections: an address out of failed checks is refused like a
 * bad token (4403) without checking; a refused connection that presented
 * credentials counts as a failed check.
 */
export async function guardSocket(
  limits: RateLimits,
  remoteAddress: string | undefined,
  presented: boolean,
  authorize: () => Promise<boolean>,
): Promise<boolean> {
  const key = clientKey(remoteAddress);
  if (key && presented && limits.authFailures && limits.authFailures.retryAfter(key) > 0) return false;
  const ok = await authorize();
  if (!ok && key && presented) limits.authFailures?.take(key);
  return ok;
}
