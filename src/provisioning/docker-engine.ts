import Docker from "dockerode";
import { BackendUnavailableError } from "./backend.js";

/**
 * The highest Engine API version this backend speaks: Debian's daemon 20.10
 * answers 1.41, and a client pinned above a daemon's version is refused.
 */
export const DOCKER_API_VERSION = "v1.41";

/**
 * A client for DOCKER_HOST (`unix:///path` or `tcp://host:port`, as config
 * validates). Every connection field is set, so the client library's own
 * reading of the environment (DOCKER_HOST, DOCKER_CERT_PATH,
 * DOCKER_CLIENT_TIMEOUT) cannot point it elsewhere or change its timeouts.
 */
export function dockerClient(dockerHost: string): Docker {
  const url = new URL(dockerHost);
  const common = { version: DOCKER_API_VERSION, protocol: "http", timeout: undefined } as const;
  const clear = { ca: undefined, cert: undefined, key: undefined };
  if (url.protocol === "unix:") {
    return new Docker({ ...common, ...clear, socketPath: url.pathname, host: undefined, port: undefined });
  }
  if (url.protocol === "tcp:") {
    return new Docker({ ...common, ...clear, socketPath: undefined, host: url.hostname, port: Number(url.port) });
  }
  throw new Error(`DOCKER_HOST must be unix:///path or tcp://host:port, not ${url.protocol}//`);
}

/** Errors of the connection itself: the engine is down, restarting, or not where DOCKER_HOST says. */
const UNREACHABLE = new Set([
  "ENOENT",
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
  "ENOTFOUND",
  "EACCES",
]);

/** The HTTP status of an engine answer that was an error (dockerode sets statusCode), or undefined. */
export function engineStatus(err: unknown): number | undefined {
  const status = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === "number" ? status : undefined;
}

/**
 * Runs one engine request with a deadline. A failure to reach the engine
 * (refused, no socket, reset, the deadline) becomes BackendUnavailableError;
 * the engine's own answers (404, 409, 500 ...) are rethrown as they are.
 */
export async function engineCall<T>(
  what: string,
  timeoutMs: number,
  request: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    return await request(signal);
  } catch (err) {
    if (signal.aborted) throw new BackendUnavailableError(`docker: ${what}: no answer within ${timeoutMs} ms`, err);
    const code = (err as { code?: unknown } | null)?.code;
    if (typeof code === "string" && UNREACHABLE.has(code)) {
      throw new BackendUnavailableError(`docker: ${what}: the engine cannot be reached (${code})`, err);
    }
    if (engineStatus(err) === undefined && err instanceof Error && /socket hang up/i.test(err.message)) {
      throw new BackendUnavailableError(`docker: ${what}: the engine closed the connection`, err);
    }
    throw err;
  }
}
