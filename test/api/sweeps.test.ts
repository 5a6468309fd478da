import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/db/database.js";
import { sweepOnce } from "../../src/workspaces/sweeps.js";
import { expectSuccess, gql, ok } from "../support/gql.js";
import { backend, startTestApp, type TestApp, useTestApp } from "../support/harness.js";
import { CreateWorkspace, GetWorkspace, Heartbeat, ListEvents, RegisterWorkspace } from "../support/operations.js";

// The sweeps (SPEC section 6): PROVISIONING past its deadline → FAILED
// (PROVISION_TIMEOUT), ONLINE without a heartbeat past its deadline →
// OFFLINE, each change recorded once however many sweepers run.

const t = useTestApp();

const HOUR = 3600_000;

async function provisioning(on: TestApp = t) {
  const r = ok(await gql(on, CreateWorkspace, { input: { name: "swept" } })).createWorkspace;
  const ws = expectSuccess(r, "CreateWorkspaceSuccess").workspace;
  expect(ws.status).toBe("PROVISIONING");
  return ws.id;
}

async function online(on: TestApp = t) {
  const id = await provisioning(on);
  const r = ok(await gql(on, RegisterWorkspace, { input: { workspaceId: id } }, { token: null })).registerWorkspace;
  expect(expectSuccess(r, "RegisterWorkspaceSuccess").workspace.status).toBe("ONLINE");
  return id;
}

const row = (id: string) => t.app.domain.prisma.workspace.findUniqueOrThrow({ where: { id } });

async function eventsOf(id: string, on: TestApp = t) {
  return ok(await gql(on, ListEvents, { workspaceId: id, first: 100 })).workspaceEvents.edges.map((e) => e.node);
}

/** Far enough ahead that every workspace of this file is overdue. */
const farFuture = () => new Date(Date.now() + 1000 * HOUR);

async function expectTimedOutOnce(id: string, on: TestApp = t) {
  const ws = ok(await gql(on, GetWorkspace, { id })).workspace;
  expect(ws?.status).toBe("FAILED");
  expect(ws?.failure?.code).toBe("PROVISION_TIMEOUT");
  const failed = (await eventsOf(id, on)).filter((e) => e.type === "WORKSPACE_PROVISION_FAILED");
  expect(failed.map((e) => [e.status, e.code])).toEqual([["FAILED", "PROVISION_TIMEOUT"]]);
}

async function expectOfflineOnce(id: string, on: TestApp = t) {
  expect(ok(await gql(on, GetWorkspace, { id })).workspace?.status).toBe("OFFLINE");
  const offline = (await eventsOf(id, on)).filter((e) => e.type === "WORKSPACE_OFFLINE");
  expect(offline.map((e) => e.status)).toEqual(["OFFLINE"]);
}

