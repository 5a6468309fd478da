import pg from "pg";
import { describe, expect, it } from "vitest";
import { systemActor } from "../../src/auth/actor.js";
import { decodeEventCursor, encodeEventCursor } from "../../src/events/cursor.js";
import { recordEvent } from "../../src/events/record.js";
import { expectSuccess, gql, ok } from "../support/gql.js";
import { backend, startTestApp, type TestApp, useTestApp } from "../support/harness.js";
import { CreateWorkspace, ListEvents, RemoveWorkspace } from "../support/operations.js";
import { connect, OnWorkspaceEvents } from "../support/ws.js";

// Events are ordered by (transaction id, sequence number) and delivered once
// settled (src/events/visibility.ts), with no lock around every event write.

const t = useTestApp();

const create = async (app: TestApp, name: string) =>
  expectSuccess(ok(await gql(app, CreateWorkspace, { input: { name } })).createWorkspace, "CreateWorkspaceSuccess")
    .workspace;
const listAfter = async (app: TestApp, after?: string) =>
  ok(await gql(app, ListEvents, { first: 100, after })).workspaceEvents.edges.map((e) => e.node);

describe("event cursors", () => {
  it("round-trip a position, and refuse what this service never issued", () => {
    const p = { txid: 123n, seq: 45n };
    expect(decodeEventCursor(encodeEventCursor(p))).toEqual(p);
    for (const bad of ["", "ev:", "ev:1:", "ev::1", "ev:-1", "ev:1:2:3", "ev:a", "xx:1"]) {
      expect(decodeEventCursor(Buffer.from(bad).toString("base64url")), bad).toBeNull();
    }
  });

  it("issued before positions had a transaction part (`ev:<seq>`) still resume right after their event", async () => {
    const app = await startTestApp();
    try {
      const old = [await create(app, "old-1"), await create(app, "old-2"), await create(app, "old-3")];
      // As the migration left them: the events recorded under the old numbering have transaction part 0.
      await app.app.domain.prisma.$executeRaw`UPDATE "WorkspaceEvent" SET txid = 0`;
      const newer = await create(app, "new");
      const recorded = await app.app.domain.prisma.workspaceEvent.findMany({ orderBy: { seq: "asc" } });
      const second = recorded.find((e) => e.workspaceId === old[1]?.id);
      const legacy = Buffer.from(`ev:${second?.seq}`).toString("base64url");
      expect((await listAfter(app, legacy)).map((e) => e.workspaceId)).toEqual([old[2]?.id, newer.id]);
    } finally {
      await app.stop();
    }
  });
});

