import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from "vitest";
import { WebSocket } from "ws";
import type { EventFeed, FeedListener } from "../../src/events/feed.js";
import { type EventTaker, MAX_QUEUED_EVENTS, subscribeToEvents } from "../../src/events/subscribe.js";
import type { WorkspaceEvent } from "../../src/generated/prisma/client.js";
import { graphql } from "../gql/gql.js";
import { type Doc, expectSuccess, gql, ok } from "../support/gql.js";
import { useTestApp } from "../support/harness.js";
import { CreateWorkspace, ListEvents, RevokeApiToken } from "../support/operations.js";
import { apiToken } from "../support/roles.js";
import { connect, eventually, OnWorkspaceEvents } from "../support/ws.js";

// The live lane (src/http/live-lane.ts): a graphql-ws subscriber's answer
// written straight to its socket instead of through each layer of its
// stream. What it must keep: graphql-ws's bytes, the record's order, the
// access rules' verdict before each event, and the stream's path for
// anything it cannot do at once.

const WithWorkspace = graphql(`
  subscription WithWorkspace {
    workspaceEvents { cursor workspace { name } }
  }
`);

const t = useTestApp();

/** Every message the server's sockets sent: graphql-ws sends with a callback, the lane without. */
const sent: { frame: string; lane: boolean }[] = [];
const nextFrames = () =>
  sent
    .map((s) => ({ ...s, message: JSON.parse(s.frame) as { id: string; type: string; payload?: unknown } }))
    .filter((s) => s.message.type === "next");

beforeAll(() => {
  const send = WebSocket.prototype.send;
  vi.spyOn(WebSocket.prototype, "send").mockImplementation(function (this: WebSocket, data: unknown, ...rest) {
    if ((this as unknown as { _isServer: boolean })._isServer) {
      sent.push({ frame: String(data), lane: typeof rest.at(-1) !== "function" });
    }
    return (send as (...args: unknown[]) => void).call(this, data, ...rest);
  });
});
afterAll(() => vi.restoreAllMocks());

const create = async (name: string) =>
  expectSuccess(ok(await gql(t, CreateWorkspace, { input: { name } })).createWorkspace, "CreateWorkspaceSuccess")
    .workspace;

/**
 * A subscription on a socket of its own, in place before the test's events
 * (and the record of sent messages cleared); the socket closes after the test.
 */
async function subscribed<R, V>(token: string, doc: Doc<R, V>) {
  const socket = connect(await t.listen(), token);
  onTestFinished(() => socket.dispose());
  await socket.connected;
  const sub = socket.subscribe(doc, {} as V);
  await new Promise((r) => setTimeout(r, 100));
  sent.length = 0;
  return { socket, sub };
}

describe("the live lane over graphql-ws", () => {
  it("sends what graphql-ws would, byte for byte, to every subscriber of an answer worked out at once, in the record's order", async () => {
    const subs = [
      (await subscribed(t.adminToken, OnWorkspaceEvents)).sub,
      (await subscribed(t.adminToken, OnWorkspaceEvents)).sub,
    ];
    const made = [await create("lane one"), await create("lane two"), await create("lane three")];
    const record = ok(await gql(t, ListEvents, { first: 100 })).workspaceEvents.edges.map((e) => e.node);
    const expected = record.filter((e) => made.some((w) => w.id === e.workspaceId));
    expect(expected.length).toBeGreaterThanOrEqual(3);
    for (const sub of subs) {
      const events = await sub.waitFor((all) => all.length >= expected.length);
      expect(events.map((e) => e.workspaceEvents.cursor)).toEqual(expected.map((e) => e.cursor));
    }
    const frames = nextFrames();
    expect(frames).toHaveLength(2 * expected.length);
    for (const { frame, lane, message } of frames) {
      expect(lane).toBe(true);
      // graphql-ws's emit.next: JSON.stringify({ id, type: "next", payload }) of a result without errors.
      expect(frame).toBe(JSON.stringify({ id: message.id, type: "next", payload: message.payload }));
    }
  });

  it("leaves to the stream an answer still being worked out when the event comes", async () => {
    const { sub } = await subscribed(t.adminToken, WithWorkspace);
    const made = await create("through the stream");
    const events = await sub.waitFor((all) => all.some((e) => e.workspaceEvents.workspace?.name === made.name));
    expect(events.length).toBeGreaterThan(0);
    const frames = nextFrames();
    expect(frames.length).toBe(events.length);
    expect(frames.every((f) => !f.lane)).toBe(true);
  });

  it("judges the caller again before each event it takes: a revoked token's next event is not sent, and the stream closes the socket 4403", async () => {
    const doomed = await apiToken(t, "viewer", "revoked on the lane");
    const { socket, sub } = await subscribed(doomed.token, OnWorkspaceEvents);
    const before = await create("seen on the lane");
    await sub.waitFor((events) => events.some((e) => e.workspaceEvents.workspaceId === before.id));
    expect(nextFrames().map((f) => f.lane)).toEqual(sub.events.map(() => true));
    const seen = nextFrames().length;
    expectSuccess(ok(await gql(t, RevokeApiToken, { id: doomed.id })).revokeApiToken, "RevokeApiTokenSuccess");
    const after = await create("refused after the revocation");
    expect((await socket.closed).code).toBe(4403);
    expect(sub.events.some((e) => e.workspaceEvents.workspaceId === after.id)).toBe(false);
    // The stream refused it: the socket closed 4403 with no further message, through the lane or not.
    expect(nextFrames().slice(seen)).toEqual([]);
  });
});

