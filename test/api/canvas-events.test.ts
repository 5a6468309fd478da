import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { encodeEventCursor, positionOf } from "../../src/events/cursor.js";
import { graphql } from "../gql/gql.js";
import type { EventPageQuery, EventPageQueryVariables } from "../gql/graphql.js";
import { expectSuccess, type GqlResponse, gql, ok } from "../support/gql.js";
import { startTestApp, type TestApp, useTestApp } from "../support/harness.js";
import { CreateWorkspace, RegisterWorkspace, RemoveWorkspace, RestartWorkspace } from "../support/operations.js";
import { connect, OnWorkspaceEvents } from "../support/ws.js";

const EventPage = graphql(`
  query EventPage($workspaceId: ID, $first: Int, $after: String, $last: Int, $before: String) {
    workspaceEvents(workspaceId: $workspaceId, first: $first, after: $after, last: $last, before: $before) {
      headCursor
      edges { cursor node { cursor type workspaceId status } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }
`);

const OwnEvents = graphql(`
  query OwnEvents($id: ID!, $last: Int, $before: String) {
    workspace(id: $id) {
      id
      events(last: $last, before: $before) {
        headCursor
        edges { cursor node { type status workspaceId } }
        pageInfo { hasNextPage hasPreviousPage }
      }
    }
  }
`);

const Snapshot = graphql(`
  query Snapshot {
    workspaces(first: 100, statuses: [PROVISIONING, ONLINE, OFFLINE, FAILED, REMOVED]) {
      headCursor
      totalCount
      edges { node { id status } }
    }
  }
`);

const t = useTestApp();

type Event = EventPageQuery["workspaceEvents"]["edges"][number]["node"];

async function create(app: TestApp, name: string) {
  const r = ok(await gql(app, CreateWorkspace, { input: { name } })).createWorkspace;
  return expectSuccess(r, "CreateWorkspaceSuccess").workspace;
}
const register = async (app: TestApp, workspaceId: string) =>
  ok(await gql(app, RegisterWorkspace, { input: { workspaceId } }, { token: null }));
const remove = async (app: TestApp, id: string) => ok(await gql(app, RemoveWorkspace, { id }));
const restart = async (app: TestApp, id: string) => ok(await gql(app, RestartWorkspace, { id }));

/** A workspace with five events: PROVISIONING, ONLINE, PROVISIONING, ONLINE, REMOVED. */
async function busyWorkspace(app: TestApp) {
  const ws = await create(app, `ev-${randomBytes(3).toString("hex")}`);
  await register(app, ws.id);
  await restart(app, ws.id);
  await register(app, ws.id);
  await remove(app, ws.id);
  return ws.id;
}

/** Pages newest to oldest with last/before; returns the events in commit order. */
async function pageBackwards(vars: EventPageQueryVariables, last: number): Promise<Event[]> {
  const pages: Event[][] = [];
  let before: string | null = null;
  for (let n = 0; n < 1000; n++) {
    const page: EventPageQuery["workspaceEvents"] = ok(
      await gql(t, EventPage, { ...vars, last, before }),
    ).workspaceEvents;
    expect(page.edges.length).toBeLessThanOrEqual(last);
    expect(page.pageInfo.hasNextPage).toBe(before !== null);
    expect(page.pageInfo.startCursor).toBe(page.edges[0]?.cursor ?? null);
    pages.unshift(page.edges.map((e) => e.node));
    if (!page.pageInfo.hasPreviousPage) return pages.flat();
    expect(page.edges).toHaveLength(last);
    before = page.pageInfo.startCursor;
  }
  throw new Error("paging did not end");
}

function expectRefusal(r: GqlResponse<unknown>, field: string) {
  const dump = `request: ${r.request}\nresponse: ${r.raw}`;
  expect(r.errors?.[0]?.extensions?.code, dump).toBe("VALIDATION_FAILED");
  expect(r.errors?.[0]?.extensions?.field, dump).toBe(field);
}

