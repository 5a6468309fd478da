import { randomUUID } from "node:crypto";
import { request as httpRequest } from "node:http";
import { connect as netConnect } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { QUERY_LIMITS } from "../../src/http/limits.js";
import { expectError, expectSuccess, gql, ok } from "../support/gql.js";
import { startTestApp, type TestApp } from "../support/harness.js";
import { CreateWorkspace, ListEvents, RegisterWorkspace } from "../support/operations.js";
import { connect, OnWorkspaceEvents } from "../support/ws.js";

// Bad input over a real port (the body reader and node:http included):
// every answer is 4xx or a GraphQL error, never 5xx, and the server stays up.

let t: TestApp;
let base: string;
beforeAll(async () => {
  t = await startTestApp();
  base = await t.listen();
});
afterAll(() => t.stop());

type Raw = { status: number; contentType: string | null; text: string; json: unknown };

async function send(init: RequestInit & { path?: string }): Promise<Raw> {
  const res = await fetch(`${base}${init.path ?? "/graphql"}`, init);
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, contentType: res.headers.get("content-type"), text, json };
}

const JSON_HEADERS = { "content-type": "application/json", accept: "application/graphql-response+json" };
const postJson = (body: string, headers: Record<string, string> = {}) =>
  send({ method: "POST", headers: { ...JSON_HEADERS, ...headers }, body });
const admin = () => ({ authorization: `Bearer ${t.adminToken}` });

const errorsOf = (r: Raw) => (r.json as { errors?: { message: string; extensions?: { code?: string } }[] })?.errors;

/** A client error: 4xx with a GraphQL error body naming what was wrong. */
function expectClientError(r: Raw, status?: number) {
  const dump = `status ${r.status}: ${r.text.slice(0, 500)}`;
  if (status) expect(r.status, dump).toBe(status);
  expect(r.status, dump).toBeGreaterThanOrEqual(400);
  expect(r.status, dump).toBeLessThan(500);
  expect(errorsOf(r)?.[0]?.message, dump).toBeTruthy();
  expect(r.text, dump).not.toMatch(/INTERNAL_SERVER_ERROR|Unexpected error/);
}

let seenLogs = 0;
afterEach(async () => {
  const health = await send({ method: "GET", path: "/healthz" });
  expect(health.status).toBe(200);
  const fresh = t.logs.slice(seenLogs);
  seenLogs = t.logs.length;
  expect(fresh.filter((l) => l.includes('"unexpected error"') || l.includes("request handler failed"))).toEqual([]);
});

