import { setMaxListeners } from "node:events";
import { createPubSub } from "graphql-yoga";
import type { Redis } from "ioredis";
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
  onHint(listener: (hint: EventHint) => void): () => void;
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
  const [{ Redis }, { createRedisEventTarget }] = await Promise.all([
    import("ioredis"),
    import("@graphql-yoga/redis-event-target"),
  ]);
  // Separate connections: a subscribed Redis connection cannot publish.
  // Publishing fails fast while Redis is down instead of queueing without bound.
  const publishClient = new Redis(redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false });
  const subscribeClient = new Redis(redisUrl, { maxRetriesPerRequest: null });
  for (const [name, client] of [
    ["publish", publishClient],
    ["subscribe", subscribeClient],
  ] as const) {
    client.on("error", (err: Error) => log.warn({ msg: "redis connection error", connection: name, err: err.message }));
  }
  // The event target does not await publish; an outage would otherwise be an
  // unhandled rejection, which ends the process.
  const safePublisher = {
    publish: (channel: string, message: string) =>
      publishClient.publish(channel, message).catch((err: Error) => {
        log.warn({ msg: "event hint not published; subscribers catch up from the record", err: err.message });
        return 0;
      }),
  } as unknown as Redis;
  const eventTarget = createRedisEventTarget({ publishClient: safePublisher, subscribeClient });
  return fromPubSub(createPubSub<Topics>({ eventTarget }), async () => {
    publishClient.disconnect();
    subscribeClient.disconnect();
  });
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
