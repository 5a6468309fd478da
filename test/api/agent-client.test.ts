import { stat, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type * as AgentClientPackage from "../../src/client/index.js";
import type { AgentClientOptions } from "../../src/client/index.js";
import { type InstalledPackage, installAgentClientPackage } from "../support/agent-package.js";
import { expectSuccess, gql, ok } from "../support/gql.js";
import { startTestApp, type TestApp } from "../support/harness.js";
import { CreateWorkspace, GetWorkspace, RestartWorkspace } from "../support/operations.js";

let t: TestApp;
let endpoint: string;
// Every test here runs the package as it is installed: built, packed and imported by its name.
let installed: InstalledPackage;
let createAgentClient: typeof AgentClientPackage.createAgentClient;
let fileTokenStore: typeof AgentClientPackage.fileTokenStore;
let memoryTokenStore: typeof AgentClientPackage.memoryTokenStore;
let AgentRequestError: typeof AgentClientPackage.AgentRequestError;
let AgentStoppedError: typeof AgentClientPackage.AgentStoppedError;
let backoffDelay: typeof AgentClientPackage.backoffDelay;
beforeAll(async () => {
  installed = await installAgentClientPackage();
  ({ createAgentClient, fileTokenStore, memoryTokenStore, AgentRequestError, AgentStoppedError, backoffDelay } =
    await installed.load());
  t = await startTestApp();
  endpoint = `${await t.listen()}/graphql`;
}, 180_000);
afterAll(() => t.stop());

const FAST_RETRY = { initialMs: 5, maxMs: 20 };

async function createWorkspace(input: { kind?: "PLATFORM" | "WORKSPACE" } = {}) {
  const r = ok(await gql(t, CreateWorkspace, { input: { name: "agent", ...input } })).createWorkspace;
  return expectSuccess(r, "CreateWorkspaceSuccess").workspace.id;
}

const readWorkspace = async (id: string) => ok(await gql(t, GetWorkspace, { id })).workspace;
const restart = async (id: string) =>
  expectSuccess(ok(await gql(t, RestartWorkspace, { id })).restartWorkspace, "WorkspaceSuccess");
const liveTokens = (workspaceId: string) =>
  t.app.domain.prisma.instanceToken.count({ where: { workspaceId, revokedAt: null } });

type Call = { operation: string; authorization: string | null; status: number | "threw" };

/** The real fetch, recording every call; `fail(n)` may answer for the n-th call (0-based) instead. */
function recordingFetch(fail?: (n: number, operation: string) => Response | Error | undefined) {
  const calls: Call[] = [];
  const fn = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const body = JSON.parse(String(init?.body)) as { query: string };
    const operation = /mutation (\w+)/.exec(body.query)?.[1] ?? "?";
    const authorization = new Headers(init?.headers).get("authorization");
    const injected = fail?.(calls.length, operation);
    if (injected instanceof Error) {
      calls.push({ operation, authorization, status: "threw" });
      throw injected;
    }
    const res = injected ?? (await fetch(input, init));
    calls.push({ operation, authorization, status: res.status });
    return res;
  }) as typeof fetch;
  return { fn, calls };
}

const unavailable503 = () =>
  new Response(JSON.stringify({ errors: [{ message: "retry", extensions: { code: "SERVICE_UNAVAILABLE" } }] }), {
    status: 503,
    headers: { "content-type": "application/graphql-response+json" },
  });

/** Polls (bounded) until `check` returns a value: no timing is asserted, only that it happens. */
async function eventually<T>(check: () => Promise<T | undefined | null | false>, what: string): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = await check();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`never happened: ${what}`);
}

function client(workspaceId: string, extra: Partial<AgentClientOptions> = {}) {
  const stops: string[] = [];
  const agent = createAgentClient({
    endpoint,
    workspaceId,
    tokenStore: memoryTokenStore(),
    retry: FAST_RETRY,
    onStopped: (s) => stops.push(s.reason),
    ...extra,
  });
  return { agent, stops };
}

