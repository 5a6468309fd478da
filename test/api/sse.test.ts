import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { encodeEventCursor, positionOf } from "../../src/events/cursor.js";
import type { OnWorkspaceEventsSubscription } from "../gql/graphql.js";
import { expectSuccess, gql, ok } from "../support/gql.js";
import { useTestApp } from "../support/harness.js";
import { CreateWorkspace, ListEvents, RegisterWorkspace } from "../support/operations.js";
import { eventually, OnWorkspaceEvents } from "../support/ws.js";

type Event = OnWorkspaceEventsSubscription["workspaceEvents"];
type Frame = { event: string; data: string };

const t = useTestApp();
let base: string;
const streams: Stream[] = [];

beforeAll(async () => {
  base = await t.listen();
});
afterEach(async () => {
  for (const s of streams.splice(0)) s.abort();
  await eventually(() => t.app.feed.listenerCount() === 0, "every feed listener released");
});

type Stream = {
  status: number;
  contentType: string | null;
  frames: Frame[];
  /** The results carried by `event: next` frames, parsed. */
  results(): { data?: { workspaceEvents: Event } | null; errors?: { extensions?: { code?: string } }[] }[];
  waitFor(predicate: (events: Event[]) => boolean, timeoutMs?: number): Promise<Event[]>;
  ended: Promise<void>;
  abort(): void;
};

/** Opens a subscription over SSE against the real port and parses its frames as they arrive. */
async function openStream(
  query: string,
  variables: Record<string, unknown>,
  opts: { token?: string | null; method?: "GET" | "POST"; readFrom?: Promise<void> } = {},
): Promise<Stream> {
  const token = opts.token === undefined ? t.adminToken : opts.token;
  const controller = new AbortController();
  const headers: Record<string, string> = {
    accept: "text/event-stream",
    ...(token ? { authorization: `Bearer ${token}` } : {}),
  };
  const res =
    opts.method === "GET"
      ? await fetch(`${base}/graphql?${new URLSearchParams({ query, variables: JSON.stringify(variables) })}`, {
          headers,
          signal: controller.signal,
        })
      : await fetch(`${base}/graphql`, {
          method: "POST",
          headers: { ...headers, "content-type": "application/json" },
          body: JSON.stringify({ query, variables }),
          signal: controller.signal,
        });
  const frames: Frame[] = [];
  const changed = new Set<() => void>();
  const ended = (async () => {
    // Until readFrom settles the client reads nothing, as a stalled browser tab would.
    await opts.readFrom;
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const frame: Frame = { event: "message", data: "" };
          const data: string[] = [];
          for (const line of block.split("\n")) {
            if (line.startsWith("event:")) frame.event = line.slice(6).trim();
            else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
          }
          if (block.split("\n").every((l) => l.startsWith(":"))) continue; // keep-alive comment
          frame.data = data.join("\n");
          frames.push(frame);
          for (const f of changed) f();
        }
      }
    } catch {
      // aborted by the test
    } finally {
      for (const f of changed) f();
    }
  })();
  let finished = false;
  void ended.then(() => {
    finished = true;
  });
  const results = () => frames.filter((f) => f.event === "next").map((f) => JSON.parse(f.data));
  const stream: Stream = {
    status: res.status,
    contentType: res.headers.get("content-type"),
    frames,
    results,
    ended,
    abort: () => controller.abort(),
    waitFor: (predicate, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const events = () => results().flatMap((r) => (r.data ? [r.data.workspaceEvents] : []));
        const timer = setTimeout(
          () => done(new Error(`not reached within ${timeoutMs} ms; frames: ${JSON.stringify(frames)}`)),
          timeoutMs,
        );
        const done = (err?: Error) => {
          clearTimeout(timer);
          changed.delete(check);
          if (err) reject(err);
          else resolve(events());
        };
        const check = () => {
          if (predicate(events())) done();
          else if (finished) done(new Error(`stream ended early; frames: ${JSON.stringify(frames)}`));
        };
        changed.add(check);
        check();
      }),
  };
  streams.push(stream);
  return stream;
}

const subscription = OnWorkspaceEvents.toString();

async function createWorkspace(name: string) {
  const r = ok(await gql(t, CreateWorkspace, { input: { name } })).createWorkspace;
  return expectSuccess(r, "CreateWorkspaceSuccess").workspace;
}

