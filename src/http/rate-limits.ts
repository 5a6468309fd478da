import { type ExecutionArgs, type FieldNode, GraphQLError, valueFromASTUntyped } from "graphql";
import type { Plugin } from "graphql-yoga";
import type { Redis } from "ioredis";
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import type { Logger } from "../log.js";
import type { Context } from "../schema/context.js";
import { clientKey } from "./client-address.js";
import { type BearerIdentity, rememberValidBearers } from "./credential.js";
import { rootFields, selectOperation } from "./operation.js";

/** A limit of N a minute allows N/2 per 30 s window: bursts stay at half the minute's rate. */
const WINDOW_SECONDS = 30;
const REDIS_READY_WAIT_MS = 3_000;

/**
 * A budget per client key, taken before the work it pays for (SPEC section
 * 11): concurrent requests cannot overdraw it, since each take is atomic in
 * its store (this process's memory, or Redis shared by every instance).
 */
export class Budget {
  constructor(
    private readonly limiter: RateLimiterAbstract,
    private readonly log: Logger,
  ) {}

  /** Takes `n`: 0 if taken, else the seconds to wait, and nothing is kept. */
  async take(key: string, n = 1): Promise<number> {
    try {
      await this.limiter.consume(key, n);
      return 0;
    } catch (res) {
      if (!(res instanceof RateLimiterRes)) {
        // The store failed and so did its in-memory insurance: the limit is a
        // brake, not the gate (every credential is still checked), so open.
        this.log.warn({ msg: "rate limit store failed", err: String((res as Error)?.message ?? res) });
        return 0;
      }
      // The refused take is handed back: a smaller request may still fit.
      this.give(key, n);
      return Math.max(1, Math.ceil(res.msBeforeNext / 1000));
    }
  }

  /** Gives back what a request took but turned out not to owe. */
  give(key: string, n = 1): void {
    this.limiter.reward(key, n).catch(() => {});
  }
}

export type RateLimits = {
  /** Requests whose bearer was found wrong. */
  authFailures: Budget | null;
  /** registerWorkspace calls without a live instance token of their own workspace. */
  bootstraps: Budget | null;
  /** Told of every refusal, by limit (metrics). */
  refused(limit: "auth_failures" | "bootstraps"): void;
  close(): Promise<void>;
};

export async function createRateLimits(
  config: { authFailuresPerMinute: number; bootstrapsPerMinute: number; redisUrl?: string | undefined },
  log: Logger,
  onRefused: RateLimits["refused"] = () => {},
): Promise<RateLimits> {
  const wanted = config.authFailuresPerMinute > 0 || config.bootstrapsPerMinute > 0;
  let redis: Redis | null = null;
  if (config.redisUrl && wanted) {
    const { Redis } = await import("ioredis");
    // Fails fast while Redis is down; the in-memory insurance counts meanwhile.
    redis = new Redis(config.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    let reported = false;
    redis.on("error", (err: Error) => {
      if (!reported) log.warn({ msg: "rate limits: Redis unavailable; counting per instance", err: err.message });
      reported = true;
    });
    redis.on("ready", () => {
      reported = false;
    });
    // Until Redis answers, each instance counts alone: wait for it a little at
    // start-up, not for ever (a Redis outage must not stop the API starting).
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(done, REDIS_READY_WAIT_MS);
      redis?.once("ready", done);
    });
  }
  const make = (name: string, perMinute: number) => {
    if (perMinute <= 0) return null;
    const options = {
      points: Math.max(1, Math.ceil(perMinute / 2)),
      duration: WINDOW_SECONDS,
      keyPrefix: `cp-rl-${name}`,
    };
    const limiter = redis
      ? new RateLimiterRedis({
          ...options,
          storeClient: redis,
          rejectIfRedisNotReady: true,
          insuranceLimiter: new RateLimiterMemory(options),
        })
      : new RateLimiterMemory(options);
    return new Budget(limiter, log);
  };
  return {
    authFailures: make("auth", config.authFailuresPerMinute),
    bootstraps: make("bootstrap", config.bootstrapsPerMinute),
    refused: onRefused,
    async close() {
      await redis?.quit().catch(() => redis?.disconnect());
    },
  };
}

const RATE_LIMITED = "RATE_LIMITED";

function rateLimitedError(what: string, seconds: number): GraphQLError {
  return new GraphQLError(`Too many ${what} from this address; retry in ${seconds} s.`, {
    extensions: { code: RATE_LIMITED, http: { status: 429, headers: { "retry-after": String(seconds) } } },
  });
}

type Addressed = { remoteAddress?: string };
type ErrorLike = { extensions?: { code?: unknown }; originalError?: { code?: unknown } | null };

/** A credential found wrong: the access rules' 401, or an agent's (its AccessError, not yet masked). */
const hasUnauthenticated = (result: unknown): boolean => {
  const errors = (result as { errors?: readonly ErrorLike[] } | null)?.errors;
  return (
    Array.isArray(errors) &&
    errors.some((e) => e?.extensions?.code === "UNAUTHENTICATED" || e?.originalError?.code === "UNAUTHENTICATED")
  );
};

