import { randomUUID } from "node:crypto";
import type { Socket } from "node:net";
import { execute, GraphQLObjectType, getNamedType, isLeafType, isNonNullType, parse } from "graphql";
import type { FormattedExecutionResult } from "graphql-ws";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { WebSocket } from "ws";
import { encodeEventCursor } from "../../src/events/cursor.js";
import type { EventFeed, FeedListener } from "../../src/events/feed.js";
import { MAX_QUEUED_EVENTS, subscribeToEvents } from "../../src/events/subscribe.js";
import type { WorkspaceEvent } from "../../src/generated/prisma/client.js";
import { schema } from "../../src/schema/index.js";
import type { OnWorkspaceEventsSubscription } from "../gql/graphql.js";
import { expectSuccess, gql, ok } from "../support/gql.js";
import { openTestDatabase, randomKey, startTestApp, type TestApp, useTestApp } from "../support/harness.js";
import {
  CreateWorkspace,
  DeleteOrgSecret,
  ListEvents,
  RegisterWorkspace,
  RestartWorkspace,
  SetOrgSecret,
} from "../support/operations.js";
import { type Connection, connect, eventually, OnProvisionFailures, OnWorkspaceEvents, wsUrl } from "../support/ws.js";

type Event = OnWorkspaceEventsSubscription["workspaceEvents"];

/** Every field of a type that needs no argument, objects to `depth`; abstract types by their name. */
function selectEverything(type: GraphQLObjectType, depth: number): string {
  const fields = Object.values(type.getFields()).filter((f) => !f.args.some((a) => isNonNullType(a.type)));
  const parts = fields.flatMap((f) => {
    const named = getNamedType(f.type);
    if (isLeafType(named)) return [f.name];
    if (depth === 0) return [];
    if (named instanceof GraphQLObjectType) return [`${f.name} ${selectEverything(named, depth - 1)}`];
    return [`${f.name} { __typename }`];
  });
  return `{ ${parts.join(" ")} }`;
}

const t = useTestApp();
let base: string;
const open: Connection[] = [];

beforeAll(async () => {
  base = await t.listen();
});

// Every test closes its sockets, and every subscription must then let go of
// its feed listener: a leak here is a leak per disconnected client.
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.dispose()));
  await eventually(() => t.app.feed.listenerCount() === 0, "every feed listener released");
});

async function admin(app: TestApp = t, url = base) {
  const c = connect(url, app.adminToken);
  open.push(c);
  await c.connected;
  return c;
}

async function createWorkspace(name: string, input: Record<string, unknown> = {}, app = t) {
  const r = ok(await gql(app, CreateWorkspace, { input: { name, ...input } })).createWorkspace;
  return expectSuccess(r, "CreateWorkspaceSuccess").workspace;
}

async function register(workspaceId: string, app = t) {
  const r = ok(await gql(app, RegisterWorkspace, { input: { workspaceId } }, { token: null })).registerWorkspace;
  return expectSuccess(r, "RegisterWorkspaceSuccess");
}

/** The record as the workspaceEvents query pages it, oldest first. */
async function recorded(opts: { workspaceId?: string; after?: string } = {}, app = t) {
  const out: { cursor: string; type: string; workspaceId: string }[] = [];
  let after = opts.after;
  for (;;) {
    const page = ok(await gql(app, ListEvents, { workspaceId: opts.workspaceId, first: 100, after })).workspaceEvents;
    out.push(...page.edges.map((e) => ({ cursor: e.node.cursor, type: e.node.type, workspaceId: e.node.workspaceId })));
    if (!page.pageInfo.hasNextPage) return out;
    after = page.pageInfo.endCursor ?? undefined;
  }
}

const events = (received: { workspaceEvents: Event }[]) => received.map((r) => r.workspaceEvents);
const listening = (topic: string, n: number, app = t) =>
  eventually(() => app.app.feed.listenerCount(topic) === n, `${n} feed listeners on ${topic}`);

