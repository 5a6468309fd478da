import { randomUUID } from "node:crypto";
import { request as httpRequest } from "node:http";
import { connect as netConnect } from "node:net";
import { describe, expect, it } from "vitest";
import { QUERY_LIMITS } from "../../src/http/limits.js";
import { CreateWorkspace } from "../support/operations.js";
import { errorsOf, expectClientError, JSON_HEADERS, type Raw, useRawHttp } from "../support/raw-http.js";

// Bad requests over a real port (the body reader and node:http included):
// every answer is 4xx or a GraphQL error, never 5xx, and the server stays up.
// Bad values inside well-formed requests are in bad-values.test.ts.

const http = useRawHttp();
const { t, send, postJson, admin } = http;

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
      const { hostname, port } = new URL(http.base);
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
    const pending = fetch(`${http.base}/graphql`, {
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

describe("two Authorization headers (SPEC 2: 400 before anything runs)", () => {
  const create = (name: string) =>
    JSON.stringify({ query: `mutation { createWorkspace(input: { name: "${name}" }) { __typename } }` });
  const named = (name: string) => t.app.domain.prisma.workspace.count({ where: { name } });

  /** Node's own client, so both header lines really go out (fetch would join them). */
  const twice = (values: string[], body: string) =>
    new Promise<Raw>((resolve, reject) => {
      const url = new URL(`${http.base}/graphql`);
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
