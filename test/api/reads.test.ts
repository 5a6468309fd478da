import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ListEventsQuery, ListWorkspacesQuery, WorkspaceStatus } from "../gql/graphql.js";
import { expectSuccess, type GqlResponse, gql, ok } from "../support/gql.js";
import { startTestApp, type TestApp, useTestApp } from "../support/harness.js";
import {
  CreateWorkspace,
  GetNode,
  GetWorkspace,
  ListEvents,
  ListWorkspaces,
  RegisterWorkspace,
  RemoveWorkspace,
} from "../support/operations.js";

const t = useTestApp();

const prefix = () => `reads-${randomBytes(3).toString("hex")}`;
const MALFORMED_IDS = ["not-a-uuid", "", "1", "'; SELECT 1; --", `${randomUUID()}x`, "%", "\u0000"];

async function create(app: TestApp, name: string) {
  const r = ok(await gql(app, CreateWorkspace, { input: { name } })).createWorkspace;
  return expectSuccess(r, "CreateWorkspaceSuccess").workspace;
}
async function register(app: TestApp, workspaceId: string) {
  const r = ok(await gql(app, RegisterWorkspace, { input: { workspaceId, deliveryMode: "POLL" } }, { token: null }));
  return expectSuccess(r.registerWorkspace, "RegisterWorkspaceSuccess").workspace;
}
async function remove(app: TestApp, id: string) {
  return expectSuccess(ok(await gql(app, RemoveWorkspace, { id })).removeWorkspace, "WorkspaceSuccess").workspace;
}

/** A top-level refusal with VALIDATION_FAILED: not a 500, no data. */
function expectValidationRefusal(r: GqlResponse<unknown>, field: string) {
  const dump = `request: ${r.request}\nresponse: ${r.raw}`;
  expect(r.status, dump).toBe(200);
  expect(r.errors, dump).toHaveLength(1);
  expect(r.errors?.[0]?.extensions?.code, dump).toBe("VALIDATION_FAILED");
  expect(r.errors?.[0]?.extensions?.field, dump).toBe(field);
  expect(r.data ?? null, dump).toBeNull();
}

/** Every workspace the list shows for this filter, paged with `first` and endCursor. */
async function pageAll(app: TestApp, first: number, status?: WorkspaceStatus) {
  const nodes: { id: string; name: string; status: string }[] = [];
  let after: string | null = null;
  for (let pages = 0; pages < 1000; pages++) {
    const page: ListWorkspacesQuery["workspaces"] = ok(
      await gql(app, ListWorkspaces, { first, after, status }),
    ).workspaces;
    expect(page.edges.length).toBeLessThanOrEqual(first);
    expect(page.pageInfo.hasPreviousPage).toBe(after !== null);
    expect(page.pageInfo.startCursor).toBe(page.edges[0]?.cursor ?? null);
    expect(page.pageInfo.endCursor).toBe(page.edges.at(-1)?.cursor ?? null);
    nodes.push(...page.edges.map((e) => e.node));
    if (!page.pageInfo.hasNextPage) return nodes;
    expect(page.edges).toHaveLength(first);
    after = page.pageInfo.endCursor;
  }
  throw new Error("paging did not end");
}

describe("workspace(id) and node(id)", () => {
  it("read a malformed id or an unknown UUID as null, with no error", async () => {
    for (const id of [...MALFORMED_IDS, randomUUID(), "00000000-0000-0000-0000-000000000000"]) {
      for (const r of [await gql(t, GetWorkspace, { id }), await gql(t, GetNode, { id })]) {
        expect(r.status, r.raw).toBe(200);
        expect(r.errors, r.raw).toBeUndefined();
        expect(Object.values(r.data ?? { missing: "data" })).toEqual([null]);
      }
    }
  });

  it("return a workspace, and a REMOVED one with status REMOVED", async () => {
    const ws = await create(t, prefix());
    const read = ok(await gql(t, GetWorkspace, { id: ws.id })).workspace;
    expect(read).toEqual(ws);
    const node = ok(await gql(t, GetNode, { id: ws.id })).node;
    expect(node).toEqual({ id: ws.id, name: ws.name, status: "PROVISIONING" });

    await remove(t, ws.id);
    expect(ok(await gql(t, GetWorkspace, { id: ws.id })).workspace).toMatchObject({ id: ws.id, status: "REMOVED" });
    expect(ok(await gql(t, GetNode, { id: ws.id })).node).toEqual({ id: ws.id, name: ws.name, status: "REMOVED" });
  });

  it("accepts an id in upper case as the same workspace", async () => {
    const ws = await create(t, prefix());
    expect(ok(await gql(t, GetWorkspace, { id: ws.id.toUpperCase() })).workspace?.id).toBe(ws.id);
  });
});