describe("agent client: register posture", () => {
  it("bootstraps without a bearer, saves the token to its file, and a second client presents it", async () => {
    const id = await createWorkspace();
    const file = path.join(os.tmpdir(), `cp-agent-${process.pid}-${Date.now()}`, "token");
    const secrets: string[] = [];
    const first = recordingFetch();
    const a = client(id, {
      tokenStore: fileTokenStore(file),
      fetch: first.fn,
      onPlatformInboundSecret: (s) => secrets.push(s),
    });
    const reg = await a.agent.register();
    expect(reg).toMatchObject({ workspaceId: id, status: "ONLINE", deliveryMode: "POLL", bootstrapped: true });
    expect(first.calls).toEqual([{ operation: "AgentRegisterWorkspace", authorization: null, status: 200 }]);
    const saved = await fileTokenStore(file).load();
    expect(saved).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(secrets).toEqual([reg.platformInboundSecret]);

    const second = recordingFetch();
    const b = client(id, { tokenStore: fileTokenStore(file), fetch: second.fn });
    const again = await b.agent.register();
    expect(again.bootstrapped).toBe(false);
    expect(second.calls).toEqual([
      { operation: "AgentRegisterWorkspace", authorization: `Bearer ${saved}`, status: 200 },
    ]);
    expect(await fileTokenStore(file).load()).toBe(saved);
    expect(await liveTokens(id)).toBe(1);
  });

  it("bootstraps again with the stale token after restartWorkspace and saves the new one", async () => {
    const id = await createWorkspace();
    const store = memoryTokenStore();
    const first = await client(id, { tokenStore: store }).agent.register();
    expect(first.bootstrapped).toBe(true);
    const stale = store.token;
    await restart(id);
    expect(await liveTokens(id)).toBe(0);

    const rec = recordingFetch();
    const reg = await client(id, { tokenStore: store, fetch: rec.fn }).agent.register();
    expect(reg).toMatchObject({ bootstrapped: true, status: "ONLINE" });
    expect(rec.calls[0]?.authorization).toBe(`Bearer ${stale}`);
    expect(store.token).not.toBe(stale);
    expect(store.token).toBeTruthy();
    expect(await liveTokens(id)).toBe(1);
  });

  it("stops on 401 without retrying and without clearing the stored token", async () => {
    const id = await createWorkspace();
    await client(id).agent.register(); // someone else holds the live token
    const store = memoryTokenStore("not-the-live-token");
    const rec = recordingFetch();
    const { agent, stops } = client(id, { tokenStore: store, fetch: rec.fn });
    const err = await agent.register().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AgentStoppedError);
    expect((err as AgentClientPackage.AgentStoppedError).reason).toBe("unauthenticated");
    expect(rec.calls).toEqual([
      { operation: "AgentRegisterWorkspace", authorization: "Bearer not-the-live-token", status: 401 },
    ]);
    expect(stops).toEqual(["unauthenticated"]);
    expect(agent.state).toBe("stopped");
    expect(store.token).toBe("not-the-live-token");
    await expect(agent.register()).rejects.toMatchObject({ reason: "unauthenticated" });
    expect(rec.calls).toHaveLength(1);
  });

  it("stops on 403 (an admin token is not an agent's) without retrying", async () => {
    const id = await createWorkspace();
    const rec = recordingFetch();
    const { agent, stops } = client(id, { tokenStore: memoryTokenStore(t.adminToken), fetch: rec.fn });
    await expect(agent.register()).rejects.toMatchObject({ name: "AgentStoppedError", reason: "forbidden" });
    expect(rec.calls.map((c) => c.status)).toEqual([403]);
    expect(stops).toEqual(["forbidden"]);
  });

  it("stops with NOT_FOUND for an unknown workspace", async () => {
    const { agent, stops } = client("00000000-0000-4000-8000-000000000000");
    await expect(agent.register()).rejects.toMatchObject({ reason: "NOT_FOUND" });
    expect(stops).toEqual(["NOT_FOUND"]);
  });

  it("throws VALIDATION_FAILED as a programming error", async () => {
    const id = await createWorkspace();
    const { agent, stops } = client(id, { deliveryMode: "PUSH" });
    const err = await agent.register().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AgentRequestError);
    expect(err).toMatchObject({ code: "VALIDATION_FAILED", field: "input.deliveryMode" });
    expect(stops).toEqual(["invalid_request"]);
    expect(await liveTokens(id)).toBe(0);
  });

  it("stops with PLATFORM_AGENT_IDENTITY_GATE, then WORKSPACE_FAILED for the FAILED workspace", async () => {
    const id = await createWorkspace({ kind: "PLATFORM" });
    const gated = client(id, { mcpServerPresent: false });
    await expect(gated.agent.register()).rejects.toMatchObject({ reason: "PLATFORM_AGENT_IDENTITY_GATE" });
    expect(gated.stops).toEqual(["PLATFORM_AGENT_IDENTITY_GATE"]);
    expect(await readWorkspace(id)).toMatchObject({ status: "FAILED" });

    const store = memoryTokenStore();
    const failed = client(id, { tokenStore: store, mcpServerPresent: true });
    await expect(failed.agent.start()).rejects.toMatchObject({ reason: "WORKSPACE_FAILED" });
    expect(failed.stops).toEqual(["WORKSPACE_FAILED"]);
    expect(await failed.agent.whenStopped()).toMatchObject({ reason: "WORKSPACE_FAILED" });
    expect(store.token).toBeNull();
  });
});

