import type { TypedDocumentString } from "./gql/graphql.js";

// How the agent client reads the control plane's answers (SPEC section 2):
// which are final, which are retried, which are bugs.

/**
 * Why a client stopped. Lower case: the transport's verdicts and the
 * client's own; upper case: the result codes that end an agent's run.
 */
export type StopReason =
  | "unauthenticated"
  | "forbidden"
  | "WORKSPACE_FAILED"
  | "PLATFORM_AGENT_IDENTITY_GATE"
  | "PLATFORM_KIND_FORBIDDEN"
  | "NOT_FOUND"
  /** A request the server refused as malformed, or an answer this client could not use: a bug, not an outage. */
  | "invalid_request"
  | "token_store_failed"
  | "retries_exhausted"
  | "stopped";

export type Stopped = { reason: StopReason; message: string };

/** The run is over: nothing this client retries will change the answer. */
export class AgentStoppedError extends Error {
  override name = "AgentStoppedError";
  constructor(
    readonly reason: StopReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * The server refused the request itself (VALIDATION_FAILED, or an operation
 * it could not run): a bug in the client's options or code, never retried.
 */
export class AgentRequestError extends Error {
  override name = "AgentRequestError";
  constructor(
    message: string,
    readonly code: string | null,
    readonly field: string | null = null,
  ) {
    super(message);
  }
}

/** A check could not be made (503), or the server could not be reached: retried with backoff. */
export class AgentUnavailableError extends Error {
  override name = "AgentUnavailableError";
  constructor(
    readonly kind: "unavailable" | "network" | "timeout",
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export type RetryOptions = { initialMs: number; maxMs: number; maxAttempts?: number };

/** Exponential, capped, with "equal jitter": at least half the step, so retries never bunch at zero. */
export function backoffDelay(attempt: number, retry: RetryOptions, random: () => number = Math.random): number {
  const step = Math.min(retry.maxMs, retry.initialMs * 2 ** Math.min(attempt, 52));
  return Math.round(step / 2 + (random() * step) / 2);
}

type GraphQLBody = { data?: unknown; errors?: { message?: string; extensions?: { code?: string } }[] };

const RESULT_STOPS = new Set<string>([
  "WORKSPACE_FAILED",
  "PLATFORM_AGENT_IDENTITY_GATE",
  "PLATFORM_KIND_FORBIDDEN",
  "NOT_FOUND",
]);

/** A result error as the client acts on it: a stop, or a bug to throw. */
export function resultError(e: { code: string; message: string; field?: string | null }): Error {
  if (RESULT_STOPS.has(e.code)) return new AgentStoppedError(e.code as StopReason, e.message);
  return new AgentRequestError(e.message, e.code, e.field ?? null);
}

export type Transport = { endpoint: string; fetch: typeof fetch; timeoutMs: number };

/**
 * One POST, classified. Bounded by its timeout only, never aborted by the
 * agent's stop(): a register in flight may mint a token, and a token the
 * server minted but the agent never saved locks the workspace out until an
 * admin restarts it.
 */
export async function postOperation<R, V>(
  transport: Transport,
  doc: TypedDocumentString<R, V>,
  variables: V,
  bearer: string | null,
): Promise<R> {
  const timeout = AbortSignal.timeout(transport.timeoutMs);
  let res: Response;
  let text: string;
  try {
    res = await transport.fetch(transport.endpoint, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/graphql-response+json, application/json",
        ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
      },
      body: JSON.stringify({ query: doc.toString(), variables }),
      signal: timeout,
    });
    text = await res.text();
  } catch (err) {
    const kind = timeout.aborted ? "timeout" : "network";
    throw new AgentUnavailableError(kind, `The control plane could not be reached (${kind}).`, { cause: err });
  }
  let body: GraphQLBody | null = null;
  try {
    body = JSON.parse(text) as GraphQLBody;
  } catch {
    // not GraphQL: a proxy's page, or a truncated answer; the status decides
  }
  const error = body?.errors?.[0];
  const code = error?.extensions?.code;
  const message = error?.message ?? `HTTP ${res.status}`;
  if (code === "UNAUTHENTICATED" || res.status === 401) throw new AgentStoppedError("unauthenticated", message);
  if (code === "FORBIDDEN" || res.status === 403) throw new AgentStoppedError("forbidden", message);
  // A masked unexpected error is most often a database hiccup: retried, with the same cap as a 503.
  if (code === "SERVICE_UNAVAILABLE" || code === "INTERNAL_SERVER_ERROR" || res.status >= 500 || res.status === 429) {
    throw new AgentUnavailableError("unavailable", message);
  }
  if (!body?.data || error) throw new AgentRequestError(message, code ?? null);
  return body.data as R;
}
