import type { WorkspaceEvent, WorkspaceEventType } from "../generated/prisma/client.js";
import type { MaybePromise } from "../maybe-promise.js";
import { compareEventPositions, type EventPosition, positionOf } from "./cursor.js";
import type { EventFeed } from "./feed.js";

export type EventFilter = { workspaceId?: string | null; type?: WorkspaceEventType; after?: EventPosition | null };

/**
 * Live events held per subscriber. A subscriber further behind than this
 * (a burst, a slow client) drops its queue and catches up from the record.
 */
export const MAX_QUEUED_EVENTS = 1_000;
const REPLAY_PAGE = 200;

type Result = IteratorResult<WorkspaceEvent, undefined>;

/**
 * Takes a live event past the reader, or declines it (false): a declined
 * event goes to the reader as any other. While a promised answer is
 * pending, later events wait behind it in the queue.
 */
export type EventTaker = (event: WorkspaceEvent) => MaybePromise<boolean>;

/** A stream that can hand its live events to a taker instead of its reader (subscribeToEvents' streams can). */
export type TakenStream = AsyncIterableIterator<WorkspaceEvent> & { takeLiveEvents(taker: EventTaker): void };

export const takesLiveEvents = (stream: object): stream is TakenStream =>
  typeof (stream as Partial<TakenStream>).takeLiveEvents === "function";
const DONE: Result = Object.freeze({ done: true, value: undefined });

/**
 * Recorded events past `after`, then live ones, with no gap and no
 * duplicate: the live listener is in place before the replay reads, and
 * anything at or before the last position delivered is skipped. The replay
 * reads settled events only, as the feed does, so the two agree on order.
 */
export function subscribeToEvents(feed: EventFeed, filter: EventFilter): TakenStream {
  return new EventStream(feed, filter);
}

/**
 * One subscriber's stream, as one object: an event the feed hands to a
 * waiting reader resolves its `next` directly. (It was an async generator
 * behind a wrapper; with 10,000 subscribers of one workspace, their resumes
 * and per-subscriber closures showed in the fan-out's profile and heap,
 * BENCHMARKS.md, session 8.) A `next` called before the last one settled
 * waits its turn, as with a generator.
 *
 * A taker (takeLiveEvents) is offered each live event that would go
 * straight to a waiting reader: the reader then stays waiting, and only
 * what the taker declines reaches it. Replayed and queued events always go
 * to the reader, and one event is settled (taken or handed on) before the
 * next is offered, so the order is the record's either way.
 */
class EventStream implements TakenStream {
  private started = false;
  private closed = false;
  /** The position of the last event handed out: anything at or before it is a duplicate. */
  private last: EventPosition | undefined;
  /** Events read from the record, handed out before anything live. */
  private page: WorkspaceEvent[] = [];
  /** The record has more to read before the live queue (a replay, or a catch-up after an overflow). */
  private readRecord: boolean;
  private readonly queue: WorkspaceEvent[] = [];
  /** Set when the queue overflowed: nothing is queued until the catch-up starts reading. */
  private behind = false;
  private reader: ((result: Result | Promise<Result>) => void) | null = null;
  /** The unsettled `next` that waits for an event or a page of the record. */
  private waiting: Promise<Result> | null = null;
  private stopListening: (() => void) | null = null;
  private readonly stopDraining: () => void;
  private taker: EventTaker | null = null;
  /** The taker has not answered for the last event offered: arrivals queue behind it. */
  private offering = false;