describe("events, newest first", () => {
  it("last gives the newest events, still in commit order, and before pages back to the oldest", async () => {
    const id = await busyWorkspace(t);
    await busyWorkspace(t);
    const forward = ok(await gql(t, EventPage, { first: 100 })).workspaceEvents.edges.map((e) => e.node);
    expect(forward.length).toBeGreaterThanOrEqual(10);
    const newest = ok(await gql(t, EventPage, { last: 3 })).workspaceEvents;
    expect(newest.edges.map((e) => e.node)).toEqual(forward.slice(-3));
    expect(newest.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: false });
    for (const last of [1, 2, 3, 100]) expect(await pageBackwards({}, last), `last: ${last}`).toEqual(forward);
    const own = forward.filter((e) => e.workspaceId === id);
    expect(own.map((e) => e.type)).toEqual([
      "WORKSPACE_PROVISIONING",
      "WORKSPACE_ONLINE",
      "WORKSPACE_PROVISIONING",
      "WORKSPACE_ONLINE",
      "WORKSPACE_REMOVED",
    ]);
    for (const last of [1, 2]) expect(await pageBackwards({ workspaceId: id }, last)).toEqual(own);
  });

  it("after and before bound one page from both sides", async () => {
    const id = await busyWorkspace(t);
    const own = ok(await gql(t, EventPage, { workspaceId: id })).workspaceEvents.edges;
    const inner = (vars: EventPageQueryVariables) =>
      gql(t, EventPage, { workspaceId: id, after: own[0]?.cursor, before: own[4]?.cursor, ...vars });
    expect(ok(await inner({ first: 2 })).workspaceEvents.edges).toEqual(own.slice(1, 3));
    expect(ok(await inner({ last: 2 })).workspaceEvents.edges).toEqual(own.slice(2, 4));
  });

  it("refuses first with last, last over 100 or negative, and a before it did not issue", async () => {
    expectRefusal(await gql(t, EventPage, { first: 1, last: 1 }), "last");
    for (const last of [101, -1]) expectRefusal(await gql(t, EventPage, { last }), "last");
    for (const before of ["garbage", Buffer.from("ws:x").toString("base64url")]) {
      expectRefusal(await gql(t, EventPage, { last: 1, before }), "before");
    }
  });

  it("a workspace's own events, through Workspace.events", async () => {
    const id = await busyWorkspace(t);
    const whole = ok(await gql(t, EventPage, { workspaceId: id })).workspaceEvents.edges;
    const own = ok(await gql(t, OwnEvents, { id, last: 2 })).workspace?.events;
    expect(own?.edges.map((e) => [e.cursor, e.node.type, e.node.workspaceId])).toEqual(
      whole.slice(-2).map((e) => [e.cursor, e.node.type, id]),
    );
    expect(own?.pageInfo).toEqual({ hasPreviousPage: true, hasNextPage: false });
    const older = ok(await gql(t, OwnEvents, { id, last: 10, before: own?.edges[0]?.cursor })).workspace?.events;
    expect(older?.edges.map((e) => e.cursor)).toEqual(whole.slice(0, -2).map((e) => e.cursor));
  });
});

describe("the head cursor", () => {
  it("is the newest recorded event's cursor, whatever the filter and the page", async () => {
    const id = await busyWorkspace(t);
    const newest = ok(await gql(t, EventPage, { last: 1 })).workspaceEvents;
    expect(newest.headCursor).toBe(newest.edges[0]?.cursor);
    for (const vars of [{ first: 1 }, { workspaceId: id, first: 1 }, { workspaceId: "not-a-uuid" }] as const) {
      expect(ok(await gql(t, EventPage, vars)).workspaceEvents.headCursor).toBe(newest.headCursor);
    }
    expect(ok(await gql(t, Snapshot, {})).workspaces.headCursor).toBe(newest.headCursor);
  });

  it("of an empty record replays everything from the start", async () => {
    const empty = await startTestApp();
    try {
      const head = ok(await gql(empty, Snapshot, {})).workspaces.headCursor;
      expect(head).toBe(encodeEventCursor({ txid: 0n, seq: 0n }));
      expect(ok(await gql(empty, EventPage, {})).workspaceEvents.headCursor).toBe(head);
      await create(empty, "first");
      const after = ok(await gql(empty, EventPage, { after: head })).workspaceEvents.edges;
      expect(after.map((e) => e.node.type)).toEqual(["WORKSPACE_PROVISIONING"]);
    } finally {
      await empty.stop();
    }
  });
});