describe("malformed requests", () => {
  it("malformed JSON is a 400", async () => {
    const r = await postJson('{"query": "{ __typename }"');
    expectClientError(r, 400);
    expect(errorsOf(r)?.[0]?.extensions?.code).toBe("BAD_REQUEST");
  });

  it("JSON that is not an object is a 400", async () => {
    for (const body of ["[]", "42", '"query"', "null", "true"]) expectClientError(await postJson(body), 400);
  });

  it("an empty body is a 4xx", async () => {
    const empty = await postJson("");
    expect(empty.status, empty.text).toBeGreaterThanOrEqual(400);
    expect(empty.status, empty.text).toBeLessThan(500);
    const untyped = await send({ method: "POST", headers: { accept: "application/json" } });
    expect(untyped.status).toBe(415);
  });

  it("text/plain and application/xml bodies are refused with 415", async () => {
    for (const type of ["text/plain", "application/xml", "application/octet-stream"]) {
      const r = await send({
        method: "POST",
        headers: { "content-type": type, accept: "application/json" },
        body: JSON.stringify({ query: "{ __typename }" }),
      });
      expect(r.status, r.text).toBe(415);
    }
  });

  it("multipart without files or operations is a GraphQL error", async () => {
    const form = new FormData();
    form.append("query", "{ __typename }");
    // Yoga answers a multipart request without "operations" with a GraphQL error (200).
    const r = await send({ method: "POST", headers: { accept: "application/graphql-response+json" }, body: form });
    expect(r.status).toBeLessThan(500);
    expect(errorsOf(r)?.[0]?.message).toContain("operations");
    const garbage = await send({
      method: "POST",
      headers: { "content-type": "multipart/form-data; boundary=x", accept: "application/graphql-response+json" },
      body: "--x\r\nnot a part\r\n",
    });
    expect(garbage.status, garbage.text).toBeLessThan(500);
    expect(errorsOf(garbage)?.[0]?.message, garbage.text).toBeTruthy();
  });

  it("a mutation over GET is a 405 and writes nothing", async () => {
    const before = await t.app.domain.prisma.workspace.count();
    const query = encodeURIComponent('mutation { createWorkspace(input: { name: "via-get" }) { __typename } }');
    const r = await send({
      method: "GET",
      path: `/graphql?query=${query}`,
      headers: { accept: "application/json", ...admin() },
    });
    expectClientError(r, 405);
    expect(await t.app.domain.prisma.workspace.count()).toBe(before);
  });

  it("an unknown operationName, query of the wrong type and unknown parameters are 400s", async () => {
    const doc = "query A { __typename } query B { __typename }";
    expectClientError(await postJson(JSON.stringify({ query: doc, operationName: "C" })), 400);
    expectClientError(await postJson(JSON.stringify({ query: doc })), 400);
    expectClientError(await postJson(JSON.stringify({ query: 42 })), 400);
    expectClientError(await postJson(JSON.stringify({ query: "{ __typename }", variables: "nope" })), 400);
    expectClientError(await postJson(JSON.stringify({ query: "{ __typename }", surprise: 1 })), 400);
    expectClientError(await postJson(JSON.stringify({})), 400);
  });

  it("invalid UTF-8 and NUL bytes in the body are client errors", async () => {
    const bytes = Buffer.concat([
      Buffer.from('{"query": "{ __typename }", "x": "'),
      Buffer.from([0xff, 0xfe, 0x00]),
      Buffer.from('"}'),
    ]);
    const r = await send({ method: "POST", headers: JSON_HEADERS, body: bytes });
    expect(r.status).toBeLessThan(500);
  });

  it("an unknown path is a 404 and a wrong method a 405", async () => {
    expect((await send({ method: "GET", path: "/nope" })).status).toBe(404);
    const put = await send({ method: "PUT", headers: JSON_HEADERS, body: JSON.stringify({ query: "{ __typename }" }) });
    expect(put.status).toBe(405);
  });

  // SPEC 2: "a header that is not one Bearer token is a 400 (VALIDATION_FAILED) before anything runs".
  // (This test asserted 401 before; a 401 tells an agent its credentials are wrong, which is not what happened.)
  it("a malformed or oversized Authorization header is a 400 VALIDATION_FAILED, not a crash", async () => {
    const query = JSON.stringify({ query: "{ orgSecrets { key } }" });
    for (const authorization of ["Basic abc", "Bearer", `Bearer ${"a".repeat(600)}`, "Bearer \u00e9t\u00e9"]) {
      const r = await postJson(query, { authorization: encodeURI(authorization) });
      expectClientError(r, 400);
      expect(errorsOf(r)?.[0]?.extensions?.code).toBe("VALIDATION_FAILED");
    }
  });
});

describe("oversized and hostile values", () => {
  it("a 10,000-character name is VALIDATION_FAILED and writes nothing", async () => {
    const before = await t.app.domain.prisma.workspace.count();
    const r = ok(await gql(t, CreateWorkspace, { input: { name: "n".repeat(10_000) } })).createWorkspace;
    expect(expectError(r, "RequestError", "VALIDATION_FAILED").field).toBe("input.name");
    expect(await t.app.domain.prisma.workspace.count()).toBe(before);
  });

  it("a 10 MB agentCard is refused as a body over 1 MiB (413)", async () => {
    const body = JSON.stringify({
      query: "mutation($input: RegisterWorkspaceInput!) { registerWorkspace(input: $input) { __typename } }",
      variables: { input: { workspaceId: randomUUID(), agentCard: { blob: "x".repeat(10 * 1024 * 1024) } } },
    });
    const r = await postJson(body);
    expectClientError(r, 413);
    expect(errorsOf(r)?.[0]?.extensions?.code).toBe("PAYLOAD_TOO_LARGE");
  });

  it("a deeply nested agentCard is VALIDATION_FAILED, stores nothing, and the workspace still registers", async () => {
    const created = ok(await gql(t, CreateWorkspace, { input: { name: "deep-card" } })).createWorkspace;
    const id = expectSuccess(created, "CreateWorkspaceSuccess").workspace.id;
    // Arrays and objects 100,000 deep: under 1 MiB, far past any stack.
    for (const [open, close] of [
      ["[", "]"],
      ['{"a":', "}"],
    ] as const) {
      const card = `${open.repeat(100_000)}1${close.repeat(100_000)}`;
      const body = `{"query":${JSON.stringify(RegisterWorkspace.toString())},"variables":{"input":{"workspaceId":"${id}","agentCard":${card}}}}`;
      expect(body.length).toBeLessThan(1024 * 1024);
      const r = await postJson(body);
      expect(r.status, r.text.slice(0, 300)).toBe(200);
      const result = (r.json as { data: { registerWorkspace: { code?: string; field?: string } } }).data
        .registerWorkspace;
      expect(result).toMatchObject({ code: "VALIDATION_FAILED", field: "input.agentCard" });
    }
    expect(await t.app.domain.prisma.instanceToken.count({ where: { workspaceId: id } })).toBe(0);
    // Moderately nested cards are fine.
    const nested = JSON.parse(`${"[".repeat(30)}1${"]".repeat(30)}`);
    const r = ok(await gql(t, RegisterWorkspace, { input: { workspaceId: id, agentCard: nested } }, { token: null }));
    expectSuccess(r.registerWorkspace, "RegisterWorkspaceSuccess");
  });

  it("a deeply nested JSON literal in the document stops at the token limit", async () => {
    const literal = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
    const query = `mutation { registerWorkspace(input: { workspaceId: "${randomUUID()}", agentCard: ${literal} }) { __typename } }`;
    const r = await postJson(JSON.stringify({ query }));
    expectClientError(r, 400);
    expect(errorsOf(r)?.[0]?.message).toContain(`Token limit of ${QUERY_LIMITS.maxTokens} exceeded`);
  });

  it("deeply nested variables of a non-JSON type are a variable coercion error", async () => {
    const deep = `${'{"a":'.repeat(100_000)}1${"}".repeat(100_000)}`;
    const body = `{"query":${JSON.stringify(CreateWorkspace.toString())},"variables":{"input":{"name":${deep}}}}`;
    const r = await postJson(body, admin());
    expectClientError(r, 400);
  });
});

