import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { gql, ok } from "../support/gql.js";
import { startTestApp, type TestApp } from "../support/harness.js";

const INTROSPECTION = "query Introspect { __schema { queryType { name } types { name } } }";
const TYPE_LOOKUP = '{ __type(name: "Workspace") { name fields { name } } }';

/** What a browser asks for when it opens /graphql. */
async function openInBrowser(t: TestApp) {
  const res = await t.app.yoga.fetch("http://test/graphql", { headers: { accept: "text/html" } });
  return { status: res.status, type: res.headers.get("content-type") ?? "", body: await res.text() };
}

const preflight = (t: TestApp, origin: string) =>
  t.app.yoga.fetch("http://test/graphql", {
    method: "OPTIONS",
    headers: {
      origin,
      "access-control-request-method": "POST",
      "access-control-request-headers": "authorization, content-type",
    },
  });

const crossOriginPost = (t: TestApp, origin: string) =>
  t.app.yoga.fetch("http://test/graphql", {
    method: "POST",
    headers: { origin, "content-type": "application/json", authorization: `Bearer ${t.adminToken}` },
    body: JSON.stringify({ query: "{ __typename }" }),
  });

describe("configuration defaults", () => {
  it("production turns GraphiQL and introspection off unless asked, and HOST is loopback either way", () => {
    const base = { SECRETS_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString("base64") };
    expect(loadConfig({ ...base })).toMatchObject({ host: "127.0.0.1", graphiql: true, introspection: true });
    expect(loadConfig({ ...base, NODE_ENV: "production" })).toMatchObject({
      host: "127.0.0.1",
      graphiql: false,
      introspection: false,
      corsOrigins: [],
    });
    expect(loadConfig({ ...base, NODE_ENV: "production", GRAPHIQL: "true", INTROSPECTION: "true" })).toMatchObject({
      graphiql: true,
      introspection: true,
    });
    expect(loadConfig({ ...base, GRAPHIQL: "false", INTROSPECTION: "false" })).toMatchObject({
      graphiql: false,
      introspection: false,
    });
  });
});

describe("NODE_ENV=production", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ NODE_ENV: "production" });
  });
  afterAll(() => t.stop());

  it("serves no GraphiQL page", async () => {
    const page = await openInBrowser(t);
    expect(page.type).not.toContain("text/html");
    expect(page.body).not.toMatch(/graphiql/i);
  });

  it("refuses introspection, even to an admin, and still answers __typename", async () => {
    for (const query of [INTROSPECTION, TYPE_LOOKUP]) {
      const r = await gql(t, query);
      expect(r.status, r.raw).toBe(400);
      expect(r.data, r.raw).toBeUndefined();
      expect(r.errors?.[0]?.extensions?.code, r.raw).toBe("GRAPHQL_VALIDATION_FAILED");
      expect(r.errors?.[0]?.message).toMatch(/introspection/i);
    }
    expect(ok(await gql(t, "{ __typename }", undefined, { token: null }))).toEqual({ __typename: "Query" });
  });

  it("listens on 127.0.0.1 when HOST is unset", async () => {
    expect(await t.listen()).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it("without CORS_ORIGINS, a cross-origin preflight and request get no Access-Control-Allow-Origin", async () => {
    const pre = await preflight(t, "https://canvas.example");
    expect(pre.headers.get("access-control-allow-origin")).toBeNull();
    expect(pre.headers.get("access-control-allow-headers")).toBeNull();
    const post = await crossOriginPost(t, "https://canvas.example");
    expect(post.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("NODE_ENV=production with GRAPHIQL, INTROSPECTION and CORS_ORIGINS set", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      NODE_ENV: "production",
      GRAPHIQL: "true",
      INTROSPECTION: "true",
      CORS_ORIGINS: "https://canvas.example",
    });
  });
  afterAll(() => t.stop());

  it("serves GraphiQL and answers introspection", async () => {
    const page = await openInBrowser(t);
    expect(page.status).toBe(200);
    expect(page.type).toContain("text/html");
    expect(page.body).toMatch(/graphiql/i);
    const r = ok(await gql<{ __schema: { queryType: { name: string } } }>(t, INTROSPECTION));
    expect(r.__schema.queryType.name).toBe("Query");
  });

  it("allows the listed origin, with the authorization header, and no other", async () => {
    const pre = await preflight(t, "https://canvas.example");
    expect(pre.status).toBeLessThan(300);
    expect(pre.headers.get("access-control-allow-origin")).toBe("https://canvas.example");
    expect(pre.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("authorization");
    expect(pre.headers.get("access-control-allow-methods")).toContain("POST");
    expect(pre.headers.get("vary")?.toLowerCase()).toContain("origin");
    const post = await crossOriginPost(t, "https://canvas.example");
    expect(post.status).toBe(200);
    expect(post.headers.get("access-control-allow-origin")).toBe("https://canvas.example");
    expect(post.headers.get("vary")?.toLowerCase()).toContain("origin");
    // A canvas can read the request id to quote it in a bug report.
    expect(post.headers.get("access-control-expose-headers")?.toLowerCase()).toContain("x-request-id");

    for (const other of ["https://evil.example", "https://canvas.example.evil.test", "http://canvas.example", "null"]) {
      const refused = await preflight(t, other);
      expect(refused.headers.get("access-control-allow-origin"), other).toBeNull();
      const sent = await crossOriginPost(t, other);
      expect(sent.headers.get("access-control-allow-origin"), other).toBeNull();
    }
  });
});
