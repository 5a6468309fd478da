import { describe, expect, it } from "vitest";
import { ApiTokenStore } from "../../src/auth/api-tokens.js";
import { mintToken, parseBearer } from "../../src/auth/tokens.js";
import { heartbeat as heartbeatDomain } from "../../src/workspaces/heartbeat.js";
import { sweepOnce } from "../../src/workspaces/sweeps.js";
import { graphql } from "../gql/gql.js";
import type { RuntimeStateInput } from "../gql/graphql.js";
import { expectError, expectRefusal, expectSuccess, gql, ok } from "../support/gql.js";
import { holdWorkspaceRow, useObservedGroupCommit } from "../support/group-commit.js";
import { backend, useTestApp } from "../support/harness.js";
import {
  CreateWorkspace,
  Heartbeat,
  RegisterWorkspace,
  RemoveWorkspace,
  RestartWorkspace,
} from "../support/operations.js";

const t = useTestApp();

const heartbeat = (workspaceId: string, token: string | null) =>
  gql(t, Heartbeat, { input: { workspaceId } }, { token });
const beats = async (workspaceId: string, token: string) =>
  expectSuccess(ok(await heartbeat(workspaceId, token)).heartbeat, "HeartbeatSuccess");

async function createWorkspace(name = "agent") {
  const r = ok(await gql(t, CreateWorkspace, { input: { name } })).createWorkspace;
  return expectSuccess(r, "CreateWorkspaceSuccess").workspace;
}

async function onlineWorkspace(name = "agent") {
  const ws = await createWorkspace(name);
  const r = ok(await gql(t, RegisterWorkspace, { input: { workspaceId: ws.id } }, { token: null })).registerWorkspace;
  const s = expectSuccess(r, "RegisterWorkspaceSuccess");
  expect(s.authToken).toBeTruthy();
  return { id: ws.id, token: s.authToken as string, inbound: s.platformInboundSecret };
}

const bearerOf = (token: string) => parseBearer(`Bearer ${token}`);
const stored = (id: string) => t.app.domain.prisma.workspace.findUniqueOrThrow({ where: { id } });
const eventTypes = async (workspaceId: string) =>
  (await t.app.domain.prisma.workspaceEvent.findMany({ where: { workspaceId }, orderBy: { seq: "asc" } })).map(
    (e) => e.type,
  );

describe("heartbeat: the token decides first", () => {
  it("needs a bearer, and never bootstraps (a workspace with no token stays without one)", async () => {
    const fresh = await createWorkspace();
    expectRefusal(await heartbeat(fresh.id, null), "UNAUTHENTICATED", 401);
    expectRefusal(await heartbeat(fresh.id, mintToken()), "UNAUTHENTICATED", 401);
    const basic = await gql(
      t,
      Heartbeat,
      { input: { workspaceId: fresh.id } },
      { token: null, headers: { authorization: "Basic dXNlcjpwYXNz" } },
    );
    // Not a bearer at all: SPEC 2's 400 before anything runs.
    expectRefusal(basic, "VALIDATION_FAILED", 400);
    expect(await t.app.domain.prisma.instanceToken.count({ where: { workspaceId: fresh.id } })).toBe(0);
    expect((await stored(fresh.id)).status).toBe("PROVISIONING");

    const { id } = await onlineWorkspace();
    expectRefusal(await heartbeat(id, null), "UNAUTHENTICATED", 401);
  });

  it("refuses a revoked token with 401 whatever the status: ONLINE, PROVISIONING after a restart, REMOVED", async () => {
    const a = await onlineWorkspace("revoked while online");
    await t.app.domain.prisma.instanceToken.updateMany({
      where: { workspaceId: a.id },
      data: { revokedAt: new Date() },
    });
    expect((await stored(a.id)).status).toBe("ONLINE");
    expectRefusal(await heartbeat(a.id, a.token), "UNAUTHENTICATED", 401);

    const b = await onlineWorkspace("restarted");
    ok(await gql(t, RestartWorkspace, { id: b.id }));
    expect((await stored(b.id)).status).toBe("PROVISIONING");
    expectRefusal(await heartbeat(b.id, b.token), "UNAUTHENTICATED", 401);

    const c = await onlineWorkspace("removed");
    ok(await gql(t, RemoveWorkspace, { id: c.id }));
    expectRefusal(await heartbeat(c.id, c.token), "UNAUTHENTICATED", 401);
    // A revoked token of another workspace is just as invalid: 401, not 403.
    expectRefusal(await heartbeat(a.id, c.token), "UNAUTHENTICATED", 401);
  });

  it("refuses another workspace's live token and an admin token with 403", async () => {
    const a = await onlineWorkspace("a");
    const b = await onlineWorkspace("b");
    const before = await stored(b.id);
    expectRefusal(await heartbeat(b.id, a.token), "FORBIDDEN", 403);
    expectRefusal(await heartbeat(b.id, t.adminToken), "FORBIDDEN", 403);
    expect((await stored(b.id)).lastHeartbeatAt).toEqual(before.lastHeartbeatAt);
    // An id that is not the token's own (malformed or unknown) is another workspace too.
    expectRefusal(await heartbeat("nope", a.token), "FORBIDDEN", 403);
  });
});