describe("document limits", () => {
  const tooDeep = `{ ${"... on Query { ".repeat(QUERY_LIMITS.maxDepth + 1)}__typename ${"} ".repeat(QUERY_LIMITS.maxDepth + 1)}}`;

  it("a document over the token limit is a parse error (400)", async () => {
    const r = await postJson(JSON.stringify({ query: `{ ${"__typename ".repeat(QUERY_LIMITS.maxTokens + 1)}}` }));
    expectClientError(r, 400);
    expect(errorsOf(r)?.[0]?.extensions?.code).toBe("GRAPHQL_PARSE_FAILED");
  });

  it("a document over the depth limit is a validation error (400)", async () => {
    const r = await postJson(JSON.stringify({ query: tooDeep }));
    expectClientError(r, 400);
    expect(errorsOf(r)?.[0]?.message).toContain(`depth limit of ${QUERY_LIMITS.maxDepth} exceeded`);
    expect(errorsOf(r)?.[0]?.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
  });

  it("too many aliases is a validation error (400), also for mutations, and nothing runs", async () => {
    const before = await t.app.domain.prisma.workspace.count();
    const fields = Array.from(
      { length: QUERY_LIMITS.maxAliases + 1 },
      (_, i) => `w${i}: createWorkspace(input: { name: "alias-${i}" }) { __typename }`,
    );
    const r = await postJson(JSON.stringify({ query: `mutation { ${fields.join(" ")} }` }), admin());
    expectClientError(r, 400);
    expect(errorsOf(r)?.[0]?.message).toContain(`Aliases limit of ${QUERY_LIMITS.maxAliases} exceeded`);
    expect(await t.app.domain.prisma.workspace.count()).toBe(before);
  });

  it("with application/json the same refusals keep 4xx-or-200 semantics and never 5xx", async () => {
    const r = await send({
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({ query: tooDeep }),
    });
    expect(r.status).toBeLessThan(500);
    expect(errorsOf(r)?.[0]?.message).toContain("depth limit");
  });
});

describe("abrupt clients", () => {
  const rawRequest = (payload: string) =>
    new Promise<void>((resolve, reject) => {
      const { hostname, port } = new URL(base);
      const socket = netConnect(Number(port), hostname, () => {
        socket.write(payload, () => {
          socket.destroy();
          resolve();
        });
      });
      socket.on("error", reject);
    });

  it("a client that sends half a POST and disconnects leaves the server healthy", async () => {
    const body = JSON.stringify({ query: "{ __typename }" });
    for (let i = 0; i < 20; i++) {
      await rawRequest(
        `POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length * 2}\r\n\r\n${body}`,
      );
      await rawRequest(
        `POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n{"query": "{ __t`,
      );
      await rawRequest("POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Le");
    }
    const r = await postJson(JSON.stringify({ query: "{ __typename }" }));
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ data: { __typename: "Query" } });
  });

  it("a client that disconnects while a mutation runs leaves no half-written state and the server healthy", async () => {
    const controller = new AbortController();
    const pending = fetch(`${base}/graphql`, {
      method: "POST",
      headers: { ...JSON_HEADERS, ...admin() },
      body: JSON.stringify({ query: CreateWorkspace.toString(), variables: { input: { name: "abandoned" } } }),
      signal: controller.signal,
    }).catch((e: Error) => e);
    setImmediate(() => controller.abort());
    await pending;
    // Whether the create ran or not, it ran whole: a workspace has its event.
    const ws = await t.app.domain.prisma.workspace.findMany({ where: { name: "abandoned" } });
    for (const w of ws) {
      await expect
        .poll(() => t.app.domain.prisma.workspaceEvent.count({ where: { workspaceId: w.id } }))
        .toBeGreaterThan(0);
    }
    const r = await postJson(JSON.stringify({ query: "{ __typename }" }));
    expect(r.status).toBe(200);
  });
});

