import type Docker from "dockerode";
import type { Logger } from "../log.js";
import { LABELS, type ObservedRuntime } from "./backend.js";
import { observedFromLabels } from "./docker-container.js";
import { engineCall } from "./docker-engine.js";

export type Backoff = { initialMs: number; maxMs: number };

type DieEvent = {
  id?: string;
  Action?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
};

/**
 * Follows the engine's `die` events of one owner's containers and reports
 * each as an exit. When the stream ends or cannot be opened (the engine
 * stopped, restarted, or was never there) it reconnects with capped,
 * jittered backoff, for as long as it is not stopped. On reconnecting it
 * asks for the events since the last one it saw (the engine keeps recent
 * events in memory), so a dropped connection loses nothing while the engine
 * stays up; a restarted engine has forgotten its events, and the
 * reconciler's periodic `list` is the backstop for those.
 */
export class DieEventWatcher {
  private stopped = false;
  private connection: AbortController | undefined;
  private wake: (() => void) | undefined;
  /** Engine time, "seconds.nanoseconds", from which to ask on (re)connecting. */
  private since: string | undefined;
  private sinceNano = 0n;
  /** Events at exactly `sinceNano` already reported (the engine's `since` includes that instant). */
  private seenAtSince = new Set<string>();
  private outage = false;
  private readonly watchedAt = performance.now();

  constructor(
    private readonly docker: Docker,
    private readonly owner: string,
    private readonly onExit: (runtime: ObservedRuntime) => void,
    private readonly log: Logger,
    private readonly backoff: Backoff,
    private readonly connectTimeoutMs: number,
  ) {}

  start(): void {
    this.run().catch((err) => this.log.error({ msg: "docker events: watcher stopped unexpectedly", err: String(err) }));
  }

  stop(): void {
    this.stopped = true;
    this.connection?.abort();
    this.wake?.();
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      try {
        await this.follow(() => {
          failures = 0;
        });
        if (!this.stopped) this.down("the event stream ended");
      } catch (err) {
        if (!this.stopped) this.down(err instanceof Error ? err.message : String(err));
      }
      if (this.stopped) return;
      const ceiling = Math.min(this.backoff.maxMs, this.backoff.initialMs * 2 ** failures);
      failures += 1;
      await this.sleep(ceiling / 2 + Math.random() * (ceiling / 2));
    }
  }

  /** One connection: resolves when the engine ends the stream, rejects when it cannot be opened or breaks. */
  private async follow(connected: () => void): Promise<void> {
    const connection = new AbortController();
    this.connection = connection;
    if (this.since === undefined) {
      // From the moment watch() was called, on the engine's clock (a `since`
      // ahead of the engine's would hide events): an exit between the call
      // and this first connection is reported too.
      const info: { SystemTime?: unknown } = await engineCall("events", this.connectTimeoutMs, (signal) =>
        // dockerode's info() takes an abortSignal; its types do not say so.
        (this.docker.info as (opts: { abortSignal: AbortSignal }) => Promise<{ SystemTime?: unknown }>).call(
          this.docker,
          { abortSignal: signal },
        ),
      );
      const elapsedNano = BigInt(Math.round((performance.now() - this.watchedAt) * 1e6));
      this.advance(engineTimeNano(String(info.SystemTime)) - elapsedNano);
    }
    // A deadline for the answer only: the stream that follows may stay quiet for hours.
    const timer = setTimeout(() => connection.abort(new Error("no answer in time")), this.connectTimeoutMs);
    let stream: NodeJS.ReadableStream;
    try {
      stream = await this.docker.getEvents({
        // The engine reads "seconds.nanoseconds"; the client's types say number.
        since: this.since as unknown as number,
        filters: { type: ["container"], event: ["die"], label: [`${LABELS.owner}=${this.owner}`] },
        abortSignal: connection.signal,
      });
    } finally {
      clearTimeout(timer);
    }
    if (this.stopped) return;
    connected();
    if (this.outage) this.log.info({ msg: "docker events: connected again" });
    this.outage = false;
    // Decoded as a whole, so a character split between two chunks stays whole.
    stream.setEncoding("utf8");
    let pending = "";
    for await (const chunk of stream) {
      pending += chunk as string;
      let newline = pending.indexOf("\n");
      while (newline >= 0) {
        this.receive(pending.slice(0, newline));
        pending = pending.slice(newline + 1);
        newline = pending.indexOf("\n");
      }
    }
  }

  private receive(line: string): void {
    if (line.trim() === "") return;
    // timeNano exceeds a double's precision: read it from the text.
    const nano = /"timeNano":(\d+)/.exec(line)?.[1];
    let event: DieEvent;
    try {
      event = JSON.parse(line) as DieEvent;
    } catch {
      this.log.warn({ msg: "docker events: an unreadable event was skipped" });
      return;
    }
    if (event.Action !== "die" || nano === undefined) return;
    const id = event.Actor?.ID ?? event.id ?? "";
    const at = BigInt(nano);
    if (at < this.sinceNano || (at === this.sinceNano && this.seenAtSince.has(id))) return;
    this.advance(at);
    this.seenAtSince.add(id);
    const attributes = event.Actor?.Attributes ?? {};
    if (attributes[LABELS.owner] !== this.owner) return;
    const code = Number.parseInt(attributes.exitCode ?? "", 10);
    const runtime: ObservedRuntime = {
      ...observedFromLabels(id, attributes),
      state: "exited",
      exit: { code: Number.isNaN(code) ? null : code, signal: null },
    };
    try {
      this.onExit(runtime);
    } catch (err) {
      this.log.error({ msg: "docker events: the exit handler threw", ref: id, err: String(err) });
    }
  }

  private advance(nano: bigint): void {
    if (nano === this.sinceNano) return;
    this.sinceNano = nano;
    this.seenAtSince = new Set();
    this.since = `${nano / 1_000_000_000n}.${(nano % 1_000_000_000n).toString().padStart(9, "0")}`;
  }

  private down(reason: string): void {
    if (!this.outage) this.log.warn({ msg: "docker events: disconnected; reconnecting with backoff", reason });
    this.outage = true;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}

/** RFC 3339 with up to nine fractional digits (the engine's SystemTime) as nanoseconds since the epoch. */
export function engineTimeNano(rfc3339: string): bigint {
  const match = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(.*)$/.exec(rfc3339);
  const wholeSecondsMs = Date.parse(match ? `${match[1]}${match[3]}` : rfc3339);
  if (Number.isNaN(wholeSecondsMs)) throw new Error(`docker: unreadable engine time ${rfc3339}`);
  return BigInt(wholeSecondsMs) * 1_000_000n + BigInt((match?.[2] ?? "").padEnd(9, "0"));
}
