import type { PrismaClient, WorkspaceEvent, WorkspaceEventType } from "../generated/prisma/client.js";
import type { EventFeed } from "./feed.js";

export type EventFilter = { workspaceId?: string | null; type?: WorkspaceEventType; afterSeq?: bigint | null };

/** A subscriber this far behind is dropped; it resumes with `after` and loses nothing. */
export const MAX_QUEUED_EVENTS = 1_000;
const REPLAY_PAGE = 200;

export class SubscriberTooSlowError extends Error {
  override name = "SubscriberTooSlowError";
  constructor() {
    super(`subscriber fell more than ${MAX_QUEUED_EVENTS} events behind; resubscribe with the last cursor as after`);
  }
}

/**
 * Recorded events past `afterSeq`, then live ones, with no gap and no
 * duplicate: the live listener is in place before the replay reads, and
 * anything at or below the last replayed sequence number is skipped.
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
  let overflow = false;
  const stopListening = feed.listen(filter.workspaceId ?? "*", (event) => {
    if (overflow || (filter.type && event.type !== filter.type)) return;
    // Past the bound it will be cut off at its next read: drop what it holds now,
    // since a client that never reads may not read again for a long time.
    if (queue.length >= MAX_QUEUED_EVENTS) {
      overflow = true;
      queue.length = 0;
    } else queue.push(event);
    wakeUp?.();
  });
  try {
    let last: bigint | null = filter.afterSeq ?? null;
    if (last !== null) {
      for (;;) {
        const page: WorkspaceEvent[] = await prisma.workspaceEvent.findMany({
          where: {
            seq: { gt: last as bigint },
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
        if (page.length < REPLAY_PAGE) break;
      }
    }
    for (;;) {
      if (overflow) throw new SubscriberTooSlowError();
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
      if (last !== null && event.seq <= last) continue;
      last = event.seq;
      yield event;
    }
  } finally {
    stopListening();
  }
}