// Only PostgreSQL runs transactions side by side; PGlite runs one at a time.
describe.skipIf(backend !== "postgres")("an event whose transaction commits after a later one's", () => {
  it("is neither skipped nor delivered out of order: later events wait until it is settled", async () => {
    const url = await t.listen();
    const socket = connect(url, t.adminToken);
    const db = new pg.Client({ connectionString: t.databaseUrl as string });
    await db.connect();
    try {
      await socket.connected;
      const w = await create(t, "order-early");
      const head = (await listAfter(t)).at(-1)?.cursor as string;
      const live = socket.subscribe(OnWorkspaceEvents, { after: head });

      // An older transaction records an event and stays open...
      await db.query("BEGIN");
      await db.query(
        `INSERT INTO "WorkspaceEvent" ("workspaceId", type, status, message) VALUES ($1, 'WORKSPACE_DEGRADED', 'PROVISIONING', 'early')`,
        [w.id],
      );
      // ...while a newer one records and commits (through the API, which publishes its hint).
      const late = await create(t, "order-late");
      const recorded = await t.app.domain.prisma.workspaceEvent.findMany({ where: { workspaceId: late.id } });
      expect(recorded, "the newer event is committed").toHaveLength(1);
      // Not settled: neither a page nor the head shows it yet, and a subscriber has not had it.
      expect(await listAfter(t, head)).toEqual([]);
      await t.app.feed.wake();
      await new Promise((r) => setTimeout(r, 200)); // what the feed would have handed out reaches the client
      expect(live.events).toEqual([]);

      await db.query("COMMIT");
      const got = await live.waitFor((events) => events.length >= 2);
      expect(got.map((e) => [e.workspaceEvents.workspaceId, e.workspaceEvents.message ?? null])).toEqual([
        [w.id, "early"],
        [late.id, null],
      ]);
      // The query agrees with the stream, and resuming after the early event gives the late one only.
      const after = await listAfter(t, head);
      expect(after.map((e) => e.cursor)).toEqual(got.map((e) => e.workspaceEvents.cursor));
      expect((await listAfter(t, after[0]?.cursor)).map((e) => e.workspaceId)).toEqual([late.id]);
      // Nothing twice, once the stream has had the time to show a duplicate.
      await new Promise((r) => setTimeout(r, 200));
      expect(live.events).toHaveLength(2);
    } finally {
      await db.query("ROLLBACK").catch(() => {});
      await db.end();
      await socket.dispose();
    }
  });

  it("a workspace's events keep the order they committed in, even from a transaction with an older id", async () => {
    const w = await create(t, "bump");
    await t.app.domain.prisma.$transaction(async (tx) => {
      // This transaction takes its id first (as one that wrote something else would)...
      await tx.$queryRaw`SELECT pg_current_xact_id()::text`;
      // ...then a newer transaction changes the workspace and records its event, and commits...
      const removed = ok(await gql(t, RemoveWorkspace, { id: w.id })).removeWorkspace;
      expect(removed.__typename).toBe("WorkspaceSuccess");
      // ...and only then does this one lock the workspace and record its own.
      await tx.$queryRaw`SELECT id FROM "Workspace" WHERE id = ${w.id}::uuid FOR UPDATE`;
      await recordEvent(tx, {
        workspaceId: w.id,
        type: "WORKSPACE_DEGRADED",
        status: "REMOVED",
        message: "after the removal",
        actor: systemActor("test"),
      });
    });
    const own = ok(await gql(t, ListEvents, { workspaceId: w.id, first: 10 })).workspaceEvents.edges;
    expect(own.map((e) => e.node.type)).toEqual(["WORKSPACE_PROVISIONING", "WORKSPACE_REMOVED", "WORKSPACE_DEGRADED"]);
  });

  it("a transaction of another database on the cluster holds nothing back", async () => {
    // The cluster's own database, not this test's: CI runs many side by side.
    const other = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL as string });
    await other.connect();
    try {
      await create(t, "other-db-before");
      const head = (await listAfter(t)).at(-1)?.cursor as string;
      await other.query("BEGIN");
      await other.query("SELECT pg_current_xact_id()::text");
      const w = await create(t, "other-db-during");
      expect((await listAfter(t, head)).map((e) => e.workspaceId)).toEqual([w.id]);
    } finally {
      await other.query("ROLLBACK").catch(() => {});
      await other.end();
    }
  });

  it("a transaction that records no event delays delivery but loses nothing when it ends", async () => {
    // A poll too slow to matter: the feed's own re-read of what was held back must deliver.
    const quiet = await startTestApp({ EVENT_POLL_INTERVAL_MS: "60000" });
    const url = await quiet.listen();
    const socket = connect(url, quiet.adminToken);
    const db = new pg.Client({ connectionString: quiet.databaseUrl as string });
    await db.connect();
    try {
      await socket.connected;
      await create(quiet, "quiet-before");
      const head = (await listAfter(quiet)).at(-1)?.cursor as string;
      const live = socket.subscribe(OnWorkspaceEvents, { after: head });
      await db.query("BEGIN");
      await db.query("SELECT pg_current_xact_id()"); // holds a transaction id, as any write does
      const w = await create(quiet, "quiet-during");
      expect(await listAfter(quiet, head)).toEqual([]);
      // Ends without recording anything: no hint comes, the feed's own re-read finds the event.
      await db.query("ROLLBACK");
      const got = await live.waitFor((events) => events.some((e) => e.workspaceEvents.workspaceId === w.id));
      expect(got.map((e) => e.workspaceEvents.workspaceId)).toEqual([w.id]);
    } finally {
      await db.end();
      await socket.dispose();
      await quiet.stop();
    }
  });
});
