import type { Workspace } from "../generated/prisma/client.js";
import type { Beat } from "./beat-statement.js";

/** A beat waiting for its statement, with the report it carried (its entry may write another's). */
type Waiter = { report: Beat["report"]; resolve(ws: Workspace | null): void; reject(err: unknown): void };
type Entry = { beat: Beat; waiters: Waiter[] };

/** A statement's bound: one statement stays small however many connections beat at once. */
const MAX_BATCH = 128;

/**
 * Group commit for the common heartbeat on PGlite. PGlite runs one statement
 * at a time on this thread, and runs it synchronously: a beat that arrives
 * while another's statement is under way waits for it anyway, and the
 * statement's fixed cost (the call into the database, planning, the commit)
 * dwarfs a row's. So beats are not sent as they come: the first one
 * schedules a flush after the event loop's current round of I/O
 * (setImmediate: no timer, no idle wait), and every beat that reached this
 * point in that round, or while the previous statement ran, goes in one
 * statement.
 *
 * What a batch must never do, and how it does not:
 * - lend one beat's credentials to another: each source row is matched on
 *   its own (workspace, token hash) pair, and a workspace appears in one
 *   statement at most once. A second beat of the same workspace shares its
 *   entry only with the same token hash (the same verdict, by definition)
 *   and, if both carry reports, the same health (one statement checks one).
 *   Any other beat of that workspace waits for the next statement.
 * - answer what running them one after the other would not: the entry
 *   writes its last report, each beat that carried a report gets the row
 *   with its own (the row as it was after that beat), and the beats without
 *   one get the row as it is (they come after the reports). The beats of a
 *   statement were all under way at once, so that order is as good as any.
 * - turn a failure into a wrong answer: if the group's statement fails,
 *   each entry is run again alone, so each beat gets the answer (or the
 *   error, which the heartbeat reports as unavailable) it would get alone,
 *   and one entry's poison cannot fail the rest.
 * - answer for a beat that did not match: it gets null and takes the full
 *   path alone, as without the batch.
 */
export class BeatBatch {
  #pending = new Map<string, Entry>();
  /** Beats that could not share their workspace's entry: the next statement's. */
  #next: { beat: Beat; waiter: Waiter }[] = [];
  #scheduled = false;
  #running = false;

  constructor(
    private readonly one: (beat: Beat) => Promise<Workspace | null>,
    private readonly many: (beats: readonly Beat[]) => Promise<(Workspace | null)[]>,
  ) {}

  beat(beat: Beat): Promise<Workspace | null> {
    return new Promise((resolve, reject) => {
      this.#add(beat, { report: beat.report, resolve, reject });
      this.#schedule();
    });
  }

  #add(beat: Beat, waiter: Waiter) {
    const entry = this.#pending.get(beat.workspaceId);
    if (!entry) {
      this.#pending.set(beat.workspaceId, { beat, waiters: [waiter] });
      return;
    }
    const same = entry.beat.tokenHash === beat.tokenHash && entry.beat.markLagMs === beat.markLagMs;
    const last = entry.beat.report;
    if (same && (!last || !beat.report || last.health === beat.report.health)) {
      if (beat.report) entry.beat = beat;
      entry.waiters.push(waiter);
      return;
    }
    this.#next.push({ beat, waiter });
  }

  #schedule() {
    if (this.#scheduled || this.#running) return;
    this.#scheduled = true;
    setImmediate(() => void this.#flush());
  }

  async #flush() {
    this.#scheduled = false;
    this.#running = true;
    const entries: Entry[] = [];
    for (const [id, entry] of this.#pending) {
      if (entries.length === MAX_BATCH) break;
      entries.push(entry);
      this.#pending.delete(id);
    }
    const next = this.#next;
    this.#next = [];
    for (const { beat, waiter } of next) this.#add(beat, waiter);
    try {
      await this.#run(entries);
    } finally {
      this.#running = false;
      if (this.#pending.size > 0) this.#schedule();
    }
  }

  async #run(entries: Entry[]) {
    if (entries.length === 1) return this.#runAlone(entries[0] as Entry);
    let rows: (Workspace | null)[];
    try {
      rows = await this.many(entries.map((e) => e.beat));
    } catch {
      // Each alone, so each gets its own answer or its own error.
      await Promise.all(entries.map((e) => this.#runAlone(e)));
      return;
    }
    entries.forEach((e, i) => {
      settle(e, rows[i] ?? null);
    });
  }

  async #runAlone(entry: Entry) {
    try {
      settle(entry, await this.one(entry.beat));
    } catch (err) {
      for (const w of entry.waiters) w.reject(err);
    }
  }
}

/**
 * Every waiter of an entry gets the row, each its own copy (a resolver may
 * not share another's object); one that carried a report, with its report as
 * the database gives JSON back.
 */
function settle(entry: Entry, row: Workspace | null) {
  for (const w of entry.waiters) {
    if (!row) w.resolve(null);
    else if (w.report) w.resolve({ ...row, runtimeState: JSON.parse(JSON.stringify(w.report)) });
    else w.resolve({ ...row });
  }
}
