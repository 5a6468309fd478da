import type { WorkspaceEvent, WorkspaceEventType } from "../generated/prisma/client.js";
import { compareEventPositions, type EventPosition, positionOf } from "./cursor.js";
import type { EventFeed } from "./feed.js";

export type EventFilter = { workspaceId?: string | null; type?: WorkspaceEventType; after?: EventPosition | null };

/**
 * Live events held per subscriber. A subscriber further behind than this
 * (a burst, a slow client) drops its queue and catches up from the record.
 */
export const MAX_QUEUED_EVENTS = 1_000;
const REPLAY_PAGE = 200;

/**
 * Recorded events past `after`, then live ones, with no gap and no
 * duplicate: the live listener is in place before the replay reads, and
 * anything at or before the last position delivered is skipped. The replay
 * reads settled events only, as the feed does, so the two agree on order.
 */
export function subscribeToEvents(feed: EventFeed, filter: EventFilter): AsyncIterableIterator<WorkspaceEvent> {
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
  const events = streamEvents(feed, filter, closed);
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
  feed: EventFeed,
  filter: EventFilter,
  closed: Promise<void>,
): AsyncGenerator<WorkspaceEvent, void, undefined> {
  let isClosed = false;
  let wakeUp: (() => void) | null = null;
  void closed.then(() => {
    isClosed = true;
    wakeUp?.();
  });
  const queue: WorkspaceEvent[] = [];
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
    let last: EventPosition = filter.after ?? feed.position;
    let replay = filter.after !== null && filter.after !== undefined;
    for (;;) {
      if (replay || behind) {
        // Clear first: events queued from here on may overlap the pages read
        // below, and the position check drops the overlap. What is not
        // settled yet reaches this stream through the feed once it is.
        behind = false;
        replay = false;
        for (;;) {
          const page = await feed.readAfter(last, filter, REPLAY_PAGE);
          for (const event of page.events) {
            last = positionOf(event);
            yield event;
          }
          if (page.events.length < REPLAY_PAGE || page.heldBack || isClosed) break;
        }
        continue;
      }
      const event: WorkspaceEvent | undefined = queue.shift();
      if (!event) {
        // One wait per quiet spell, woken by an event or by the close (a race
        // with `closed` would leave a reaction on it per wait, for the stream's life).
        if (isClosed) return;
        await new Promise<void>((resolve) => {
          wakeUp = resolve;
        });
        wakeUp = null;
        if (isClosed) return;
        continue;
      }
      if (compareEventPositions(positionOf(event), last) <= 0) continue;
      last = positionOf(event);
      yield event;
    }
  } finally {
    stopListening();
  }
}
