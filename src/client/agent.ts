import type { DeliveryMode, WorkspaceKind, WorkspaceStatus } from "./gql/graphql.js";
import { AgentHeartbeat, AgentRegisterWorkspace } from "./operations.js";
import type { TokenStore } from "./token-store.js";
import {
  AgentRequestError,
  AgentStoppedError,
  AgentUnavailableError,
  backoffDelay,
  postOperation,
  type RetryOptions,
  resultError,
  type Stopped,
  type StopReason,
} from "./transport.js";

export type AgentClientOptions = {
  endpoint: string;
  workspaceId: string;
  tokenStore: TokenStore;
  url?: string | null;
  deliveryMode?: DeliveryMode | null;
  kind?: WorkspaceKind | null;
  agentCard?: unknown;
  mcpServerPresent?: boolean | null;
  heartbeatIntervalMs?: number;
  requestTimeoutMs?: number;
  retry?: Partial<RetryOptions>;
  onPlatformInboundSecret?(secret: string): void;
  onStatus?(status: WorkspaceStatus): void;
  onStopped?(stopped: Stopped): void;
  onRetry?(info: { attempt: number; delayMs: number; error: AgentUnavailableError }): void;
  fetch?: typeof fetch;
};

export type Registration = {
  workspaceId: string;
  kind: WorkspaceKind;
  status: WorkspaceStatus;
  deliveryMode: DeliveryMode;
  platformInboundSecret: string | null;
  /** A new token was minted by this call (and saved before it returned). */
  bootstrapped: boolean;
};

export type Beat = { status: WorkspaceStatus; lastHeartbeatAt: string | null; platformInboundSecret: string | null };

export type AgentClient = {
  /** Registers once: bootstraps with no bearer when the store is empty, presents the stored token otherwise. */
  register(): Promise<Registration>;
  /** One heartbeat with the token of the last register. */
  heartbeat(): Promise<Beat>;
  /** Registers, then heartbeats every `heartbeatIntervalMs` until stopped. */
  start(): Promise<Registration>;
  stop(): Promise<void>;
  whenStopped(): Promise<Stopped>;
  readonly state: "idle" | "running" | "stopped";
};

const DEFAULT_RETRY: Required<RetryOptions> = { initialMs: 500, maxMs: 30_000, maxAttempts: Infinity };

/**
 * A callback that throws is the caller's bug: it surfaces as an uncaught
 * exception, as a throwing timer callback would, and leaves the client's
 * state intact.
 */
function notify(callback: () => void) {
  try {
    callback();
  } catch (err) {
    setTimeout(() => {
      throw err;
    });
  }
}

/**
 * The agent runtime's side of SPEC sections 2 and 5: bootstrap without a
 * bearer, save a minted token before anything else, present it afterwards.
 * 401 and 403 end the run and the stored token is kept (nothing is cleared
 * behind the operator's back); 503s and network failures are retried with
 * capped, jittered backoff; result codes no retry can change end the run
 * with that code; VALIDATION_FAILED is thrown as the bug it is. A stopped
 * client stays stopped: build a new one to run again.
 */
