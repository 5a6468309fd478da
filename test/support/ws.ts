import { type Client, createClient, type FormattedExecutionResult } from "graphql-ws";
import WebSocket from "ws";
import { graphql } from "../gql/gql.js";
import type { Doc } from "./gql.js";

// The subscription documents the socket and SSE tests send; codegen types them.

export const OnWorkspaceEvents = graphql(`
  subscription OnWorkspaceEvents($workspaceId: ID, $after: String) {
    workspaceEvents(workspaceId: $workspaceId, after: $after) { cursor type workspaceId status code message payload at }
  }
`);

export const OnProvisionFailures = graphql(`
  subscription OnProvisionFailures($workspaceId: ID, $after: String) {
    provisionFailures(workspaceId: $workspaceId, after: $after) { cursor type workspaceId status code message at }
  }
`);

export type Closed = { code: number; reason: string };

/** One subscription's results, as the client received them. */
export type Subscription<R> = {
  /** The data of every result without errors, in arrival order. */
  events: R[];
  /** Errors from error results, from the sink's error, or the close event that ended it. */
  errors: unknown[];
  done: boolean;
  /** Resolves with the events once the predicate holds; rejects on an error, an early end, or after timeoutMs. */
  waitFor(predicate: (events: R[]) => boolean, timeoutMs?: number): Promise<R[]>;
  /** Resolves once the subscription ended (completed or failed). */
  ended(timeoutMs?: number): Promise<void>;
  unsubscribe(): void;
};

export type Connection = {
  client: Client;
  /** Resolves once the server acknowledged the connection; rejects with the close if it never does. */
  connected: Promise<void>;
  /** Resolves with the close code and reason once the socket is closed. */
  closed: Promise<Closed>;
  subscribe<R, V>(doc: Doc<R, V>, variables?: V): Subscription<R>;
  /** Drops the TCP connection with no close frame, as a crashed client would. */
  terminate(): void;
  /** The underlying socket (for tests that pause reading). */
  socket(): WebSocket | null;
  dispose(): Promise<void>;
};

export const wsUrl = (baseUrl: string) => `${baseUrl.replace(/^http/, "ws")}/graphql`;

/**
 * The real graphql-ws client on a real socket: no retries, connected at once.
 * `token` null sends no authorization at all.
 */
export function connect(baseUrl: string, token: string | null): Connection {
  let socket: WebSocket | null = null;
  let onClosed!: (c: Closed) => void;
  const closed = new Promise<Closed>((resolve) => {
    onClosed = resolve;
  });
  let ack!: () => void;
  let nack!: (err: unknown) => void;
  const connected = new Promise<void>((resolve, reject) => {
    ack = resolve;
    nack = reject;
  });
  connected.catch(() => {}); // callers that only look at `closed` need not handle it
  const client = createClient({
    url: wsUrl(baseUrl),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: false,
    connectionParams: token === null ? {} : { authorization: `Bearer ${token}` },
    onNonLazyError: () => {}, // reported through `closed`
    on: {
      opened: (s) => {
        socket = s as WebSocket;
      },
      connected: () => ack(),
      closed: (event) => {
        const e = event as { code: number; reason: string };
        onClosed({ code: e.code, reason: String(e.reason) });
        nack(new Error(`socket closed before the ack: ${e.code} ${e.reason}`));
      },
    },
  });

  return {
    client,
    connected,
    closed,
    socket: () => socket,
    terminate: () => socket?.terminate(),
    dispose: async () => {
      await client.dispose();
    },
    subscribe<R, V>(doc: Doc<R, V>, variables?: V): Subscription<R> {
      const sub: Subscription<R> = {
        events: [],
        errors: [],
        done: false,
        waitFor: (predicate, timeoutMs = 10_000) => waitUntil(sub, () => predicate(sub.events), timeoutMs, true),
        ended: async (timeoutMs = 10_000) => {
          await waitUntil(sub, () => sub.done, timeoutMs, false);
        },
        unsubscribe: () => stop(),
      };
      const stop = client.subscribe<R>(
        { query: doc.toString(), variables: (variables ?? {}) as Record<string, unknown> },
        {
          next: (result: FormattedExecutionResult<R>) => {
            if (result.errors) sub.errors.push(...result.errors);
            else sub.events.push(result.data as R);
            notify(sub);
          },
          error: (err) => {
            // An `error` message carries a list of GraphQL errors; a close event comes alone.
            if (Array.isArray(err)) sub.errors.push(...err);
            else sub.errors.push(err);
            sub.done = true;
            notify(sub);
          },
          complete: () => {
            sub.done = true;
            notify(sub);
          },
        },
      );
      return sub;
    },
  };
}

const waiters = new WeakMap<object, Set<() => void>>();

function notify(sub: object) {
  for (const check of waiters.get(sub) ?? []) check();
}

/** Waits on a subscription's state; failOnError: an error or an end before the condition rejects at once. */
function waitUntil<R>(sub: Subscription<R>, condition: () => boolean, timeoutMs: number, failOnError: boolean) {
  return new Promise<R[]>((resolve, reject) => {
    let set = waiters.get(sub);
    if (!set) waiters.set(sub, (set = new Set()));
    const describe = () =>
      `${sub.events.length} events so far (last: ${JSON.stringify(sub.events.at(-1))}); errors: ${sub.errors
        .map((e) => (e instanceof Error ? e.message : JSON.stringify(e)))
        .join("; ")}; done: ${sub.done}`;
    const finish = (err?: Error) => {
      clearTimeout(timer);
      set.delete(check);
      if (err) reject(err);
      else resolve(sub.events);
    };
    const check = () => {
      if (condition()) finish();
      else if (failOnError && (sub.errors.length > 0 || sub.done))
        finish(new Error(`subscription failed or ended early: ${describe()}`));
    };
    const timer = setTimeout(() => finish(new Error(`not reached within ${timeoutMs} ms: ${describe()}`)), timeoutMs);
    set.add(check);
    check();
  });
}

/** Waits until a condition on server state holds (checked every 10 ms); throws with `what` after timeoutMs. */
export async function eventually(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`not reached within ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
