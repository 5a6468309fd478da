import { randomUUID } from "node:crypto";
import { setMaxListeners } from "node:events";
import { createPubSub } from "@graphql-yoga/subscription";
import type { Logger } from "../log.js";
import type { EventHint } from "./record.js";

const HINTS = "workspace-events";
type Topics = { [HINTS]: [hint: EventHint] };

/**
 * Carries "the record has new events" hints between API instances. Hints are
 * small and JSON-safe; subscribers always re-read the record, which is the
 * truth, so a lost hint delays an event (until the feed's next poll) but
 * never loses it.
 */
export interface EventPublisher {
  publish(hint: EventHint): void;
  /** `null`: hints may have been missed (a subscription renewed); read the record. */
  onHint(listener: (hint: EventHint | null) => void): () => void;
  close(): Promise<void>;
}

export async function createEventPublisher(redisUrl: string | undefined, log: Logger): Promise<EventPublisher> {
  if (!redisUrl) {
    const target = new EventTarget();
    // One listener per process today, but never warn if that grows.
    setMaxListeners(Number.POSITIVE_INFINITY, target);
    return fromPubSub(createPubSub<Topics>({ eventTarget: target }), async () => {});
  }
  // Loaded only when configured: the Redis client is about 15 MB of a process's memory.
  const { Redis } = await import("ioredis");
  // Separate connections: a subscribed Redis connection cannot publish.
  // Publishing fails fast while Redis is down instead of queueing without bound.
  const publishClient = new Redis(redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false });
  // The subscription is ours to renew (below), not ioredis's: it re-subscribes
  // only connections that had reached "ready", so a subscription lost during a
  // handshake would never come back.
  const subscribeClient = new Redis(redisUrl, { maxRetriesPerRequest: null, autoResubscribe: false });
  for (const [name, client] of [
    ["publish", publishClient],
    ["subscribe", subscribeClient],
  ] as const) {
    client.on("error", (err: Error) => log.warn({ msg: "redis connection error", connection: name, err: err.message }));
  }
  const origin = randomUUID();
  const listeners = new Set<(hint: EventHint | null) => void>();
  const deliver = (hint: EventHint | null) => {
    for (const listener of listeners) listener(hint);
  };
  subscribeClient.on("message", (channel: string, message: string) => {
    if (channel !== HINTS) return;
    let hint: EventHint & { from?: string };
    try {
      hint = JSON.parse(message);
    } catch {
      return;
    }
    // This process's own hints were delivered when published.
    if (hint.from !== origin) deliver({ seq: hint.seq, workspaceId: hint.workspaceId });
  });
  // SUBSCRIBE only once the connection is ready, on every (re)connection. Sent
  // earlier, ioredis writes it during the handshake (Redis lets SUBSCRIBE run
  // while loading), the connection enters subscriber mode, ioredis refuses
  // its own ready check (INFO) in that mode and reconnects, and forgets the
  // subscription: @graphql-yoga/redis-event-target subscribed that way, at
  // the first listener, and some starts were left deaf for good.
  let closed = false;
  const renew = () => {
    if (closed || subscribeClient.status !== "ready") return;
    subscribeClient.subscribe(HINTS).then(
      // Hints sent while this connection was not subscribed were lost: read the record now.
      () => deliver(null),
      (err: Error) => {
        log.warn({ msg: "redis subscribe failed; retrying", err: err.message });
        setTimeout(renew, 1_000).unref();
      },
    );
  };
  subscribeClient.on("ready", renew);
  return {
    publish(hint) {
      // This process's own subscribers need no round trip through Redis.
      deliver(hint);
      // Not awaited by callers (the record is already committed): a Redis
      // outage is logged here, never an unhandled rejection.
      publishClient.publish(HINTS, JSON.stringify({ ...hint, from: origin })).catch((err: Error) => {
        log.warn({ msg: "event hint not published; subscribers catch up from the record", err: err.message });
      });
    },
    onHint(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    async close() {
      closed = true;
      listeners.clear();
      publishClient.disconnect();
      subscribeClient.disconnect();
    },
  };
}

function fromPubSub(pubsub: ReturnType<typeof createPubSub<Topics>>, close: () => Promise<void>): EventPublisher {
  return {
    publish: (hint) => pubsub.publish(HINTS, hint),
    onHint(listener) {
      const iterator = pubsub.subscribe(HINTS)[Symbol.asyncIterator]();
      let open = true;
      void (async () => {
        while (open) {
          const next = await iterator.next();
          if (next.done) return;
          listener(next.value);
        }
      })();
      return () => {
        open = false;
        void iterator.return?.();
      };
    },
    close,
  };
}