describe("a canvas loads a snapshot, then subscribes from its head cursor", () => {
  it("and sees every change after the snapshot once, while changes are being made", async () => {
    const app = await startTestApp();
    const url = await app.listen();
    const socket = connect(url, app.adminToken);
    try {
      await socket.connected;
      const ids: string[] = [];
      for (let i = 0; i < 4; i++) ids.push((await create(app, `snap-${i}`)).id);
      // Two writers change workspaces all along: creates, registers, restarts and removals
      // (some refused: a register while a token is live, a change to a removed workspace).
      // Each yields to the event loop between changes (PGlite answers without one).
      const OPS = 30;
      let done = 0;
      const writer = async (seed: number) => {
        for (let i = seed; i < seed + OPS; i++, done++) {
          const id = ids[i % ids.length] as string;
          if (i % 7 === 0) ids.push((await create(app, `snap-w${seed}-${i}`)).id);
          else if (i % 5 === 0) await gql(app, RemoveWorkspace, { id });
          else if (i % 3 === 0) await gql(app, RestartWorkspace, { id });
          else await gql(app, RegisterWorkspace, { input: { workspaceId: id } }, { token: null });
          await new Promise((r) => setImmediate(r));
        }
      };
      const writers = Promise.all([writer(0), writer(1)]);
      while (done < OPS / 2) await new Promise((r) => setImmediate(r));

      // Mid-way: the snapshot, then the subscription from its head cursor.
      const snapshot = ok(await gql(app, Snapshot, {})).workspaces;
      const sub = socket.subscribe(OnWorkspaceEvents, { after: snapshot.headCursor });
      await writers;
      expect(done, "the writers went on after the snapshot").toBe(2 * OPS);

      expect(snapshot.totalCount).toBeLessThanOrEqual(100);
      // The whole record in position order; what lies after the snapshot's head is what the stream owes.
      const all = await app.app.domain.prisma.workspaceEvent.findMany({ orderBy: [{ txid: "asc" }, { seq: "asc" }] });
      const cursors = all.map((e) => encodeEventCursor(positionOf(e)));
      const at = cursors.indexOf(snapshot.headCursor);
      expect(at, "the snapshot's head is a recorded event").toBeGreaterThanOrEqual(0);
      const expected = cursors.slice(at + 1);
      expect(expected.length, "the writers made changes after the snapshot").toBeGreaterThan(0);
      const received = await sub.waitFor((events) => events.length >= expected.length);
      // Give a duplicate the time to show before reading the whole stream.
      await new Promise((r) => setTimeout(r, 200));
      expect(sub.events.map((e) => e.workspaceEvents.cursor)).toEqual(expected);
      expect(received.length).toBe(expected.length);

      // The snapshot with the events after it applied is the state now.
      const state = new Map(snapshot.edges.map((e) => [e.node.id, e.node.status as string]));
      for (const e of sub.events) state.set(e.workspaceEvents.workspaceId, e.workspaceEvents.status);
      const now = await app.app.domain.prisma.workspace.findMany({ select: { id: true, status: true } });
      expect(Object.fromEntries(state)).toEqual(Object.fromEntries(now.map((w) => [w.id, w.status])));
    } finally {
      await socket.dispose();
      await app.stop();
    }
  });
});
