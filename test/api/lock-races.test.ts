import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { expectError, expectRefusal, expectSuccess, gql, ok } from "../support/gql.js";
import { backend, startTestApp, type TestApp } from "../support/harness.js";
import {
  CreateWorkspace,
  GetWorkspace,
  ListEvents,
  RegisterWorkspace,
  RemoveWorkspace,
  SetWorkspaceSecret,
} from "../support/operations.js";

// Check-then-act races, made to happen every time: another transaction holds
// the workspace's row lock, as a secret write, a remove or a restart does,
// while a request is on its way; it changes what the request checked, and
// commits. The request must judge what is true once it has the lock.
// PostgreSQL only: PGlite runs one statement at a time, so nothing can wait
// on a lock there.

describe.runIf(backend === "postgres")("decisions taken under the workspace's row lock", () => {
  let t: TestApp;
  let watcher: pg.Client;
  const holders: pg.Client[] = [];
  beforeAll(async () => {
    t = await startTestApp();
    watcher = new pg.Client({ connectionString: t.databaseUrl as string });
    await watcher.connect();
  });
  afterEach(async () => {
    for (const c of holders.splice(0)) await c.end().catch(() => {});
  });
  afterAll(async () => {
    await watcher?.end();
    await t?.stop();
  });

  /** A transaction of its own that holds the workspace's row lock until told. */
  async function holdRowLock(workspaceId: string) {
    const c = new pg.Client({ connectionString: t.databaseUrl as string });
    holders.push(c);
    await c.connect();
    await c.query("BEGIN");
    await c.query(`SELECT 1 FROM "Workspace" WHERE id = $1 FOR UPDATE`, [workspaceId]);
    return c;
  }

  /** Polls until some session of this database waits on a lock (the request reached it), or fails. */
  async function someoneWaits() {
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const { rows } = await watcher.query<{ n: string }>(
        `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
      );
      if (Number(rows[0]?.n) > 0) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error("no request came to wait on the row lock within 10 s");
  }

  const removeLivePlatformAgents = async () => {
    const live = await t.app.domain.prisma.workspace.findMany({
      where: { kind: "PLATFORM", status: { not: "REMOVED" } },
      select: { id: true },
    });
    for (const { id } of live) ok(await gql(t, RemoveWorkspace, { id }));
  };

  it("setWorkspaceSecret against a remove that commits first: NOT_FOUND, and no secret on the REMOVED workspace", async () => {
    const created = ok(await gql(t, CreateWorkspace, { input: { name: "racing a remove" } })).createWorkspace;
    const ws = expectSuccess(created, "CreateWorkspaceSuccess").workspace;

    const remover = await holdRowLock(ws.id);
    const set = gql(t, SetWorkspaceSecret, { input: { workspaceId: ws.id, key: "LATE_KEY", value: "v" } });
    await someoneWaits();
    // What removeWorkspace commits: REMOVED, and the secrets gone with it.
    await remover.query(`UPDATE "Workspace" SET status = 'REMOVED', "inboundSecret" = NULL WHERE id = $1`, [ws.id]);
    await remover.query(`DELETE FROM "WorkspaceSecret" WHERE "workspaceId" = $1`, [ws.id]);
    await remover.query("COMMIT");

    expectError(ok(await set).setWorkspaceSecret, "RequestError", "NOT_FOUND");
    expect(await t.app.domain.prisma.workspaceSecret.count({ where: { workspaceId: ws.id } })).toBe(0);
  });

  it("a register with a live bearer waits while a new runtime bootstraps: the stale one gets 401, its url is not written", async () => {
    const created = ok(await gql(t, CreateWorkspace, { input: { name: "replaced-runtime" } }));
    const ws = expectSuccess(created.createWorkspace, "CreateWorkspaceSuccess").workspace;
    const first = ok(await gql(t, RegisterWorkspace, { input: { workspaceId: ws.id } }, { token: null }));
    const stale = expectSuccess(first.registerWorkspace, "RegisterWorkspaceSuccess").authToken as string;

    const bootstrap = await holdRowLock(ws.id);
    // The one statement skips the held row; the full path reads the token as live, then waits for the row.
    const register = gql(
      t,
      RegisterWorkspace,
      { input: { workspaceId: ws.id, url: "https://stale.example/a2a" } },
      { token: stale },
    );
    await someoneWaits();
    // What another runtime's bootstrap commits under the same lock: the old token revoked, a new one, its url.
    await bootstrap.query(`UPDATE "InstanceToken" SET "revokedAt" = now() WHERE "workspaceId" = $1`, [ws.id]);
    await bootstrap.query(
      `INSERT INTO "InstanceToken" (id, "workspaceId", "tokenHash") VALUES (gen_random_uuid(), $1, 'new-runtime')`,
      [ws.id],
    );
    await bootstrap.query(`UPDATE "Workspace" SET url = 'https://new.example/a2a', "updatedAt" = now() WHERE id = $1`, [
      ws.id,
    ]);
    await bootstrap.query("COMMIT");

    expectRefusal(await register, "UNAUTHENTICATED", 401);
    const row = await t.app.domain.prisma.workspace.findUniqueOrThrow({ where: { id: ws.id } });
    expect(row.url).toBe("https://new.example/a2a");
    const live = await t.app.domain.prisma.instanceToken.findMany({ where: { workspaceId: ws.id, revokedAt: null } });
    expect(live.map((x) => x.tokenHash)).toEqual(["new-runtime"]);
  });

  it("a platform agent whose MODEL is deleted while its register waits: the identity gate sees it gone", async () => {
    await removeLivePlatformAgents();
    const created = ok(await gql(t, CreateWorkspace, { input: { name: "concierge", kind: "PLATFORM" } }));
    const ws = expectSuccess(created.createWorkspace, "CreateWorkspaceSuccess").workspace;
    const first = ok(await gql(t, RegisterWorkspace, { input: { workspaceId: ws.id } }, { token: null }));
    const token = expectSuccess(first.registerWorkspace, "RegisterWorkspaceSuccess").authToken as string;

    const deleter = await holdRowLock(ws.id);
    const register = gql(t, RegisterWorkspace, { input: { workspaceId: ws.id } }, { token });
    await someoneWaits();
    // What deleteWorkspaceSecret commits, under the same lock.
    await deleter.query(`DELETE FROM "WorkspaceSecret" WHERE "workspaceId" = $1 AND key = 'MODEL'`, [ws.id]);
    await deleter.query("COMMIT");

    const r = ok(await register).registerWorkspace;
    expectError(r, "RequestError", "PLATFORM_AGENT_IDENTITY_GATE");
    expect(ok(await gql(t, GetWorkspace, { id: ws.id })).workspace).toMatchObject({
      status: "FAILED",
      failure: { code: "PLATFORM_AGENT_IDENTITY_GATE" },
    });
    const live = await t.app.domain.prisma.instanceToken.count({ where: { workspaceId: ws.id, revokedAt: null } });
    expect(live).toBe(0);
    const events = ok(await gql(t, ListEvents, { workspaceId: ws.id, first: 100 })).workspaceEvents.edges;
    expect(events.map((e) => [e.node.type, e.node.code ?? null])).toEqual([
      ["WORKSPACE_PROVISIONING", null],
      ["WORKSPACE_ONLINE", null],
      ["WORKSPACE_PROVISION_FAILED", "PLATFORM_AGENT_IDENTITY_GATE"],
    ]);
  });
});
