import { execFileSync } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RuntimeSpec } from "../../src/provisioning/backend.js";
import type { RuntimeEntry } from "../../src/provisioning/settings.js";
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
import { eventually } from "../support/runtimes.js";

// SPEC 9's lifecycle, written once and run against every backend: the
// control plane (in this process, on a real port) starts the reference agent
// for each workspace, and each backend's own view of the machine (the
// process table, the Docker engine), not the control plane's, says what runs.

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** One runtime as the machine shows it, read without the control plane. */
export type RuntimeView = {
  ref: string;
  workspaceId: string;
  generation: number;
  /** The environment the runtime was given. */
  env: Record<string, string>;
  argv: string[];
};

/** What the suite needs of a backend: how to configure it, and how to look at and break its runtimes. */
export type BackendUnderTest = {
  name: "process" | "docker";
  /** Settings besides PROVISIONER and PROVISIONER_CONFIG (DOCKER_HOST, DATA_DIR...). */
  appEnv: Record<string, string>;
  /** The config entry that runs the reference agent; `env` is added to it. */
  agent: RuntimeEntry;
  /** A runtime that exits with code 3 at once. */
  exitsWith3: RuntimeEntry;
  /** Where the agent writes its instance token, inside the runtime (`{workspaceId}` filled). */
  tokenFile: string;
  /** Variables a runtime holds besides SPEC 9's and the config entry's (process: PATH). */
  extraEnv: string[];
  /** Whether argv names the workspace (the reference agent's default command does). */
  argvNamesWorkspace: boolean;
  /** How a runtime killed with SIGKILL from outside is recorded. */
  killedExit: { exitCode: number | null; signal: string | null };
  /** A runtime that runs until SIGTERM, for planting orphans through the backend. */
  sleeper(workspaceId: string, generation: number): RuntimeSpec;
  /** The running runtimes of these workspaces. */
  running(workspaceIds: string[]): Promise<RuntimeView[]>;
  /** The file the runtime wrote at `file`, read where the runtime sees it. */
  readFile(view: RuntimeView, file: string): Promise<string>;
  /** SIGKILL from outside: the runtime exits, and stays behind as an exited runtime. */
  kill(view: RuntimeView): Promise<void>;
  /** Makes the runtime vanish without a trace the backend could list (as `docker rm -f` does). */
  vanish(view: RuntimeView): Promise<void>;
  /** Removes every runtime of these workspaces left behind, whatever happened. */
  cleanup(workspaceIds: string[]): Promise<void>;
};

const secret = (label: string) => `${label}-${randomBytes(12).toString("hex")}`;

