import type { SqlDriver } from "./database.js";

/** A caller waiting for its statement, with the item it brought (its entry may carry another's). */
type Waiter<I, R> = { item: I; resolve(row: R | null): void; reject(err: unknown): void };
type Entry<I, R> = { item: I; waiters: Waiter<I, R>[] };

/** What a group commit needs to know of its items; it knows nothing else of them. */
export type GroupRules<I, R> = {
  /** The row an item writes: a statement holds each key once. */
  key(item: I): string;
  /**
   * The entry's item once `item` joins it, or null when the two cannot share
   * a statement row (then `item` waits for the next statement). Joining must
   * answer both as running them one after the other would.
   */
  join(held: I, item: I): I | null;
  /** What one waiter is answered from its entry's row: its own object, never another's. */
  answer(row: R, item: I): R;
  /** The statement for one entry: its row, or null (the caller takes its full path). */
  one(item: I): Promise<R | null>;
  /** The statement for several entries (distinct keys): for each, in order, its row or null. */
  many(items: readonly I[]): Promise<(R | null)[]>;
};

/** A statement's bound: one statement stays small however many connections write at once. */
const MAX_GROUP = 128;

/**
 * Group commit: statements that would wait beside each other go as one.
 * The first item to arrive schedules a flush after the event loop's current
 * round of I/O (setImmediate: no timer, no idle wait); every item that
 * arrives in that round, or while the previous statement runs, goes in the
 * next one. One statement runs at a time, so it pays its round trip, its
 * parse, plan and commit (and on PostgreSQL its WAL flush) once for the
 * group; on PGlite statements run one at a time on this thread anyway.
 *
 * What a group must never do, and how it does not:
 * - lend one item's credentials or row to another: a statement holds a key
 *   once, and two items share an entry only when `join` says running them
 *   in turn would come to the same; each returned row is checked by the
 *   caller's `many` against the item it names.
 * - turn a failure into a wrong answer: if the group's statement fails,
 *   each entry runs again alone, so each caller gets the answer (or the
 *   error) it would get alone, and one entry's poison cannot fail the rest.
 * - answer for an item that did not match: it gets null, and its caller
 *   takes the full path alone, as without the group.
 * The statements must wait on no row lock (skip held rows): one runs at a
 * time, and a wait would stall every item queued behind it.
 */
export class GroupCommit<I, R> {
  #pending = new Map<string, Entry<I, R>>();
  /** Items that could not join their key's entry: the next statement's. */
  #next: Waiter<I, R>[] = [];
  #scheduled = false;
  #running = false;

  constructor(private readonly rules: GroupRules<I, R>) {}

  run(item: I): Promise<R | null> {
    return new Promise((resolve, reject) => {
      this.#add({ item, resolve, reject });
      this.#schedule();
    });
  }

  #add(waiter: Waiter<I, R>) {
    const key = this.rules.key(waiter.item);
    const entry = this.#pending.get(key);
    if (!entry) {
      this.#pending.set(key, { item: waiter.item, waiters: [waiter] });
      return;
    }
    const joined = this.rules.join(entry.item, waiter.item);
    if (joined === null) {
      this.#next.push(waiter);
      return;
    }
    entry.item = joined;
    entry.waiters.push(waiter);
  }

  #schedule() {
    if (this.#scheduled || this.#running) return;
    this.#scheduled = true;
    setImmediate(() => void this.#flush());
  }

  async #flush() {
    this.#scheduled = false;
    this.#running = true;
    const entries: Entry<I, R>[] = [];
    for (const [key, entry] of this.#pending) {
      if (entries.length === MAX_GROUP) break;
      entries.push(entry);
      this.#pending.delete(key);
    }
    const next = this.#next;
    this.#next = [];
    for (const waiter of next) this.#add(waiter);
    try {
      await this.#run(entries);
    } finally {
      this.#running = false;
      if (this.#pending.size > 0) this.#schedule();
    }
  }

  async #run(entries: Entry<I, R>[]) {
    if (entries.length === 1) return this.#runAlone(entries[0] as Entry<I, R>);
    let rows: (R | null)[];
    try {
      rows = await this.rules.many(entries.map((e) => e.item));
    } catch {
      // Each alone, so each gets its own answer or its own error.
      await Promise.all(entries.map((e) => this.#runAlone(e)));
      return;
    }
    entries.forEach((e, i) => {
      this.#settle(e, rows[i] ?? null);
    });
  }

  async #runAlone(entry: Entry<I, R>) {
    let row: R | null;
    try {
      row = await this.rules.one(entry.item);
    } catch (err) {
      for (const w of entry.waiters) w.reject(err);
      return;
    }
    this.#settle(entry, row);
  }

  #settle(entry: Entry<I, R>, row: R | null) {
    for (const w of entry.waiters) w.resolve(row === null ? null : this.rules.answer(row, w.item));
  }
}

const groups = new WeakMap<SqlDriver, Map<string, GroupCommit<never, never>>>();

/**
 * The group commit named `name` on this driver, made on first use; null
 * where statements cannot be grouped (inside a transaction): there each runs
 * alone.
 */
export function groupCommitOf<I, R>(
  sql: SqlDriver,
  name: string,
  rules: (sql: SqlDriver) => GroupRules<I, R>,
): GroupCommit<I, R> | null {
  if (!sql.groupCommit) return null;
  let named = groups.get(sql);
  if (!named) {
    named = new Map();
    groups.set(sql, named);
  }
  let group = named.get(name) as GroupCommit<I, R> | undefined;
  if (!group) {
    group = new GroupCommit(rules(sql));
    named.set(name, group as unknown as GroupCommit<never, never>);
  }
  return group;
}