describe("event cursors out of range or past the newest event (SPEC 7a)", () => {
  const cursor = (seq: string) => Buffer.from(`ev:${seq}`).toString("base64url");
  const newestSeq = async () =>
    (await t.app.domain.prisma.workspaceEvent.findFirst({ orderBy: { seq: "desc" }, select: { seq: true } }))?.seq ??
    0n;

  async function withEvents() {
    const created = ok(await gql(t, CreateWorkspace, { input: { name: "cursor-range" } })).createWorkspace;
    expectSuccess(created, "CreateWorkspaceSuccess");
    expect(await newestSeq()).toBeGreaterThan(0n);
  }

  const cases = async () => [
    ["above int8", cursor("9223372036854775808")],
    ["the largest 19 digits", cursor("9999999999999999999")],
    ["past the newest event", cursor(String((await newestSeq()) + 1000n))],
  ];

  it("a query is VALIDATION_FAILED on `after`, never a 500", async () => {
    await withEvents();
    for (const [what, after] of await cases()) {
      const r = await gql(t, ListEvents, { after });
      expect(r.errors?.[0]?.extensions, `${what}: ${r.raw}`).toMatchObject({
        code: "VALIDATION_FAILED",
        field: "after",
      });
      expect(r.raw).not.toMatch(/INTERNAL_SERVER_ERROR|Unexpected error/);
    }
    // The newest event's own cursor is no error: an empty page.
    const atNewest = ok(await gql(t, ListEvents, { after: cursor(String(await newestSeq())) }));
    expect(atNewest.workspaceEvents.edges).toEqual([]);
  });

  it("a graphql-ws subscription ends with VALIDATION_FAILED instead of an error frame or a wait for ever", async () => {
    await withEvents();
    const conn = connect(base, t.adminToken);
    try {
      await conn.connected;
      for (const [what, after] of await cases()) {
        const sub = conn.subscribe(OnWorkspaceEvents, { after });
        await sub.ended(5_000);
        expect(sub.events, what).toEqual([]);
        expect(sub.errors, what).toEqual([
          expect.objectContaining({ extensions: expect.objectContaining({ code: "VALIDATION_FAILED" }) }),
        ]);
      }
      // The newest cursor still subscribes: the next event arrives.
      const live = conn.subscribe(OnWorkspaceEvents, { after: cursor(String(await newestSeq())) });
      const created = ok(await gql(t, CreateWorkspace, { input: { name: "after-newest" } })).createWorkspace;
      const id = expectSuccess(created, "CreateWorkspaceSuccess").workspace.id;
      await live.waitFor((events) => events.some((e) => e.workspaceEvents.workspaceId === id));
      live.unsubscribe();
    } finally {
      await conn.dispose();
    }
  });
});

