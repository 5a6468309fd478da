import { randomUUID } from "node:crypto";
import { link, readFile, readlink, stat, unlink, utimes, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

/**
 * One server process per embedded database (SPEC 11). Two PGlite processes
 * on one directory both open it and silently lose each other's writes, so
 * the server holds `DATA_DIR/server.lock` before it opens, creates or
 * migrates anything there.
 *
 * Not proper-lockfile: its only staleness test is the lock's age (10 s by
 * default), so a restart right after a kill -9 is refused (tried: ELOCKED),
 * and its directory lock is removed with rmdir, so it cannot carry who holds
 * it. Here the lock file says who holds it (pid, the process's start time,
 * boot id and pid namespace), is linked into place whole (never half
 * written), and a holder is judged:
 * - in this machine's boot and pid namespace: alive only if that pid runs
 *   and started when the holder did (a reused pid is not the holder), so a
 *   lock left by a killed process is taken over at once;
 * - elsewhere (another container or host on a shared volume), where its pid
 *   says nothing: by its heartbeat, the file's mtime, renewed every 2 s;
 *   the newcomer waits until it either moves (alive: refuse) or has not
 *   moved for 15 s (gone: take over).
 * A stale lock is removed by one newcomer at a time, and only while it is
 * still the one judged, so two newcomers cannot both take it (removeStale).
 */

const LOCK_FILE = "server.lock";

export type Holder = {
  pid: number;
  /** Start time in clock ticks since boot (/proc/PID/stat field 22); null off Linux. */
  started: string | null;
  boot: string | null;
  pidNamespace: string | null;
  host: string;
  since: string;
  token: string;
};

export type DataDirLock = { readonly file: string; release(): Promise<void> };

export type LockOptions = {
  /** Called if the lock is found taken from this process (it must stop writing). */
  onLost?: (reason: string) => void;
  heartbeatMs?: number;
  staleMs?: number;
};

export class DataDirLockedError extends Error {
  override name = "DataDirLockedError";
  constructor(
    readonly dir: string,
    readonly holder: Holder | null,
  ) {
    const who = holder
      ? `process ${holder.pid}${holder.host !== os.hostname() ? ` on ${holder.host}` : ""} (since ${holder.since})`
      : "another process";
    super(
      `DATA_DIR ${dir} is in use by ${who}: the embedded database is opened by one server at a time. ` +
        "Stop that server first, or give this one another DATA_DIR.",
    );
  }
}

const readText = (file: string) =>
  readFile(file, "utf8").then(
    (t) => t.trim(),
    () => null,
  );

/** Start time of a running pid in clock ticks since boot, or null if it does not run (or this is not Linux). */
async function startTimeOf(pid: number | "self"): Promise<string | null> {
  const text = await readText(`/proc/${pid}/stat`);
  if (!text) return null;
  // The command name (field 2) may hold spaces and parentheses: count from the last ")".
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return fields[19] ?? null;
}

async function describeSelf(token: string): Promise<Holder> {
  return {
    pid: process.pid,
    started: await startTimeOf("self"),
    boot: await readText("/proc/sys/kernel/random/boot_id"),
    pidNamespace: await readlink("/proc/self/ns/pid").catch(() => null),
    host: os.hostname(),
    since: new Date().toISOString(),
    token,
  };
}

async function readHolder(file: string): Promise<Holder | "gone" | "unreadable"> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return "gone";
    throw err;
  }
  try {
    const h = JSON.parse(text) as Holder;
    return typeof h.pid === "number" && typeof h.token === "string" ? h : "unreadable";
  } catch {
    return "unreadable";
  }
}

