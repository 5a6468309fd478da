import { randomUUID } from "node:crypto";
import { request as httpRequest } from "node:http";
import { getIntrospectionQuery } from "graphql";
import { beforeAll, describe, expect, it } from "vitest";
import * as agentDocuments from "../../src/client/gql/graphql.js";
import { parseWithTokenLimit, QUERY_LIMITS } from "../../src/http/limits.js";
import * as testDocuments from "../gql/graphql.js";
import { expectError, type GqlResponse, gql, ok } from "../support/gql.js";
import { useTestApp } from "../support/harness.js";
import { RegisterWorkspace, WorkspaceFields } from "../support/operations.js";

const t = useTestApp();

const errorMessage = (r: GqlResponse<unknown>) => r.errors?.[0]?.message ?? "";

describe("document limits", () => {
  const repeat = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i)).join(" ");
  const nested = (levels: number) => `{ ${"... on Query { ".repeat(levels - 1)}__typename ${"} ".repeat(levels - 1)}}`;

  it("graphql-js's full introspection query passes without a token", async () => {
    const query = getIntrospectionQuery({
      descriptions: true,
      specifiedByUrl: true,
      directiveIsRepeatable: true,
      schemaDescription: true,
      inputValueDeprecation: true,
      oneOf: true,
    });
    const r = await gql<{ __schema: { types: unknown[] } }>(t, query, undefined, { token: null });
    expect(ok(r).__schema.types.length).toBeGreaterThan(10);
  });

  it("every document codegen knows (tests, client, bench) passes the limits", async () => {
    const docs = [testDocuments, agentDocuments].flatMap((generated) =>
      Object.entries(generated).filter(
        ([name, v]) => v instanceof generated.TypedDocumentString && !name.endsWith("FragmentDoc"),
      ),
    );
    expect(docs.length).toBeGreaterThanOrEqual(15);
    const enveloped = t.app.yoga.getEnveloped({});
    for (const [name, doc] of docs) {
      const errors = enveloped.validate(enveloped.schema, enveloped.parse(doc.toString()));
      expect(errors.map((e: { message: string }) => `${name}: ${e.message}`)).toEqual([]);
    }
  });

  it("a literal page of 100 workspaces with every field is within the cost limit", async () => {
    const query = `query { workspaces(first: 100) { edges { cursor node { ...WorkspaceFields } } pageInfo { hasNextPage endCursor } } offeredModels { model provider } runtimes { name } } ${WorkspaceFields}`;
    ok(await gql(t, query));
  });

  it(`depth: ${QUERY_LIMITS.maxDepth} levels pass, one more is refused`, async () => {
    expect(ok(await gql(t, nested(QUERY_LIMITS.maxDepth), undefined, { token: null }))).toEqual({
      __typename: "Query",
    });
    const r = await gql(t, nested(QUERY_LIMITS.maxDepth + 1), undefined, { token: null });
    expect(r.status).toBe(400);
    expect(r.data).toBeUndefined();
    expect(errorMessage(r)).toBe(
      `Syntax Error: Query depth limit of ${QUERY_LIMITS.maxDepth} exceeded, found ${QUERY_LIMITS.maxDepth + 1}.`,
    );
    expect(r.errors?.[0]?.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
  });

  it(`aliases: ${QUERY_LIMITS.maxAliases} pass, one more is refused`, async () => {
    const aliased = (n: number) => `{ ${repeat(n, (i) => `r${i}: runtimes { name }`)} }`;
    ok(await gql(t, aliased(QUERY_LIMITS.maxAliases)));
    const r = await gql(t, aliased(QUERY_LIMITS.maxAliases + 1));
    expect(r.status).toBe(400);
    expect(errorMessage(r)).toContain(`Aliases limit of ${QUERY_LIMITS.maxAliases} exceeded`);
  });

  it(`directives: ${QUERY_LIMITS.maxDirectives} pass, one more is refused`, async () => {
    const directed = (n: number) => `{ ${repeat(n, (i) => `t${i}: __typename @include(if: true)`)} }`;
    ok(await gql(t, directed(QUERY_LIMITS.maxDirectives), undefined, { token: null }));
    const r = await gql(t, directed(QUERY_LIMITS.maxDirectives + 1), undefined, { token: null });
    expect(r.status).toBe(400);
    expect(errorMessage(r)).toContain(`Directives limit of ${QUERY_LIMITS.maxDirectives} exceeded`);
  });

  it(`tokens: ${QUERY_LIMITS.maxTokens} pass, one more is refused before parsing completes`, async () => {
    // 20 tokens around the list literal, one per item (commas are not tokens).
    const sized = (n: number) =>
      `mutation { registerWorkspace(input: { workspaceId: "${randomUUID()}", agentCard: [${"1,".repeat(n - 20)}] }) { __typename } }`;
    const fits = ok(await gql<{ registerWorkspace: { __typename: string } }>(t, sized(QUERY_LIMITS.maxTokens)));
    expect(fits.registerWorkspace.__typename).toBe("RequestError");
    const r = await gql(t, sized(QUERY_LIMITS.maxTokens + 1), undefined, { token: null });
    expect(r.status).toBe(400);
    expect(errorMessage(r)).toBe(`Syntax Error: Token limit of ${QUERY_LIMITS.maxTokens} exceeded.`);
    expect(r.errors?.[0]?.extensions?.code).toBe("GRAPHQL_PARSE_FAILED");
  });

  it(`cost: three literal pages of 100 workspaces exceed ${QUERY_LIMITS.maxCost}`, async () => {
    const page = (alias: string) =>
      `${alias}: workspaces(first: 100) { edges { node { ...WorkspaceFields } } pageInfo { hasNextPage } }`;
    const r = await gql(t, `query { ${page("a")} ${page("b")} ${page("c")} } ${WorkspaceFields}`);
    expect(r.status).toBe(400);
    expect(errorMessage(r)).toContain(`Query Cost limit of ${QUERY_LIMITS.maxCost} exceeded`);
  });

  it("a document nested past the parser's stack is a syntax error, not a crash", () => {
    const literal = `${"[".repeat(200_000)}${"]".repeat(200_000)}`;
    expect(() => parseWithTokenLimit(`{ f(a: ${literal}) }`, 10_000_000)).toThrow(
      "Syntax Error: The document nests too deeply.",
    );
  });
});

