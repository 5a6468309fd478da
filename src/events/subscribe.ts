import type { PrismaClient, WorkspaceEvent, WorkspaceEventType } from "../generated/prisma/client.js";
import type { EventFeed } from "./feed.js";

export type EventFilter = { workspaceId?: string | null; type?: WorkspaceEventType; afterSeq?: bigint | null };

/**
 * Live events held per subscriber. A subscriber further behind than this
 * (a burst, a slow client) drops its queue and catches up from the record.
 */
export const MAX_QUEUED_EVENTS = 1_000;
const REPLAY_PAGE = 200;

/**
 * Recorded events past `afterSeq`, then live ones, with no gap and no
 * duplicate: the live listener is in place before the replay reads, and
 * anything at or below the last sequence number delivered is skipped.
 */
export function subscribeToEvents(
  prisma: PrismaClient,
  feed: EventFeed,
  filter: EventFilter,
): AsyncIterableIterator<WorkspaceEvent> {
  // An async generator waiting for an event cannot be returned until that
  // event arrives; a dead client on a quiet workspace would keep its
  // listener for ever. Closing resolves the wait instead.
  let close!: () => void;
  const closed = new Promise<void>((resolve) => {
    close = resolve;
  });
  // A shutdown completes the stream as its end, not as a cut connection.
  const stopDraining = feed.onDrain(() => close());
  void closed.then(stopDraining);
  const events = streamEvents(prisma, feed, filter, closed);
  return {
    next: () => events.next(),
    return: (value?: unknown) => {
      close();
      return events.return(value as undefined);
    },
    throw: (err?: unknown) => {
      close();
      return events.throw(err);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

async function* streamEvents(
  prisma: PrismaClient,
  feed: EventFeed,
  filter: EventFilter,
  closed: Promise<void>,
): AsyncGenerator<WorkspaceEvent, void, undefined> {
  let isClosed = false;
  void closed.then(() => {
    isClosed = true;
  });
  const queue: WorkspaceEvent[] = [];
  let wakeUp: (() => void) | null = null;
  // Set when the queue overflowed: what it held was dropped, and the stream
  // catches up from the record instead (memory stays bounded, nothing is lost).
  let behind = false;
  const stopListening = feed.listen(filter.workspaceId ?? "*", (event) => {
    if (filter.type && event.type !== filter.type) return;
    if (queue.length >= MAX_QUEUED_EVENTS) {
      behind = true;
      queue.length = 0;
    } else if (!behind) queue.push(event);
    wakeUp?.();
  });
  try {
    // Without `after`, the stream starts where the feed is now: anything the
    // feed hands out later is new to this subscriber.
    let last: bigint = filter.afterSeq ?? feed.position;
    let replay = filter.afterSeq !== null && filter.afterSeq !== undefined;
    for (;;) {
      if (replay || behind) {
        // Clear first: events queued from here on may overlap the pages read
        // below, and the sequence check drops the overlap.
        behind = false;
        replay = false;
        for (;;) {
          const page: WorkspaceEvent[] = await prisma.workspaceEvent.findMany({
            where: {
              seq: { gt: last },
              ...(filter.workspaceId ? { workspaceId: filter.workspaceId } : {}),
              ...(filter.type ? { type: filter.type } : {}),
            },
            orderBy: { seq: "asc" },
            take: REPLAY_PAGE,
          });
          for (const event of page) {
            last = event.seq;
            yield event;
          }
          if (page.length < REPLAY_PAGE || isClosed) break;
        }
        continue;
      }
      const event: WorkspaceEvent | undefined = queue.shift();
      if (!event) {
        await Promise.race([
          closed,
          new Promise<void>((resolve) => {
            wakeUp = resolve;
          }),
        ]);
        wakeUp = null;
        if (isClosed) return;
        continue;
      }
      if (event.seq <= last) continue;
      last = event.seq;
      yield event;
    }
  } finally {
    stopListening();
  }
}
