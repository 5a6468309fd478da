import type { PrismaClient, WorkspaceEvent, WorkspaceEventType } from "../generated/prisma/client.js";
import type { Logger } from "../log.js";
import { compareEventPositions, type EventPosition, positionOf, START } from "./cursor.js";
import type { EventPublisher } from "./publisher.js";
import { readHeadPosition, readSettledAfter, type SettledPage } from "./visibility.js";

export type FeedListener = (event: WorkspaceEvent) => void;

const PAGE = 500;
/**
 * Listeners handed an event in one turn of the event loop. Each listener's
 * stream runs to its socket's write in the microtasks that follow; a slice
 * at a time keeps what is in flight small, where handing 10,000 at once
 * kept every one's promises and results alive together until the last was
 * written, and the young generation's collections copied them all
 * (BENCHMARKS.md, session 7).
 */
const DISPATCH_SLICE = 256;
/** How soon to read again when an event waits for an older transaction to end (doubling up to the poll). */
const HELD_BACK_FIRST_MS = 5;

/**
 * The process's one reader of the event record. It follows the record in
 * position order, settled events only (src/events/visibility.ts), from the moment the process starts (not lazily per
 * subscriber, so nothing is missed before the first one arrives) and hands
 * each event to the listeners of its workspace and of all workspaces. A hint
 * from any instance makes it read at once; a slow poll covers lost hints
 * (a Redis outage, a process that died between commit and publish).
 */
export class EventFeed {
  private last: EventPosition = START;
  private heldBackMs = 0;
  private heldBackTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly byTopic = new Map<string, Set<FeedListener>>();
  private pumping: Promise<void> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private stopHints: (() => void) | undefined;
  private readonly endings = new Set<() => void>();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly publisher: EventPublisher,
    private readonly log: Logger,
    private readonly pollMs = 1_000,
  ) {}

  async start(): Promise<void> {
    this.last = await readHeadPosition(this.prisma);
    this.stopHints = this.publisher.onHint(() => this.wake());
    this.timer = setInterval(() => this.wake(), this.pollMs);
    this.timer.unref();
  }

  stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.heldBackTimer);
    this.stopHints?.();
    return this.pumping ?? Promise.resolve();
  }

  /** Registers how to end one subscriber's stream; `drain` ends them all. Returns the unregister. */
  onDrain(end: () => void): () => void {
    this.endings.add(end);
    return () => this.endings.delete(end);
  }

  /** Completes every subscriber's stream (SSE and graphql-ws alike), as a shutdown does. */
  drain(): void {
    for (const end of [...this.endings]) end();
  }

  /** The newest position this feed has handed out. */
  get position(): EventPosition {
    return this.last;
  }

  /** Settled events after a position, of one workspace and type or of all: a subscriber's replay and catch-up. */
  readAfter(
    from: EventPosition,
    filter: { workspaceId?: string | null; type?: WorkspaceEventType | null },
    limit: number,
  ): Promise<SettledPage> {
    return readSettledAfter(this.prisma, from, filter, limit);
  }

  /** Listens to one workspace's events, or to all with `"*"`. */
  listen(topic: string, listener: FeedListener): () => void {
    let set = this.byTopic.get(topic);
    if (!set) this.byTopic.set(topic, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.byTopic.get(topic) === set) this.byTopic.delete(topic);
    };
  }

  /** Listeners in place for one topic, or for all topics when omitted: a released subscriber leaves none behind. */
  listenerCount(topic?: string): number {
    if (topic !== undefined) return this.byTopic.get(topic)?.size ?? 0;
    let count = 0;
    for (const set of this.byTopic.values()) count += set.size;
    return count;
  }

  /** Reads what is new now; concurrent wakes fold into one more read. */
  wake(): Promise<void> {
    if (this.pumping) {
      this.again = true;
      return this.pumping;
    }
    this.pumping = this.pump().finally(() => {
      this.pumping = null;
      if (this.again) {
        this.again = false;
        void this.wake();
      }
    });
    return this.pumping;
  }

  private async pump(): Promise<void> {
    try {
      for (;;) {
        const { events, heldBack } = await readSettledAfter(this.prisma, this.last, {}, PAGE);
        for (const event of events) {
          // A page never goes back (positions only grow), but a listener must never be handed one twice.
          if (compareEventPositions(positionOf(event), this.last) <= 0) continue;
          this.last = positionOf(event);
          await this.dispatch(event);
        }
        if (heldBack) return this.readAgainSoon();
        this.heldBackMs = 0;
        if (events.length < PAGE) return;
      }
    } catch (err) {
      this.log.warn({ msg: "event feed could not read the record; retrying", err: (err as Error).message });
    }
  }

  /**
   * An event committed but waits for an older transaction (one that may
   * record none, so no hint would come): read again shortly, backing off to
   * the poll while it lasts.
   */
  private readAgainSoon() {
    if (this.stopped) return;
    this.heldBackMs = Math.min(this.pollMs, this.heldBackMs ? this.heldBackMs * 2 : HELD_BACK_FIRST_MS);
    clearTimeout(this.heldBackTimer);
    this.heldBackTimer = setTimeout(() => void this.wake(), this.heldBackMs);
    this.heldBackTimer.unref();
  }

  /**
   * Hands the event to the listeners of its workspace and of all, as they
   * were when it was read, a slice per turn of the event loop (DISPATCH_SLICE);
   * the next event waits for this one, so each listener gets them in order.
   * A listener gone meanwhile is skipped.
   */
  private async dispatch(event: WorkspaceEvent) {
    const targets: [Set<FeedListener>, FeedListener[]][] = [];
    for (const topic of [event.workspaceId, "*"]) {
      const set = this.byTopic.get(topic);
      if (set) targets.push([set, [...set]]);
    }
    let handed = 0;
    for (const [set, listeners] of targets) {
      for (const listener of listeners) {
        if (handed > 0 && handed % DISPATCH_SLICE === 0) await new Promise<void>((resolve) => setImmediate(resolve));
        handed++;
        if (!set.has(listener)) continue;
        try {
          listener(event);
        } catch (err) {
          this.log.error({ msg: "event listener threw", err: (err as Error).message });
        }
      }
    }
  }
}