const mtimeOf = (file: string) =>
  stat(file).then(
    (s) => s.mtimeMs,
    () => null,
  );
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Takes the data directory's lock, or throws DataDirLockedError naming the holder. */
export async function lockDataDir(dir: string, options: LockOptions = {}): Promise<DataDirLock> {
  const heartbeatMs = options.heartbeatMs ?? 2_000;
  const staleMs = options.staleMs ?? 15_000;
  const file = path.join(dir, LOCK_FILE);
  const token = randomUUID();
  const self = await describeSelf(token);
  const draft = `${file}.${token}`;
  await writeFile(draft, `${JSON.stringify(self)}\n`, { mode: 0o600 });
  try {
    for (let attempt = 0; attempt < 20; attempt++) {
      try {
        await link(draft, file);
        return hold(file, token, heartbeatMs, options.onLost);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      }
      const holder = await readHolder(file);
      if (holder === "gone") continue;
      const verdict = await judge(file, holder, self, staleMs);
      if (verdict === "alive") throw new DataDirLockedError(dir, holder === "unreadable" ? null : holder);
      if (verdict === "stale") await removeStale(file, holder, self, staleMs);
    }
    throw new DataDirLockedError(dir, null);
  } finally {
    await unlink(draft).catch(() => {});
  }
}

async function judge(
  file: string,
  holder: Holder | "unreadable",
  self: Holder,
  staleMs: number,
): Promise<"alive" | "stale" | "gone"> {
  const sameMachine =
    holder !== "unreadable" &&
    holder.boot !== null &&
    holder.boot === self.boot &&
    holder.pidNamespace !== null &&
    holder.pidNamespace === self.pidNamespace &&
    holder.started !== null;
  if (sameMachine) return (await startTimeOf(holder.pid)) === holder.started ? "alive" : "stale";
  // Its pid means nothing here: wait for its heartbeat to move, or to go stale.
  let last = await mtimeOf(file);
  for (;;) {
    if (last === null) return "gone";
    if (Date.now() - last > staleMs) return "stale";
    await sleep(Math.min(500, staleMs / 4));
    const now = await mtimeOf(file);
    if (now !== null && now !== last) return "alive";
    last = now;
  }
}

/**
 * Removes the judged lock, if it is still the one judged. Takers that found
 * the same stale lock take turns through a takeover file (linked into place
 * like the lock): only its holder may remove the lock, and it checks first
 * that the lock is still the stale one. Without it, a taker that judged the
 * old lock could remove the lock another taker had just won, and two would
 * hold it. A takeover file left by a taker that died is judged like a lock.
 */
async function removeStale(file: string, judged: Holder | "unreadable", self: Holder, staleMs: number) {
  const mutex = `${file}.takeover`;
  const draft = `${mutex}.${self.token}`;
  await writeFile(draft, `${JSON.stringify(self)}\n`, { mode: 0o600 });
  try {
    try {
      await link(draft, mutex);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const other = await readHolder(mutex);
      if (other !== "gone" && (await judge(mutex, other, self, staleMs)) === "stale")
        await unlink(mutex).catch(() => {});
      else await sleep(20);
      return;
    }
    try {
      const current = await readHolder(file);
      const same =
        typeof current === "object" && typeof judged === "object" ? current.token === judged.token : current === judged;
      if (same) await unlink(file).catch(() => {});
    } finally {
      await unlink(mutex).catch(() => {});
    }
  } finally {
    await unlink(draft).catch(() => {});
  }
}

function hold(file: string, token: string, heartbeatMs: number, onLost?: (reason: string) => void): DataDirLock {
  let released = false;
  /** Null: the file could not be read just now (judged again at the next beat). */
  const ours = async () => {
    const h = await readHolder(file).catch(() => null);
    return h === null ? null : typeof h === "object" && h.token === token;
  };
  const timer = setInterval(async () => {
    const mine = await ours();
    if (mine === null) return;
    if (!mine) {
      if (released) return;
      released = true;
      clearInterval(timer);
      onLost?.(`${file} no longer names this process`);
      return;
    }
    const now = new Date();
    await utimes(file, now, now).catch(() => {});
  }, heartbeatMs);
  timer.unref();
  return {
    file,
    async release() {
      if (released) return;
      released = true;
      clearInterval(timer);
      if (await ours()) await unlink(file).catch(() => {});
    },
  };
}