describe("workspaces", () => {
  it("leaves REMOVED workspaces out unless status REMOVED is asked, and filters by status", async () => {
    const name = prefix();
    const provisioning = await create(t, name);
    const online = await create(t, name);
    await register(t, online.id);
    const removed = await create(t, name);
    await remove(t, removed.id);

    const mine = (nodes: { id: string; name: string; status: string }[]) =>
      nodes.filter((n) => n.name === name).map((n) => [n.id, n.status]);

    expect(mine(await pageAll(t, 100))).toEqual([
      [provisioning.id, "PROVISIONING"],
      [online.id, "ONLINE"],
    ]);
    for (const [status, expected] of [
      ["REMOVED", removed],
      ["ONLINE", online],
      ["PROVISIONING", provisioning],
    ] as const) {
      const nodes = await pageAll(t, 100, status);
      expect(nodes.every((n) => n.status === status)).toBe(true);
      expect(mine(nodes)).toEqual([[expected.id, status]]);
    }
    expect(mine(await pageAll(t, 100, "FAILED"))).toEqual([]);
  });

  it("refuses first over 100 or negative with a top-level VALIDATION_FAILED", async () => {
    for (const first of [101, 1000, -1, -100]) {
      expectValidationRefusal(await gql(t, ListWorkspaces, { first }), "first");
    }
  });

  it("refuses a cursor it did not issue with a top-level VALIDATION_FAILED", async () => {
    const ws = await create(t, prefix());
    const b64 = (s: string) => Buffer.from(s).toString("base64url");
    const cursors = [
      "garbage",
      "%%%",
      "x".repeat(10_000),
      b64("ws:not-a-date|" + ws.id),
      b64(`ws:2024-01-01T00:00:00.000Z|not-a-uuid-but-36-characters-long!!`),
      b64(`ev:1`), // an event cursor is not a workspace cursor
      b64(`ws:2024-01-01T00:00:00.000Z|${ws.id}|extra`),
    ];
    for (const after of cursors) {
      expectValidationRefusal(await gql(t, ListWorkspaces, { after }), "after");
    }
  });

  it("answers a cursor of any date in range without a 500", async () => {
    const b64 = (s: string) => Buffer.from(s).toString("base64url");
    for (const date of ["1970-01-01T00:00:00.000Z", "0001-01-01T00:00:00.000Z", "9999-12-31T23:59:59.999Z"]) {
      const r = await gql(t, ListWorkspaces, { first: 1, after: b64(`ws:${date}|${randomUUID()}`) });
      expect(r.errors, r.raw).toBeUndefined();
    }
    for (const date of ["0000-01-01T00:00:00.000Z", "-000001-01-01T00:00:00.000Z", "+275760-09-13T00:00:00.000Z"]) {
      const r = await gql(t, ListWorkspaces, { first: 1, after: b64(`ws:${date}|${randomUUID()}`) });
      expect(r.status, r.raw).toBe(200);
      if (r.errors) expectValidationRefusal(r, "after");
    }
  });

  describe("paging, on a database of its own", () => {
    let fresh: TestApp;
    const created: string[] = [];
    beforeAll(async () => {
      fresh = await startTestApp();
      // Five at a time: on PostgreSQL several creates commit at once.
      for (let i = 0; i < 45; i += 5) {
        const batch = await Promise.all(
          Array.from({ length: Math.min(5, 45 - i) }, (_, j) => create(fresh, `page-${i + j}`)),
        );
        created.push(...batch.map((w) => w.id));
      }
    });
    afterAll(() => fresh.stop());

    it("gives 20 by default, oldest first", async () => {
      const page = ok(await gql(fresh, ListWorkspaces, {})).workspaces;
      expect(page.edges).toHaveLength(20);
      expect(page.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
      const all = await pageAll(fresh, 100);
      expect(page.edges.map((e) => e.node.id)).toEqual(all.slice(0, 20).map((n) => n.id));
    });

    it("gives an empty page for first: 0", async () => {
      const page = ok(await gql(fresh, ListWorkspaces, { first: 0 })).workspaces;
      expect(page.edges).toEqual([]);
      expect(page.pageInfo).toMatchObject({ hasNextPage: true, startCursor: null, endCursor: null });
    });

    it("pages through 45 workspaces without a gap or a duplicate, whatever the page size", async () => {
      const all = (await pageAll(fresh, 100)).map((n) => n.id);
      expect(all).toHaveLength(45);
      expect([...all].sort()).toEqual([...created].sort());
      for (const first of [1, 7, 20, 44, 45, 46]) {
        expect(
          (await pageAll(fresh, first)).map((n) => n.id),
          `first: ${first}`,
        ).toEqual(all);
      }
    });

    it("pages without a gap when workspaces share a creation instant (ties broken by id)", async () => {
      const prisma = fresh.app.domain.prisma;
      const rows = await prisma.workspace.findMany({ orderBy: [{ createdAt: "asc" }, { id: "asc" }] });
      // Groups of four consecutive workspaces share one createdAt.
      for (const [i, row] of rows.entries()) {
        const shared = rows[i - (i % 4)]?.createdAt as Date;
        await prisma.workspace.update({ where: { id: row.id }, data: { createdAt: shared } });
      }
      const expected = (await prisma.workspace.findMany({ orderBy: [{ createdAt: "asc" }, { id: "asc" }] })).map(
        (w) => w.id,
      );
      for (const first of [1, 3, 5, 20]) {
        expect(
          (await pageAll(fresh, first)).map((n) => n.id),
          `first: ${first}`,
        ).toEqual(expected);
      }
    });

    it("pages past a removed workspace, and the filtered list pages too", async () => {
      const removed = created.slice(10, 13);
      for (const id of removed) await remove(fresh, id);
      const live = (await pageAll(fresh, 4)).map((n) => n.id);
      expect(live).toHaveLength(42);
      expect(live.filter((id) => removed.includes(id))).toEqual([]);
      expect((await pageAll(fresh, 2, "REMOVED")).map((n) => n.id).sort()).toEqual([...removed].sort());
    });
  });
});

describe("workspaceEvents", () => {
  it("lists a workspace's events oldest first", async () => {
    const ws = await create(t, prefix());
    await register(t, ws.id);
    await remove(t, ws.id);
    const edges = ok(await gql(t, ListEvents, { workspaceId: ws.id })).workspaceEvents.edges;
    expect(edges.map((e) => [e.node.type, e.node.status])).toEqual([
      ["WORKSPACE_PROVISIONING", "PROVISIONING"],
      ["WORKSPACE_ONLINE", "ONLINE"],
      ["WORKSPACE_REMOVED", "REMOVED"],
    ]);
    expect(edges.every((e) => e.node.workspaceId === ws.id && e.cursor === e.node.cursor)).toBe(true);
    const times = edges.map((e) => Date.parse(e.node.at));
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it("lists all workspaces' events in the order they happened when no workspaceId is given", async () => {
    const a = await create(t, prefix());
    const b = await create(t, prefix());
    await register(t, a.id);
    await remove(t, b.id);
    const all = await pageEvents(t, {}, 100);
    const mine = all.filter((e) => e.workspaceId === a.id || e.workspaceId === b.id);
    expect(mine.map((e) => [e.workspaceId, e.type])).toEqual([
      [a.id, "WORKSPACE_PROVISIONING"],
      [b.id, "WORKSPACE_PROVISIONING"],
      [a.id, "WORKSPACE_ONLINE"],
      [b.id, "WORKSPACE_REMOVED"],
    ]);
  });

  it("pages with cursors without a gap or a duplicate, for one workspace and for all", async () => {
    const ws = await create(t, prefix());
    await register(t, ws.id);
    await remove(t, ws.id);
    const whole = await pageEvents(t, {}, 100);
    expect(whole.length).toBeGreaterThanOrEqual(3);
    expect(new Set(whole.map((e) => e.cursor)).size).toBe(whole.length);
    for (const first of [1, 2]) {
      expect(await pageEvents(t, {}, first)).toEqual(whole);
      expect(await pageEvents(t, { workspaceId: ws.id }, first)).toEqual(whole.filter((e) => e.workspaceId === ws.id));
    }
    // A cursor from the unfiltered list resumes a filtered one after that point.
    const own = whole.filter((e) => e.workspaceId === ws.id);
    const rest = ok(await gql(t, ListEvents, { workspaceId: ws.id, after: own[0]?.cursor })).workspaceEvents;
    expect(rest.edges.map((e) => e.node)).toEqual(own.slice(1));
    expect(rest.pageInfo.hasPreviousPage).toBe(true);
  });

  it("reads a malformed or unknown workspaceId as no events", async () => {
    for (const workspaceId of [...MALFORMED_IDS, randomUUID()]) {
      const r = await gql(t, ListEvents, { workspaceId });
      expect(r.errors, r.raw).toBeUndefined();
      expect(ok(r).workspaceEvents).toEqual({
        edges: [],
        pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null },
      });
    }
  });

  it("has the subscription refuse a malformed workspaceId, the empty string too, rather than stream every event", async () => {
    for (const workspaceId of ["", "not-a-uuid"]) {
      const first = await firstSseMessage(t, `subscription($id: ID) { workspaceEvents(workspaceId: $id) { type } }`, {
        id: workspaceId,
      });
      expect(first.errors?.[0]?.extensions?.code, JSON.stringify(first)).toBe("VALIDATION_FAILED");
    }
  });

  it("refuses first over 100 or negative, and a cursor it did not issue", async () => {
    for (const first of [101, -1]) expectValidationRefusal(await gql(t, ListEvents, { first }), "first");
    const ws = await create(t, prefix());
    const workspaceCursor = ok(await gql(t, ListWorkspaces, { first: 1 })).workspaces.pageInfo.endCursor;
    for (const after of ["garbage", workspaceCursor as string, Buffer.from("ev:-1").toString("base64url")]) {
      expectValidationRefusal(await gql(t, ListEvents, { workspaceId: ws.id, after }), "after");
    }
  });
});

/** Every recorded event for this filter, paged with `first` and endCursor. */
async function pageEvents(app: TestApp, filter: { workspaceId?: string }, first: number) {
  const events: { cursor: string; type: string; workspaceId: string }[] = [];
  let after: string | null = null;
  for (let pages = 0; pages < 1000; pages++) {
    const page: ListEventsQuery["workspaceEvents"] = ok(
      await gql(app, ListEvents, { ...filter, first, after }),
    ).workspaceEvents;
    expect(page.edges.length).toBeLessThanOrEqual(first);
    expect(page.pageInfo.endCursor).toBe(page.edges.at(-1)?.cursor ?? null);
    events.push(...page.edges.map((e) => e.node));
    if (!page.pageInfo.hasNextPage) return events;
    after = page.pageInfo.endCursor;
  }
  throw new Error("paging did not end");
}

/** The first message of a subscription over SSE; the stream is cancelled after it. */
async function firstSseMessage(app: TestApp, query: string, variables: Record<string, unknown>) {
  const res = await app.app.yoga.fetch("http://test/graphql", {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "text/event-stream",
      authorization: `Bearer ${app.adminToken}`,
    },
    body: JSON.stringify({ query, variables }),
  });
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = "";
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (value) text += decoder.decode(value, { stream: true });
      const data = /^data: (.+)$/m.exec(text);
      if (data) return JSON.parse(data[1] as string) as { data?: unknown; errors?: GqlResponse<unknown>["errors"] };
      if (done) throw new Error(`stream ended with no message: ${text}`);
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}