describe("heartbeat: what it records", () => {
  it("records lastHeartbeatAt and returns the same platform inbound secret as register", async () => {
    const { id, token, inbound } = await onlineWorkspace();
    const old = new Date("2020-01-01T00:00:00.000Z");
    await t.app.domain.prisma.workspace.update({ where: { id }, data: { lastHeartbeatAt: old } });
    const r = await beats(id, token);
    expect(r.platformInboundSecret).toBeTruthy();
    expect(r.platformInboundSecret).toBe(inbound);
    expect(r.workspace.status).toBe("ONLINE");
    const recorded = (await stored(id)).lastHeartbeatAt as Date;
    expect(recorded.getTime()).toBeGreaterThan(old.getTime());
    expect(new Date(r.workspace.lastHeartbeatAt as string)).toEqual(recorded);
    expect(await eventTypes(id)).toEqual(["WORKSPACE_PROVISIONING", "WORKSPACE_ONLINE"]);
  });

  it("answers the row as Prisma reads it, every field and type, though the common path skips Prisma", async () => {
    const { id, token } = await onlineWorkspace("full row");
    const card = { name: "agent", skills: [{ id: "s", tags: ["a", "b"] }], nested: { n: 1.5, ok: true, none: null } };
    await t.app.domain.prisma.workspace.update({
      where: { id },
      data: { url: "https://agent.example/a2a", agentCard: card, deliveryMode: "PUSH" },
    });
    const auth = { domain: t.app.domain, admins: new ApiTokenStore(t.app.domain.prisma), bearer: bearerOf(token) };
    const state = { activeTasks: 2, currentTask: 'review "quoted" ünïcode', errorRate: 0.25, version: "1.0.0" };
    const r = await heartbeatDomain(auth, { workspaceId: id, state });
    if (!r.ok) throw new Error(`heartbeat failed: ${JSON.stringify(r)}`);
    const read = await stored(id);
    expect(r.value.workspace).toStrictEqual(read);
    expect(read.agentCard).toEqual(card);
    expect(read.runtimeState).toMatchObject({ ...state, health: "HEALTHY", degradedReason: null });
  });

  it.runIf(backend === "postgres")(
    "the prepared statement keeps working when a migration adds a column under the running instance",
    async () => {
      const { id, token } = await onlineWorkspace("column added");
      // Prepared on every pooled connection: more beats at once than the pool has connections.
      const burst = () => Promise.all(Array.from({ length: 25 }, () => heartbeat(id, token)));
      for (const r of await burst()) expectSuccess(ok(r).heartbeat, "HeartbeatSuccess");
      await t.app.db.sql.exec(`ALTER TABLE "Workspace" ADD COLUMN "addedByALaterRelease" text`);
      try {
        for (const r of await burst()) expectSuccess(ok(r).heartbeat, "HeartbeatSuccess");
      } finally {
        await t.app.db.sql.exec(`ALTER TABLE "Workspace" DROP COLUMN "addedByALaterRelease"`);
      }
      for (const r of await burst()) expectSuccess(ok(r).heartbeat, "HeartbeatSuccess");
    },
  );

  it("brings a workspace the sweep made OFFLINE back ONLINE with exactly one WORKSPACE_ONLINE event", async () => {
    const { id, token } = await onlineWorkspace();
    const future = new Date(Date.now() + (t.app.domain.config.heartbeatTimeoutSeconds + 60) * 1000);
    await sweepOnce(t.app.domain, future);
    expect((await stored(id)).status).toBe("OFFLINE");

    const r = await beats(id, token);
    expect(r.workspace.status).toBe("ONLINE");
    await beats(id, token);
    expect((await stored(id)).status).toBe("ONLINE");
    expect(await eventTypes(id)).toEqual([
      "WORKSPACE_PROVISIONING",
      "WORKSPACE_ONLINE",
      "WORKSPACE_OFFLINE",
      "WORKSPACE_ONLINE",
    ]);
  });

  it("brings an OFFLINE workspace back ONLINE however it got there", async () => {
    const { id, token } = await onlineWorkspace();
    await t.app.domain.prisma.workspace.update({ where: { id }, data: { status: "OFFLINE" } });
    expect((await beats(id, token)).workspace.status).toBe("ONLINE");
    expect((await eventTypes(id)).filter((e) => e === "WORKSPACE_ONLINE")).toHaveLength(2);
  });

  it("answers WORKSPACE_FAILED (as data) for a FAILED workspace whose token is still live, changing nothing", async () => {
    const { id, token } = await onlineWorkspace();
    await t.app.domain.prisma.workspace.update({
      where: { id },
      data: { status: "FAILED", failureCode: "SECRET_UNREADABLE", failureMessage: "x", failedAt: new Date() },
    });
    const e = expectError(ok(await heartbeat(id, token)).heartbeat, "RequestError", "WORKSPACE_FAILED");
    expect(e.message).toContain("SECRET_UNREADABLE");
    expect((await stored(id)).status).toBe("FAILED");
    expect(await eventTypes(id)).toEqual(["WORKSPACE_PROVISIONING", "WORKSPACE_ONLINE"]);
  });
});