  constructor(
    private readonly feed: EventFeed,
    private readonly filter: EventFilter,
  ) {
    this.readRecord = filter.after !== null && filter.after !== undefined;
    // A shutdown completes the stream as its end, not as a cut connection.
    this.stopDraining = feed.onDrain(() => this.close());
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  next(): Promise<Result> {
    if (this.waiting) return this.waiting.then(() => this.next());
    if (this.closed) return Promise.resolve(DONE);
    if (!this.started) this.start();
    const event = this.take();
    if (event) return Promise.resolve({ done: false, value: event });
    if (this.readRecord) {
      this.waiting = this.readPage().then(
        () => {
          this.waiting = null;
          return this.next();
        },
        (err: unknown) => {
          this.waiting = null;
          throw err;
        },
      );
      return this.waiting;
    }
    // An async generator waiting for an event could not be returned until it
    // came; a dead client on a quiet workspace would keep its listener for
    // ever. Here `return` resolves the wait.
    this.waiting = new Promise((resolve) => {
      this.reader = resolve;
    });
    return this.waiting;
  }

  takeLiveEvents(taker: EventTaker) {
    this.taker = taker;
  }

  return(): Promise<Result> {
    this.close();
    return Promise.resolve(DONE);
  }

  throw(err?: unknown): Promise<Result> {
    this.close();
    return Promise.reject(err);
  }

  private start() {
    this.started = true;
    // Without `after`, the stream starts where the feed is now: anything the
    // feed hands out later is new to this subscriber.
    this.last = this.filter.after ?? this.feed.position;
    this.stopListening = this.feed.listen(this.filter.workspaceId ?? "*", (event) => this.arrived(event));
  }

  private arrived(event: WorkspaceEvent) {
    if (this.filter.type && event.type !== this.filter.type) return;
    if (this.reader && this.queue.length === 0 && !this.offering) {
      // Waiting, so nothing is queued or left to read: hand it over directly.
      if (this.isDuplicate(event)) return;
      this.last = positionOf(event);
      this.offer(event);
      return;
    }
    if (this.queue.length >= MAX_QUEUED_EVENTS) {
      this.behind = true;
      this.readRecord = true;
      this.queue.length = 0;
    } else if (!this.behind) this.queue.push(event);
  }

  /** A live event for the waiting reader, to the taker first if there is one; true when taken at once. */
  private offer(event: WorkspaceEvent): boolean {
    let taken: MaybePromise<boolean>;
    try {
      taken = this.taker ? this.taker(event) : false;
    } catch {
      // A taker that fails declines: the reader's path meets the failure again and answers it.
      taken = false;
    }
    if (taken === true) return true;
    if (taken === false) {
      this.handToReader(event);
      return false;
    }
    this.offering = true;
    taken.then(
      (yes) => this.offered(event, yes),
      () => this.offered(event, false),
    );
    return false;
  }

  /** The taker's answer came: what it declined goes to the reader; after what it took, the queue's next. */
  private offered(event: WorkspaceEvent, taken: boolean) {
    this.offering = false;
    if (this.closed) return;
    if (!taken) return this.handToReader(event);
    if (this.readRecord) return this.handToReader(undefined);
    for (let next = this.queue.shift(); next; next = this.queue.shift()) {
      if (this.isDuplicate(next)) continue;
      this.last = positionOf(next);
      if (!this.offer(next)) return;
    }
  }

  /**
   * Resolves the waiting reader with the event, or, with none, wakes it to
   * read the record (the queue overflowed while the taker was answering).
   */
  private handToReader(event: WorkspaceEvent | undefined) {
    const reader = this.reader;
    if (!reader) return;
    this.reader = null;
    this.waiting = null;
    if (event) reader({ done: false, value: event });
    else reader(this.next());
  }

  /** The next event already here, from the record's page first, then the live queue. */
  private take(): WorkspaceEvent | undefined {
    const fromRecord = this.page.shift();
    if (fromRecord) {
      this.last = positionOf(fromRecord);
      return fromRecord;
    }
    if (this.readRecord) return undefined;
    for (let event = this.queue.shift(); event; event = this.queue.shift()) {
      if (this.isDuplicate(event)) continue;
      this.last = positionOf(event);
      return event;
    }
    return undefined;
  }

  /**
   * One page of the record past the last event handed out. The overflow
   * flag clears first: events queued from here on may overlap the pages, and
   * the position check drops the overlap. What is not settled yet reaches
   * this stream through the feed once it is.
   */
  private async readPage() {
    this.behind = false;
    try {
      const page = await this.feed.readAfter(this.last as EventPosition, this.filter, REPLAY_PAGE);
      this.page = page.events;
      if (page.events.length < REPLAY_PAGE || page.heldBack) this.readRecord = false;
    } catch (err) {
      this.close();
      throw err;
    }
  }

  private isDuplicate(event: WorkspaceEvent) {
    return compareEventPositions(positionOf(event), this.last as EventPosition) <= 0;
  }

  private close() {
    if (this.closed) return;
    this.closed = true;
    this.stopListening?.();
    this.stopDraining();
    this.queue.length = 0;
    this.page = [];
    const reader = this.reader;
    this.reader = null;
    this.waiting = null;
    reader?.(DONE);
  }
}
