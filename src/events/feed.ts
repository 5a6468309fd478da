import type { PrismaClient, WorkspaceEvent } from "../generated/prisma/client.js";
import type { Logger } from "../log.js";
import type { EventPublisher } from "./publisher.js";

export type FeedListener = (event: WorkspaceEvent) => void;

const PAGE = 500;

/**
 * The process's one reader of the event record. It follows the record in
 * commit order from the moment the process starts (not lazily per
 * subscriber, so nothing is missed before the first one arrives) and hands
 * each event to the listeners of its workspace and of all workspaces. A hint
 * from any instance makes it read at once; a slow poll covers lost hints
 * (a Redis outage, a process that died between commit and publish).
 */
export class EventFeed {
  private lastSeq = 0n;
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
    const last = await this.prisma.workspaceEvent.findFirst({ orderBy: { seq: "desc" }, select: { seq: true } });
    this.lastSeq = last?.seq ?? 0n;
    this.stopHints = this.publisher.onHint(() => this.wake());
    this.timer = setInterval(() => this.wake(), this.pollMs);
    this.timer.unref();
  }

  stop(): Promise<void> {
    clearInterval(this.timer);
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

  /** The highest sequence number this feed has handed out. */
  get position(): bigint {
    return this.lastSeq;
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
        const rows = await this.prisma.workspaceEvent.findMany({
          where: { seq: { gt: this.lastSeq } },
          orderBy: { seq: "asc" },
          take: PAGE,
        });
        for (const row of rows) {
          this.lastSeq = row.seq;
          this.dispatch(row);
        }
        if (rows.length < PAGE) return;
      }
    } catch (err) {
      this.log.warn({ msg: "event feed could not read the record; retrying", err: (err as Error).message });
    }
  }

  private dispatch(event: WorkspaceEvent) {
    for (const topic of [event.workspaceId, "*"]) {
      const set = this.byTopic.get(topic);
      if (!set) continue;
      for (const listener of set) {
        try {
          listener(event);
        } catch (err) {
          this.log.error({ msg: "event listener threw", err: (err as Error).message });
        }
      }
    }
  }
}