const BeatWithState = graphql(`
  mutation BeatWithState($input: HeartbeatInput!) {
    heartbeat(input: $input) {
      __typename
      ... on HeartbeatSuccess {
        workspace {
          id
          status
          runtimeState { activeTasks currentTask errorRate health degradedReason version reportedAt }
        }
      }
      ... on RequestError { code message field }
    }
  }
`);

const WorkspaceState = graphql(`
  query WorkspaceState($id: ID!) {
    workspace(id: $id) { status runtimeState { activeTasks currentTask errorRate health degradedReason version reportedAt } }
  }
`);

describe("heartbeat: the runtime's own state", () => {
  const report = (workspaceId: string, token: string | null, state: RuntimeStateInput | null) =>
    gql(t, BeatWithState, { input: { workspaceId, state } }, { token });
  const reported = async (workspaceId: string, token: string, state: RuntimeStateInput | null) =>
    expectSuccess(ok(await report(workspaceId, token, state)).heartbeat, "HeartbeatSuccess").workspace;
  const events = async (workspaceId: string) =>
    (await t.app.domain.prisma.workspaceEvent.findMany({ where: { workspaceId }, orderBy: { seq: "asc" } })).map(
      (e) => ({ type: e.type, status: e.status, message: e.message, payload: e.payload }),
    );

  it("shows the last report, whole, and keeps it through beats that carry none", async () => {
    const { id, token } = await onlineWorkspace("stateful");
    expect(ok(await gql(t, WorkspaceState, { id })).workspace?.runtimeState).toBeNull();
    const first = { activeTasks: 3, currentTask: "indexing the repo", errorRate: 0.125, version: "2.4.1" };
    const shown = await reported(id, token, first);
    expect(shown.runtimeState).toMatchObject({ ...first, health: "HEALTHY", degradedReason: null });
    const at = Date.parse(shown.runtimeState?.reportedAt as string);
    expect(Number.isNaN(at)).toBe(false);
    expect((await reported(id, token, null)).runtimeState).toEqual(shown.runtimeState);
    await beats(id, token);
    expect(ok(await gql(t, WorkspaceState, { id })).workspace?.runtimeState).toEqual(shown.runtimeState);
    // A new report replaces the last one whole: what it leaves out is no longer known.
    const second = await reported(id, token, { activeTasks: 0 });
    expect(second.runtimeState).toMatchObject({ activeTasks: 0, currentTask: null, errorRate: null, version: null });
    expect(await events(id)).toHaveLength(2); // PROVISIONING and ONLINE: a report is not an event
  });

  it("records going DEGRADED and coming back as events, once each, with the workspace's status", async () => {
    const { id, token } = await onlineWorkspace("degrading");
    await reported(id, token, { activeTasks: 1 });
    const degraded = await reported(id, token, { health: "DEGRADED", degradedReason: "rate limited by the provider" });
    expect(degraded.runtimeState).toMatchObject({ health: "DEGRADED", degradedReason: "rate limited by the provider" });
    await reported(id, token, { health: "DEGRADED", degradedReason: "still rate limited" });
    await reported(id, token, null);
    await reported(id, token, { health: "HEALTHY" });
    await reported(id, token, {});
    expect((await stored(id)).runtimeDegraded).toBe(false);
    expect((await events(id)).slice(2)).toEqual([
      {
        type: "WORKSPACE_DEGRADED",
        status: "ONLINE",
        message: "rate limited by the provider",
        payload: { reason: "rate limited by the provider", version: null },
      },
      { type: "WORKSPACE_RECOVERED", status: "ONLINE", message: null, payload: null },
    ]);
  });

  it("records coming back ONLINE and going DEGRADED from OFFLINE in one beat, in that order", async () => {
    const { id, token } = await onlineWorkspace("offline then degraded");
    await t.app.domain.prisma.workspace.update({ where: { id }, data: { status: "OFFLINE" } });
    const ws = await reported(id, token, { health: "DEGRADED", degradedReason: "disk full" });
    expect(ws.status).toBe("ONLINE");
    expect((await events(id)).slice(2).map((e) => [e.type, e.status])).toEqual([
      ["WORKSPACE_ONLINE", "ONLINE"],
      ["WORKSPACE_DEGRADED", "ONLINE"],
    ]);
  });

  it("gives one DEGRADED event when many beats report it at once", async () => {
    const { id, token } = await onlineWorkspace("racing");
    const results = await Promise.all(
      Array.from({ length: 12 }, () => report(id, token, { health: "DEGRADED", degradedReason: "overloaded" })),
    );
    for (const r of results) expectSuccess(ok(r).heartbeat, "HeartbeatSuccess");
    expect((await events(id)).filter((e) => e.type === "WORKSPACE_DEGRADED")).toHaveLength(1);
  });

  it("refuses a state out of bounds with VALIDATION_FAILED and the field, recording nothing", async () => {
    const { id, token } = await onlineWorkspace("bounded");
    await reported(id, token, { activeTasks: 1, version: "1" });
    const before = await stored(id);
    const cases: [RuntimeStateInput, string][] = [
      [{ activeTasks: -1 }, "input.state.activeTasks"],
      [{ activeTasks: 100_001 }, "input.state.activeTasks"],
      [{ errorRate: 1.5 }, "input.state.errorRate"],
      [{ errorRate: -0.1 }, "input.state.errorRate"],
      [{ currentTask: "x".repeat(257) }, "input.state.currentTask"],
      [{ currentTask: "" }, "input.state.currentTask"],
      [{ currentTask: "line\nbreak" }, "input.state.currentTask"],
      [{ version: "v".repeat(65) }, "input.state.version"],
      [{ version: "\u0000" }, "input.state.version"],
      [{ health: "DEGRADED" }, "input.state.degradedReason"],
      [{ health: "DEGRADED", degradedReason: "r".repeat(513) }, "input.state.degradedReason"],
      [{ health: "HEALTHY", degradedReason: "why?" }, "input.state.degradedReason"],
      [{ degradedReason: "why?" }, "input.state.degradedReason"],
    ];
    for (const [state, field] of cases) {
      const e = expectError(ok(await report(id, token, state)).heartbeat, "RequestError", "VALIDATION_FAILED");
      expect(e.field, JSON.stringify(state)).toBe(field);
    }
    const after = await stored(id);
    expect(after.runtimeState).toEqual(before.runtimeState);
    expect(after.lastHeartbeatAt).toEqual(before.lastHeartbeatAt);
    // The token decides first, even for a bad state.
    expectRefusal(await report(id, null, { activeTasks: -1 }), "UNAUTHENTICATED", 401);
    expectRefusal(await report(id, t.adminToken, { activeTasks: -1 }), "FORBIDDEN", 403);
  });
});

