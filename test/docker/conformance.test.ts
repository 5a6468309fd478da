import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RuntimeView, runtimeConformance } from "../provisioning/conformance.js";
import {
  AGENT_IMAGE,
  buildAgentImage,
  type ContainerView,
  containersOf,
  engineClient,
  fileInContainer,
  machineEngine,
  NODE,
  NODE_IMAGE,
  OwnDaemon,
} from "../support/docker.js";
import { expectSuccess, gql, gqlHttp, ok } from "../support/gql.js";
import { startTestApp, type TestApp } from "../support/harness.js";
import { CreateWorkspace, ListEvents, RemoveWorkspace, RuntimeState } from "../support/operations.js";
import { freePort } from "../support/ports.js";
import { type ServerProcess, startServer } from "../support/process.js";
import { eventually } from "../support/runtimes.js";

// The conformance suite on PROVISIONER=docker against the machine's real
// engine: runtimes are containers of the cp-agent image (the reference
// agent, built by scripts/docker/build-node-image.sh), seen through the
// engine's API by this test's own client.

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
// The agent image is built from dist/agent.mjs as `npm run build` writes it now.
execFileSync(process.execPath, ["scripts/build.mjs"], { cwd: ROOT });
const AGENT_FILE = path.join(ROOT, "dist/agent.mjs");
const engine = await machineEngine({ agentFile: AGENT_FILE });
if (!engine.ok) console.warn(`Docker conformance suite skipped: ${engine.reason}`);

describe.skipIf(!engine.ok)(
  engine.ok ? "conformance on Docker" : `conformance on Docker (skipped: ${engine.reason})`,
  () => {
    const dockerHost = engine.ok ? engine.dockerHost : "";
    const docker: Docker = engineClient(dockerHost);
    const view = (id: string) => docker.getContainer(id);

    runtimeConformance({
      name: "docker",
      appEnv: { DOCKER_HOST: dockerHost },
      agent: { image: AGENT_IMAGE },
      exitsWith3: { image: NODE_IMAGE, command: [NODE, "-e", "process.exit(3)"] },
      // Inside the container: /tmp is the image's own.
      tokenFile: "/tmp/{workspaceId}.token",
      // Not given by the control plane: the engine's default, as SPEC 9 allows.
      extraEnv: ["PATH"],
      argvNamesWorkspace: false,
      // The engine reports a kill as the shell would: 128 + 9.
      killedExit: { exitCode: 137, signal: null },
      sleeper: (workspaceId, generation) => ({
        workspaceId,
        generation,
        runtime: "test",
        image: NODE_IMAGE,
        command: [NODE, "-e", `process.on("SIGTERM", () => process.exit(0)); setInterval(() => {}, 1000)`],
        env: { WORKSPACE_ID: workspaceId, RUNTIME_GENERATION: String(generation) },
      }),
      running: async (workspaceIds): Promise<RuntimeView[]> =>
        (await containersOf(docker, workspaceIds)).filter((c) => c.running),
      readFile: (v, file) => fileInContainer(docker, v.ref, file),
      async kill(v) {
        await view(v.ref).kill({ signal: "SIGKILL" });
      },
      async vanish(v) {
        await view(v.ref).remove({ force: true });
      },
      async cleanup(workspaceIds) {
        for (const c of await containersOf(docker, workspaceIds))
          await view(c.ref)
            .remove({ force: true })
            .catch(() => {});
      },
    });
  },
);

/** A PROVISIONER_CONFIG running the reference agent's image, in a folder of the caller's. */
async function agentConfig(dir: string) {
  const file = path.join(dir, "provisioner.json");
  await writeFile(
    file,
    JSON.stringify({ default: { image: AGENT_IMAGE, env: { AGENT_HEARTBEAT_INTERVAL_MS: "500" } } }),
  );
  return file;
}

/** Every one of these workspaces has exactly one container, running, of its current generation, and is ONLINE. */
async function convergedOn(
  docker: Docker,
  ids: string[],
  status: (id: string) => Promise<{ status: string; generation: number } | null | undefined>,
  timeoutMs = 90_000,
): Promise<ContainerView[]> {
  let last: unknown;
  return eventually(
    "every workspace ONLINE with exactly one running container of its current generation",
    async () => {
      const containers = await containersOf(docker, ids);
      const states = await Promise.all(ids.map(status));
      last = { states, containers: containers.map((c) => [c.workspaceId, c.generation, c.status]) };
      const ok = ids.every((id, i) => {
        const ws = states[i];
        const mine = containers.filter((c) => c.workspaceId === id);
        return ws?.status === "ONLINE" && mine.length === 1 && mine[0]?.running && mine[0].generation === ws.generation;
      });
      return ok && containers.length === ids.length ? containers : undefined;
    },
    timeoutMs,
    async () => last,
  );
}