/** The workspace id each registerWorkspace root field names (null when it names none readable). */
function registerCalls(args: ExecutionArgs): (string | null)[] {
  const op = selectOperation(args.document, args.operationName);
  if (op?.operation !== "mutation") return [];
  return rootFields(args.document, op)
    .filter((f) => f.name.value === "registerWorkspace")
    .map((f) => workspaceIdOf(f, args.variableValues ?? undefined));
}

function workspaceIdOf(field: FieldNode, variables: Readonly<Record<string, unknown>> | undefined): string | null {
  const input = field.arguments?.find((a) => a.name.value === "input")?.value;
  if (!input) return null;
  const id = (valueFromASTUntyped(input, variables) as { workspaceId?: unknown } | null)?.workspaceId;
  return typeof id === "string" ? id : null;
}

type Stop = (result: { errors: GraphQLError[] }) => void;

/**
 * Rate limits per client address (SPEC section 11), so tokens cannot be
 * checked at speed and bootstraps cannot flood the database.
 *
 * - A request that presents a bearer takes one failed check before it is
 *   judged and gives it back unless the bearer was found wrong. An address
 *   out of failed checks is refused (429), unless its bearer is valid: a
 *   valid credential is never refused for what others at its address did.
 * - Every registerWorkspace call takes one bootstrap before it runs, given
 *   back only when it carries the live instance token of its own workspace;
 *   a bearer found wrong there also keeps its failed check.
 *
 * Requests without an address (in-process yoga.fetch, graphql-ws, whose
 * connection is limited in onConnect) are not limited.
 */
export function useRateLimits(limits: RateLimits): Plugin<Context> {
  const { authFailures, bootstraps } = limits;
  const bearers = rememberValidBearers();

  const guard = async (args: ExecutionArgs, stop: Stop) => {
    const ctx = args.contextValue as Context & Addressed;
    const key = clientKey(ctx.remoteAddress);
    if (!key) return undefined;
    const presented = ctx.bearer.kind !== "none";
    const registers = bootstraps ? registerCalls(args) : [];
    if (!(presented && authFailures) && registers.length === 0) return undefined;

    /** What this request's own lookup found. */
    let identity: BearerIdentity | undefined;
    const identify = async () => {
      try {
        identity ??= await bearers.identify(ctx.bearer, { admins: ctx.admins, sql: ctx.domain.sql });
      } catch {
        // Not judged: it is not let past a limit (the request itself would answer 503).
      }
      return identity;
    };

    let authHeld = false;
    if (presented && authFailures) {
      const wait = await authFailures.take(key);
      if (wait === 0) authHeld = true;
      else if (!(bearers.recall(ctx.bearer) ?? (await identify()))?.valid) {
        limits.refused("auth_failures");
        stop({ errors: [rateLimitedError("failed credential checks", wait)] });
        return undefined;
      }
    }
    if (registers.length > 0 && bootstraps) {
      const wait = await bootstraps.take(key, registers.length);
      // The lookup comes after the take: concurrent calls cannot all pass on one budget.
      const mine = presented ? ((await identify())?.instanceOf ?? null) : null;
      const own = registers.filter((id) => id !== null && id === mine).length;
      if (wait > 0 && own < registers.length) {
        if (authHeld && identity?.valid) authFailures?.give(key);
        limits.refused("bootstraps");
        stop({ errors: [rateLimitedError("registrations without a valid instance token", wait)] });
        return undefined;
      }
      if (wait === 0 && own > 0) bootstraps.give(key, own);
    }
    if (!authHeld) return undefined;
    return (result: unknown) => {
      const wrong = hasUnauthenticated(result) || (registers.length > 0 && identity?.valid === false);
      if (!wrong) authFailures?.give(key);
    };
  };

  return {
    async onExecute({ args, setResultAndStopExecution }) {
      const settle = await guard(args, setResultAndStopExecution);
      if (settle) return { onExecuteDone: ({ result }) => settle(result) };
      return undefined;
    },
    async onSubscribe({ args, setResultAndStopExecution }) {
      const settle = await guard(args, setResultAndStopExecution);
      if (settle) return { onSubscribeResult: ({ result }) => settle(result) };
      return undefined;
    },
  };
}

/**
 * graphql-ws connections carry their credential in connection_init: one
 * failed check is taken before it is judged and given back if it was valid.
 * An address out of failed checks is refused like a wrong credential (4403)
 * unless its credential is valid.
 */
export async function guardSocket(
  limits: RateLimits,
  remoteAddress: string | undefined,
  presented: boolean,
  authorize: () => Promise<boolean>,
): Promise<boolean> {
  const key = clientKey(remoteAddress);
  const budget = limits.authFailures;
  if (!key || !presented || !budget) return authorize();
  const held = (await budget.take(key)) === 0;
  const ok = await authorize();
  if (ok && held) budget.give(key);
  return ok;
}
