import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashToken } from "../../src/auth/tokens.js";
import { openDatabase } from "../../src/db/database.js";
import { migrate } from "../../src/db/migrate.js";
import { type Doc, type GqlError, gqlHttp } from "../support/gql.js";
import { backend, startTestApp, type TestApp } from "../support/harness.js";
import {
  CreateWorkspace,
  GetWorkspace,
  Heartbeat,
  ListWorkspaces,
  OfferedModels,
  RegisterWorkspace,
} from "../support/operations.js";
import { canStartCluster, type PgCluster, startCluster } from "../support/pg-cluster.js";

// The outage is of a private cluster, not of the run's database, so this runs
// once: in the PostgreSQL project (TEST_DATABASE_URL set).
const skipReason =
  backend !== "postgres"
    ? "PostgreSQL outage: runs in the postgres project only (set TEST_DATABASE_URL)"
    : await canStartCluster();

type Op = "create" | "register" | "heartbeat" | "offeredModels" | "read";
type Outcome = {
  op: Op;
  start: number;
  end: number;
  status: number;
  code?: string;
  data?: Record<string, unknown> | null;
  errors?: GqlError[];
};

let cluster: PgCluster;
let t: TestApp;
let base: string;
let url: string;

async function call<R, V>(op: Op, doc: Doc<R, V>, variables: V, token: string | null) {
  const start = performance.now();
  let status = 0;
  let body: { data?: R | null; errors?: GqlError[] } = {};
  try {
    const res = await gqlHttp(`${base}/graphql`, doc, variables, token);
    status = res.status;
    // A body that is not JSON counts as a client-side failure, like a refused connection.
    body = JSON.parse(res.raw);
  } catch (err) {
    body = { errors: [{ message: `client: ${(err as Error).message}` }] };
  }
  const outcome: Outcome = {
    op,
    start,
    end: performance.now(),
    status,
    code: body.errors?.[0]?.extensions?.code,
    data: body.data as Record<string, unknown> | null | undefined,
    errors: body.errors,
  };
  return { outcome, data: body.errors ? undefined : (body.data ?? undefined) };
}

const healthz = async () => {
  const start = performance.now();
  const res = await fetch(`${base}/healthz`);
  await res.text();
  return { start, end: performance.now(), status: res.status };
};

