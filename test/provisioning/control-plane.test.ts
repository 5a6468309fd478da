import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectSuccess, gqlHttp, ok } from "../support/gql.js";
import { backend, openTestDatabase, randomKey } from "../support/harness.js";
import { CreateWorkspace, ListEvents, RemoveWorkspace, RestartWorkspace, RuntimeState } from "../support/operations.js";
import { freePort } from "../support/ports.js";
import { type ServerProcess, startServer } from "../support/process.js";
import { eventually, isAlive, killRuntimes, processesOf, runtimeProcesses } from "../support/runtimes.js";

// The control plane as an operator runs it (`src/main.ts` in its own process)
// with PROVISIONER=process: killed with SIGKILL in the middle of starting
// runtimes, stopped with SIGTERM, and run as two instances on one
// PostgreSQL. The machine's process table says what runs.

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const adminToken = `admin-${randomBytes(12).toString("hex")}`;
const created = new Set<string>();
const servers: ServerProcess[] = [];
let work: string;
let config: string;

beforeAll(async () => {
  execFileSync(process.execPath, ["scripts/build.mjs"], { cwd: ROOT });
  work = await mkdtemp(path.join(os.tmpdir(), "cp-provisioning-"));
  config = path.join(work, "provisioner.json");
  await writeFile(config, JSON.stringify({ default: { env: { AGENT_HEARTBEAT_INTERVAL_MS: "500" } } }));
});
afterAll(async () => {
  for (const s of servers) await s.stop(2_000);
  await killRuntimes(created);
  await rm(work, { recursive: true, force: true });
});

async function start(env: Record<string, string>) {
  const s = await startServer({
    PROVISIONER: "process",
    PROVISIONER_CONFIG: config,
    PROVISIONER_RECONCILE_INTERVAL_MS: "300",
    ADMIN_TOKEN: adminToken,
    HEARTBEAT_TIMEOUT_SECONDS: "3600",
    ...env,
  });
  servers.push(s);
  return s;
}

async function create(server: ServerProcess, name: string) {
  const r = ok(await gqlHttp(server, CreateWorkspace, { input: { name } }, adminToken)).createWorkspace;
  const id = expectSuccess(r, "CreateWorkspaceSuccess").workspace.id;
  created.add(id);
  return id;
}

const status = async (server: ServerProcess, id: string) =>
  ok(await gqlHttp(server, RuntimeState, { id }, adminToken)).workspace;

/** Every workspace ONLINE at this generation, each served by exactly one process. */
async function oneRuntimeEach(server: ServerProcess, ids: string[], generation = 1, dataDir?: string) {
  return eventually(
    "every workspace ONLINE with exactly one process",
    async () => {
      const procs = await runtimeProcesses(ids);
      for (const id of ids) {
        const ws = await status(server, id);
        if (ws?.status !== "ONLINE" || ws.generation !== generation) return undefined;
        if (procs.filter((p) => p.workspaceId === id).length !== 1) return undefined;
      }
      return procs;
    },
    60_000,
    async () => ({
      statuses: await Promise.all(ids.map(async (id) => (await status(server, id))?.status)),
      processes: (await runtimeProcesses(ids)).map((p) => [p.workspaceId, p.pid]),
      logs: dataDir
        ? await Promise.all(
            ids.map(async (id) => {
              const ws = await status(server, id);
              if (ws?.status === "ONLINE") return null;
              const log = await readFile(path.join(dataDir, "runtimes", `${id}.log`), "utf8").catch(() => "");
              return {
                id,
                log: log.slice(-3000),
                server: server
                  .stdout()
                  .split("\n")
                  .filter((l) => l.includes(id))
                  .slice(-20),
              };
            }),
          )
        : null,
    }),
  );
}

/** The pid files under one DATA_DIR's runtime directory, as `<workspaceId>.<generation>.pid`. */
async function pidFiles(dataDir: string) {
  const root = path.join(dataDir, "runtimes");
  const owners = (await readdir(root, { withFileTypes: true }).catch(() => [])).filter((d) => d.isDirectory());
  const files = await Promise.all(owners.map((o) => readdir(path.join(root, o.name))));
  return files.flat().filter((f) => f.endsWith(".pid"));
}

