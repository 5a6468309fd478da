import { randomUUID } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, utimes, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DataDirLockedError, type Holder, lockDataDir } from "../../src/db/data-dir-lock.js";

// The data directory lock on its own (SPEC 11). The server processes that
// use it are in test/faults/data-dir-lock.test.ts.

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
const newDir = async () => {
  const d = await mkdtemp(path.join(os.tmpdir(), "cp-lock-"));
  dirs.push(d);
  return d;
};
const lockFile = (dir: string) => path.join(dir, "server.lock");
const holderOf = async (dir: string) => JSON.parse(await readFile(lockFile(dir), "utf8")) as Holder;

/** This process as a holder, from a lock taken in a directory of its own. */
async function describeThisProcess(): Promise<Holder> {
  const dir = await newDir();
  const probe = await lockDataDir(dir);
  const h = await holderOf(dir);
  await probe.release();
  return h;
}

/** A lock file as another process would have left it (this process's machine and namespace unless said). */
async function plant(dir: string, holder: Partial<Holder>, ageMs = 0) {
  const planted: Holder = {
    ...(await describeThisProcess()),
    since: new Date().toISOString(),
    token: randomUUID(),
    ...holder,
  };
  await writeFile(lockFile(dir), JSON.stringify(planted));
  const at = new Date(Date.now() - ageMs);
  await utimes(lockFile(dir), at, at);
  return planted;
}

describe("lockDataDir", () => {
  it("is held once: a second taker in a live process is refused, naming the directory and the pid", async () => {
    const dir = await newDir();
    const lock = await lockDataDir(dir);
    const err = await lockDataDir(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataDirLockedError);
    expect((err as Error).message).toContain(dir);
    expect((err as Error).message).toContain(`process ${process.pid}`);
    await lock.release();
    const again = await lockDataDir(dir);
    await again.release();
    // Nothing left behind: no lock, no draft.
    expect(await readdir(dir)).toEqual([]);
  });

  it("takes over at once a lock whose pid no longer runs", async () => {
    const dir = await newDir();
    await plant(dir, { pid: 2 ** 22 + 1 });
    const lock = await lockDataDir(dir);
    expect((await holderOf(dir)).pid).toBe(process.pid);
    await lock.release();
  });

  it("takes over at once a lock whose pid now belongs to another process (a reused pid)", async () => {
    const dir = await newDir();
    // This very pid runs, but it did not start when the holder did.
    await plant(dir, { pid: process.pid, started: "1" });
    const lock = await lockDataDir(dir);
    await lock.release();
  });

  it("judges a holder from another pid namespace by its heartbeat: stale, it is taken over", async () => {
    const dir = await newDir();
    await plant(dir, { pid: 1, pidNamespace: "pid:[1]" }, 60_000);
    const lock = await lockDataDir(dir, { staleMs: 10_000 });
    await lock.release();
  });

  it("judges a holder from another pid namespace by its heartbeat: moving, it is refused", async () => {
    const dir = await newDir();
    await plant(dir, { pid: 1, pidNamespace: "pid:[1]", host: "elsewhere" });
    const beat = setInterval(() => {
      const now = new Date();
      void utimes(lockFile(dir), now, now).catch(() => {});
    }, 50);
    try {
      const err = await lockDataDir(dir, { staleMs: 2_000 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DataDirLockedError);
      expect((err as Error).message).toContain("process 1 on elsewhere");
    } finally {
      clearInterval(beat);
    }
  });

  it("judges a holder from another pid namespace by its heartbeat: silent past staleMs, it is taken over", async () => {
    const dir = await newDir();
    await plant(dir, { pid: 1, pidNamespace: "pid:[1]" });
    const lock = await lockDataDir(dir, { staleMs: 300 });
    expect((await holderOf(dir)).pid).toBe(process.pid);
    await lock.release();
  });

  it("lets exactly one of many takers have a stale lock", async () => {
    const dir = await newDir();
    await plant(dir, { pid: 2 ** 22 + 1 });
    const results = await Promise.allSettled(Array.from({ length: 24 }, () => lockDataDir(dir)));
    const won = results.filter((r) => r.status === "fulfilled");
    expect(won).toHaveLength(1);
    for (const r of results) if (r.status === "rejected") expect(r.reason).toBeInstanceOf(DataDirLockedError);
    await (won[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof lockDataDir>>>).value.release();
  });

  it("tells its holder when the lock was taken from it", async () => {
    const dir = await newDir();
    let lost = "";
    const lock = await lockDataDir(dir, { heartbeatMs: 50, onLost: (reason) => (lost = reason) });
    await plant(dir, { pid: 1, pidNamespace: "pid:[1]" });
    const deadline = Date.now() + 5_000;
    while (!lost && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(lost).toContain("server.lock");
    await lock.release();
  });
});
