import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectRefusal, expectSuccess, gql, ok } from "../support/gql.js";
import { startTestApp, type TestApp } from "../support/harness.js";
import {
  CreateWorkspace,
  Heartbeat,
  RegisterWorkspace,
  RemoveWorkspace,
  RestartWorkspace,
  RuntimeState,
  SetOrgSecret,
  SetWorkspaceSecret,
} from "../support/operations.js";
import { eventually, isAlive, killRuntimes, processesOf } from "../support/runtimes.js";

// SPEC 9 with real processes: the control plane (in this process, on a real
// port) starts the reference agent (dist/agent.mjs) for each workspace, and
// the tests read the machine's process table to see what runs.

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const secret = (label: string) => `${label}-${randomBytes(12).toString("hex")}`;
const ORG_ANTHROPIC = secret("org-anthropic");
const ORG_OPENAI = secret("org-openai");
const WS_TOOL = secret("ws-tool");

let t: TestApp;
let work: string;
const created = new Set<string>();

beforeAll(async () => {
  // The agent bundle as `npm run build` writes it.
  execFileSync(process.execPath, ["scripts/build.mjs"], { cwd: ROOT });
  work = await mkdtemp(path.join(os.tmpdir(), "cp-runtimes-"));
  const config = path.join(work, "provisioner.json");
  await writeFile(
    config,
    JSON.stringify({
      // A runtime that exits at once: the crash loop.
      runtimes: { codex: { command: ["/bin/sh", "-c", "exit 3"] } },
      default: {
        env: { AGENT_HEARTBEAT_INTERVAL_MS: "300", AGENT_TOKEN_FILE: path.join(work, "{workspaceId}.token") },
      },
    }),
  );
  t = await startTestApp({
    PROVISIONER: "process",
    PROVISIONER_CONFIG: config,
    PROVISIONER_RECONCILE_INTERVAL_MS: "300",
    RUNTIME_MAX_RESTARTS: "2",
    HOST: "127.0.0.1",
  });
  await t.listen();
  for (const [key, value] of [
    ["ANTHROPIC_API_KEY", ORG_ANTHROPIC],
    ["OPENAI_API_KEY", ORG_OPENAI],
  ] as const) {
    expectSuccess(ok(await gql(t, SetOrgSecret, { input: { key, value } })).setOrgSecret, "SecretSuccess");
  }
});
afterAll(async () => {
  await t?.stop();
  await killRuntimes(created);
  await rm(work, { recursive: true, force: true });
});

async function create(input: { runtime?: string; model?: string; kind?: "PLATFORM" } = {}) {
  const r = ok(
    await gql(t, CreateWorkspace, {
      input: {
        name: "runtime",
        runtime: "claude-code",
        model: "claude-sonnet-4-6",
        secrets: [{ key: "TOOL_SETTING", value: WS_TOOL }],
        ...input,
      },
    }),
  ).createWorkspace;
  const id = expectSuccess(r, "CreateWorkspaceSuccess").workspace.id;
  created.add(id);
  return id;
}

const state = async (id: string) => ok(await gql(t, RuntimeState, { id })).workspace;
const events = (workspaceId: string) =>
  t.app.domain.prisma.workspaceEvent.findMany({ where: { workspaceId }, orderBy: { seq: "asc" } });
const describeWs = (id: string) => async () => ({
  state: await state(id),
  processes: (await processesOf(id)).map((p) => p.pid),
  events: (await events(id)).map((e) => [e.type, e.status, e.code]),
});

/** ONLINE with exactly one process serving it (and not the one given). */
const onlineWithOneProcess = (id: string, generation: number, notPid?: number) =>
  eventually(
    `workspace ${id} ONLINE at generation ${generation} with one process`,
    async () => {
      const ws = await state(id);
      const procs = await processesOf(id);
      if (ws?.status !== "ONLINE" || ws.generation !== generation || procs.length !== 1) return undefined;
      if (procs[0]?.pid === notPid) return undefined;
      return procs[0];
    },
    30_000,
    describeWs(id),
  );