describe("subscribeToEvents with a taker", () => {
  const eventAt = (seq: number) =>
    ({ txid: 1n, seq: BigInt(seq), workspaceId: "w", type: "WORKSPACE_ONLINE", status: "ONLINE" }) as WorkspaceEvent;
  /** A feed whose events come when the test says; `record` is what a catch-up reads. */
  const fakeFeed = (record: WorkspaceEvent[] = []) => {
    const listeners = new Set<FeedListener>();
    const feed = {
      listen: (_topic: string, listener: FeedListener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      onDrain: () => () => {},
      position: { txid: 0n, seq: 0n },
      readAfter: async (from: { seq: bigint }, _filter: unknown, limit: number) => ({
        events: record.filter((e) => e.seq > from.seq).slice(0, limit),
        heldBack: false,
      }),
    } as unknown as EventFeed;
    const emit = (...seqs: number[]) => {
      for (const s of seqs) for (const l of listeners) l(eventAt(s));
    };
    return { feed, listeners, emit };
  };
  const seqs = (events: (WorkspaceEvent | undefined)[]) => events.map((e) => Number(e?.seq));

  it("offers each live event to the taker first; the reader gets only what it declines, in order", async () => {
    const { feed, listeners, emit } = fakeFeed();
    const stream = subscribeToEvents(feed, {});
    const offered: number[] = [];
    stream.takeLiveEvents((e) => {
      offered.push(Number(e.seq));
      return e.seq % 2n === 1n;
    });
    const read = stream.next();
    await eventually(() => listeners.size === 1, "listening");
    emit(1, 2, 3, 4);
    expect((await read).value?.seq).toBe(2n);
    // 3 and 4 arrived while the reader was busy with 2: queued for it, not offered.
    expect(seqs([(await stream.next()).value, (await stream.next()).value])).toEqual([3, 4]);
    // Waiting again: 5 is taken, 6 declined to the reader.
    const again = stream.next();
    emit(5, 6);
    expect((await again).value?.seq).toBe(6n);
    expect(offered).toEqual([1, 2, 5, 6]);
    await stream.return?.();
  });

  it("offers nothing more until the taker answers; what came meanwhile is offered in order, and a decline hands the rest to the reader", async () => {
    const { feed, listeners, emit } = fakeFeed();
    const stream = subscribeToEvents(feed, {});
    const answers: ((taken: boolean) => void)[] = [];
    const offered: number[] = [];
    const taker: EventTaker = (e) => {
      offered.push(Number(e.seq));
      return new Promise((resolve) => answers.push(resolve));
    };
    stream.takeLiveEvents(taker);
    const read = stream.next();
    await eventually(() => listeners.size === 1, "listening");
    emit(1, 2, 3, 4);
    expect(offered).toEqual([1]);
    answers[0]?.(true);
    await eventually(() => offered.length === 2, "2 offered");
    answers[1]?.(true);
    await eventually(() => offered.length === 3, "3 offered");
    answers[2]?.(false); // declined: 3 goes to the reader, 4 waits for it
    expect((await read).value?.seq).toBe(3n);
    expect((await stream.next()).value?.seq).toBe(4n);
    expect(offered).toEqual([1, 2, 3]);
    await stream.return?.();
  });

  it("a queue that overflows while the taker answers is caught up from the record, with no gap and no duplicate", async () => {
    const total = MAX_QUEUED_EVENTS + 10;
    const record = Array.from({ length: total }, (_, i) => eventAt(i + 1));
    const { feed, listeners, emit } = fakeFeed(record);
    const stream = subscribeToEvents(feed, {});
    let answer!: (taken: boolean) => void;
    stream.takeLiveEvents(() => new Promise((resolve) => (answer = resolve)));
    const read = stream.next();
    await eventually(() => listeners.size === 1, "listening");
    emit(...record.map((e) => Number(e.seq)));
    answer(true); // 1 taken; the rest overflowed the queue
    const got = [(await read).value];
    while (got.length < total - 1) got.push((await stream.next()).value);
    expect(seqs(got)).toEqual(record.slice(1).map((e) => Number(e.seq)));
    await stream.return?.();
  });

  it("a taker that throws or rejects declines: the reader gets the event, and the next is offered again", async () => {
    const { feed, listeners, emit } = fakeFeed();
    const stream = subscribeToEvents(feed, {});
    const offered: number[] = [];
    stream.takeLiveEvents((e) => {
      offered.push(Number(e.seq));
      if (e.seq === 1n) throw new Error("taker failed");
      return Promise.reject(new Error("taker failed later"));
    });
    const first = stream.next();
    await eventually(() => listeners.size === 1, "listening");
    emit(1);
    expect((await first).value?.seq).toBe(1n);
    const second = stream.next();
    emit(2);
    expect((await second).value?.seq).toBe(2n);
    expect(offered).toEqual([1, 2]);
    await stream.return?.();
  });

  it("closed while the taker answers: the reader is done, and the late answer hands nothing on", async () => {
    const { feed, listeners, emit } = fakeFeed();
    const stream = subscribeToEvents(feed, {});
    let answer!: (taken: boolean) => void;
    stream.takeLiveEvents(() => new Promise((resolve) => (answer = resolve)));
    const read = stream.next();
    await eventually(() => listeners.size === 1, "listening");
    emit(1);
    await stream.return?.();
    answer(false);
    expect(await read).toEqual({ done: true, value: undefined });
    expect(await stream.next()).toEqual({ done: true, value: undefined });
    expect(listeners.size).toBe(0);
  });
});