describe("sweepOnce", () => {
  it("fails a workspace still PROVISIONING past PROVISION_TIMEOUT_SECONDS with PROVISION_TIMEOUT", async () => {
    const id = await provisioning();
    const result = await sweepOnce(t.app.domain, farFuture());
    expect(result.timedOut).toBeGreaterThanOrEqual(1);
    await expectTimedOutOnce(id);
    // A second pass finds nothing more to do for it.
    await sweepOnce(t.app.domain, farFuture());
    await expectTimedOutOnce(id);
  });

  it("turns an ONLINE workspace silent past HEARTBEAT_TIMEOUT_SECONDS OFFLINE", async () => {
    const id = await online();
    const result = await sweepOnce(t.app.domain, farFuture());
    expect(result.offline).toBeGreaterThanOrEqual(1);
    await expectOfflineOnce(id);
    expect(await row(id)).toMatchObject({ failureCode: null });
    await sweepOnce(t.app.domain, farFuture());
    await expectOfflineOnce(id);
  });

  it("leaves workspaces that are not yet due alone", async () => {
    const waiting = await provisioning();
    const live = await online();
    const { provisionTimeoutSeconds, heartbeatTimeoutSeconds } = t.app.domain.config;
    const started = (await row(waiting)).provisioningStartedAt.getTime();
    const heard = (await row(live)).lastHeartbeatAt?.getTime() as number;
    // Just before the heartbeat deadline: neither is due.
    await sweepOnce(t.app.domain, new Date(heard + heartbeatTimeoutSeconds * 1000 - 1000));
    expect((await row(waiting)).status).toBe("PROVISIONING");
    expect((await row(live)).status).toBe("ONLINE");
    expect((await eventsOf(live)).map((e) => e.type)).toEqual(["WORKSPACE_PROVISIONING", "WORKSPACE_ONLINE"]);
    // Just before the provisioning deadline: only the silent one is due.
    await sweepOnce(t.app.domain, new Date(started + provisionTimeoutSeconds * 1000 - 1000));
    expect((await row(waiting)).status).toBe("PROVISIONING");
    expect((await eventsOf(waiting)).map((e) => e.type)).toEqual(["WORKSPACE_PROVISIONING"]);
    await expectOfflineOnce(live);
  });

  it("records each change once when two sweeps run at once", async () => {
    const stuck = await Promise.all(Array.from({ length: 6 }, () => provisioning()));
    const silent = await Promise.all(Array.from({ length: 6 }, () => online()));
    const due = {
      timedOut: await t.app.domain.prisma.workspace.count({ where: { status: "PROVISIONING" } }),
      offline: await t.app.domain.prisma.workspace.count({ where: { status: "ONLINE" } }),
    };
    const now = farFuture();
    const [a, b] = await Promise.all([sweepOnce(t.app.domain, now), sweepOnce(t.app.domain, now)]);
    expect({ timedOut: a.timedOut + b.timedOut, offline: a.offline + b.offline }).toEqual(due);
    for (const id of stuck) await expectTimedOutOnce(id);
    for (const id of silent) await expectOfflineOnce(id);
  });

  it("changes hundreds due at once in set-based batches, each with exactly one event, even with two sweepers", async () => {
    const { prisma } = t.app.domain;
    const seed = (status: "ONLINE" | "PROVISIONING", n: number) =>
      prisma.$queryRaw<{ id: string }[]>`
        INSERT INTO "Workspace" (id, name, runtime, model, status, "lastHeartbeatAt", "heartbeatMarkAt",
                                 "provisioningStartedAt", "updatedAt")
        SELECT gen_random_uuid(), 'bulk-' || g, 'hermes', 'm', ${status}::"WorkspaceStatus",
               now() - interval '2 hours', now() - interval '2 hours', now() - interval '2 hours', now()
        FROM generate_series(1, ${n}) g
        RETURNING id::text AS id`;
    const silent = (await seed("ONLINE", 230)).map((r) => r.id);
    const stuck = (await seed("PROVISIONING", 170)).map((r) => r.id);
    const due = {
      timedOut: await prisma.workspace.count({ where: { status: "PROVISIONING" } }),
      offline: await prisma.workspace.count({ where: { status: "ONLINE" } }),
    };
    const now = new Date(Date.now() + HOUR);
    const [a, b] = await Promise.all([sweepOnce(t.app.domain, now, 40), sweepOnce(t.app.domain, now, 40)]);
    expect({ timedOut: a.timedOut + b.timedOut, offline: a.offline + b.offline }).toEqual(due);
    const events = await prisma.workspaceEvent.groupBy({
      by: ["workspaceId", "type"],
      where: { workspaceId: { in: [...silent, ...stuck] } },
      _count: { _all: true },
    });
    expect(events).toHaveLength(silent.length + stuck.length);
    expect(events.every((e) => e._count._all === 1)).toBe(true);
    expect(new Set(events.filter((e) => e.type === "WORKSPACE_OFFLINE").map((e) => e.workspaceId))).toEqual(
      new Set(silent),
    );
    expect(new Set(events.filter((e) => e.type === "WORKSPACE_PROVISION_FAILED").map((e) => e.workspaceId))).toEqual(
      new Set(stuck),
    );
    expect(await prisma.workspace.count({ where: { id: { in: stuck }, failureCode: "PROVISION_TIMEOUT" } })).toBe(170);
    expect(await sweepOnce(t.app.domain, now, 40)).toEqual({ timedOut: 0, offline: 0 });
  });

  it.runIf(backend === "postgres")("records each change once when two instances sweep one database", async () => {
    const other = await startTestApp(
      { ADMIN_TOKEN: t.adminToken },
      await openDatabase({ kind: "postgres", url: t.databaseUrl as string }),
    );
    try {
      const stuck = await Promise.all(Array.from({ length: 8 }, (_, i) => provisioning(i % 2 ? t : other)));
      const silent = await Promise.all(Array.from({ length: 8 }, (_, i) => online(i % 2 ? t : other)));
      const due = {
        timedOut: await t.app.domain.prisma.workspace.count({ where: { status: "PROVISIONING" } }),
        offline: await t.app.domain.prisma.workspace.count({ where: { status: "ONLINE" } }),
      };
      const now = farFuture();
      const results = await Promise.all([
        sweepOnce(t.app.domain, now),
        sweepOnce(other.app.domain, now),
        sweepOnce(t.app.domain, now),
        sweepOnce(other.app.domain, now),
      ]);
      expect({
        timedOut: results.reduce((n, r) => n + r.timedOut, 0),
        offline: results.reduce((n, r) => n + r.offline, 0),
      }).toEqual(due);
      for (const id of stuck) await expectTimedOutOnce(id, other);
      for (const id of silent) await expectOfflineOnce(id, other);
    } finally {
      await other.stop();
    }
  });
});

