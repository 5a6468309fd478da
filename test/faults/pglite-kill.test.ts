import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, inject, it } from "vitest";
import { gqlHttp } from "../support/gql.js";
import { backend } from "../support/harness.js";
import { CreateWorkspace, GetWorkspace, ListEvents } from "../support/operations.js";
import { startServer } from "../support/process.js";

// The real server process on its own data directory: once, in the PGlite project.
const skipReason = backend !== "pglite" ? "PGlite crash test: runs in the pglite project only" : null;

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe.skipIf(skipReason)(`PGlite: SIGKILL under load${skipReason ? ` (skipped: ${skipReason})` : ""}`, () => {
  it("keeps every acknowledged create across kill -9 and a restart on the same DATA_DIR", async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), "cp-kill-"));
    dirs.push(dataDir);
    // The run's migrated template, unpacked: a new PGlite directory costs seconds of initdb.
    await promisify(execFile)("tar", ["xzf", inject("pgliteTemplate"), "-C", dataDir]);
    const adminToken = `kill-admin-${randomBytes(12).toString("hex")}`;
    const env = { DATA_DIR: dataDir, PORT: "0", HOST: "127.0.0.1", ADMIN_TOKEN: adminToken, LOG_LEVEL: "info" };

    const first = await startServer(env);
    const acked: string[] = [];
    let attempted = 0;
    let killed = false;
    const worker = async (w: number) => {
      for (let i = 0; !killed; i++) {
        attempted++;
        try {
          const r = await gqlHttp(first, CreateWorkspace, { input: { name: `kill-${w}-${i}` } }, adminToken);
          const created = r.data?.createWorkspace;
          if (created?.__typename === "CreateWorkspaceSuccess") acked.push(created.workspace.id);
          else if (!killed) throw new Error(`create refused before the kill: ${JSON.stringify(r)}`);
        } catch (err) {
          if (!killed) throw err;
        }
      }
    };
    const load = Promise.all([0, 1, 2, 3, 4, 5].map(worker));
    while (acked.length < 20) await new Promise((r) => setTimeout(r, 5));
    process.kill(first.pid, "SIGKILL");
    killed = true;
    const ackedAtKill = acked.length;
    const { signal } = await first.exited;
    expect(signal).toBe("SIGKILL");
    await load;

    const second = await startServer(env);
    try {
      const missing: string[] = [];
      const withoutEvent: string[] = [];
      for (const id of acked) {
        const r = await gqlHttp(second, GetWorkspace, { id }, adminToken);
        expect(r.errors).toBeUndefined();
        if (!r.data?.workspace) missing.push(id);
        const events = await gqlHttp(second, ListEvents, { workspaceId: id }, adminToken);
        const types = events.data?.workspaceEvents.edges.map((e) => e.node.type) ?? [];
        if (!types.includes("WORKSPACE_PROVISIONING")) withoutEvent.push(id);
      }
      console.log(
        `pglite kill -9 figures: ${JSON.stringify({ attempted, ackedAtKill, acked: acked.length, lost: missing.length })}`,
      );
      expect(missing).toEqual([]);
      expect(withoutEvent).toEqual([]);
      // The restarted server takes writes again.
      const r = await gqlHttp(second, CreateWorkspace, { input: { name: "after-the-kill" } }, adminToken);
      expect(r.data?.createWorkspace.__typename).toBe("CreateWorkspaceSuccess");
    } finally {
      const { code } = await second.stop();
      expect(code, second.stderr()).toBe(0);
    }
  }, 120_000);
});