describe("request body limit (1 MiB)", () => {
  let base: URL;
  beforeAll(async () => {
    base = new URL(await t.listen());
  });

  const raw = (headers: Record<string, string>, write: (req: ReturnType<typeof httpRequest>) => void) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(
        { host: base.hostname, port: base.port, path: "/graphql", method: "POST", headers },
        (res) => {
          let body = "";
          res.on("data", (c) => {
            body += c;
          });
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      // The server may answer and close before the whole body is written.
      req.on("error", (err) =>
        String(err).includes("EPIPE") || String(err).includes("ECONNRESET") ? undefined : reject(err),
      );
      write(req);
    });

  const registerBody = (cardBytes: number) =>
    JSON.stringify({
      query: RegisterWorkspace.toString(),
      variables: { input: { workspaceId: randomUUID(), agentCard: { pad: "x".repeat(cardBytes) } } },
    });

  it("a Content-Length over 1 MiB is refused with 413 without reading the body", async () => {
    const r = await raw({ "content-type": "application/json", "content-length": String(1024 * 1024 + 1) }, (req) =>
      req.end(),
    );
    expect(r.status).toBe(413);
    expect(JSON.parse(r.body)).toMatchObject({ errors: [{ extensions: { code: "PAYLOAD_TOO_LARGE" } }] });
  });

  it("a chunked body with no Content-Length is refused with 413 once past 1 MiB", async () => {
    const body = registerBody(2 * 1024 * 1024);
    const r = await raw({ "content-type": "application/json", "transfer-encoding": "chunked" }, (req) => {
      for (let i = 0; i < body.length; i += 64 * 1024) req.write(body.slice(i, i + 64 * 1024));
      req.end();
    });
    expect(r.status).toBe(413);
  });

  it("a body just under 1 MiB is read and answered (the card itself is over its own 64 KiB bound)", async () => {
    const body = registerBody(1024 * 1024 - 1024);
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(1024 * 1024);
    const r = await raw(
      { "content-type": "application/json", "transfer-encoding": "chunked", accept: "application/json" },
      (req) => req.end(body),
    );
    expect(r.status).toBe(200);
    const result = JSON.parse(r.body).data.registerWorkspace;
    expect(expectError(result, "RequestError", "VALIDATION_FAILED").field).toBe("input.agentCard");
  });
});