export function runtimeConformance(b: BackendUnderTest) {
  const ORG_ANTHROPIC = secret("org-anthropic");
  const ORG_OPENAI = secret("org-openai");
  const WS_TOOL = secret("ws-tool");
  let t: TestApp;
  let work: string;
  const created = new Set<string>();
  const planted = new Set<string>();

  beforeAll(async () => {
    // The agent bundle as `npm run build` writes it.
    execFileSync(process.execPath, ["scripts/build.mjs"], { cwd: ROOT });
    work = await mkdtemp(path.join(os.tmpdir(), `cp-conformance-${b.name}-`));
    const config = path.join(work, "provisioner.json");
    await writeFile(
      config,
      JSON.stringify({
        // A runtime that exits at once: the crash loop.
        runtimes: { codex: b.exitsWith3 },
        default: {
          ...b.agent,
          env: {
            AGENT_HEARTBEAT_INTERVAL_MS: "300",
            AGENT_TOKEN_FILE: b.tokenFile,
            RUNTIME_GENERATION: "{generation}",
          },
        },
      }),
    );
    t = await startTestApp({
      PROVISIONER: b.name,
      PROVISIONER_CONFIG: config,
      PROVISIONER_RECONCILE_INTERVAL_MS: "300",
      RUNTIME_MAX_RESTARTS: "2",
      HOST: "127.0.0.1",
      ...b.appEnv,
    });
    await t.listen();
    for (const [key, value] of [
      ["ANTHROPIC_API_KEY", ORG_ANTHROPIC],
      ["OPENAI_API_KEY", ORG_OPENAI],
    ] as const) {
      expectSuccess(ok(await gql(t, SetOrgSecret, { input: { key, value } })).setOrgSecret, "SecretSuccess");
    }
  }, 120_000);
  afterAll(async () => {
    await t?.stop();
    await b.cleanup([...created, ...planted]);
    if (work) await rm(work, { recursive: true, force: true });
  }, 120_000);

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
  const runtimesOf = (id: string) => b.running([id]);
  const describeWs = (id: string) => async () => ({
    state: await state(id),
    runtimes: (await runtimesOf(id)).map((r) => [r.ref, r.generation]),
    events: (await events(id)).map((e) => [e.type, e.status, e.code]),
  });
  const started = async (id: string) =>
    (await events(id)).filter((e) => e.type === "WORKSPACE_RUNTIME_STARTED").map((e) => e.payload);

  /** ONLINE at this generation with exactly one runtime of it (and not the one given). */
  const onlineWithOneRuntime = (id: string, generation: number, notRef?: string) =>
    eventually(
      `workspace ${id} ONLINE at generation ${generation} with one runtime`,
      async () => {
        const ws = await state(id);
        const runtimes = await runtimesOf(id);
        if (ws?.status !== "ONLINE" || ws.generation !== generation || runtimes.length !== 1) return undefined;
        const only = runtimes[0] as RuntimeView;
        if (only.ref === notRef || only.generation !== generation) return undefined;
        return only;
      },
      60_000,
      describeWs(id),
    );

  const heartbeat = (workspaceId: string, token: string) => gql(t, Heartbeat, { input: { workspaceId } }, { token });
  const tokenFileOf = (id: string) => b.tokenFile.replaceAll("{workspaceId}", id);
  /** The instance token the runtime wrote, once it is not `not`. */
  const tokenOf = (view: RuntimeView, not?: string) =>
    eventually(
      "the runtime's instance token",
      async () => {
        const token = (await b.readFile(view, tokenFileOf(view.workspaceId)).catch(() => "")).trim();
        return token && token !== not ? token : undefined;
      },
      30_000,
    );

  describe(`PROVISIONER=${b.name} with the reference agent`, () => {
    let id: string;
    let current: RuntimeView;

    it("a created workspace comes ONLINE by itself, its runtime holding exactly SPEC 9's environment", async () => {
      id = await create();
      current = await onlineWithOneRuntime(id, 1);
      expect(Object.keys(current.env).sort()).toEqual(
        [
          "AGENT_HEARTBEAT_INTERVAL_MS",
          "AGENT_TOKEN_FILE",
          "ANTHROPIC_API_KEY",
          "CONTROL_PLANE_URL",
          "MODEL",
          "RUNTIME_GENERATION",
          "TOOL_SETTING",
          "WORKSPACE_ID",
          "WORKSPACE_JOIN_TOKEN",
          ...b.extraEnv,
        ].sort(),
      );
      expect(current.env).toMatchObject({
        ANTHROPIC_API_KEY: ORG_ANTHROPIC,
        MODEL: "claude-sonnet-4-6",
        TOOL_SETTING: WS_TOOL,
        CONTROL_PLANE_URL: `${t.url}/graphql`,
        RUNTIME_GENERATION: "1",
      });
      if (b.argvNamesWorkspace) expect(current.argv.join(" ")).toContain(`--workspace=${id}`);
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
      expectRefusal(await register(current.env.WORKSPACE_JOIN_TOKEN as string), "UNAUTHENTICATED", 401);
      expectSuccess(ok(await heartbeat(id, await tokenOf(current))).heartbeat, "HeartbeatSuccess");
    }, 120_000);

    it("a secret change marks the config stale; restart stops the old runtime, and a new generation comes ONLINE", async () => {
      const oldToken = await tokenOf(current);
      expect((await state(id))?.configStale).toBe(false);
      const set = await gql(t, SetWorkspaceSecret, { input: { workspaceId: id, key: "TOOL_SETTING", value: "v2" } });
      expectSuccess(ok(set).setWorkspaceSecret, "SecretSuccess");
      expect((await state(id))?.configStale).toBe(true);

      expectSuccess(ok(await gql(t, RestartWorkspace, { id })).restartWorkspace, "WorkspaceSuccess");
      const next = await onlineWithOneRuntime(id, 2, current.ref);
      expect((await b.running([id])).map((r) => r.ref)).not.toContain(current.ref);
      expect(next.env.TOOL_SETTING).toBe("v2");
      expect(next.env.RUNTIME_GENERATION).toBe("2");
      expectRefusal(await heartbeat(id, oldToken), "UNAUTHENTICATED", 401);
      expectSuccess(ok(await heartbeat(id, await tokenOf(next, oldToken))).heartbeat, "HeartbeatSuccess");
      expect((await state(id))?.configStale).toBe(false);
      current = next;
    }, 120_000);

    it("a runtime killed from outside is recorded as exited, then started again and ONLINE", async () => {
      await b.kill(current);
      const next = await onlineWithOneRuntime(id, 2, current.ref);
      // (The generation-1 runtime may have exited on its own 401 before the restart stopped it.)
      const exited = (await events(id)).filter(
        (e) => e.type === "WORKSPACE_RUNTIME_EXITED" && (e.payload as { generation?: number }).generation === 2,
      );
      expect(exited).toHaveLength(1);
      expect(exited[0]?.payload).toEqual({ generation: 2, ...b.killedExit });
      expect(exited[0]?.status).toBe("OFFLINE");
      current = next;
    }, 120_000);

    it("a runtime that vanished (no exit to see) is started again for the workspace that should run", async () => {
      const token = await tokenOf(current);
      const before = (await started(id)).length;
      await b.vanish(current);
      current = await onlineWithOneRuntime(id, 2, current.ref);
      // Recorded once the backend answered, which may be just after the runtime shows.
      await eventually("the start recorded", async () => ((await started(id)).length > before ? true : undefined));
      expect(await started(id)).toHaveLength(before + 1);
      // It registered: its own instance token is the live one.
      expectSuccess(ok(await heartbeat(id, await tokenOf(current, token))).heartbeat, "HeartbeatSuccess");
    }, 120_000);

    it("sweeps orphans: runtimes of an unknown workspace, a REMOVED one, and an older generation", async () => {
      const removed = await create();
      await onlineWithOneRuntime(removed, 1);
      expectSuccess(ok(await gql(t, RemoveWorkspace, { id: removed })).removeWorkspace, "WorkspaceSuccess");
      await eventually("the removed runtime gone", async () =>
        (await runtimesOf(removed)).length === 0 ? true : undefined,
      );
      const unknown = randomUUID();
      planted.add(unknown);
      // Started through the control plane's own backend, behind its reconciler's back: labelled as its own.
      const backend = t.app.provisioning.backend;
      if (!backend) throw new Error("no backend");
      const orphans = await Promise.all([
        backend.start(b.sleeper(unknown, 1)),
        backend.start(b.sleeper(removed, 1)),
        backend.start(b.sleeper(id, 1)),
      ]);
      const refs = orphans.map((o) => o.ref);
      await eventually(
        "every orphan stopped and removed",
        async () => {
          const left = await b.running([unknown, removed, id]);
          const listed = await backend.list();
          return left.some((r) => refs.includes(r.ref)) || listed.some((r) => refs.includes(r.ref)) ? undefined : true;
        },
        60_000,
      );
      // The workspace that should run keeps its one runtime, untouched.
      expect((await b.running([id])).map((r) => r.ref)).toEqual([current.ref]);
      expect(await b.running([unknown, removed])).toEqual([]);
      expect((await state(id))?.status).toBe("ONLINE");
    }, 120_000);

    it("remove stops the runtime within 10 s, and nothing starts it again", async () => {
      expectSuccess(ok(await gql(t, RemoveWorkspace, { id })).removeWorkspace, "WorkspaceSuccess");
      await eventually("no runtime", async () => ((await runtimesOf(id)).length === 0 ? true : undefined), 10_000);
      await t.app.provisioning.settled();
      expect(await runtimesOf(id)).toEqual([]);
      expect(await t.app.provisioning.backend?.list()).not.toContainEqual(expect.objectContaining({ workspaceId: id }));
    }, 60_000);

    it("a runtime that exits at once is tried RUNTIME_MAX_RESTARTS more times, then FAILED with RUNTIME_CRASH_LOOP", async () => {
      const crashing = await create({ runtime: "codex", model: "openai/gpt-5.4" });
      await eventually(
        "RUNTIME_CRASH_LOOP",
        async () => ((await state(crashing))?.failure?.code === "RUNTIME_CRASH_LOOP" ? true : undefined),
        60_000,
        describeWs(crashing),
      );
      await t.app.provisioning.settled();
      const all = await events(crashing);
      expect(all.filter((e) => e.type === "WORKSPACE_RUNTIME_STARTED")).toHaveLength(3);
      const exits = all.filter((e) => e.type === "WORKSPACE_RUNTIME_EXITED");
      expect(exits.map((e) => e.payload)).toEqual(Array(3).fill({ generation: 1, exitCode: 3, signal: null }));
      expect(all.at(-1)).toMatchObject({ type: "WORKSPACE_PROVISION_FAILED", code: "RUNTIME_CRASH_LOOP" });
      expect(await runtimesOf(crashing)).toEqual([]);
      expect(await t.app.provisioning.backend?.list()).not.toContainEqual(
        expect.objectContaining({ workspaceId: crashing }),
      );
    }, 120_000);

    it("a restart that fails its provision checks stops the runtime and starts none", async () => {
      const platform = await create({ kind: "PLATFORM", runtime: "claude-code", model: "anthropic/claude-sonnet-4-6" });
      const runtime = await onlineWithOneRuntime(platform, 1);
      // Its MODEL secret sealed for another workspace: it can no longer be decrypted.
      const foreign = await t.app.domain.prisma.workspaceSecret.findFirstOrThrow({
        where: { workspaceId: { not: platform }, key: "TOOL_SETTING" },
      });
      await t.app.domain.prisma.workspaceSecret.updateMany({
        where: { workspaceId: platform, key: "MODEL" },
        data: { value: foreign.value },
      });
      const r = expectSuccess(
        ok(await gql(t, RestartWorkspace, { id: platform })).restartWorkspace,
        "WorkspaceSuccess",
      );
      expect(r.workspace.failure?.code).toBe("SECRET_UNREADABLE");
      await eventually(
        "the old runtime gone",
        async () => ((await b.running([platform])).some((x) => x.ref === runtime.ref) ? undefined : true),
        10_000,
      );
      await t.app.provisioning.settled();
      expect(await runtimesOf(platform)).toEqual([]);
      expect(await started(platform)).toEqual([{ generation: 1 }]);
    }, 120_000);

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
}
