import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { graphql } from "../gql/gql.js";
import type { CanvasLoadQueryVariables } from "../gql/graphql.js";
import { expectSuccess, gql, ok } from "../support/gql.js";
import { backend, startTestApp, type TestApp } from "../support/harness.js";
import {
  CreateWorkspace,
  GetWorkspace,
  Heartbeat,
  ListWorkspaces,
  OfferedModels,
  RegisterWorkspace,
  SetOrgSecret,
  SetWorkspaceSecret,
} from "../support/operations.js";
import { openCountedDatabase, type Trace, type Tracer } from "../support/query-counter.js";

// The database round trips of each hot path, pinned: a change in the number
// is a regression (or an improvement) that must show up in review. Counts,
// not times. Each path is called once first, so that what is cached after
// a first call (the admin token's lookup) is cached, as in steady state.

const CanvasLoad = graphql(`
  query CanvasLoad($statuses: [WorkspaceStatus!], $runtime: String, $search: String, $orderBy: WorkspaceOrder) {
    workspaces(first: 50, statuses: $statuses, runtime: $runtime, search: $search, orderBy: $orderBy) {
      totalCount
      countsByStatus { status count }
      headCursor
      edges { cursor node { id name status runtimeDisplayName providerDisplayName agentCard lastHeartbeatAt } }
      pageInfo { hasNextPage endCursor }
    }
    activity: workspaceEvents(last: 20) {
      headCursor
      edges { cursor node { type workspaceId status at } }
    }
    runtimes { name displayName }
    providers { name displayName }
  }
`);

const CanvasDetail = graphql(`
  query CanvasDetail($id: ID!) {
    workspace(id: $id) {
      id
      agentCard
      runtimeDisplayName
      providerDisplayName
      events(last: 10) { headCursor edges { cursor node { type status at } } }
    }
  }
`);

const Update = graphql(`
  mutation CountedUpdate($input: UpdateWorkspaceInput!) {
    updateWorkspace(input: $input) { __typename ... on UpdateWorkspaceSuccess { workspace { id name model provider } } }
  }
`);

const ListWorkspacesWithSecrets = graphql(`
  query ListWorkspacesWithSecrets($first: Int) {
    workspaces(first: $first) { edges { node { id name status secrets { key updatedAt } } } }
  }
`);

let t: TestApp;
let trace: Tracer;
beforeAll(async () => {
  const counted = await openCountedDatabase();
  trace = counted.trace;
  t = await startTestApp({}, counted.database);
});
afterAll(() => t?.stop());

/** What a failing count prints: the short list, then every statement in full. */
const explain = (r: Trace) => `${r.queries.join("\n")}\n\n${r.sql.join(";\n")}`;

const PLATFORM_BILLED = "moonshot/kimi-k2.6";

async function createWorkspace(name: string) {
  const r = ok(await gql(t, CreateWorkspace, { input: { name, model: PLATFORM_BILLED } })).createWorkspace;
  return expectSuccess(r, "CreateWorkspaceSuccess").workspace;
}

/** A workspace whose agent has registered: ONLINE, with a live instance token. */
async function onlineWorkspace(name: string) {
  const ws = await createWorkspace(name);
  const r = ok(await gql(t, RegisterWorkspace, { input: { workspaceId: ws.id } }, { token: null })).registerWorkspace;
  const s = expectSuccess(r, "RegisterWorkspaceSuccess");
  expect(s.workspace.status).toBe("ONLINE");
  return { id: ws.id, token: s.authToken as string };
}