describe.skipIf(skipReason)(`PostgreSQL outage under load${skipReason ? ` (skipped: ${skipReason})` : ""}`, () => {
  beforeAll(async () => {
    cluster = await startCluster();
    const admin = new pg.Client({ connectionString: cluster.url() });
    await admin.connect();
    await admin.query("CREATE DATABASE cp_outage_test");
    await admin.end();
    url = cluster.url("cp_outage_test");
    const database = await openDatabase({ kind: "postgres", url });
    await migrate(database.sql);
    // Rate limits off: the load bootstraps many agents from one address.
    t = await startTestApp(
      { RATE_LIMIT_BOOTSTRAPS_PER_MINUTE: "0", RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: "0", LOG_LEVEL: "info" },
      database,
    );
    base = await t.listen();
  }, 120_000);
  afterAll(async () => {
    await t?.stop();
    await cluster?.destroy();
  });

  // immediate: the server dies mid-query; fast: sessions are terminated (57P01) first.
  it.each(["immediate", "fast"] as const)(
    "%s stop: 503 while down, never 401 or 500, recovers by itself, loses no write",
    async (mode) => {
      const outcomes: Outcome[] = [];
      const health: { start: number; end: number; status: number }[] = [];
      const acked = new Map<string, number>(); // workspace id → secrets sent
      const tokens = new Map<string, string>(); // workspace id → its minted token
      const unregistered: string[] = [];
      let n = 0;
      let running = true;

      // Agents online before the outage, heartbeating through it.
      for (let i = 0; i < 4; i++) {
        const c = await call("create", CreateWorkspace, { input: { name: `agent-${mode}-${i}` } }, t.adminToken);
        const created = c.data?.createWorkspace;
        if (created?.__typename !== "CreateWorkspaceSuccess") throw new Error(JSON.stringify(c.outcome));
        const r = await call("register", RegisterWorkspace, { input: { workspaceId: created.workspace.id } }, null);
        const reg = r.data?.registerWorkspace;
        if (reg?.__typename !== "RegisterWorkspaceSuccess" || !reg.authToken)
          throw new Error(JSON.stringify(r.outcome));
        acked.set(created.workspace.id, 0);
        tokens.set(created.workspace.id, reg.authToken);
      }
      const agents = [...tokens.entries()];

      const step = async () => {
        const i = n++;
        switch (i % 5) {
          case 0: {
            // 0, 1 or 2 secrets, written in the same transaction as the workspace.
            const k = i % 3;
            const secrets = Array.from({ length: k }, (_, j) => ({ key: `EXTRA_${j}`, value: `v-${i}-${j}` }));
            const c = await call(
              "create",
              CreateWorkspace,
              { input: { name: `load-${mode}-${i}`, secrets } },
              t.adminToken,
            );
            outcomes.push(c.outcome);
            const created = c.data?.createWorkspace;
            if (created?.__typename === "CreateWorkspaceSuccess") {
              acked.set(created.workspace.id, k);
              unregistered.push(created.workspace.id);
            }
            return;
          }
          case 1: {
            // Each fresh workspace bootstraps once: a retry after a lost answer could rightly be a 401.
            const id = unregistered.shift();
            if (!id) return;
            const r = await call("register", RegisterWorkspace, { input: { workspaceId: id } }, null);
            outcomes.push(r.outcome);
            const reg = r.data?.registerWorkspace;
            if (reg?.__typename === "RegisterWorkspaceSuccess" && reg.authToken) tokens.set(id, reg.authToken);
            return;
          }
          case 2: {
            const [id, token] = agents[i % agents.length] as [string, string];
            outcomes.push((await call("heartbeat", Heartbeat, { input: { workspaceId: id } }, token)).outcome);
            return;
          }
          case 3:
            outcomes.push(
              (await call("offeredModels", OfferedModels, { runtime: "claude-code" }, t.adminToken)).outcome,
            );
            return;
          default: {
            const [id] = agents[i % agents.length] as [string, string];
            const r =
              i % 2
                ? await call("read", GetWorkspace, { id }, t.adminToken)
                : await call("read", ListWorkspaces, { first: 5 }, t.adminToken);
            outcomes.push(r.outcome);
          }
        }
      };
      const worker = async () => {
        while (running) await step();
      };
      const poller = async () => {
        while (running) {
          health.push(await healthz());
          await sleep(100);
        }
      };
      const load = Promise.all([worker(), worker(), worker(), worker(), poller()]);

      await sleep(1_000);
      await cluster.stop(mode);
      const downFrom = performance.now();
      await sleep(3_000);
      const downUntil = performance.now();
      await cluster.start();
      const upAt = performance.now();

      // Recovered: every kind of request succeeds again, started after the cluster was back.
      const succeeded = (o: Outcome) => o.status === 200 && !o.errors;
      const kinds: Op[] = ["create", "register", "heartbeat", "offeredModels", "read"];
      const recovered = () =>
        kinds.every((k) => outcomes.some((o) => o.op === k && o.start >= upAt && succeeded(o))) &&
        health.some((h) => h.start >= upAt && h.status === 200);
      // A liveness bound, not a speed target: the pool must reconnect by itself.
      const deadline = upAt + 30_000;
      while (!recovered() && performance.now() < deadline) await sleep(50);
      const recoveredAt = performance.now();
      await sleep(1_000);
      running = false;
      await load;

      const unexpected = outcomes.filter(
        (o) =>
          !succeeded(o) && !(o.status === 503 && o.errors?.every((e) => e.extensions?.code === "SERVICE_UNAVAILABLE")),
      );
      const summary = unexpected.map((o) => `${o.op} ${o.status} ${o.code ?? ""} ${o.errors?.[0]?.message ?? ""}`);
      expect(summary).toEqual([]);
      expect(outcomes.filter((o) => o.status === 401)).toEqual([]);
      expect(recovered(), "every kind of request succeeds again after the restart").toBe(true);

      const whileDown = outcomes.filter((o) => o.start >= downFrom && o.end <= downUntil);
      expect(whileDown.length).toBeGreaterThan(10);
      // offeredModels needs no row when the org-secret read fails: the gate fails open (SPEC 3, 4.6).
      const answeredWhileDown = whileDown.filter((o) => succeeded(o));
      expect(answeredWhileDown.filter((o) => o.op !== "offeredModels")).toEqual([]);
      const refusedWhileDown = whileDown.filter((o) => o.status === 503);
      for (const op of ["create", "heartbeat", "read"] as const) {
        expect(refusedWhileDown.some((o) => o.op === op)).toBe(true);
      }
      const healthWhileDown = health.filter((h) => h.start >= downFrom && h.end <= downUntil);
      expect(healthWhileDown.length).toBeGreaterThan(0);
      expect(healthWhileDown.every((h) => h.status === 503)).toBe(true);
      expect((await healthz()).status).toBe(200);

      // Nothing half-written, nothing acknowledged lost: read back with a client of our own.
      const db = new pg.Client({ connectionString: url });
      await db.connect();
      try {
        const rows = async <T>(sql: string) => (await db.query(sql)).rows as T[];
        const workspaces = await rows<{ id: string; secrets: number; provisioning: number }>(`
        SELECT w.id,
          (SELECT count(*)::int FROM "WorkspaceSecret" s WHERE s."workspaceId" = w.id) AS secrets,
          (SELECT count(*)::int FROM "WorkspaceEvent" e WHERE e."workspaceId" = w.id AND e.type = 'WORKSPACE_PROVISIONING') AS provisioning
        FROM "Workspace" w`);
        const byId = new Map(workspaces.map((w) => [w.id, w]));
        expect(workspaces.filter((w) => w.provisioning !== 1)).toEqual([]);
        const lost = [...acked.keys()].filter((id) => !byId.has(id));
        expect(lost).toEqual([]);
        expect([...acked].filter(([id, k]) => byId.get(id)?.secrets !== k)).toEqual([]);
        // Creates whose answer was a 503 may have committed (or not), but never in part.
        const names = await rows<{ name: string; secrets: number }>(`
        SELECT w.name, (SELECT count(*)::int FROM "WorkspaceSecret" s WHERE s."workspaceId" = w.id) AS secrets
        FROM "Workspace" w WHERE w.name LIKE 'load-%'`);
        expect(names.length).toBeGreaterThan(0);
        expect(names.filter((w) => w.secrets !== Number(w.name.split("-")[2]) % 3)).toEqual([]);
        expect(
          await rows(
            `SELECT e.seq FROM "WorkspaceEvent" e LEFT JOIN "Workspace" w ON w.id = e."workspaceId" WHERE w.id IS NULL`,
          ),
        ).toEqual([]);
        expect(
          await rows(
            `SELECT "workspaceId" FROM "InstanceToken" WHERE "revokedAt" IS NULL GROUP BY 1 HAVING count(*) > 1`,
          ),
        ).toEqual([]);
        const live = new Set(
          (await rows<{ tokenHash: string }>(`SELECT "tokenHash" FROM "InstanceToken" WHERE "revokedAt" IS NULL`)).map(
            (r) => r.tokenHash,
          ),
        );
        const tokensLost = [...tokens.values()].filter((tok) => !live.has(hashToken(tok)));
        expect(tokensLost).toEqual([]);

        const figures = {
          requests: outcomes.length,
          refusedWhileDown: refusedWhileDown.length,
          offeredModelsAnsweredWhileDown: answeredWhileDown.length,
          refused503Total: outcomes.filter((o) => o.status === 503).length,
          recoveryMsAfterClusterBack: Math.round(recoveredAt - upAt),
          ackedCreates: acked.size,
          writesLost: lost.length + tokensLost.length,
        };
        console.log(`postgres outage (${mode} stop) figures: ${JSON.stringify(figures)}`);
      } finally {
        await db.end();
      }
    },
    90_000,
  );

  it("answers 503, never 500, when the server has no connection slot left, and recovers when slots free", async () => {
    const c = await call("create", CreateWorkspace, { input: { name: "slots" } }, t.adminToken);
    const created = c.data?.createWorkspace;
    if (created?.__typename !== "CreateWorkspaceSuccess") throw new Error(JSON.stringify(c.outcome));
    const r = await call("register", RegisterWorkspace, { input: { workspaceId: created.workspace.id } }, null);
    const reg = r.data?.registerWorkspace;
    if (reg?.__typename !== "RegisterWorkspaceSuccess" || !reg.authToken) throw new Error(JSON.stringify(r.outcome));
    const token = reg.authToken;

    const fillers: pg.Client[] = [];
    const fill = async () => {
      for (;;) {
        const client = new pg.Client({ connectionString: url });
        client.on("error", () => {});
        try {
          await client.connect();
          fillers.push(client);
        } catch (err) {
          expect((err as { code?: string }).code).toBe("53300");
          return;
        }
      }
    };
    try {
      // Every slot is ours: the app's connections are ended and their slots taken before it reconnects.
      const pids = () => fillers.map((f) => (f as unknown as { processID: number }).processID);
      const others = async () =>
        (
          await admin.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> ALL($1::int[])`,
            [pids()],
          )
        ).rows[0]?.n;
      await fill();
      const admin = fillers[0] as pg.Client;
      for (let i = 0; i < 100; i++) {
        await admin.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> ALL($1::int[])`,
          [pids()],
        );
        await sleep(50);
        if ((await others()) !== 0) continue;
        await fill();
        if ((await others()) === 0) break;
      }
      expect(await others()).toBe(0);
      const refused = [
        (await call("heartbeat", Heartbeat, { input: { workspaceId: created.workspace.id } }, token)).outcome,
        (await call("create", CreateWorkspace, { input: { name: "no-slot" } }, t.adminToken)).outcome,
        (await call("read", GetWorkspace, { id: created.workspace.id }, t.adminToken)).outcome,
      ];
      expect(refused.map((o) => [o.op, o.status, o.code])).toEqual([
        ["heartbeat", 503, "SERVICE_UNAVAILABLE"],
        ["create", 503, "SERVICE_UNAVAILABLE"],
        ["read", 503, "SERVICE_UNAVAILABLE"],
      ]);
      expect((await healthz()).status).toBe(503);
    } finally {
      await Promise.all(fillers.map((f) => f.end().catch(() => {})));
    }
    const again = await call("heartbeat", Heartbeat, { input: { workspaceId: created.workspace.id } }, token);
    expect(again.data?.heartbeat.__typename, JSON.stringify(again.outcome)).toBe("HeartbeatSuccess");
    expect((await healthz()).status).toBe(200);
  }, 60_000);
});
