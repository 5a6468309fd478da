import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { expectSuccess, gql, gqlHttp, ok } from "../support/gql.js";
import { backend, startTestApp, useTestApp } from "../support/harness.js";
import { CreateWorkspace, RegisterWorkspace, RemoveWorkspace } from "../support/operations.js";
import { killRuntimes } from "../support/runtimes.js";
import { eventually, OnWorkspaceEvents } from "../support/ws.js";

// SPEC 11: GET /metrics in Prometheus text, for an admin bearer or
// METRICS_TOKEN; the values move with what the service does.

const METRICS_TOKEN = "metrics-scraper-token-0123456789";
const t = useTestApp({ METRICS_TOKEN });
let base: string;
beforeAll(async () => {
  base = await t.listen();
});

const scrape = async (token: string | null = t.adminToken) => {
  const res = await fetch(`${base}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.status, type: res.headers.get("content-type"), text: await res.text() };
};

/** The value of one sample, 0 when absent. */
const sample = (text: string, name: string, labels: Record<string, string> = {}) => {
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.split(" ").pop());
  }
  return 0;
};

describe("/metrics", () => {
  it("answers an admin and the metrics token; refuses no token (401) and an agent's token (403)", async () => {
    const created = ok(await gql(t, CreateWorkspace, { input: { name: "agent" } })).createWorkspace;
    const id = expectSuccess(created, "CreateWorkspaceSuccess").workspace.id;
    const reg = ok(await gql(t, RegisterWorkspace, { input: { workspaceId: id } }, { token: null }));
    const agent = expectSuccess(reg.registerWorkspace, "RegisterWorkspaceSuccess").authToken as string;

    const admin = await scrape();
    expect(admin.status).toBe(200);
    expect(admin.type).toContain("text/plain");
    expect((await scrape(METRICS_TOKEN)).status).toBe(200);
    expect((await scrape(null)).status).toBe(401);
    expect((await scrape("wrong-token-0123456789")).status).toBe(401);
    expect((await scrape(agent)).status).toBe(403);
    expect((await scrape(`${METRICS_TOKEN}x`)).status).toBe(401);
  });

  it("requests by operation and outcome, workspaces by status, events and subscribers move with the service", async () => {
    const before = (await scrape()).text;
    const created = ok(await gql(t, CreateWorkspace, { input: { name: "counted" } })).createWorkspace;
    const id = expectSuccess(created, "CreateWorkspaceSuccess").workspace.id;
    const invalid = await gql(t, CreateWorkspace, { input: { name: "x", nope: 1 } as never });
    expect(invalid.status).toBe(400);

    const sse = await fetch(`${base}/graphql`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "text/event-stream",
        authorization: `Bearer ${t.adminToken}`,
      },
      body: JSON.stringify({ query: OnWorkspaceEvents.toString(), variables: { workspaceId: id } }),
    });
    expect(sse.status).toBe(200);
    await eventually(() => t.app.feed.listenerCount() >= 1, "the subscriber is in place");
    const after = (await scrape()).text;
    await sse.body?.cancel();

    const creates = (text: string) =>
      sample(text, "workspace_cp_http_request_duration_seconds_count", {
        operationName: "CreateWorkspace",
        statusCode: "200",
      });
    expect(creates(after)).toBe(creates(before) + 1);
    // A variable that does not coerce carries no code of its own: counted as UNKNOWN, under its operation.
    const invalidInput = { operationName: "CreateWorkspace", code: "UNKNOWN" };
    expect(invalid.errors?.[0]?.extensions?.code).toBeUndefined();
    expect(sample(after, "workspace_cp_graphql_errors_total", invalidInput)).toBe(
      sample(before, "workspace_cp_graphql_errors_total", invalidInput) + 1,
    );
    expect(sample(after, "workspace_cp_workspaces", { status: "PROVISIONING" })).toBe(
      sample(before, "workspace_cp_workspaces", { status: "PROVISIONING" }) + 1,
    );
    expect(sample(after, "workspace_cp_events_recorded")).toBe(sample(before, "workspace_cp_events_recorded") + 1);
    expect(sample(after, "workspace_cp_subscribers")).toBe(sample(before, "workspace_cp_subscribers") + 1);
    if (backend === "postgres")
      expect(sample(after, "workspace_cp_db_pool_connections", { state: "total" })).toBeGreaterThan(0);
  });

  it("counts rate-limit refusals by limit", async () => {
    const limited = await startTestApp({ RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: "2" });
    try {
      const url = await limited.listen();
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        const res = await gqlHttp(
          `${url}/graphql`,
          "{ workspaces { pageInfo { hasNextPage } } }",
          {},
          "wrong-token-0123456789",
        );
        statuses.push(res.status);
      }
      expect(statuses).toContain(429);
      const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${limited.adminToken}` } });
      const text = await res.text();
      expect(sample(text, "workspace_cp_rate_limited_total", { limit: "auth_failures" })).toBe(
        statuses.filter((s) => s === 429).length,
      );
    } finally {
      await limited.stop();
    }
  });

  it("counts the provisioner's actions on its backend, with their latency", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "cp-metrics-prov-"));
    const config = path.join(dir, "provisioner.json");
    // A runtime that only waits: the start and the stop are what is measured.
    await writeFile(config, JSON.stringify({ default: { command: ["/bin/sh", "-c", "sleep 60"] } }));
    const prov = await startTestApp({
      PROVISIONER: "process",
      PROVISIONER_CONFIG: config,
      PROVISIONER_RECONCILE_INTERVAL_MS: "200",
    });
    let id = "";
    try {
      const url = await prov.listen();
      const scrapeProv = async () =>
        (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${prov.adminToken}` } })).text();
      const created = ok(await gql(prov, CreateWorkspace, { input: { name: "metered" } })).createWorkspace;
      id = expectSuccess(created, "CreateWorkspaceSuccess").workspace.id;
      await eventually(
        async () =>
          sample(await scrapeProv(), "workspace_cp_provisioner_actions_total", { action: "start", outcome: "ok" }) >= 1,
        "the runtime was started",
      );
      ok(await gql(prov, RemoveWorkspace, { id }));
      await eventually(
        async () =>
          sample(await scrapeProv(), "workspace_cp_provisioner_actions_total", { action: "stop", outcome: "ok" }) >= 1,
        "the runtime was stopped",
      );
      const text = await scrapeProv();
      expect(
        sample(text, "workspace_cp_provisioner_action_seconds_count", { action: "start", outcome: "ok" }),
      ).toBeGreaterThanOrEqual(1);
    } finally {
      await prov.stop();
      if (id) await killRuntimes([id]);
    }
  });

  it("METRICS=false serves no /metrics", async () => {
    const off = await startTestApp({ METRICS: "false" });
    try {
      const url = await off.listen();
      const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${off.adminToken}` } });
      expect(res.status).toBe(404);
      expect(off.app.metrics).toBeNull();
    } finally {
      await off.stop();
    }
  });
});