describe("agent client: retries", () => {
  it("retries 503 answers with backoff, then succeeds", async () => {
    const id = await createWorkspace();
    const rec = recordingFetch((n) => (n < 3 ? unavailable503() : undefined));
    const retries: number[] = [];
    const { agent, stops } = client(id, { fetch: rec.fn, onRetry: (r) => retries.push(r.attempt) });
    const reg = await agent.register();
    expect(reg.bootstrapped).toBe(true);
    expect(rec.calls.map((c) => c.status)).toEqual([503, 503, 503, 200]);
    expect(retries).toEqual([1, 2, 3]);
    expect(stops).toEqual([]);
    expect(await liveTokens(id)).toBe(1);
  });

  it("retries thrown network errors, then succeeds", async () => {
    const id = await createWorkspace();
    const rec = recordingFetch((n) => (n < 2 ? new TypeError("fetch failed") : undefined));
    const reg = await client(id, { fetch: rec.fn }).agent.register();
    expect(reg.bootstrapped).toBe(true);
    expect(rec.calls.map((c) => c.status)).toEqual(["threw", "threw", 200]);
  });

  it("gives up after maxAttempts against a refused connection", async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, "127.0.0.1", () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const retries: string[] = [];
    const { agent, stops } = client("00000000-0000-4000-8000-000000000000", {
      endpoint: `http://127.0.0.1:${port}/graphql`,
      retry: { ...FAST_RETRY, maxAttempts: 3 },
      onRetry: (r) => retries.push(r.error.kind),
    });
    const err = await agent.register().catch((e: unknown) => e);
    expect(err).toMatchObject({ name: "AgentStoppedError", reason: "retries_exhausted" });
    expect((err as Error).cause).toMatchObject({ name: "AgentUnavailableError", kind: "network" });
    expect(retries).toEqual(["network", "network"]);
    expect(stops).toEqual(["retries_exhausted"]);
  });

  it("stop() ends a backoff wait at once", async () => {
    const rec = recordingFetch(() => new TypeError("fetch failed"));
    const { agent, stops } = client("00000000-0000-4000-8000-000000000000", {
      fetch: rec.fn,
      retry: { initialMs: 3_600_000, maxMs: 3_600_000 },
    });
    const pending = agent.register().catch((e: unknown) => e);
    await eventually(async () => rec.calls.length > 0, "first attempt");
    await agent.stop();
    expect(await pending).toMatchObject({ name: "AgentStoppedError", reason: "stopped" });
    expect(stops).toEqual(["stopped"]);
    expect(rec.calls).toHaveLength(1);
  });

  it("keeps backoff within its cap, with jitter", () => {
    const retry = { initialMs: 100, maxMs: 1_000 };
    expect(backoffDelay(0, retry, () => 0)).toBe(50);
    expect(backoffDelay(0, retry, () => 1)).toBe(100);
    expect(backoffDelay(2, retry, () => 1)).toBe(400);
    expect(backoffDelay(10, retry, () => 1)).toBe(1_000);
    expect(backoffDelay(10, retry, () => 0)).toBe(500);
    expect(backoffDelay(5000, retry, () => 0.5)).toBe(750);
  });
});