async function storage(label: string) {
  const dataDir = await mkdtemp(path.join(work, `${label}-`));
  const base = { DATA_DIR: dataDir, PORT: String(await freePort()) };
  if (backend !== "postgres") return base;
  const { database, url } = await openTestDatabase();
  await database.close();
  return { ...base, DATABASE_URL: url as string, SECRETS_ENCRYPTION_KEY: randomKey() };
}

describe("a control plane killed while it starts runtimes", () => {
  it("converges on restart to exactly one runtime of the current generation per workspace, and SIGTERM stops none", async () => {
    const env = await storage("kill");
    const first = await start(env);
    const ids = await Promise.all(Array.from({ length: 10 }, (_, i) => create(first, `burst-${i}`)));
    // Every create committed; killed as soon as the first start shows, with
    // the others done, half done or not begun.
    await eventually("a first start", async () => ((await pidFiles(env.DATA_DIR)).length > 0 ? true : undefined));
    process.kill(first.pid, "SIGKILL");
    await first.exited;

    const second = await start(env);
    const procs = await oneRuntimeEach(second, ids, 1, env.DATA_DIR);
    expect(procs).toHaveLength(ids.length);
    expect((await pidFiles(env.DATA_DIR)).sort()).toEqual(ids.map((id) => `${id}.1.pid`).sort());
    // And on the record: one start per workspace, whether it was adopted or started after the kill.
    for (const id of ids) {
      const page = ok(await gqlHttp(second, ListEvents, { workspaceId: id, first: 50 }, adminToken)).workspaceEvents;
      expect(page.edges.filter((e) => e.node.type === "WORKSPACE_RUNTIME_STARTED")).toHaveLength(1);
    }

    // Runtimes outlive the control plane: SIGTERM stops none of them.
    const exit = await second.stop();
    expect(exit.killed).toBe(false);
    for (const p of procs) expect(await isAlive(p.pid)).toBe(true);

    // The next start adopts them: same processes, nothing started twice.
    const third = await start(env);
    const again = await oneRuntimeEach(third, ids);
    expect(again.map((p) => p.pid).sort()).toEqual(procs.map((p) => p.pid).sort());

    await Promise.all(ids.map(async (id) => ok(await gqlHttp(third, RemoveWorkspace, { id }, adminToken))));
    await eventually("no runtime left", async () => ((await runtimeProcesses(ids)).length === 0 ? true : undefined));
    await third.stop();
  }, 180_000);
});

describe.runIf(backend === "postgres")("two instances on one PostgreSQL", () => {
  it("run one runtime per workspace, and each acts on changes made through the other", async () => {
    const shared = await storage("multi-a");
    const a = await start(shared);
    const bDir = await mkdtemp(path.join(work, "multi-b-"));
    const b = await start({ ...shared, DATA_DIR: bDir, PORT: "0" });
    const ids = await Promise.all(Array.from({ length: 8 }, (_, i) => create(i % 2 === 0 ? a : b, `multi-${i}`)));
    await oneRuntimeEach(a, ids);
    // Each runtime is labelled in exactly one instance's runtime directory.
    const files = [...(await pidFiles(shared.DATA_DIR)), ...(await pidFiles(bDir))];
    expect(files.sort()).toEqual(ids.map((id) => `${id}.1.pid`).sort());

    // A restart made through one instance is carried out by whichever holds the workspace.
    const restarted = ids[0] as string;
    const before = (await processesOf(restarted))[0]?.pid as number;
    expectSuccess(
      ok(await gqlHttp(b, RestartWorkspace, { id: restarted }, adminToken)).restartWorkspace,
      "WorkspaceSuccess",
    );
    await oneRuntimeEach(a, [restarted], 2);
    expect(await isAlive(before)).toBe(false);

    // A removal likewise, within 10 s.
    const removed = ids[1] as string;
    ok(await gqlHttp(a, RemoveWorkspace, { id: removed }, adminToken));
    await eventually(
      "removed runtime gone",
      async () => ((await processesOf(removed)).length === 0 ? true : undefined),
      10_000,
    );
    expect((await runtimeProcesses(ids)).length).toBe(ids.length - 1);

    await Promise.all(ids.map(async (id) => ok(await gqlHttp(a, RemoveWorkspace, { id }, adminToken))));
    await eventually("no runtime left", async () => ((await runtimeProcesses(ids)).length === 0 ? true : undefined));
  }, 180_000);
});