const heartbeat = (workspaceId: string, token: string) => gql(t, Heartbeat, { input: { workspaceId } }, { token });
const tokenFile = (id: string) => readFile(path.join(work, `${id}.token`), "utf8").then((s) => s.trim());

describe("PROVISIONER=process with the reference agent", () => {
  let id: string;
  let pid: number;

  it("a created workspace comes ONLINE by itself, its runtime holding exactly SPEC 9's environment", async () => {
    id = await create();
    const proc = await onlineWithOneProcess(id, 1);
    pid = proc.pid;
    expect(Object.keys(proc.env).sort()).toEqual([
      "AGENT_HEARTBEAT_INTERVAL_MS",
      "AGENT_TOKEN_FILE",
      "ANTHROPIC_API_KEY",
      "CONTROL_PLANE_URL",
      "MODEL",
      "PATH",
      "TOOL_SETTING",
      "WORKSPACE_ID",
      "WORKSPACE_JOIN_TOKEN",
    ]);
    expect(proc.env).toMatchObject({
      ANTHROPIC_API_KEY: ORG_ANTHROPIC,
      MODEL: "claude-sonnet-4-6",
      TOOL_SETTING: WS_TOOL,
      CONTROL_PLANE_URL: `${t.url}/graphql`,
    });
    expect(proc.cmdline.join(" ")).toContain(`--workspace=${id}`);
    // The runtime read its configuration with its instance token.
    await eventually("the config read", async () =>
      (await events(id)).some((e) => e.type === "WORKSPACE_CONFIG_READ") ? true : undefined,
    );
    const types = (await events(id)).map((e) => e.type);
    expect(types.slice(0, 2)).toEqual(["WORKSPACE_PROVISIONING", "WORKSPACE_RUNTIME_STARTED"]);
    expect(types).toContain("WORKSPACE_ONLINE");

    // Nobody else can claim it: no bearer, and the runtime's own join token once used, are 401.
    const register = (token: string | null) => gql(t, RegisterWorkspace, { input: { workspaceId: id } }, { token });
    expectRefusal(await register(null), "UNAUTHENTICATED", 401);
    expectRefusal(await register(proc.env.WORKSPACE_JOIN_TOKEN as string), "UNAUTHENTICATED", 401);
    expectSuccess(ok(await heartbeat(id, await tokenFile(id))).heartbeat, "HeartbeatSuccess");
  });

  it("a secret change marks the config stale; restart stops the old process, and a new one comes ONLINE", async () => {
    const oldToken = await tokenFile(id);
    expect((await state(id))?.configStale).toBe(false);
    const set = await gql(t, SetWorkspaceSecret, { input: { workspaceId: id, key: "TOOL_SETTING", value: "v2" } });
    expectSuccess(ok(set).setWorkspaceSecret, "SecretSuccess");
    expect((await state(id))?.configStale).toBe(true);

    expectSuccess(ok(await gql(t, RestartWorkspace, { id })).restartWorkspace, "WorkspaceSuccess");
    const proc = await onlineWithOneProcess(id, 2, pid);
    expect(await isAlive(pid)).toBe(false);
    expect(proc.env.TOOL_SETTING).toBe("v2");
    expectRefusal(await heartbeat(id, oldToken), "UNAUTHENTICATED", 401);
    await eventually("the new token", async () => ((await tokenFile(id)) !== oldToken ? true : undefined));
    expectSuccess(ok(await heartbeat(id, await tokenFile(id))).heartbeat, "HeartbeatSuccess");
    expect((await state(id))?.configStale).toBe(false);
    pid = proc.pid;
  });

  it("a runtime killed from outside is recorded as exited, then started again and ONLINE", async () => {
    process.kill(pid, "SIGKILL");
    const proc = await onlineWithOneProcess(id, 2, pid);
    // (The generation-1 runtime may have exited on its own 401 before the restart stopped it.)
    const exited = (await events(id)).filter(
      (e) => e.type === "WORKSPACE_RUNTIME_EXITED" && (e.payload as { generation?: number }).generation === 2,
    );
    expect(exited).toHaveLength(1);
    expect(exited[0]?.payload).toEqual({ generation: 2, exitCode: null, signal: "SIGKILL" });
    expect(exited[0]?.status).toBe("OFFLINE");
    pid = proc.pid;
  });

  it("remove stops the runtime within 10 s, and nothing starts it again", async () => {
    expectSuccess(ok(await gql(t, RemoveWorkspace, { id })).removeWorkspace, "WorkspaceSuccess");
    await eventually("no process", async () => ((await processesOf(id)).length === 0 ? true : undefined), 10_000);
    await t.app.provisioning.settled();
    expect(await processesOf(id)).toEqual([]);
    expect(await t.app.provisioning.backend?.list()).not.toContainEqual(expect.objectContaining({ workspaceId: id }));
  });

  it("a runtime that exits at once is tried RUNTIME_MAX_RESTARTS more times, then FAILED with RUNTIME_CRASH_LOOP", async () => {
    const crashing = await create({ runtime: "codex", model: "openai/gpt-5.4" });
    await eventually(
      "RUNTIME_CRASH_LOOP",
      async () => ((await state(crashing))?.failure?.code === "RUNTIME_CRASH_LOOP" ? true : undefined),
      30_000,
      describeWs(crashing),
    );
    await t.app.provisioning.settled();
    const all = await events(crashing);
    expect(all.filter((e) => e.type === "WORKSPACE_RUNTIME_STARTED")).toHaveLength(3);
    const exits = all.filter((e) => e.type === "WORKSPACE_RUNTIME_EXITED");
    expect(exits.map((e) => e.payload)).toEqual(Array(3).fill({ generation: 1, exitCode: 3, signal: null }));
    expect(all.at(-1)).toMatchObject({ type: "WORKSPACE_PROVISION_FAILED", code: "RUNTIME_CRASH_LOOP" });
    expect(await processesOf(crashing)).toEqual([]);
  });

  it("a restart that fails its provision checks stops the runtime and starts none", async () => {
    const platform = await create({ kind: "PLATFORM", runtime: "claude-code", model: "anthropic/claude-sonnet-4-6" });
    const proc = await onlineWithOneProcess(platform, 1);
    // Its MODEL secret sealed for another workspace: it can no longer be decrypted.
    const foreign = await t.app.domain.prisma.workspaceSecret.findFirstOrThrow({
      where: { workspaceId: { not: platform }, key: "TOOL_SETTING" },
    });
    await t.app.domain.prisma.workspaceSecret.updateMany({
      where: { workspaceId: platform, key: "MODEL" },
      data: { value: foreign.value },
    });
    const r = expectSuccess(ok(await gql(t, RestartWorkspace, { id: platform })).restartWorkspace, "WorkspaceSuccess");
    expect(r.workspace.failure?.code).toBe("SECRET_UNREADABLE");
    await eventually("the old runtime gone", async () => ((await isAlive(proc.pid)) ? undefined : true), 10_000);
    await t.app.provisioning.settled();
    expect(await processesOf(platform)).toEqual([]);
    const started = (await events(platform)).filter((e) => e.type === "WORKSPACE_RUNTIME_STARTED");
    expect(started.map((e) => e.payload)).toEqual([{ generation: 1 }]);
  });

  it("no secret value, and no runtime output, reaches the control plane's log or its events", async () => {
    const logs = t.logs.join("\n");
    const recorded = JSON.stringify(await t.app.domain.prisma.workspaceEvent.findMany(), (_, v) =>
      typeof v === "bigint" ? String(v) : v,
    );
    for (const value of [ORG_ANTHROPIC, ORG_OPENAI, WS_TOOL]) {
      expect(logs).not.toContain(value);
      expect(recorded).not.toContain(value);
    }
    expect(logs).toContain("runtime started");
    expect(logs).not.toContain("configuration read");
  });
});