describe("workspaceEvents over graphql-ws", () => {
  it("shows a workspace created after subscribing go PROVISIONING then ONLINE, in order, with the record's cursors", async () => {
    const sub = (await admin()).subscribe(OnWorkspaceEvents, {});
    await listening("*", 1);
    const w = await createWorkspace("watched");
    await register(w.id);
    const mine = (all: { workspaceEvents: Event }[]) => events(all).filter((e) => e.workspaceId === w.id);
    const got = mine(await sub.waitFor((all) => mine(all).length >= 2));
    expect(got.map((e) => [e.type, e.status])).toEqual([
      ["WORKSPACE_PROVISIONING", "PROVISIONING"],
      ["WORKSPACE_ONLINE", "ONLINE"],
    ]);
    expect(got.map((e) => e.cursor)).toEqual((await recorded({ workspaceId: w.id })).map((e) => e.cursor));
  });

  it("with a workspaceId, carries that workspace's events only", async () => {
    const a = await createWorkspace("a");
    const b = await createWorkspace("b");
    const sub = (await admin()).subscribe(OnWorkspaceEvents, { workspaceId: a.id });
    await listening(a.id, 1);
    // b's event commits first: were it delivered, it would arrive before a's.
    await register(b.id);
    await register(a.id);
    const got = events(await sub.waitFor((all) => all.length >= 1));
    expect(got.map((e) => [e.workspaceId, e.type])).toEqual([[a.id, "WORKSPACE_ONLINE"]]);
  });

  it("provisionFailures carries only WORKSPACE_PROVISION_FAILED", async () => {
    const sub = (await admin()).subscribe(OnProvisionFailures, {});
    await listening("*", 1);
    ok(await gql(t, SetOrgSecret, { input: { key: "GEMINI_API_KEY", value: "g-secret" } }));
    const w = await createWorkspace("byok", { runtime: "google-adk", model: "gemini-2.5-flash" });
    expect(w.status).toBe("PROVISIONING");
    await register(w.id); // an ONLINE event the subscription must not carry
    ok(await gql(t, DeleteOrgSecret, { key: "GEMINI_API_KEY" }));
    const restarted = ok(await gql(t, RestartWorkspace, { id: w.id })).restartWorkspace;
    expect(expectSuccess(restarted, "WorkspaceSuccess").workspace).toMatchObject({
      status: "FAILED",
      failure: { code: "MISSING_BYOK_CREDENTIAL" },
    });
    const got = (await sub.waitFor((all) => all.length >= 1)).map((r) => r.provisionFailures);
    expect(got).toMatchObject([
      { workspaceId: w.id, type: "WORKSPACE_PROVISION_FAILED", status: "FAILED", code: "MISSING_BYOK_CREDENTIAL" },
    ]);
    // The record holds more for this workspace; the subscription skipped them.
    expect((await recorded({ workspaceId: w.id })).map((e) => e.type)).toEqual([
      "WORKSPACE_PROVISIONING",
      "WORKSPACE_ONLINE",
      "WORKSPACE_PROVISIONING",
      "WORKSPACE_PROVISION_FAILED",
    ]);
  });

  it("after: replays every recorded event past the cursor, then goes live, with no gap and no duplicate while events are written", async () => {
    let created = 0;
    let release!: () => void;
    const halfway = new Promise<void>((resolve) => {
      release = resolve;
    });
    const writer = async (name: string) => {
      for (let i = 0; i < 15; i++) {
        if (i === 5) await halfway;
        await createWorkspace(`${name}-${i}`);
        created++;
      }
    };
    // Three writers at once: on PostgreSQL their transactions interleave.
    const writing = Promise.all([writer("w1"), writer("w2"), writer("w3")]);
    await eventually(() => created === 15, "the writers halfway");
    const sofar = await recorded();
    const from = sofar[sofar.length - 8]?.cursor as string;
    const c = await admin();
    const sub = c.subscribe(OnWorkspaceEvents, { after: from });
    // The subscription's replay and switch to live race the remaining 30 writes.
    release();
    await writing;
    const w = await createWorkspace("after the writers");

    const expected = await recorded({ after: from });
    expect(expected.length).toBe(7 + 30 + 1);
    const got = events(await sub.waitFor((all) => events(all).some((e) => e.workspaceId === w.id)));
    expect(got.map((e) => e.cursor)).toEqual(expected.map((e) => e.cursor));
  });

  it("refuses a socket without an admin token with 4403: none, a wrong one, an instance token", async () => {
    const w = await createWorkspace("agent");
    const instanceToken = (await register(w.id)).authToken as string;
    expect(instanceToken).toBeTruthy();
    for (const token of [null, "not-a-real-token-at-all", instanceToken]) {
      const c = connect(base, token);
      open.push(c);
      expect(await c.closed, String(token)).toMatchObject({ code: 4403 });
      await expect(c.connected).rejects.toThrow();
    }
  });

  it("never takes the upgrade request's Authorization header as the socket's credential", async () => {
    // A browser cannot set headers on a WebSocket; a proxy or a script can. The credential is connection_init's alone.
    const closed = await new Promise<{ code: number }>((resolve) => {
      const ws = new WebSocket(wsUrl(base), "graphql-transport-ws", {
        headers: { authorization: `Bearer ${t.adminToken}` },
      });
      ws.on("open", () => ws.send(JSON.stringify({ type: "connection_init", payload: {} })));
      ws.on("close", (code) => resolve({ code }));
    });
    expect(closed.code).toBe(4403);
  });

  it("answers a malformed after or workspaceId with an error, and the socket goes on serving", async () => {
    const c = await admin();
    const malformed = [
      { after: "not-a-cursor" },
      { after: Buffer.from("ev:12x").toString("base64url") },
      { after: "x".repeat(10_000) },
      { workspaceId: "not-an-id" },
    ];
    for (const variables of malformed) {
      const bad = c.subscribe(OnWorkspaceEvents, variables);
      await bad.ended();
      expect(bad.events).toEqual([]);
      expect(bad.errors, JSON.stringify(variables)).toMatchObject([{ extensions: { code: "VALIDATION_FAILED" } }]);
    }
    // A variable that does not coerce is described as graphql-js describes it, value not shown.
    const uncoerced = c.subscribe(OnWorkspaceEvents, { after: 12 } as unknown as { after: string });
    await uncoerced.ended();
    expect(uncoerced.errors).toMatchObject([
      { message: 'Variable "$after" got invalid value (not shown); String cannot represent a non string value.' },
    ]);
    const good = c.subscribe(OnWorkspaceEvents, {});
    await listening("*", 1);
    const w = await createWorkspace("still served");
    await good.waitFor((all) => events(all).some((e) => e.workspaceId === w.id));
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it("resumes across a server restart with the last cursor: nothing missed, the cursor still valid", async () => {
    const { database } = await openTestDatabase();
    // Both apps use this database; the first must not close it on stop.
    const shared = { ...database, close: async () => {} };
    const env = { SECRETS_ENCRYPTION_KEY: randomKey() };
    const first = await startTestApp(env, shared);
    let second: TestApp | undefined;
    try {
      const firstUrl = await first.listen();
      const c1 = connect(firstUrl, first.adminToken);
      open.push(c1);
      await c1.connected;
      const before = c1.subscribe(OnWorkspaceEvents, {});
      await listening("*", 1, first);
      const w1 = await createWorkspace("before restart", {}, first);
      await register(w1.id, first);
      const seen = events(await before.waitFor((all) => all.length >= 2));
      const last = seen.at(-1)?.cursor as string;
      await first.stop();
      expect((await c1.closed).code).toBe(1001);

      second = await startTestApp(env, shared);
      const secondUrl = await second.listen();
      // Written while no subscriber was connected.
      const w2 = await createWorkspace("while down", {}, second);
      await register(w2.id, second);
      const c2 = connect(secondUrl, second.adminToken);
      open.push(c2);
      await c2.connected;
      const resumed = c2.subscribe(OnWorkspaceEvents, { after: last });
      const w3 = await createWorkspace("after restart", {}, second);
      const got = events(await resumed.waitFor((all) => events(all).some((e) => e.workspaceId === w3.id)));
      const expected = await recorded({ after: last }, second);
      expect(got.map((e) => e.cursor)).toEqual(expected.map((e) => e.cursor));
      expect(got.map((e) => [e.workspaceId, e.type])).toEqual([
        [w2.id, "WORKSPACE_PROVISIONING"],
        [w2.id, "WORKSPACE_ONLINE"],
        [w3.id, "WORKSPACE_PROVISIONING"],
      ]);
      await c2.dispose();
      await listening("*", 0, second);
    } finally {
      await second?.stop();
      await database.close();
    }
  });

  it("delivers one event to 200 subscribers of one workspace, with no listener-count warning", async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on("warning", onWarning);
    try {
      const w = await createWorkspace("popular");
      const conns = await Promise.all(Array.from({ length: 200 }, () => admin()));
      const subs = conns.map((c) => c.subscribe(OnWorkspaceEvents, { workspaceId: w.id }));
      await listening(w.id, 200);
      await register(w.id);
      const got = await Promise.all(subs.map((s) => s.waitFor((all) => all.length >= 1)));
      for (const received of got) expect(events(received).map((e) => e.type)).toEqual(["WORKSPACE_ONLINE"]);
      // Warnings are emitted on the next tick.
      await new Promise((r) => setImmediate(r));
      expect(warnings.filter((x) => x.name === "MaxListenersExceededWarning")).toEqual([]);
    } finally {
      process.off("warning", onWarning);
    }
  });

  it("everything an event reaches resolves in a shared answer: nothing below a subscription reads who the caller is", async () => {
    // The shared execution's context throws on the caller's identity, the bearer and the actor
    // (src/http/subscription-execution.ts): a field that read them would come back as an error here.
    const selection = selectEverything(schema.getType("WorkspaceEvent") as GraphQLObjectType, 3);
    const [a, b] = [await admin(), await admin()];
    const received: FormattedExecutionResult<Record<string, unknown>, unknown>[] = [];
    const query = `subscription { workspaceEvents ${selection} }`;
    for (const c of [a, b]) {
      c.client.subscribe({ query }, { next: (r) => void received.push(r), error: () => {}, complete: () => {} });
    }
    await listening("*", 2);
    const w = await createWorkspace("seen whole");
    await eventually(() => received.length >= 2, "both subscribers answered");
    for (const r of received.slice(0, 2)) {
      expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
      expect(r.data?.workspaceEvents).toMatchObject({ workspaceId: w.id, workspace: { id: w.id } });
    }
  });

  it("every subscription field resolves an event to itself whatever its arguments: they only choose the stream", async () => {
    // The shared execution keys on the variables an event's execution reads and leaves out those
    // only a root field's arguments read (src/http/subscription-execution.ts): this is why it may.
    const event = {
      txid: 7n,
      seq: 3n,
      type: "WORKSPACE_ONLINE",
      workspaceId: randomUUID(),
      status: "ONLINE",
      code: null,
      message: null,
      payload: null,
      actor: null,
      at: new Date(0),
    };
    const contextValue = { caller: { kind: "apiToken", id: "t", label: "t", role: "viewer" } };
    const argumentValue = (type: string, which: number) =>
      which === 0 ? null : type.startsWith("ID") ? randomUUID() : type.startsWith("String") ? "ev:1:1" : 1;
    const fields = Object.values(schema.getSubscriptionType()?.getFields() ?? {});
    expect(fields.length).toBeGreaterThan(0);
    for (const field of fields) {
      const defs = field.args.map((a) => `$${a.name}: ${String(a.type)}`).join(", ");
      const uses = field.args.map((a) => `${a.name}: $${a.name}`).join(", ");
      const document = parse(`subscription(${defs}) { ${field.name}(${uses}) { cursor type workspaceId status } }`);
      const answers = [];
      for (const which of [0, 1]) {
        const variableValues = Object.fromEntries(
          field.args.map((a) => [a.name, argumentValue(String(a.type), which)]),
        );
        answers.push(await execute({ schema, document, rootValue: event, contextValue, variableValues }));
      }
      expect(answers[0], field.name).toEqual(answers[1]);
      expect(answers[0]?.data?.[field.name], field.name).toMatchObject({
        workspaceId: event.workspaceId,
        cursor: encodeEventCursor({ txid: 7n, seq: 3n }),
      });
    }
  });

  it("a client that drops its socket does not break others, and its feed listener is released", async () => {
    const dropped = await admin();
    const stays = await admin();
    const lost = dropped.subscribe(OnWorkspaceEvents, {});
    const kept = stays.subscribe(OnWorkspaceEvents, {});
    await listening("*", 2);
    dropped.terminate();
    await listening("*", 1);
    const w = await createWorkspace("after a crash");
    await kept.waitFor((all) => events(all).some((e) => e.workspaceId === w.id));
    expect(lost.events).toEqual([]);
    expect(t.logs.filter((l) => l.includes('"level":"error"'))).toEqual([]);
  });
});

describe("a client that stops reading its socket", () => {
  it("holds up no one, holds no more than 1,000 events, and catches up from the record when it reads again", async () => {
    const w = await createWorkspace("busy");
    const stalled = await admin();
    const reading = await admin();
    const behind = stalled.subscribe(OnWorkspaceEvents, { workspaceId: w.id });
    const keeping = reading.subscribe(OnWorkspaceEvents, { workspaceId: w.id });
    await listening(w.id, 2);
    // The client stops reading: the kernel buffers fill (a few MB), then the
    // server's sends wait and the subscription's own queue takes the rest.
    const tcp = (stalled.socket() as unknown as { _socket: Socket })._socket;
    tcp.pause();
    // Only a queue that overflowed reads the record (neither stream has `after`): the server
    // held the stalled one's events back, rather than buffering them all in its socket.
    const catchUps = vi.spyOn(t.app.feed, "readAfter");
    // 3,000 events of 8 KiB (24 MiB, several times what the buffers hold),
    // recorded directly for volume, in chunks the reading client keeps up with.
    const chunk = 500;
    for (let done = chunk; done <= 3_000; done += chunk) {
      await t.app.domain.prisma.$executeRawUnsafe(
        `INSERT INTO "WorkspaceEvent" ("workspaceId", "type", "status", "payload")
         SELECT $1::uuid, 'WORKSPACE_ONLINE', 'ONLINE', jsonb_build_object('pad', repeat('x', 8192))
         FROM generate_series(1, ${chunk})`,
        w.id,
      );
      await t.app.feed.wake();
      await keeping.waitFor((all) => all.length >= done, 30_000);
    }
    expect(keeping.errors).toEqual([]);
    tcp.resume();
    // Once it reads again it gets every event, in order, with no gap and no
    // duplicate: what overflowed its queue is read back from the record.
    await behind.waitFor((all) => all.length >= 3_000, 60_000);
    expect(behind.errors).toEqual([]);
    expect(events(behind.events).map((e) => e.cursor)).toEqual(events(keeping.events).map((e) => e.cursor));
    expect(catchUps).toHaveBeenCalled();
    catchUps.mockRestore();
    expect(t.logs.filter((l) => l.includes('"level":"error"'))).toEqual([]);
  });
});

describe("subscribeToEvents: a subscriber that stops reading", () => {
  // A fake feed that hands events to the subscriber as fast as they commit.
  const fakeFeed = () => {
    const listeners = new Set<FeedListener>();
    const endings = new Set<() => void>();
    const feed = {
      listen: (_topic: string, listener: FeedListener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      onDrain: (end: () => void) => {
        endings.add(end);
        return () => endings.delete(end);
      },
      position: { txid: 0n, seq: 0n },
      readAfter: t.app.feed.readAfter.bind(t.app.feed),
    } as unknown as EventFeed;
    let seq = 0n;
    const emit = (n: number) => {
      for (let i = 0; i < n; i++) {
        seq++;
        const event = { txid: 1n, seq, workspaceId: "w", type: "WORKSPACE_ONLINE", status: "ONLINE" } as WorkspaceEvent;
        for (const l of listeners) l(event);
      }
    };
    const drain = () => {
      for (const end of [...endings]) end();
    };
    return { feed, listeners, endings, emit, drain };
  };
  const eventAt = (seq: bigint) =>
    ({ txid: 1n, seq, workspaceId: "w", type: "WORKSPACE_ONLINE", status: "ONLINE" }) as WorkspaceEvent;

  it("keeps up to 1,000 unread events, then drops them and catches up from the record", async () => {
    const { feed, listeners, emit } = fakeFeed();
    const reads: bigint[] = [];
    // The record behind the fake feed: what a catch-up reads (every event settled).
    feed.readAfter = async (from, _filter, limit) => {
      reads.push(from.seq);
      const events: WorkspaceEvent[] = [];
      for (let s = from.seq + 1n; s <= emitted() && events.length < limit; s++) {
        events.push({
          txid: 1n,
          seq: s,
          workspaceId: "w",
          type: "WORKSPACE_ONLINE",
          status: "ONLINE",
        } as WorkspaceEvent);
      }
      return { events, heldBack: false };
    };
    let count = 0n;
    const emitted = () => count;
    const emitCounted = (n: number) => {
      count += BigInt(n);
      emit(n);
    };
    const stream = subscribeToEvents(feed, {});
    const first = stream.next();
    await eventually(() => listeners.size === 1, "listening");
    emitCounted(1);
    expect((await first).value?.seq).toBe(1n);
    emitCounted(MAX_QUEUED_EVENTS); // exactly the bound behind: served from the queue
    expect((await stream.next()).value?.seq).toBe(2n);
    expect(reads).toEqual([]);
    emitCounted(2); // 1,001 behind: the queue is dropped
    const rest: bigint[] = [];
    for (let i = 0; i < MAX_QUEUED_EVENTS + 1; i++) rest.push((await stream.next()).value?.seq as bigint);
    expect(reads[0]).toBe(2n);
    expect(rest).toEqual(Array.from({ length: MAX_QUEUED_EVENTS + 1 }, (_, i) => BigInt(i + 3)));
    await stream.return?.();
    expect(listeners.size).toBe(0);
  });

  it("a subscriber that keeps reading is never cut off, however many events pass", async () => {
    const { feed, emit } = fakeFeed();
    const stream = subscribeToEvents(feed, {});
    const first = stream.next();
    await new Promise((r) => setImmediate(r));
    emit(1);
    await first;
    let last: WorkspaceEvent | undefined;
    for (let round = 0; round < 5; round++) {
      emit(MAX_QUEUED_EVENTS);
      for (let i = 0; i < MAX_QUEUED_EVENTS; i++) last = (await stream.next()).value as WorkspaceEvent;
    }
    expect(last?.seq).toBe(BigInt(1 + 5 * MAX_QUEUED_EVENTS));
    await stream.return?.();
  });

  it("a subscriber closed while waiting on a quiet feed lets go at once", async () => {
    const { feed, listeners } = fakeFeed();
    const stream = subscribeToEvents(feed, {});
    const waiting = stream.next();
    await eventually(() => listeners.size === 1, "listening");
    await stream.return?.();
    expect((await waiting).done).toBe(true);
    expect(listeners.size).toBe(0);
  });

  it("a shutdown's drain completes a waiting stream and releases what it held", async () => {
    const { feed, listeners, endings, drain } = fakeFeed();
    const stream = subscribeToEvents(feed, {});
    const waiting = stream.next();
    await eventually(() => listeners.size === 1, "listening");
    drain();
    expect(await waiting).toEqual({ done: true, value: undefined });
    expect(await stream.next()).toEqual({ done: true, value: undefined });
    expect(listeners.size).toBe(0);
    expect(endings.size).toBe(0);
  });

  it("a next called before the last one settled waits its turn: each event reaches one of them, in order", async () => {
    const { feed, listeners, emit } = fakeFeed();
    const stream = subscribeToEvents(feed, {});
    const first = stream.next();
    const second = stream.next();
    await eventually(() => listeners.size === 1, "listening");
    emit(2);
    expect((await first).value?.seq).toBe(1n);
    expect((await second).value?.seq).toBe(2n);
    await stream.return?.();
  });

  it("a record that cannot be read ends the replay with the error and releases the listener", async () => {
    const { feed, listeners, endings } = fakeFeed();
    feed.readAfter = async () => {
      throw new Error("the database is gone");
    };
    const stream = subscribeToEvents(feed, { after: { txid: 1n, seq: 0n } });
    await expect(stream.next()).rejects.toThrow("the database is gone");
    expect(listeners.size).toBe(0);
    expect(endings.size).toBe(0);
    expect(await stream.next()).toEqual({ done: true, value: undefined });
  });

  it("a stream returned while its replay reads ends there: the page read is not handed out", async () => {
    const { feed, listeners } = fakeFeed();
    let answer!: (page: { events: WorkspaceEvent[]; heldBack: boolean }) => void;
    feed.readAfter = () => new Promise((resolve) => (answer = resolve));
    const stream = subscribeToEvents(feed, { after: { txid: 1n, seq: 0n } });
    const reading = stream.next();
    await eventually(() => answer !== undefined, "reading");
    await stream.return?.();
    answer({ events: [eventAt(1n), eventAt(2n)], heldBack: false });
    expect(await reading).toEqual({ done: true, value: undefined });
    expect(listeners.size).toBe(0);
  });

  it("a replay then live events: the overlap between the record and the queue is handed out once", async () => {
    const { feed, emit } = fakeFeed();
    let answer!: (page: { events: WorkspaceEvent[]; heldBack: boolean }) => void;
    feed.readAfter = () => new Promise((resolve) => (answer = resolve));
    const stream = subscribeToEvents(feed, { after: { txid: 1n, seq: 0n } });
    const reading = stream.next();
    await eventually(() => answer !== undefined, "reading");
    emit(3); // live while the record is read: 1-3, which the record also holds up to 2
    answer({ events: [eventAt(1n), eventAt(2n)], heldBack: false });
    const seqs = [(await reading).value?.seq];
    for (let i = 0; i < 2; i++) seqs.push((await stream.next()).value?.seq);
    expect(seqs).toEqual([1n, 2n, 3n]);
    emit(1);
    expect((await stream.next()).value?.seq).toBe(4n);
    await stream.return?.();
  });
});