describe("heartbeat: concurrent beats (one statement on PGlite, its group commit)", () => {
  // Its own app, on a database whose beat statements are seen (and can be made to fail).
  const observed = useObservedGroupCommit("beat_while_online", "beats_while_online");
  const g = observed.app;
  const { statements } = observed;
  // Both backends group beats; PGlite's groups are certain (one thread, no I/O between beats that
  // arrive together), PostgreSQL's depend on timing, so the group's exact make-up is checked on PGlite.
  const grouped = () => backend === "pglite";

  const call = (workspaceId: string, token: string | null, state?: RuntimeStateInput) =>
    gql(g, BeatWithState, { input: { workspaceId, ...(state ? { state } : {}) } }, { token });
  async function online(name: string) {
    const c = ok(await gql(g, CreateWorkspace, { input: { name } })).createWorkspace;
    const { id } = expectSuccess(c, "CreateWorkspaceSuccess").workspace;
    const r = ok(await gql(g, RegisterWorkspace, { input: { workspaceId: id } }, { token: null })).registerWorkspace;
    return { id, token: expectSuccess(r, "RegisterWorkspaceSuccess").authToken as string };
  }
  const revoke = (workspaceId: string) =>
    g.app.domain.prisma.instanceToken.updateMany({ where: { workspaceId }, data: { revokedAt: new Date() } });

  /** Every kind of beat, on fresh workspaces: what each call is, by name. */
  async function mix() {
    const [a, b, revoked, rotated, failedWs, offline, degrading, reporting] = await Promise.all([
      online("mix a"),
      online("mix b"),
      online("mix revoked"),
      online("mix rotated"),
      online("mix failed"),
      online("mix offline"),
      online("mix degrading"),
      online("mix reporting"),
    ]);
    await revoke(revoked.id);
    // A revoked token and the live one minted after it, for one workspace.
    await revoke(rotated.id);
    const again = ok(await gql(g, RegisterWorkspace, { input: { workspaceId: rotated.id } }, { token: null }));
    const live = expectSuccess(again.registerWorkspace, "RegisterWorkspaceSuccess").authToken as string;
    await g.app.domain.prisma.workspace.update({
      where: { id: failedWs.id },
      data: { status: "FAILED", failureCode: "SECRET_UNREADABLE", failureMessage: "x", failedAt: new Date() },
    });
    await g.app.domain.prisma.workspace.update({ where: { id: offline.id }, data: { status: "OFFLINE" } });
    const names = new Map(
      Object.entries({ a, b, revoked, rotated, failedWs, offline, degrading, reporting }).map(([n, w]) => [w.id, n]),
    );
    const calls: Record<string, () => ReturnType<typeof call>> = {
      valid: () => call(a.id, a.token),
      "valid, the same workspace again": () => call(a.id, a.token),
      "another workspace's token": () => call(b.id, a.token),
      "b's own": () => call(b.id, b.token),
      "revoked token": () => call(revoked.id, revoked.token),
      "revoked token beside the live one": () => call(rotated.id, rotated.token),
      "the live one beside it": () => call(rotated.id, live),
      "no token": () => call(a.id, null),
      "FAILED workspace": () => call(failedWs.id, failedWs.token),
      "OFFLINE workspace": () => call(offline.id, offline.token),
      "going DEGRADED": () => call(degrading.id, degrading.token, { health: "DEGRADED", degradedReason: "slow" }),
      "a report": () => call(reporting.id, reporting.token, { activeTasks: 4, version: "1.2" }),
      "another report, the same workspace": () => call(reporting.id, reporting.token, { activeTasks: 5 }),
      "a DEGRADED report, the same workspace": () =>
        call(reporting.id, reporting.token, { health: "DEGRADED", degradedReason: "late" }),
      "an invalid state": () => call(reporting.id, reporting.token, { activeTasks: -1 }),
      "an invalid state, wrong token": () => call(b.id, "not-a-token", { activeTasks: -1 }),
    };
    return { calls, names };
  }

  /** What a client can tell of an answer; the workspace by its name in the mix, the time left out. */
  function seen(r: Awaited<ReturnType<typeof call>>, names: Map<string, string>) {
    const hb = r.data?.heartbeat;
    const ws = hb?.__typename === "HeartbeatSuccess" ? hb.workspace : null;
    return {
      status: r.status,
      errors: r.errors?.map((e) => e.extensions?.code),
      typename: hb?.__typename,
      code: hb?.__typename === "RequestError" ? [hb.code, hb.field] : undefined,
      workspace: ws && {
        name: names.get(ws.id),
        status: ws.status,
        state: ws.runtimeState && { ...ws.runtimeState, reportedAt: typeof ws.runtimeState.reportedAt },
      },
    };
  }

  it("each beat of a batch gets exactly the answer it gets alone, whatever the others are", async () => {
    const alone = await mix();
    const expected: Record<string, unknown> = {};
    for (const [name, c] of Object.entries(alone.calls)) expected[name] = seen(await c(), alone.names);

    const together = await mix();
    statements.length = 0;
    const answers = await Promise.all(Object.values(together.calls).map((c) => c()));
    const got = Object.fromEntries(
      Object.keys(together.calls).map((n, i) => [n, seen(answers[i] as never, together.names)]),
    );
    expect(got).toEqual(expected);
    // The answers alone, spelled out for the ones that matter most.
    expect(got["another workspace's token"]).toMatchObject({ status: 403, errors: ["FORBIDDEN"] });
    expect(got["revoked token"]).toMatchObject({ status: 401, errors: ["UNAUTHENTICATED"] });
    expect(got["revoked token beside the live one"]).toMatchObject({ status: 401, errors: ["UNAUTHENTICATED"] });
    expect(got["the live one beside it"]).toMatchObject({ typename: "HeartbeatSuccess" });
    expect(got["going DEGRADED"]).toMatchObject({ workspace: { state: { health: "DEGRADED" } } });
    // Two reports of one workspace in one statement: each answered with its own, as one after the other.
    expect(got["a report"]).toMatchObject({ workspace: { state: { activeTasks: 4, version: "1.2" } } });
    expect(got["another report, the same workspace"]).toMatchObject({
      workspace: { state: { activeTasks: 5, version: null } },
    });
    if (grouped()) expect(Math.max(...statements.map((s) => s.items)), JSON.stringify(statements)).toBeGreaterThan(1);
    // Every beat wrote at most what it writes alone: one DEGRADED event, one ONLINE for the OFFLINE one.
    const ids = [...together.names].filter(([, n]) => n === "degrading" || n === "offline").map(([id]) => id);
    const events = await g.app.domain.prisma.workspaceEvent.findMany({ where: { workspaceId: { in: ids } } });
    expect(events.map((e) => e.type).sort()).toEqual([
      "WORKSPACE_DEGRADED",
      "WORKSPACE_ONLINE",
      "WORKSPACE_ONLINE",
      "WORKSPACE_ONLINE",
      "WORKSPACE_PROVISIONING",
      "WORKSPACE_PROVISIONING",
    ]);
  });

  it("a failing group statement: each beat is run again alone and gets its own answer", async () => {
    const agents = await Promise.all([0, 1, 2, 3].map((i) => online(`retried ${i}`)));
    const revoked = await online("retried, revoked");
    await revoke(revoked.id);
    let failed = 0;
    observed.failing = (name) => name === "beats_while_online" && failed++ === 0;
    statements.length = 0;
    try {
      const answers = await Promise.all([...agents.map((a) => call(a.id, a.token)), call(revoked.id, revoked.token)]);
      for (const r of answers.slice(0, 4)) expectSuccess(ok(r).heartbeat, "HeartbeatSuccess");
      expectRefusal(answers[4] as never, "UNAUTHENTICATED", 401);
    } finally {
      observed.failing = () => false;
    }
    if (grouped()) {
      expect(failed, JSON.stringify(statements)).toBe(1);
      // The group (failed), then each of its five beats alone.
      expect(statements.filter((s) => s.name === "beat_while_online")).toHaveLength(5);
    }
  });

  it.runIf(backend === "postgres")(
    "a row another transaction holds stalls only its own beat: the group skips it, and the others are answered",
    async () => {
      const [held, free] = await Promise.all([online("held by a change"), online("beating freely")]);
      // A change under way on one workspace (as a sweep's batch would be): its row lock is held.
      const release = await holdWorkspaceRow(g, held.id);
      const heldBeat = call(held.id, held.token);
      // Answered while the other row is still held: had the group waited on that lock, this would not return.
      const answers = await Promise.all([free, free, free].map((a) => call(a.id, a.token)));
      for (const r of answers) expectSuccess(ok(r).heartbeat, "HeartbeatSuccess");
      await release();
      expectSuccess(ok(await heldBeat).heartbeat, "HeartbeatSuccess");
    },
  );

  it("a database that keeps failing: every beat of the batch gets 503, never 401", async () => {
    const agents = await Promise.all([0, 1, 2].map((i) => online(`unavailable ${i}`)));
    observed.failing = () => true;
    try {
      const answers = await Promise.all([...agents, ...agents].map((a) => call(a.id, a.token)));
      for (const r of answers) expectRefusal(r, "SERVICE_UNAVAILABLE", 503);
    } finally {
      observed.failing = () => false;
    }
    for (const a of agents) expectSuccess(ok(await call(a.id, a.token)).heartbeat, "HeartbeatSuccess");
  });
});