describe("subscriptions over SSE", () => {
  for (const method of ["POST", "GET"] as const) {
    it(`${method}: streams PROVISIONING for a workspace created after subscribing, and lets go when the client leaves`, async () => {
      const s = await openStream(subscription, {}, { method });
      expect(s.status).toBe(200);
      expect(s.contentType).toContain("text/event-stream");
      await eventually(() => t.app.feed.listenerCount("*") === 1, "the SSE subscriber listening");
      const w = await createWorkspace(`sse ${method}`);
      const got = await s.waitFor((events) => events.some((e) => e.workspaceId === w.id));
      expect(got.filter((e) => e.workspaceId === w.id)).toMatchObject([
        { type: "WORKSPACE_PROVISIONING", status: "PROVISIONING" },
      ]);
      s.abort();
      await eventually(() => t.app.feed.listenerCount() === 0, "the SSE subscriber's listener released");
    });
  }

  it("replays the events past an after cursor, as over graphql-ws", async () => {
    const w = await createWorkspace("replayed");
    const [first] = ok(await gql(t, ListEvents, { workspaceId: w.id })).workspaceEvents.edges;
    const before = ok(
      await gql(t, RegisterWorkspace, { input: { workspaceId: w.id } }, { token: null }),
    ).registerWorkspace;
    expectSuccess(before, "RegisterWorkspaceSuccess");
    const s = await openStream(subscription, { workspaceId: w.id, after: first?.node.cursor });
    const got = await s.waitFor((events) => events.length >= 1);
    expect(got.map((e) => e.type)).toEqual(["WORKSPACE_ONLINE"]);
    const all = ok(await gql(t, ListEvents, { workspaceId: w.id })).workspaceEvents.edges;
    expect(got.map((e) => e.cursor)).toEqual(all.slice(1).map((e) => e.node.cursor));
  });

  it("a client that stops reading holds at most 1,000 events and catches up from the record when it reads again", async () => {
    const w = await createWorkspace("busy");
    let resume!: () => void;
    const s = await openStream(
      subscription,
      { workspaceId: w.id },
      {
        readFrom: new Promise((resolve) => {
          resume = resolve;
        }),
      },
    );
    await eventually(() => t.app.feed.listenerCount(w.id) === 1, "the SSE subscriber listening");
    // 3,000 events of 8 KiB, recorded directly for volume: several times what
    // the socket buffers hold, so the server waits on the client and the
    // subscription's own bounded queue overflows.
    for (let i = 0; i < 6; i++) {
      await t.app.domain.prisma.$executeRawUnsafe(
        `INSERT INTO "WorkspaceEvent" ("workspaceId", "type", "status", "payload")
         SELECT $1::uuid, 'WORKSPACE_ONLINE', 'ONLINE', jsonb_build_object('pad', repeat('x', 8192))
         FROM generate_series(1, 500)`,
        w.id,
      );
      await t.app.feed.wake();
    }
    resume();
    // Every event, in commit order, no gap and no duplicate: what overflowed
    // the bounded queue is read back from the record.
    // Counting frames is cheap; parsing all 24 MB on every frame (waitFor) is not.
    await eventually(() => s.frames.length >= 3_000, "all 3,000 events delivered", 25_000);
    const delivered = s.results().map((r) => r.data?.workspaceEvents.cursor);
    const rows = await t.app.domain.prisma.workspaceEvent.findMany({
      where: { workspaceId: w.id, type: "WORKSPACE_ONLINE" },
      orderBy: [{ txid: "asc" }, { seq: "asc" }],
      select: { seq: true, txid: true },
    });
    expect(delivered).toEqual(rows.map((r) => encodeEventCursor(positionOf(r))));
    expect(s.results().filter((r) => r.errors)).toEqual([]);
    s.abort();
    await s.ended;
    await eventually(() => t.app.feed.listenerCount() === 0, "the aborted SSE subscriber let go of the feed");
  });

  it("refuses a subscriber without an admin token (401 or 403, the error as an event) and streams no event data", async () => {
    const w = await createWorkspace("agent");
    const reg = ok(
      await gql(t, RegisterWorkspace, { input: { workspaceId: w.id } }, { token: null }),
    ).registerWorkspace;
    const instanceToken = expectSuccess(reg, "RegisterWorkspaceSuccess").authToken as string;
    const cases = [
      [null, 401, "UNAUTHENTICATED"],
      ["not-a-real-token-at-all", 401, "UNAUTHENTICATED"],
      [instanceToken, 403, "FORBIDDEN"],
    ] as const;
    for (const method of ["POST", "GET"] as const) {
      for (const [token, status, code] of cases) {
        const s = await openStream(subscription, {}, { token, method });
        // The refusal ends the stream: nothing keeps listening for this caller.
        await s.ended;
        const label = `${method} ${token === null ? "no token" : code}`;
        expect(s.status, label).toBe(status);
        expect(s.results(), label).toEqual([{ errors: [expect.objectContaining({ extensions: { code } })] }]);
        expect(
          s.frames.map((f) => f.event),
          label,
        ).toEqual(["next", "complete"]);
        expect(t.app.feed.listenerCount(), label).toBe(0);
      }
    }
  });
});