describe("two Authorization headers (SPEC 2: 400 before anything runs)", () => {
  const create = (name: string) =>
    JSON.stringify({ query: `mutation { createWorkspace(input: { name: "${name}" }) { __typename } }` });
  const named = (name: string) => t.app.domain.prisma.workspace.count({ where: { name } });

  /** Node's own client, so both header lines really go out (fetch would join them). */
  const twice = (values: string[], body: string) =>
    new Promise<Raw>((resolve, reject) => {
      const url = new URL(`${base}/graphql`);
      const req = httpRequest(
        { host: url.hostname, port: url.port, path: "/graphql", method: "POST", headers: JSON_HEADERS },
        (res) => {
          let text = "";
          res.on("data", (c) => {
            text += c;
          });
          res.on("end", () =>
            resolve({ status: res.statusCode ?? 0, contentType: null, text, json: JSON.parse(text) as unknown }),
          );
        },
      );
      req.setHeader("authorization", values);
      req.on("error", reject);
      req.end(body);
    });

  it("over a real port, in either order, the request is refused and creates nothing", async () => {
    for (const [i, values] of [
      [`Bearer ${t.adminToken}`, "Bearer wrong-one"],
      ["Bearer wrong-one", `Bearer ${t.adminToken}`],
      [`Bearer ${t.adminToken}`, `Bearer ${t.adminToken}`],
    ].entries()) {
      const name = `two-headers-${i}-${randomUUID()}`;
      const r = await twice(values, create(name));
      expectClientError(r, 400);
      expect(errorsOf(r)?.[0]?.extensions?.code).toBe("VALIDATION_FAILED");
      expect(await named(name)).toBe(0);
    }
    // One header still works.
    const name = `one-header-${randomUUID()}`;
    expect((await twice([`Bearer ${t.adminToken}`], create(name))).status).toBe(200);
    expect(await named(name)).toBe(1);
  });

  it("through the Fetch API, where repeated headers arrive joined with a comma", async () => {
    const headers = new Headers({ "content-type": "application/json", accept: "application/graphql-response+json" });
    headers.append("authorization", `Bearer ${t.adminToken}`);
    headers.append("authorization", "Bearer wrong-one");
    const name = `joined-${randomUUID()}`;
    const res = await t.app.yoga.fetch("http://test/graphql", { method: "POST", headers, body: create(name) });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ errors: [{ extensions: { code: "VALIDATION_FAILED" } }] });
    expect(await named(name)).toBe(0);
  });
});

describe("names that show nothing or read as another", () => {
  const refused: [string, string][] = [
    ["zero width space", "\u200b"],
    ["word joiner", "\u2060\u2060"],
    ["byte order mark", "\ufeff"],
    ["Hangul filler", "\u3164"],
    ["Hangul choseong filler", "\u115f"],
    ["combining marks alone", "\u0301\u0308\u0327"],
    ["invisible mix", "\u200b \u2060\u00a0\ufeff"],
    ["right-to-left override", "invoice\u202eexe.pdf"],
    ["left-to-right embedding", "\u202aname"],
    ["pop directional formatting", "name\u202c"],
    ["first strong isolate", "a\u2068b\u2069"],
    ["right-to-left isolate", "\u2067abc"],
  ];

  it.each(refused)("%s is VALIDATION_FAILED on input.name and writes nothing", async (_what, name) => {
    const before = await t.app.domain.prisma.workspace.count();
    const r = ok(await gql(t, CreateWorkspace, { input: { name } })).createWorkspace;
    expect(expectError(r, "RequestError", "VALIDATION_FAILED").field).toBe("input.name");
    expect(await t.app.domain.prisma.workspace.count()).toBe(before);
  });

  it("letters with their combining marks, other scripts and emoji are names", async () => {
    for (const name of ["Cafe\u0301", "名前", "مساحة عمل", "🙂", "a\u200db"]) {
      expectSuccess(ok(await gql(t, CreateWorkspace, { input: { name } })).createWorkspace, "CreateWorkspaceSuccess");
    }
  });
});

describe("suggestions follow INTROSPECTION", () => {
  const typo = "{ workspaces { edges { node { nmae } } } }";
  const badInput = "mutation($i: CreateWorkspaceInput!) { createWorkspace(input: $i) { __typename } }";

  it("with introspection on, graphql-js's 'Did you mean' helps the caller", async () => {
    const r = await gql(t, typo);
    expect(r.errors?.[0]?.message).toContain('Did you mean "name"?');
  });

  it("with introspection off, no error names a field the caller did not send", async () => {
    const closed = await startTestApp({ INTROSPECTION: "false" });
    try {
      const field = await gql(closed, typo);
      expect(field.status).toBe(400);
      expect(field.errors?.[0]?.message).toBe('Cannot query field "nmae" on type "Workspace".');
      const variable = await gql(closed, badInput, { i: { name: "ok", nmae: "x" } });
      expect(variable.errors?.[0]?.message).toBe(
        'Variable "$i" got invalid value (not shown); Field "nmae" is not defined by type "CreateWorkspaceInput".',
      );
      for (const r of [field, variable]) {
        expect(r.raw).not.toContain("Did you mean");
        expect(r.raw).not.toMatch(/"name"/);
      }
      const over = connect(await closed.listen(), closed.adminToken);
      try {
        await over.connected;
        const sub = over.subscribe(`subscription { workspaceEvents { cursr } }`);
        await sub.ended(5_000);
        expect(sub.errors.map((e) => (e as { message: string }).message)).toEqual([
          'Cannot query field "cursr" on type "WorkspaceEvent".',
        ]);
      } finally {
        await over.dispose();
      }
    } finally {
      await closed.stop();
    }
  });
});