describe.skipIf(!engine.ok)("the control plane across a Docker daemon stopped and started again", () => {
  // A daemon of this test's own (its own socket, folders and pid): stopping
  // the machine's would fail the other Docker test files running beside
  // this one, and whatever else uses that engine.
  let own: OwnDaemon | string = "not started";
  let work: string;
  let t: TestApp | undefined;
  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), "cp-conformance-outage-"));
    own = await OwnDaemon.start();
    if (typeof own === "string")
      throw new Error(`a daemon answers on this machine, but a second one could not start: ${own}`);
    await buildAgentImage(own.dockerHost, AGENT_FILE, AGENT_IMAGE);
  }, 180_000);
  afterAll(async () => {
    await t?.stop();
    // Whatever happened mid-test: the daemon is stopped and its folders removed.
    if (typeof own !== "string") await own.destroy();
    await rm(work, { recursive: true, force: true });
  }, 120_000);

  it("keeps answering, records WORKSPACE_PROVISIONER_UNAVAILABLE once, and converges once the daemon is back", async () => {
    const daemon = own as OwnDaemon;
    const docker = engineClient(daemon.dockerHost);
    t = await startTestApp({
      PROVISIONER: "docker",
      PROVISIONER_CONFIG: await agentConfig(work),
      DOCKER_HOST: daemon.dockerHost,
      PROVISIONER_RECONCILE_INTERVAL_MS: "300",
      HOST: "127.0.0.1",
    });
    await t.listen();
    const app = t;
    const create = async (name: string) =>
      expectSuccess(ok(await gql(app, CreateWorkspace, { input: { name } })).createWorkspace, "CreateWorkspaceSuccess")
        .workspace.id;
    const status = async (id: string) => ok(await gql(app, RuntimeState, { id })).workspace;
    const unavailable = (workspaceId: string) =>
      app.app.domain.prisma.workspaceEvent.count({ where: { workspaceId, type: "WORKSPACE_PROVISIONER_UNAVAILABLE" } });

    const before = [await create("before-1"), await create("before-2")];
    await convergedOn(docker, before, status);

    // SIGTERM to the daemon's pid, and wait until that process is gone.
    await daemon.stop();
    // The API keeps answering: reads, and a create whose runtime must wait.
    const during = await create("during-outage");
    expect((await status(before[0] as string))?.generation).toBe(1);
    const ids = [...before, during];
    await eventually(
      "WORKSPACE_PROVISIONER_UNAVAILABLE for every workspace that should run",
      async () => ((await Promise.all(ids.map(unavailable))).every((n) => n >= 1) ? true : undefined),
      30_000,
    );
    // Several more reconcile passes (every 300 ms) fail against the stopped daemon: still once each.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(await Promise.all(ids.map(unavailable))).toEqual([1, 1, 1]);
    expect((await status(during))?.status).toBe("PROVISIONING");

    await daemon.restart();
    const containers = await convergedOn(docker, ids, status);
    expect(containers).toHaveLength(3);
    expect(await Promise.all(ids.map(unavailable))).toEqual([1, 1, 1]);
    expect(app.logs.join("\n")).toContain("provisioner available again");

    await Promise.all(ids.map(async (id) => ok(await gql(app, RemoveWorkspace, { id }))));
    await eventually("no container left", async () =>
      (await containersOf(docker, ids)).length === 0 ? true : undefined,
    );
  }, 240_000);
});

describe.skipIf(!engine.ok)("a control plane killed with SIGKILL while it starts containers", () => {
  const dockerHost = engine.ok ? engine.dockerHost : "";
  const adminToken = `admin-${randomBytes(12).toString("hex")}`;
  const servers: ServerProcess[] = [];
  const ids: string[] = [];
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), "cp-conformance-kill-"));
  });
  afterAll(async () => {
    for (const s of servers) await s.stop(2_000);
    const docker = engineClient(dockerHost);
    for (const c of await containersOf(docker, ids)) await docker.getContainer(c.ref).remove({ force: true });
    await rm(work, { recursive: true, force: true });
  }, 60_000);

  it("converges on restart: no duplicate container, every workspace ONLINE, no orphan left", async () => {
    const docker = engineClient(dockerHost);
    const env = {
      PROVISIONER: "docker",
      PROVISIONER_CONFIG: await agentConfig(work),
      DOCKER_HOST: dockerHost,
      DATA_DIR: path.join(work, "data"),
      PORT: String(await freePort()),
      ADMIN_TOKEN: adminToken,
      PROVISIONER_RECONCILE_INTERVAL_MS: "300",
      HEARTBEAT_TIMEOUT_SECONDS: "3600",
    };
    const start = async () => {
      const s = await startServer(env);
      servers.push(s);
      return s;
    };
    const first = await start();
    const created = await Promise.all(
      Array.from({ length: 6 }, async (_, i) => {
        const r = ok(await gqlHttp(first, CreateWorkspace, { input: { name: `burst-${i}` } }, adminToken));
        return expectSuccess(r.createWorkspace, "CreateWorkspaceSuccess").workspace.id;
      }),
    );
    ids.push(...created);
    // Killed as soon as the first container exists: the others done, half done (created, not started) or not begun.
    const atKill = await eventually(
      "a first container",
      async () => {
        const c = await containersOf(docker, ids);
        return c.length > 0 ? c : undefined;
      },
      60_000,
    );
    process.kill(first.pid, "SIGKILL");
    await first.exited;
    expect(atKill.filter((c) => c.running).length).toBeLessThan(ids.length);

    const second = await start();
    const status = async (id: string) => ok(await gqlHttp(second, RuntimeState, { id }, adminToken)).workspace;
    const containers = await convergedOn(docker, ids, status);
    expect(containers.map((c) => c.workspaceId).sort()).toEqual([...ids].sort());
    // On the record: one start per workspace, whether adopted or started after the kill.
    for (const id of ids) {
      const page = ok(await gqlHttp(second, ListEvents, { workspaceId: id, first: 50 }, adminToken)).workspaceEvents;
      expect(page.edges.filter((e) => e.node.type === "WORKSPACE_RUNTIME_STARTED")).toHaveLength(1);
    }

    await Promise.all(ids.map(async (id) => ok(await gqlHttp(second, RemoveWorkspace, { id }, adminToken))));
    await eventually("no container left", async () =>
      (await containersOf(docker, ids)).length === 0 ? true : undefined,
    );
    await second.stop();
  }, 240_000);
});
