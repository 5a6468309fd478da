import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, afterEach, describe, expect, inject, it } from "vitest";
import { expectSuccess, gqlHttp, ok } from "../support/gql.js";
import { backend } from "../support/harness.js";
import { CreateWorkspace, GetWorkspace } from "../support/operations.js";
import { type ServerProcess, startExpectingExit, startServer } from "../support/process.js";

// One server process per embedded database (SPEC 11), with real processes on
// one DATA_DIR: a second server refuses before it touches anything, and a
// lock left by kill -9 does not block even an immediate restart.

const skipReason = backend !== "pglite" ? "embedded database: runs in the pglite project only" : null;

const dirs: string[] = [];
const servers: ServerProcess[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop(2_000);
});
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** A DATA_DIR holding the run's migrated template (a new PGlite directory costs seconds of initdb). */
async function dataDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "cp-lock-"));
  dirs.push(dir);
  await promisify(execFile)("tar", ["xzf", inject("pgliteTemplate"), "-C", dir]);
  return dir;
}

async function start(env: Record<string, string>) {
  const s = await startServer(env);
  servers.push(s);
  return s;
}

const adminToken = `lock-admin-${randomBytes(12).toString("hex")}`;

async function create(server: ServerProcess, name: string) {
  const r = ok(await gqlHttp(server, CreateWorkspace, { input: { name } }, adminToken)).createWorkspace;
  return expectSuccess(r, "CreateWorkspaceSuccess").workspace.id;
}
const exists = async (server: ServerProcess, id: string) =>
  ok(await gqlHttp(server, GetWorkspace, { id }, adminToken)).workspace?.id === id;

describe.skipIf(skipReason)(`one server per DATA_DIR${skipReason ? ` (skipped: ${skipReason})` : ""}`, () => {
  it("a second server on the same DATA_DIR exits non-zero naming the directory and the holder; the first keeps serving and its writes", async () => {
    const dir = await dataDir();
    const env = { DATA_DIR: dir, ADMIN_TOKEN: adminToken };
    const first = await start(env);
    const before = await create(first, "before the second");

    const second = await startExpectingExit(env, 60_000);
    expect(second.timedOut, `the second server kept running:\n${second.stdout}`).toBe(false);
    expect(second.code).not.toBe(0);
    expect(second.stderr).toContain(dir);
    expect(second.stderr).toContain(`process ${first.pid}`);
    // It refused before opening the database: it migrated nothing, served nothing.
    expect(second.stdout).not.toMatch(/migrations applied|listening/);

    const after = await create(first, "after the second");
    expect(await exists(first, before)).toBe(true);
    const stopped = await first.stop();
    expect(stopped.code).toBe(0);
    servers.splice(0);

    // Everything the first acknowledged is on disk for the next server.
    const third = await start(env);
    expect(await exists(third, before)).toBe(true);
    expect(await exists(third, after)).toBe(true);
  }, 180_000);

  it("a lock left by kill -9 does not block an immediate restart, which keeps the acknowledged writes", async () => {
    const dir = await dataDir();
    const env = { DATA_DIR: dir, ADMIN_TOKEN: adminToken };
    const first = await start(env);
    const id = await create(first, "before the kill");
    const lock = JSON.parse(await readFile(path.join(dir, "server.lock"), "utf8")) as { pid: number };
    expect(lock.pid).toBe(first.pid);

    process.kill(first.pid, "SIGKILL");
    expect((await first.exited).signal).toBe("SIGKILL");
    servers.splice(0);
    // No wait at all: the lock still names the killed pid.
    const second = await start(env);
    expect(await exists(second, id)).toBe(true);
    const now = JSON.parse(await readFile(path.join(dir, "server.lock"), "utf8")) as { pid: number };
    expect(now.pid).toBe(second.pid);
  }, 180_000);
});
