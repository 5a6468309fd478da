import { createClient } from "graphql-ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { QUERY_LIMITS } from "../../src/http/limits.js";
import { connectFrom } from "../support/from-address.js";
import { startTestApp, type TestApp } from "../support/harness.js";
import { openSilentSocket, type SilentSocket } from "../support/raw-socket.js";
import { connect } from "../support/ws.js";

describe("graphql-ws bounds", () => {
  let small: TestApp;
  let base: string;
  let wsUrl: string;
  beforeAll(async () => {
    small = await startTestApp({ WS_MAX_CONNECTIONS: "2" });
    base = await small.listen();
    wsUrl = `${base.replace(/^http/, "ws")}/graphql`;
  });
  afterAll(() => small.stop());

  const open = () =>
    new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(wsUrl, "graphql-transport-ws");
      ws.once("open", () => resolve(ws));
      ws.once("unexpected-response", (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.once("error", reject);
    });
  const closeOf = (ws: WebSocket) => new Promise<number>((resolve) => ws.once("close", (code) => resolve(code)));

  // Changed: the two sockets that fill the bound now send connection_init (the real
  // client, admin token). Silent sockets no longer count against WS_MAX_CONNECTIONS:
  // they have bounds of their own (below), or 30 of them locked every admin out.
  it(`refuses connections past WS_MAX_CONNECTIONS with 503 and accepts again once one closes`, async () => {
    const a = connect(base, small.adminToken);
    const b = connect(base, small.adminToken);
    await Promise.all([a.connected, b.connected]);
    await expect(open()).rejects.toThrow("HTTP 503");
    await a.dispose();
    await a.closed;
    // The server forgets a socket at its own close, which may trail the client's.
    let c: WebSocket | null = null;
    await expect.poll(async () => (c = await open().catch(() => null)) !== null).toBe(true);
    if (!c) throw new Error("unreachable");
    const closed = closeOf(c);
    (c as WebSocket).close();
    await Promise.all([closed, b.dispose()]);
  });

  it("closes a socket that sends a message over 1 MiB (1009) and stays up", async () => {
    const ws = await open();
    const closed = closeOf(ws);
    ws.send(JSON.stringify({ type: "connection_init", payload: { blob: "x".repeat(1024 * 1024) } }));
    expect(await closed).toBe(1009);
    const health = await fetch(wsUrl.replace(/^ws/, "http").replace(/\/graphql$/, "/healthz"));
    expect(health.status).toBe(200);
  });

  it("a syntax error or an over-limit document in a subscription is an error, not a closed socket", async () => {
    const client = createClient({
      url: wsUrl,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { authorization: `Bearer ${small.adminToken}` },
    });
    const run = (query: string) =>
      new Promise<unknown>((resolve) => {
        client.subscribe({ query }, { next: () => {}, error: resolve, complete: () => resolve(null) });
      });
    const syntax = (await run("subscription {")) as { message: string }[];
    expect(syntax[0]?.message).toContain("Syntax Error");
    const tooLong = (await run(`subscription { ${"__typename ".repeat(QUERY_LIMITS.maxTokens)}}`)) as {
      message: string;
    }[];
    expect(tooLong[0]?.message).toContain("Token limit");
    const deep = `subscription { workspaceEvents { ${"... on WorkspaceEvent { ".repeat(QUERY_LIMITS.maxDepth)}cursor ${"} ".repeat(QUERY_LIMITS.maxDepth)}} }`;
    const tooDeep = (await run(deep)) as { message: string }[];
    expect(tooDeep[0]?.message).toContain("depth limit");
    await client.dispose();
  });
});

/** Opens up to n silent sockets from one address; returns those accepted and how many were refused (503). */
async function openSilent(base: string, n: number, from: string) {
  const open: SilentSocket[] = [];
  let refused = 0;
  for (let i = 0; i < n; i++) {
    try {
      open.push(await openSilentSocket(base, from));
    } catch (err) {
      expect(String(err)).toContain("503");
      refused++;
    }
  }
  return { open, refused };
}

describe("sockets that never send connection_init (issue 10, item 6)", () => {
  let app: TestApp;
  let base: string;
  beforeAll(async () => {
    app = await startTestApp({
      WS_MAX_CONNECTIONS: "30",
      WS_MAX_PENDING_CONNECTIONS: "12",
      WS_MAX_PENDING_PER_ADDRESS: "4",
    });
    base = await app.listen();
  });
  afterAll(() => app.stop());

  it("30 silent sockets cannot lock an admin out of a WS_MAX_CONNECTIONS=30 server", async () => {
    const { open, refused } = await openSilent(base, 30, "127.0.6.1");
    try {
      // Four wait from that address; the other 26 were refused at the handshake.
      expect([open.length, refused]).toEqual([4, 26]);
      expect(await connectFrom(base, app.adminToken, "127.0.6.2")).toBe(0);
    } finally {
      for (const s of open) s.destroy();
    }
  });

  it("silent sockets are bounded overall too, across addresses", async () => {
    const batches = await Promise.all(
      ["127.0.7.1", "127.0.7.2", "127.0.7.3", "127.0.7.4"].map((a) => openSilent(base, 4, a)),
    );
    try {
      const accepted = batches.reduce((n, b) => n + b.open.length, 0);
      expect(accepted).toBe(12);
      expect(batches.reduce((n, b) => n + b.refused, 0)).toBe(4);
    } finally {
      for (const b of batches) for (const s of b.open) s.destroy();
    }
  });

  it("a silent socket is closed after 3 s and terminated when it does not answer the close: its slot frees", async () => {
    const from = "127.0.8.1";
    const { open } = await openSilent(base, 4, from);
    expect(open).toHaveLength(4);
    await expect(openSilentSocket(base, from)).rejects.toThrow("503");
    // ws alone would wait 30 s for the unanswered close frames; the slots free well before that.
    const deadline = Date.now() + 15_000;
    let again: SilentSocket | null = null;
    while (!again && Date.now() < deadline) {
      again = await openSilentSocket(base, from).catch(() => null);
      if (!again) await new Promise((r) => setTimeout(r, 100));
    }
    expect(again, "no slot freed within 15 s").not.toBeNull();
    // The server dropped the connections: read again and see them gone.
    for (const s of open) s.resume();
    await Promise.all(open.map((s) => s.gone));
    again?.destroy();
  });

  it("app.stop() finishes promptly with a silent socket open", async () => {
    const other = await startTestApp();
    const silent = await openSilentSocket(await other.listen(), "127.0.9.1");
    const stopped = other.stop().then(() => "stopped" as const);
    const outcome = await Promise.race([stopped, new Promise((r) => setTimeout(() => r("still stopping"), 10_000))]);
    expect(outcome).toBe("stopped");
    silent.destroy();
  });
});