export function createAgentClient(options: AgentClientOptions): AgentClient {
  const { endpoint, workspaceId, tokenStore } = options;
  const retry = {
    initialMs: options.retry?.initialMs ?? DEFAULT_RETRY.initialMs,
    maxMs: options.retry?.maxMs ?? DEFAULT_RETRY.maxMs,
    maxAttempts: options.retry?.maxAttempts ?? DEFAULT_RETRY.maxAttempts,
  };
  const intervalMs = options.heartbeatIntervalMs ?? 30_000;
  const transport = {
    endpoint,
    fetch: options.fetch ?? globalThis.fetch,
    timeoutMs: options.requestTimeoutMs ?? 10_000,
  };
  if (!workspaceId) throw new TypeError("createAgentClient: workspaceId is required");
  if (!(intervalMs > 0)) throw new RangeError("createAgentClient: heartbeatIntervalMs must be positive");
  if (!(retry.initialMs > 0 && retry.maxMs >= retry.initialMs && retry.maxAttempts >= 1)) {
    throw new RangeError("createAgentClient: retry needs 0 < initialMs <= maxMs and maxAttempts >= 1");
  }

  let state: AgentClient["state"] = "idle";
  let token: string | null = null;
  let lastStatus: WorkspaceStatus | null = null;
  let lastSecret: string | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const inflight = new Set<Promise<unknown>>();
  const halt = new AbortController();
  let resolveStopped!: (s: Stopped) => void;
  const stopped = new Promise<Stopped>((resolve) => {
    resolveStopped = resolve;
  });

  function finish(reason: StopReason, message: string) {
    if (state === "stopped") return;
    state = "stopped";
    if (timer) clearTimeout(timer);
    timer = null;
    halt.abort(new AgentStoppedError(reason, message));
    const info = { reason, message };
    resolveStopped(info);
    notify(() => options.onStopped?.(info));
  }

  /** Every error that ends an operation ends the run (retries are over by the time one gets here). */
  function settle(err: unknown): Error {
    if (err instanceof AgentStoppedError) finish(err.reason, err.message);
    else finish("invalid_request", err instanceof Error ? err.message : String(err));
    return err instanceof Error ? err : new AgentRequestError(String(err), null);
  }

  function stoppedError(): AgentStoppedError {
    return halt.signal.reason as AgentStoppedError;
  }

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      if (halt.signal.aborted) return reject(stoppedError());
      const onAbort = () => {
        clearTimeout(t);
        reject(stoppedError());
      };
      const t = setTimeout(() => {
        halt.signal.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      halt.signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  async function withRetry<T>(attempt: () => Promise<T>): Promise<T> {
    for (let n = 0; ; n++) {
      if (halt.signal.aborted) throw stoppedError();
      try {
        return await attempt();
      } catch (err) {
        if (!(err instanceof AgentUnavailableError)) throw err;
        if (n + 1 >= retry.maxAttempts) {
          throw new AgentStoppedError("retries_exhausted", `Gave up after ${n + 1} attempts: ${err.message}`, {
            cause: err,
          });
        }
        const delayMs = backoffDelay(n, retry);
        notify(() => options.onRetry?.({ attempt: n + 1, delayMs, error: err }));
        await sleep(delayMs);
      }
    }
  }

  function observe(status: WorkspaceStatus, secret: string | null) {
    if (status !== lastStatus) {
      lastStatus = status;
      notify(() => options.onStatus?.(status));
    }
    if (secret !== null && secret !== lastSecret) {
      lastSecret = secret;
      notify(() => options.onPlatformInboundSecret?.(secret));
    }
  }

  async function loadToken(): Promise<string | null> {
    try {
      return await tokenStore.load();
    } catch (err) {
      throw new AgentStoppedError("token_store_failed", "The instance token could not be loaded.", { cause: err });
    }
  }

  async function registerOnce(): Promise<Registration> {
    const bearer = await loadToken();
    const data = await postOperation(
      transport,
      AgentRegisterWorkspace,
      {
        input: {
          workspaceId,
          url: options.url,
          deliveryMode: options.deliveryMode,
          kind: options.kind,
          agentCard: options.agentCard,
          mcpServerPresent: options.mcpServerPresent,
        },
      },
      bearer,
    );
    const r = data.registerWorkspace;
    if (r.__typename !== "RegisterWorkspaceSuccess") throw resultError(r);
    // Saved before anything else, even if stop() came meanwhile: it is the only copy.
    if (r.authToken) {
      try {
        await tokenStore.save(r.authToken);
      } catch (err) {
        throw new AgentStoppedError(
          "token_store_failed",
          "A new instance token could not be saved; restart the workspace once the store works.",
          { cause: err },
        );
      }
    }
    token = r.authToken ?? bearer;
    observe(r.workspace.status, r.platformInboundSecret ?? null);
    return {
      workspaceId: r.workspace.id,
      kind: r.workspace.kind,
      status: r.workspace.status,
      deliveryMode: r.deliveryMode,
      platformInboundSecret: r.platformInboundSecret ?? null,
      bootstrapped: Boolean(r.authToken),
    };
  }

  async function heartbeatOnce(): Promise<Beat> {
    const data = await postOperation(transport, AgentHeartbeat, { input: { workspaceId } }, token as string);
    const r = data.heartbeat;
    if (r.__typename !== "HeartbeatSuccess") throw resultError(r);
    observe(r.workspace.status, r.platformInboundSecret ?? null);
    return {
      status: r.workspace.status,
      lastHeartbeatAt: r.workspace.lastHeartbeatAt,
      platformInboundSecret: r.platformInboundSecret ?? null,
    };
  }

  function track<T>(p: Promise<T>): Promise<T> {
    inflight.add(p);
    void p.then(
      () => inflight.delete(p),
      () => inflight.delete(p),
    );
    return p;
  }

  async function run<T>(op: () => Promise<T>): Promise<T> {
    if (halt.signal.aborted) throw stoppedError();
    try {
      return await track(withRetry(op));
    } catch (err) {
      throw settle(err);
    }
  }

  /** The heartbeat loop: transient failures come back sooner, on the backoff, then the interval resumes. */
  function schedule(delayMs: number, failures: number) {
    if (halt.signal.aborted) return;
    timer = setTimeout(() => {
      timer = null;
      void track(
        heartbeatOnce().then(
          () => schedule(intervalMs, 0),
          (err: unknown) => {
            if (halt.signal.aborted) return;
            if (!(err instanceof AgentUnavailableError)) return void settle(err);
            if (failures + 1 >= retry.maxAttempts) {
              return finish("retries_exhausted", `Gave up after ${failures + 1} heartbeats: ${err.message}`);
            }
            const next = backoffDelay(failures, retry);
            notify(() => options.onRetry?.({ attempt: failures + 1, delayMs: next, error: err }));
            schedule(next, failures + 1);
          },
        ),
      );
    }, delayMs);
  }

  return {
    get state() {
      return state;
    },
    register: () => run(registerOnce),
    heartbeat() {
      if (!token) return Promise.reject(new Error("createAgentClient: heartbeat() before a successful register()"));
      return run(heartbeatOnce);
    },
    async start() {
      if (state !== "idle") throw new Error(`createAgentClient: start() on a ${state} client`);
      state = "running";
      const registration = await run(registerOnce);
      if (halt.signal.aborted) throw stoppedError();
      schedule(intervalMs, 0);
      return registration;
    },
    async stop() {
      finish("stopped", "stop() was called.");
      await Promise.allSettled([...inflight]);
    },
    whenStopped: () => stopped,
  };
}