describe("the counter", () => {
  it("sees raw SQL and each transaction's BEGIN and COMMIT", async () => {
    const r = await trace(() =>
      t.app.domain.prisma.$transaction(async (tx) => {
        await tx.$executeRawUnsafe("SELECT pg_advisory_xact_lock(1)");
        return tx.workspace.count();
      }),
    );
    expect(r.queries, explain(r)).toEqual(["BEGIN", "SELECT pg_advisory_xact_lock", "SELECT Workspace", "COMMIT"]);
    expect(r.ops).toEqual(["$executeRawUnsafe", "Workspace.count"]);
  });

  it("counts a rolled-back transaction's ROLLBACK", async () => {
    const r = await trace(() =>
      t.app.domain.prisma
        .$transaction(async (tx) => {
          await tx.workspace.count();
          throw new Error("abandon");
        })
        .catch((err: Error) => err.message),
    );
    expect(r.result).toBe("abandon");
    expect(r.queries, explain(r)).toEqual(["BEGIN", "SELECT Workspace", "ROLLBACK"]);
  });

  it("counts only the traced call, not the event feed reading the record meanwhile", async () => {
    await gql(t, OfferedModels, {});
    // Two traces at once: each sees its own statements only. (A cleared
    // cache makes offeredModels read the org secret names once.)
    t.app.domain.secrets.forgetOrgSecretNames();
    const [feed, request] = await Promise.all([trace(() => t.app.feed.wake()), trace(() => gql(t, OfferedModels, {}))]);
    expect(request.queries, explain(request)).toEqual(["SELECT OrgSecret"]);
    expect(
      feed.queries.every((q) => q === "SELECT WorkspaceEvent"),
      explain(feed),
    ).toBe(true);
    // Background work outside any trace (as the feed's timer and hints run it) is recorded nowhere.
    const background = t.app.feed.wake();
    t.app.domain.secrets.forgetOrgSecretNames();
    const alongside = await trace(() => gql(t, OfferedModels, {}));
    await background;
    expect(alongside.queries, explain(alongside)).toEqual(["SELECT OrgSecret"]);
  });
});