describe("agent client: heartbeats", () => {
  it("heartbeats on the interval with the token, through transient 503s", async () => {
    const id = await createWorkspace();
    let heartbeats = 0;
    const rec = recordingFetch((_, op) =>
      op === "AgentHeartbeat" && ++heartbeats <= 2 ? unavailable503() : undefined,
    );
    const store = memoryTokenStore();
    const statuses: string[] = [];
    const { agent, stops } = client(id, {
      tokenStore: store,
      fetch: rec.fn,
      heartbeatIntervalMs: 50,
      onStatus: (s) => statuses.push(s),
    });
    await agent.start();
    const registeredAt = (await readWorkspace(id))?.lastHeartbeatAt as string;
    await eventually(
      async () => Date.parse((await readWorkspace(id))?.lastHeartbeatAt ?? "") > Date.parse(registeredAt),
      "lastHeartbeatAt moves",
    );
    await eventually(async () => rec.calls.filter((c) => c.status === 200).length >= 3, "several heartbeats");
    await agent.stop();
    const beats = rec.calls.filter((c) => c.operation === "AgentHeartbeat");
    expect(beats.slice(0, 2).map((c) => c.status)).toEqual([503, 503]);
    expect(beats.every((c) => c.authorization === `Bearer ${store.token}`)).toBe(true);
    expect(statuses).toEqual(["ONLINE"]);
    expect(stops).toEqual(["stopped"]);
    expect(agent.state).toBe("stopped");
    const after = rec.calls.length;
    await new Promise((r) => setTimeout(r, 120));
    expect(rec.calls).toHaveLength(after);
  });

  it("stops with unauthenticated when its token is revoked while another is live", async () => {
    const id = await createWorkspace();
    const storeA = memoryTokenStore();
    const rec = recordingFetch();
    const a = client(id, { tokenStore: storeA, fetch: rec.fn, heartbeatIntervalMs: 50 });
    await a.agent.start();
    const tokenA = storeA.token;
    await restart(id);
    const storeB = memoryTokenStore();
    const b = client(id, { tokenStore: storeB });
    expect((await b.agent.register()).bootstrapped).toBe(true);

    expect(await a.agent.whenStopped()).toMatchObject({ reason: "unauthenticated" });
    expect(a.stops).toEqual(["unauthenticated"]);
    await new Promise((r) => setTimeout(r, 150)); // three intervals: a retry or another beat would show
    const refused = rec.calls.filter((c) => c.status === 401);
    expect(refused).toEqual([{ operation: "AgentHeartbeat", authorization: `Bearer ${tokenA}`, status: 401 }]);
    expect(rec.calls.at(-1)).toEqual(refused[0]);
    expect(storeA.token).toBe(tokenA);
    expect(b.stops).toEqual([]);
    expect(await liveTokens(id)).toBe(1);
  });

  it("a stale token file on disk is replaced by the next bootstrap", async () => {
    const id = await createWorkspace();
    const file = path.join(os.tmpdir(), `cp-agent-stale-${process.pid}-${Date.now()}`);
    await writeFile(file, "stale-token\n");
    const reg = await client(id, { tokenStore: fileTokenStore(file) }).agent.register();
    expect(reg.bootstrapped).toBe(true);
    expect(await fileTokenStore(file).load()).not.toBe("stale-token");
  });
});