describe("the OFFLINE sweep's mark (heartbeatMarkAt)", () => {
  // The sweep finds candidates by an index on the mark, not on
  // lastHeartbeatAt: an index on a column every beat writes would make every
  // beat write every index of the table (no HOT update).
  it("no index of Workspace holds a column the common heartbeat writes", async () => {
    const indexes = await t.app.domain.prisma.$queryRaw<{ indexdef: string }[]>`
      SELECT indexdef FROM pg_indexes WHERE tablename = 'Workspace'`;
    expect(indexes.length).toBeGreaterThan(5);
    expect(indexes.some((i) => i.indexdef.includes('"heartbeatMarkAt"'))).toBe(true);
    for (const column of ["lastHeartbeatAt", "updatedAt", "runtimeState"]) {
      expect(indexes.filter((i) => i.indexdef.includes(`"${column}"`))).toEqual([]);
    }
  });

  async function registered() {
    const id = await provisioning();
    const r = ok(await gql(t, RegisterWorkspace, { input: { workspaceId: id } }, { token: null })).registerWorkspace;
    return { id, token: expectSuccess(r, "RegisterWorkspaceSuccess").authToken as string };
  }
  const beat = async (id: string, token: string) =>
    expectSuccess(ok(await gql(t, Heartbeat, { input: { workspaceId: id } }, { token })).heartbeat, "HeartbeatSuccess");

  it("stays put for beats within half the timeout, moves to the beat after, and is never later than the last beat", async () => {
    const { id, token } = await registered();
    const atRegister = await row(id);
    expect(atRegister.heartbeatMarkAt).toEqual(atRegister.lastHeartbeatAt);
    await beat(id, token);
    const afterBeat = await row(id);
    expect(afterBeat.heartbeatMarkAt).toEqual(atRegister.heartbeatMarkAt);
    expect((afterBeat.lastHeartbeatAt as Date).getTime()).toBeGreaterThanOrEqual(
      (afterBeat.heartbeatMarkAt as Date).getTime(),
    );
    // Half the timeout and a second behind, as if time had passed since it last moved.
    const lag = (t.app.domain.config.heartbeatTimeoutSeconds / 2 + 1) * 1000;
    const behind = new Date((afterBeat.lastHeartbeatAt as Date).getTime() - lag);
    await t.app.domain.prisma.workspace.update({ where: { id }, data: { heartbeatMarkAt: behind } });
    await beat(id, token);
    const moved = await row(id);
    expect(moved.heartbeatMarkAt).toEqual(moved.lastHeartbeatAt);
  });

  it("a workspace whose mark is past the deadline but whose last beat is not stays ONLINE", async () => {
    const { id } = await registered();
    const heard = (await row(id)).lastHeartbeatAt as Date;
    await t.app.domain.prisma.workspace.update({ where: { id }, data: { heartbeatMarkAt: new Date(0) } });
    const timeout = t.app.domain.config.heartbeatTimeoutSeconds * 1000;
    await sweepOnce(t.app.domain, new Date(heard.getTime() + timeout - 1000));
    expect((await row(id)).status).toBe("ONLINE");
    expect((await eventsOf(id)).filter((e) => e.type === "WORKSPACE_OFFLINE")).toEqual([]);
    await sweepOnce(t.app.domain, new Date(heard.getTime() + timeout + 1000));
    await expectOfflineOnce(id);
  });
});

describe("the sweep timer", () => {
  let timed: TestApp;
  beforeAll(async () => {
    timed = await startTestApp({ HEARTBEAT_TIMEOUT_SECONDS: "1", SWEEP_INTERVAL_MS: "100" });
    await timed.listen();
  });
  afterAll(() => timed.stop());

  /** Polls the API until the workspace reaches the status; bounded, not timed. */
  async function until(id: string, status: string) {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const ws = ok(await gql(timed, GetWorkspace, { id })).workspace;
      if (ws?.status === status) return;
      if (Date.now() > deadline) throw new Error(`workspace ${id} still ${ws?.status}, never ${status}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it("turns an ONLINE workspace OFFLINE by itself", async () => {
    const id = await online(timed);
    await until(id, "OFFLINE");
    await expectOfflineOnce(id, timed);
  });

  it("fails an overdue PROVISIONING workspace by itself", async () => {
    const id = await provisioning(timed);
    const overdue = new Date(Date.now() - (timed.app.domain.config.provisionTimeoutSeconds + 1) * 1000);
    await timed.app.domain.prisma.workspace.update({ where: { id }, data: { provisioningStartedAt: overdue } });
    await until(id, "FAILED");
    await expectTimedOutOnce(id, timed);
  });
});
