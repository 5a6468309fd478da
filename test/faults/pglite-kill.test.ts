import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, inject, it } from "vitest";
import type { Doc, GqlError } from "../support/gql.js";
import { backend } from "../support/harness.js";
import { CreateWorkspace, GetWorkspace, ListEvents } from "../support/operations.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

// The real server process on its own data directory: once, in the PGlite project.
const skipReason = backend !== "pglite" ? "PGlite crash test: runs in the pglite project only" : null;

type Server = { child: ChildProcess; url: string; stderr: string[] };

/**
 * `node --import tsx src/main.ts`: what `npm start` runs, as one process, so
 * that SIGKILL hits the server itself and not a wrapper (npx) above it.
 */
async function startServer(env: Record<string, string>): Promise<Server> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const stderr: string[] = [];
  child.stderr?.on("data", (b: Buffer) => stderr.push(b.toString()));
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line in 60 s: ${stderr.join("")}`)), 60_000);
    child.once("exit", (code) => reject(new Error(`server exited (${code}) before listening: ${stderr.join("")}`)));
    lines.on("line", (line) => {
      const entry = JSON.parse(line) as { msg?: string; url?: string };
      if (entry.msg === "listening" && entry.url) {
        clearTimeout(timer);
        resolve(entry.url);
      }
    });
  });
  return { child, url, stderr };
}

async function post<R, V>(url: string, doc: Doc<R, V>, variables: V, token: string) {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: doc.toString(), variables }),
  });
  return { status: res.status, ...((await res.json()) as { data?: R; errors?: GqlError[] }) };
}

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
          const r = await post(first.url, CreateWorkspace, { input: { name: `kill-${w}-${i}` } }, adminToken);
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
    const exited = once(first.child, "exit");
    first.child.kill("SIGKILL");
    killed = true;
    const ackedAtKill = acked.length;
    const [, signal] = (await exited) as [number | null, string | null];
    expect(signal).toBe("SIGKILL");
    await load;

    const second = await startServer(env);
    try {
      const missing: string[] = [];
      const withoutEvent: string[] = [];
      for (const id of acked) {
        const r = await post(second.url, GetWorkspace, { id }, adminToken);
        expect(r.errors).toBeUndefined();
        if (!r.data?.workspace) missing.push(id);
        const events = await post(second.url, ListEvents, { workspaceId: id }, adminToken);
        const types = events.data?.workspaceEvents.edges.map((e) => e.node.type) ?? [];
        if (!types.includes("WORKSPACE_PROVISIONING")) withoutEvent.push(id);
      }
      console.log(
        `pglite kill -9 figures: ${JSON.stringify({ attempted, ackedAtKill, acked: acked.length, lost: missing.length })}`,
      );
      expect(missing).toEqual([]);
      expect(withoutEvent).toEqual([]);
      // The restarted server takes writes again.
      const r = await post(second.url, CreateWorkspace, { input: { name: "after-the-kill" } }, adminToken);
      expect(r.data?.createWorkspace.__typename).toBe("CreateWorkspaceSuccess");
    } finally {
      const exited = once(second.child, "exit");
      second.child.kill("SIGTERM");
      const [code] = (await exited) as [number | null];
      expect(code, second.stderr.join("")).toBe(0);
    }
  }, 120_000);
});