describe("database round trips per hot path, after one warm-up call", () => {
  it("offeredModels with an admin token: 0 (1 on the first request after an org secret change)", async () => {
    ok(await gql(t, OfferedModels, { runtime: "claude-code" }));
    const r = await trace(() => gql(t, OfferedModels, { runtime: "claude-code" }));
    expect(ok(r.result).offeredModels.length).toBeGreaterThan(1);
    // The admin check and the org secret names are both served from memory.
    expect(r.queries, explain(r)).toEqual([]);
    ok(await gql(t, SetOrgSecret, { input: { key: "COUNTED_CHANGE", value: "v" } }));
    const after = await trace(() => gql(t, OfferedModels, { runtime: "claude-code" }));
    expect(after.queries, explain(after)).toEqual([
      "SELECT OrgSecret", // the org secret names, once for every model, after the change
    ]);
  });

  it("heartbeat with the live instance token of an ONLINE workspace: 1", async () => {
    const ws = await onlineWorkspace("hb");
    const beat = () => gql(t, Heartbeat, { input: { workspaceId: ws.id } }, { token: ws.token });
    expectSuccess(ok(await beat()).heartbeat, "HeartbeatSuccess");
    const r = await trace(beat);
    expectSuccess(ok(r.result).heartbeat, "HeartbeatSuccess");
    expect(r.queries.length, explain(r)).toBe(1);
    expect(r.queries).toEqual([
      // lastHeartbeatAt where ONLINE and the token is its live one (UPDATE … FROM), RETURNING the row;
      // one CTE turns off the commit's WAL flush wait for this statement's transaction only, the
      // other locks the row first, skipping it (to the full path) if another transaction holds it
      "UPDATE Workspace (with commit_without_flush, free_rows)",
    ]);
  });

  it("N concurrent heartbeats: at most N statements, and one on PGlite (its group commit)", async () => {
    const agents = await Promise.all([0, 1, 2, 3, 4].map((i) => onlineWorkspace(`hb-many-${i}`)));
    const beat = (a: { id: string; token: string }) =>
      gql(t, Heartbeat, { input: { workspaceId: a.id } }, { token: a.token });
    // Each workspace beats twice at once: ten beats.
    const r = await trace(() => Promise.all([...agents, ...agents].map(beat)));
    for (const answer of r.result) expectSuccess(ok(answer).heartbeat, "HeartbeatSuccess");
    expect(r.queries.length, explain(r)).toBeLessThanOrEqual(10);
    // Alone or grouped, one text: it first locks its rows, skipping any another transaction holds.
    expect(new Set(r.queries), explain(r)).toEqual(
      new Set(["UPDATE Workspace (with commit_without_flush, free_rows)"]),
    );
    // PostgreSQL groups them too, as many as arrive together (timing decides); PGlite, all ten.
    if (backend === "pglite") expect(r.queries.length, explain(r)).toBe(1);
  });

  it("heartbeat carrying the runtime's state, its health unchanged (DEGRADED too): 1", async () => {
    const ws = await onlineWorkspace("hb-state");
    const beat = (state: { activeTasks: number; health?: "DEGRADED"; degradedReason?: string }) =>
      gql(t, Heartbeat, { input: { workspaceId: ws.id, state } }, { token: ws.token });
    expectSuccess(ok(await beat({ activeTasks: 1 })).heartbeat, "HeartbeatSuccess");
    const r = await trace(() => beat({ activeTasks: 2 }));
    expectSuccess(ok(r.result).heartbeat, "HeartbeatSuccess");
    // The same statement stores the report, and matches only while the health is unchanged.
    expect(r.queries, explain(r)).toEqual(["UPDATE Workspace (with commit_without_flush, free_rows)"]);
    expectSuccess(
      ok(await beat({ activeTasks: 2, health: "DEGRADED", degradedReason: "slow" })).heartbeat,
      "HeartbeatSuccess",
    );
    const degraded = await trace(() => beat({ activeTasks: 3, health: "DEGRADED", degradedReason: "slower" }));
    expect(degraded.queries, explain(degraded)).toEqual(["UPDATE Workspace (with commit_without_flush, free_rows)"]);
  });

  it("heartbeat that recovers from DEGRADED: the change and its event in one transaction", async () => {
    const ws = await onlineWorkspace("hb-recover");
    const beat = (state: { health?: "DEGRADED"; degradedReason?: string }) =>
      gql(t, Heartbeat, { input: { workspaceId: ws.id, state } }, { token: ws.token });
    expectSuccess(ok(await beat({ health: "DEGRADED", degradedReason: "slow" })).heartbeat, "HeartbeatSuccess");
    const r = await trace(() => beat({}));
    expectSuccess(ok(r.result).heartbeat, "HeartbeatSuccess");
    expect(r.queries, explain(r)).toEqual([
      "UPDATE Workspace (with commit_without_flush, free_rows)", // matches nothing: the health changes
      "SELECT InstanceToken", // the full path's token check
      "BEGIN",
      "SELECT Workspace FOR UPDATE", // status and health, under the row lock
      "UPDATE Workspace", // time, report and health, RETURNING the row
      "INSERT WorkspaceEvent", // WORKSPACE_RECOVERED
      "COMMIT",
    ]);
  });

  it("registerWorkspace with the workspace's live bearer, ONLINE: 1", async () => {
    const ws = await onlineWorkspace("reg");
    const register = () =>
      gql(
        t,
        RegisterWorkspace,
        { input: { workspaceId: ws.id, url: "https://agent.example/a2a" } },
        { token: ws.token },
      );
    expectSuccess(ok(await register()).registerWorkspace, "RegisterWorkspaceSuccess");
    const r = await trace(register);
    const s = expectSuccess(ok(r.result).registerWorkspace, "RegisterWorkspaceSuccess");
    expect(s.authToken).toBeNull();
    expect(s.workspace).toMatchObject({ status: "ONLINE", url: "https://agent.example/a2a", deliveryMode: "PUSH" });
    // Was 7 (the row, the token, then BEGIN, the row lock, the token again under it, the UPDATE, COMMIT).
    // Nothing is minted, revoked or recorded when the workspace is already ONLINE and the bearer is its
    // live token, so one statement takes the same locks, judges the token under them and writes; when
    // it matches nothing (any other case), the full path (below) runs.
    expect(r.queries.length, explain(r)).toBe(1);
    expect(r.queries).toEqual([
      // url, delivery mode, card, lastHeartbeatAt; its CTEs take the row lock, then the token's (skipping
      // held rows), and match only a live token of this ONLINE, WORKSPACE-kind row; RETURNING the row
      "UPDATE Workspace (with free_rows, live)",
    ]);
  });

  it("registerWorkspace with the live bearer of an OFFLINE workspace: the full path, 9", async () => {
    const ws = await onlineWorkspace("reg-offline");
    await t.app.domain.prisma.workspace.update({ where: { id: ws.id }, data: { status: "OFFLINE" } });
    const r = await trace(() => gql(t, RegisterWorkspace, { input: { workspaceId: ws.id } }, { token: ws.token }));
    const s = expectSuccess(ok(r.result).registerWorkspace, "RegisterWorkspaceSuccess");
    expect(s.authToken).toBeNull();
    expect(r.queries, explain(r)).toEqual([
      "UPDATE Workspace (with free_rows, live)", // the one statement: matches nothing, the workspace is not ONLINE
      "SELECT Workspace", // the workspace row (status, kind, inbound secret)
      "SELECT InstanceToken", // a live instance token, and of which workspace? (then no admin check is needed)
      "BEGIN",
      "SELECT Workspace FOR UPDATE", // the row lock; status re-read under it
      "SELECT InstanceToken", // the presented token is still live under the lock
      "UPDATE Workspace", // ONLINE, url, delivery mode, card, lastHeartbeatAt, RETURNING the row
      "INSERT WorkspaceEvent", // WORKSPACE_ONLINE
      "COMMIT",
    ]);
  });

  it("createWorkspace of a platform-billed model (kind WORKSPACE): 5", async () => {
    await createWorkspace("warm-up");
    const r = await trace(() => gql(t, CreateWorkspace, { input: { name: "counted", model: PLATFORM_BILLED } }));
    const ws = expectSuccess(ok(r.result).createWorkspace, "CreateWorkspaceSuccess").workspace;
    expect(ws).toMatchObject({ status: "PROVISIONING", provider: "platform", platformBilled: true, secrets: [] });
    expect(r.queries.length, explain(r)).toBe(5);
    expect(r.queries).toEqual([
      // Preflight: a platform-billed model needs no org secret names, and kind WORKSPACE no PLATFORM check.
      "BEGIN",
      "INSERT Workspace", // RETURNING the row, which is the answer unless the checks change it
      // The provision checks run here, in the same transaction, from what create just wrote:
      // a platform-billed model needs no secret names and the provider is unchanged, so no query.
      "INSERT WorkspaceEvent", // WORKSPACE_PROVISIONING, no lock shared by every event write; RETURNING seq
      "COMMIT",
      "SELECT WorkspaceSecret", // the answer's `secrets`
    ]);
  });

  it("workspaces(first: 20), without and with secrets: 1 and 2, whatever the number of workspaces", async () => {
    await onlineWorkspace("listed-1");
    const withSecret = await createWorkspace("listed-2");
    ok(await gql(t, SetWorkspaceSecret, { input: { workspaceId: withSecret.id, key: "LISTED", value: "v" } }));

    ok(await gql(t, ListWorkspaces, { first: 20 }));
    const plain = await trace(() => gql(t, ListWorkspaces, { first: 20 }));
    expect(ok(plain.result).workspaces.edges.length).toBeGreaterThan(1);
    expect(plain.queries.length, explain(plain)).toBe(1);
    expect(plain.queries).toEqual([
      // One statement: the newest event's seq (the head cursor) joined with one page (LIMIT first + 1),
      // so both come from one snapshot; the admin check is cached.
      "SELECT WorkspaceEvent",
    ]);

    const secrets = async () => {
      ok(await gql(t, ListWorkspacesWithSecrets, { first: 20 }));
      const r = await trace(() => gql(t, ListWorkspacesWithSecrets, { first: 20 }));
      const edges = ok(r.result).workspaces.edges;
      expect(edges.find((e) => e.node.id === withSecret.id)?.node.secrets.map((s) => s.key)).toEqual(["LISTED"]);
      expect(r.queries.length, explain(r)).toBe(2);
      expect(r.queries).toEqual([
        "SELECT WorkspaceEvent", // the head and the page
        "SELECT WorkspaceSecret", // the secret names of every workspace on it, batched by a per-request loader
      ]);
      return edges.length;
    };
    const before = await secrets();
    for (let i = 0; i < 3; i++) await createWorkspace(`listed-more-${i}`);
    expect(await secrets()).toBeGreaterThan(before);
  });

  it("a canvas's first load (filtered, ordered page with counts and head, newest events, display names): 3", async () => {
    await onlineWorkspace("canvas-1");
    await createWorkspace("canvas-2");
    const vars: CanvasLoadQueryVariables = {
      statuses: ["ONLINE", "PROVISIONING"],
      search: "canvas",
      orderBy: { field: "LAST_HEARTBEAT_AT", direction: "DESC" },
    };
    ok(await gql(t, CanvasLoad, vars));
    const r = await trace(() => gql(t, CanvasLoad, vars));
    const data = ok(r.result);
    expect(data.workspaces.totalCount).toBe(2);
    expect(data.activity.edges.length).toBeGreaterThan(1);
    expect(r.queries.length, explain(r)).toBe(3);
    expect([...r.queries].sort()).toEqual([
      "SELECT Workspace", // the counts by status under the other filters (GROUP BY status), once for both count fields
      "SELECT WorkspaceEvent", // the head and the page of workspaces (one snapshot)
      "SELECT WorkspaceEvent", // the head and the newest 20 events; runtimes, providers and display names: from the registry
    ]);
  });

  it("the same load without a name filter (by runtime): 3, its counts from the counts the database keeps", async () => {
    const ws = await onlineWorkspace("canvas-3");
    const { runtime } = await t.app.domain.prisma.workspace.findUniqueOrThrow({ where: { id: ws.id } });
    const vars: CanvasLoadQueryVariables = { statuses: ["ONLINE", "PROVISIONING"], runtime };
    ok(await gql(t, CanvasLoad, vars));
    const r = await trace(() => gql(t, CanvasLoad, vars));
    const data = ok(r.result);
    const truth = await t.app.domain.prisma.workspace.count({
      where: { runtime, status: { in: ["ONLINE", "PROVISIONING"] } },
    });
    expect(data.workspaces.totalCount).toBe(truth);
    expect(r.queries.length, explain(r)).toBe(3);
    expect([...r.queries].sort()).toEqual([
      "SELECT WorkspaceEvent", // the head and the page of workspaces (one snapshot)
      "SELECT WorkspaceEvent", // the head and the newest 20 events
      "SELECT WorkspaceStatusCount", // the counts by status: the sums of the trigger's rows, not a count of Workspace
    ]);
  });

  it("workspace(id) with its agent card, display names and newest events: 2", async () => {
    const ws = await onlineWorkspace("detail");
    ok(await gql(t, CanvasDetail, { id: ws.id }));
    const r = await trace(() => gql(t, CanvasDetail, { id: ws.id }));
    expect(ok(r.result).workspace?.events.edges.map((e) => e.node.type)).toEqual([
      "WORKSPACE_PROVISIONING",
      "WORKSPACE_ONLINE",
    ]);
    expect(r.queries, explain(r)).toEqual([
      "SELECT Workspace", // findWorkspace
      "SELECT WorkspaceEvent", // the head and its newest events
    ]);
  });

  it("updateWorkspace: a rename 1, a change to a platform-billed model 3", async () => {
    const ws = await createWorkspace("to update");
    ok(await gql(t, Update, { input: { id: ws.id, name: "warm" } }));
    const rename = await trace(() => gql(t, Update, { input: { id: ws.id, name: "renamed" } }));
    expect(ok(rename.result).updateWorkspace.__typename).toBe("UpdateWorkspaceSuccess");
    expect(rename.queries, explain(rename)).toEqual([
      "UPDATE Workspace", // where not REMOVED, RETURNING the row
    ]);
    const model = await trace(() => gql(t, Update, { input: { id: ws.id, model: "anthropic/claude-sonnet-4-6" } }));
    expect(ok(model.result).updateWorkspace).toMatchObject({
      workspace: { model: "anthropic/claude-sonnet-4-6", provider: "platform" },
    });
    expect(model.queries, explain(model)).toEqual([
      "SELECT Workspace", // status, runtime and model
      "SELECT WorkspaceSecret", // its secret names, for the gate
      "UPDATE Workspace", // model, provider and billing; platform-billed: the gate reads no org names
    ]);
  });

  it("workspace(id) with secrets: 2", async () => {
    const ws = await onlineWorkspace("read");
    ok(await gql(t, SetWorkspaceSecret, { input: { workspaceId: ws.id, key: "READ_ME", value: "v" } }));
    ok(await gql(t, GetWorkspace, { id: ws.id }));
    const r = await trace(() => gql(t, GetWorkspace, { id: ws.id }));
    expect(ok(r.result).workspace?.secrets.map((s) => s.key)).toEqual(["READ_ME"]);
    expect(r.queries.length, explain(r)).toBe(2);
    expect(r.queries).toEqual([
      "SELECT Workspace", // findWorkspace
      "SELECT WorkspaceSecret", // its secret names
    ]);
  });
});
