import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectSuccess, gql, gqlHttp, ok } from "../support/gql.js";
import { useTestApp } from "../support/harness.js";
import { CreateWorkspace, Heartbeat, RegisterWorkspace, SetOrgSecret } from "../support/operations.js";
import { type Connection, connect, eventually, OnWorkspaceEvents } from "../support/ws.js";

const t = useTestApp();
let base: string;
const sockets: Connection[] = [];
beforeAll(async () => {
  base = await t.listen();
});
// After hooks run last-registered first: the sockets close before the app stops.
afterAll(async () => {
  await Promise.all(sockets.map((c) => c.dispose()));
});

type Line = { level: string; time: string; msg: string; requestId?: string; [k: string]: unknown };
const lines = (): Line[] => t.logs.map((l) => JSON.parse(l) as Line);
const requestLines = (id: string) => lines().filter((l) => l.msg === "request" && l.requestId === id);

/** POST through yoga.fetch, keeping the response headers. */
async function send(
  query: string,
  headers: Record<string, string> = {},
  operationName?: string,
  variables?: Record<string, unknown>,
) {
  const res = await t.app.yoga.fetch("http://test/graphql", {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${t.adminToken}`, ...headers },
    body: JSON.stringify({ query, operationName, variables }),
  });
  await res.text();
  return res;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe("structured logs", () => {
  it("writes every line as exactly one JSON object with a level, a time and a message", async () => {
    await send("{ __typename }");
    await send("query Broken {");
    await send("{ workspaces { edges { node { id } } } }", { authorization: "Bearer wrong-token-value-123" });
    expect(t.logs.length).toBeGreaterThan(3);
    for (const raw of t.logs) {
      expect(raw.endsWith("\n")).toBe(true);
      expect(raw.slice(0, -1)).not.toContain("\n");
      const line = JSON.parse(raw) as Line;
      expect(typeof line).toBe("object");
      expect(Array.isArray(line)).toBe(false);
      expect(["debug", "info", "warn", "error"]).toContain(line.level);
      expect(Number.isNaN(Date.parse(line.time))).toBe(false);
      expect(typeof line.msg).toBe("string");
    }
  });

  it("logs one line per request with its id, operation, status and error codes, and echoes the id", async () => {
    const a = await send("query Probe { __typename }");
    const b = await send('mutation Nope { removeWorkspace(id: "x") { __typename } }', { authorization: "" });
    const idA = a.headers.get("x-request-id") as string;
    const idB = b.headers.get("x-request-id") as string;
    expect(idA).toMatch(UUID);
    expect(idB).toMatch(UUID);
    expect(idA).not.toBe(idB);
    expect(requestLines(idA)).toEqual([
      expect.objectContaining({
        level: "info",
        method: "POST",
        operation: "Probe",
        operationType: "query",
        status: 200,
        durationMs: expect.any(Number),
      }),
    ]);
    expect(requestLines(idA)[0]).not.toHaveProperty("errors");
    expect(requestLines(idB)).toEqual([
      expect.objectContaining({
        operation: "Nope",
        operationType: "mutation",
        status: 401,
        errors: ["UNAUTHENTICATED"],
      }),
    ]);
  });

  it("names the actor the access check identified: a deleted secret, which leaves no row, is still attributed", async () => {
    const res = await send('mutation Forget { deleteOrgSecret(key: "GONE") { __typename } }');
    const [line] = requestLines(res.headers.get("x-request-id") as string);
    expect(line).toMatchObject({ operation: "Forget", actor: { kind: "API_TOKEN", label: "env" } });
    // No role needed, no caller identified: no actor.
    const open = await send("query Open { __typename }");
    expect(requestLines(open.headers.get("x-request-id") as string)[0]).not.toHaveProperty("actor");
  });

  it("honours a sane x-request-id and replaces one that is not", async () => {
    const mine = "canvas-7f3a.retry:2";
    const r = await send("{ __typename }", { "x-request-id": mine });
    expect(r.headers.get("x-request-id")).toBe(mine);
    expect(requestLines(mine)).toHaveLength(1);

    for (const bad of ['a" , "level": "error', "x".repeat(129), "spaces are not ids", "é-unicode"]) {
      const res = await send("{ __typename }", { "x-request-id": bad });
      const echoed = res.headers.get("x-request-id") as string;
      expect(echoed).toMatch(UUID);
      expect(requestLines(echoed)).toHaveLength(1);
      expect(t.logs.join("")).not.toContain(bad);
    }
  });

  it("does the same over a real port, for POST and GET", async () => {
    const res = await gqlHttp(`${base}/graphql`, "query OverHttp { __typename }", undefined, t.adminToken, {
      headers: { "x-request-id": "over-http-1" },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-request-id")).toBe("over-http-1");
    expect(requestLines("over-http-1")).toEqual([expect.objectContaining({ operation: "OverHttp", status: 200 })]);
    const viaGet = await fetch(`${base}/graphql?query=${encodeURIComponent("{ __typename }")}`, {
      headers: { accept: "application/json" },
    });
    await viaGet.text();
    expect(requestLines(viaGet.headers.get("x-request-id") as string)).toEqual([
      expect.objectContaining({ method: "GET", status: 200 }),
    ]);
  });

  it("never logs an authorization header value, valid or not", async () => {
    const ws = expectSuccess(
      ok(await gql(t, CreateWorkspace, { input: { name: "logged" } })).createWorkspace,
      "CreateWorkspaceSuccess",
    ).workspace;
    const reg = expectSuccess(
      ok(await gql(t, RegisterWorkspace, { input: { workspaceId: ws.id } }, { token: null })).registerWorkspace,
      "RegisterWorkspaceSuccess",
    );
    const instance = reg.authToken as string;
    ok(await gql(t, Heartbeat, { input: { workspaceId: ws.id } }, { token: instance }));
    const bogus = "bogus-bearer-0123456789abcdef";
    await gql(t, Heartbeat, { input: { workspaceId: ws.id } }, { token: bogus });
    const basic = "Basic dXNlcjpwYXNzd29yZC1zaG91bGQtbm90LWxlYWs=";
    await send("{ workspaces { edges { node { id } } } }", { authorization: basic });
    const all = t.logs.join("");
    for (const value of [t.adminToken, instance, bogus, basic, "dXNlcjpwYXNzd29yZC1zaG91bGQtbm90LWxlYWs"]) {
      expect(all).not.toContain(value);
    }
    expect(all).not.toContain(reg.platformInboundSecret as string);
  });

  it("never logs a secret value or a token sent as a variable or a socket parameter, accepted or refused", async () => {
    const secretValue = "sk-live-value-that-must-not-be-logged-0123";
    ok(await gql(t, SetOrgSecret, { input: { key: "LOGGED_KEY", value: secretValue } }));
    // Refused: a value for a key that is not a valid name, and one with a field the input does not have.
    await gql(t, SetOrgSecret, { input: { key: "not a key!", value: `${secretValue}-bad-key` } });
    await send(
      "mutation Bad($input: SetOrgSecretInput!) { setOrgSecret(input: $input) { __typename } }",
      {},
      undefined,
      { input: { key: "K", value: `${secretValue}-extra`, extra: "x" } },
    );
    // The same over a socket: the bearer in connectionParams, a subscription refused at execution.
    const socket = connect(base, t.adminToken);
    sockets.push(socket);
    await socket.connected;
    const refused = socket.subscribe(OnWorkspaceEvents, { workspaceId: "not-an-id" });
    await refused.ended();
    const bogusSocketToken = "bogus-socket-bearer-0123456789abcdef";
    const stranger = connect(base, bogusSocketToken);
    sockets.push(stranger);
    expect((await stranger.closed).code).toBe(4403);
    const all = t.logs.join("");
    for (const value of [secretValue, t.adminToken, bogusSocketToken]) expect(all).not.toContain(value);
    // The operation refused on the socket was logged (so the check above saw its lines).
    expect(lines().some((l) => l.msg === "operation" && l.transport === "graphql-ws")).toBe(true);
  });
});

describe("graphql-ws operations", () => {
  it("each get an id of their own, bound to their lines from start to completion", async () => {
    const socket = connect(base, t.adminToken);
    sockets.push(socket);
    await socket.connected;
    const ws = expectSuccess(
      ok(await gql(t, CreateWorkspace, { input: { name: "watched-in-the-log" } })).createWorkspace,
      "CreateWorkspaceSuccess",
    ).workspace;
    // Two operations refused at execution, then one that stays: three ids, none shared.
    for (const _ of [1, 2]) {
      const bad = socket.subscribe(OnWorkspaceEvents, { workspaceId: "not-an-id" });
      await bad.ended();
    }
    const live = socket.subscribe(OnWorkspaceEvents, { workspaceId: ws.id });
    await eventually(() => t.app.feed.listenerCount(ws.id) === 1, "the subscription is in place");
    ok(await gql(t, RegisterWorkspace, { input: { workspaceId: ws.id } }, { token: null }));
    await live.waitFor((events) => events.length >= 1);
    live.unsubscribe();
    await eventually(() => t.app.feed.listenerCount(ws.id) === 0, "the subscription is released");

    const started = lines().filter((l) => l.msg === "operation" && l.operation === "OnWorkspaceEvents");
    const ids = started.slice(-3).map((l) => l.requestId as string);
    expect(started.slice(-3)).toEqual(
      ids.map(() => expect.objectContaining({ level: "info", transport: "graphql-ws", operationType: "subscription" })),
    );
    for (const id of ids) expect(id).toMatch(UUID);
    expect(new Set(ids).size).toBe(3);
    const httpIds = new Set(
      lines()
        .filter((l) => l.msg === "request")
        .map((l) => l.requestId),
    );
    for (const id of ids) expect(httpIds.has(id)).toBe(false);
    const completed = (id: string) => lines().filter((l) => l.msg === "operation complete" && l.requestId === id);
    for (const id of ids.slice(0, 2)) {
      expect(completed(id)).toEqual([
        expect.objectContaining({ errors: ["VALIDATION_FAILED"], durationMs: expect.any(Number) }),
      ]);
    }
    await eventually(() => completed(ids[2] as string).length === 1, "the live subscription's completion line");
    expect(completed(ids[2] as string)[0]).not.toHaveProperty("errors");
  });
});

describe("unexpected errors", () => {
  it("are logged with their stack and the request id, and stay masked to the client", async () => {
    // A real failure the code does not expect: the database refuses every new workspace.
    await t.app.db.sql.exec(`
      CREATE FUNCTION cp_test_log_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'injected for the log test'; END $$;
      CREATE TRIGGER cp_test_log_refuse BEFORE INSERT ON "Workspace"
        FOR EACH ROW EXECUTE FUNCTION cp_test_log_refuse();`);
    const before = t.logs.length;
    let raw: string;
    try {
      const res = await t.app.yoga.fetch("http://test/graphql", {
        method: "POST",
        headers: {
          "content-type": "application/json",
          authorization: `Bearer ${t.adminToken}`,
          "x-request-id": "unexpected-1",
        },
        body: JSON.stringify({
          query: 'mutation Doomed { createWorkspace(input: { name: "doomed" }) { __typename } }',
        }),
      });
      raw = await res.text();
      expect(JSON.parse(raw)).toMatchObject({
        errors: [{ message: "Unexpected error.", extensions: { code: "INTERNAL_SERVER_ERROR" } }],
      });
      expect(res.headers.get("x-request-id")).toBe("unexpected-1");
    } finally {
      await t.app.db.sql.exec(`DROP TRIGGER cp_test_log_refuse ON "Workspace"; DROP FUNCTION cp_test_log_refuse();`);
    }
    const fresh = t.logs.slice(before).map((l) => JSON.parse(l) as Line);
    const line = fresh.find((l) => l.msg === "unexpected error");
    expect(line, JSON.stringify(fresh)).toMatchObject({ level: "error", requestId: "unexpected-1" });
    const err = line?.err as { type?: unknown; message?: unknown; stack?: unknown };
    expect(String(err.message)).toContain("injected for the log test");
    expect(typeof err.type).toBe("string");
    // The stack's frames, each a line of its own; the message is written once, beside them.
    expect(String(err.stack)).toMatch(/^\s+at /);
    expect(String(err.stack).split("\n").length).toBeGreaterThan(1);
    expect(String(err.stack)).not.toContain("injected");
    // Every line written while the request ran carries its id: the error, then the request.
    const during = fresh.filter((l) => l.requestId === "unexpected-1").map((l) => l.msg);
    expect(during).toEqual(["unexpected error", "request"]);
    expect(requestLines("unexpected-1")).toEqual([expect.objectContaining({ errors: ["INTERNAL_SERVER_ERROR"] })]);
    expect(raw).not.toContain("injected");
  });
});
