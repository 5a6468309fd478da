import { createClient } from "graphql-ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { QUERY_LIMITS } from "../../src/http/limits.js";
import { startTestApp, type TestApp } from "../support/harness.js";

describe("graphql-ws bounds", () => {
  let small: TestApp;
  let wsUrl: string;
  beforeAll(async () => {
    small = await startTestApp({ WS_MAX_CONNECTIONS: "2" });
    wsUrl = `${(await small.listen()).replace(/^http/, "ws")}/graphql`;
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

  it(`refuses connections past WS_MAX_CONNECTIONS with 503 and accepts again once one closes`, async () => {
    const a = await open();
    const b = await open();
    await expect(open()).rejects.toThrow("HTTP 503");
    const gone = closeOf(a);
    a.close();
    await gone;
    // The server forgets a socket at its own close, which may trail the client's.
    let c: WebSocket | null = null;
    await expect.poll(async () => (c = await open().catch(() => null)) !== null).toBe(true);
    if (!c) throw new Error("unreachable");
    const closed = [closeOf(b), closeOf(c)];
    b.close();
    (c as WebSocket).close();
    await Promise.all(closed);
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
