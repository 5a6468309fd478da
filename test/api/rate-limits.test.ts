import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.js";
import { clientKey } from "../../src/http/client-address.js";
import { type Budget, createRateLimits } from "../../src/http/rate-limits.js";
import { connectFrom, postFrom } from "../support/from-address.js";
import { expectSuccess, gql, ok } from "../support/gql.js";
import { captureLog, startTestApp, type TestApp, useTestApp } from "../support/harness.js";
import { CreateWorkspace, Heartbeat, RegisterWorkspace } from "../support/operations.js";

const t = useTestApp();

describe("Budget (a budget per client, taken before the work)", () => {
  const budget = async (perMinute: number) =>
    (await createRateLimits({ authFailuresPerMinute: perMinute, bootstrapsPerMinute: 0 }, captureLog().log))
      .authFailures as Budget;

  it("allows half the minute's rate, then says how long to wait (at most the 30 s window)", async () => {
    const b = await budget(20);
    for (let i = 0; i < 10; i++) expect(await b.take("a")).toBe(0);
    const wait = await b.take("a");
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(30);
    expect(await b.take("b")).toBe(0);
  });

  it("takes several at once, keeps nothing when refused, and takes back what was given", async () => {
    const b = await budget(10);
    expect(await b.take("a", 3)).toBe(0);
    expect(await b.take("a", 3)).toBeGreaterThan(0);
    expect(await b.take("a", 2)).toBe(0);
    expect(await b.take("a")).toBeGreaterThan(0);
    b.give("a", 2);
    await expect.poll(() => b.take("a", 2)).toBe(0);
  });

  it("concurrent takes never overdraw it", async () => {
    const b = await budget(20);
    const waits = await Promise.all(Array.from({ length: 300 }, () => b.take("c")));
    expect(waits.filter((w) => w === 0)).toHaveLength(10);
  });
});

describe("client addresses", () => {
  it("counts IPv4-mapped addresses as IPv4 and IPv6 clients by /64", () => {
    expect(clientKey("::ffff:203.0.113.9")).toBe("203.0.113.9");
    expect(clientKey("203.0.113.9")).toBe("203.0.113.9");
    expect(clientKey("2001:db8:1:2:aaaa::1")).toBe("2001:db8:1:2::/64");
    expect(clientKey("2001:db8:1:2:ffff:ffff:ffff:ffff")).toBe("2001:db8:1:2::/64");
    expect(clientKey("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(clientKey("::1")).toBe("0:0:0:0::/64");
    expect(clientKey("fe80::1%eth0")).toBe("fe80:0:0:0::/64");
    expect(clientKey(undefined)).toBeNull();
  });
});

/** Through yoga.fetch with a client address, as app.ts passes it from the socket. */
async function fromAddress(
  app: TestApp,
  address: string,
  query: string,
  variables: Record<string, unknown> | undefined,
  token: string | null,
) {
  const res = await app.app.yoga.fetch(
    "http://test/graphql",
    {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/graphql-response+json",
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify({ query, variables }),
    },
    { remoteAddress: address },
  );
  const body = (await res.json()) as {
    data?: Record<string, { __typename?: string; code?: string }>;
    errors?: { extensions?: { code?: string } }[];
  };
  return {
    status: res.status,
    retryAfter: res.headers.get("retry-after"),
    code: body.errors?.[0]?.extensions?.code,
    body,
  };
}

/**
 * Calls until one is answered 429, at most `max` times; returns how many were
 * answered otherwise first. The buckets refill with time, so a slow run may
 * get a call or two more through, never fewer.
 */
async function untilLimited(max: number, call: (i: number) => Promise<{ status: number }>) {
  for (let i = 0; i < max; i++) if ((await call(i)).status === 429) return i;
  throw new Error(`no 429 in ${max} calls`);
}

describe("rate limits (defaults: 20 failed checks and 60 bootstraps a minute per address)", () => {
  const ORG_SECRETS = "{ orgSecrets { key } }";

  // Changed: an address out of failed checks used to be refused for any credential, the
  // admin's included; SPEC 11 now says a valid credential is never refused for that.
  it("after 10 failed bearer checks an address gets 429 for wrong credentials; a valid one, other addresses and no-token calls are served", async () => {
    const bad = "203.0.113.10";
    const passed = await untilLimited(20, async (i) => {
      const r = await fromAddress(t, bad, ORG_SECRETS, undefined, `guess-${i}`);
      if (r.status !== 429) expect([r.status, r.code]).toEqual([401, "UNAUTHENTICATED"]);
      else {
        // Ten failures a 30 s window: the wait is what is left of it.
        expect(r.code).toBe("RATE_LIMITED");
        expect(Number(r.retryAfter)).toBeGreaterThanOrEqual(1);
        expect(Number(r.retryAfter)).toBeLessThanOrEqual(30);
      }
      return r;
    });
    expect(passed).toBeGreaterThanOrEqual(10);
    expect((await fromAddress(t, bad, ORG_SECRETS, undefined, "guess-again")).status).toBe(429);
    for (let i = 0; i < 5; i++)
      expect((await fromAddress(t, bad, ORG_SECRETS, undefined, t.adminToken)).status).toBe(200);
    expect((await fromAddress(t, "203.0.113.11", ORG_SECRETS, undefined, t.adminToken)).status).toBe(200);
    expect((await fromAddress(t, bad, "{ __typename }", undefined, null)).body).toEqual({
      data: { __typename: "Query" },
    });
    // In-process calls carry no address and are not limited.
    ok(await gql(t, ORG_SECRETS));
  });

  it("successful checks and missing tokens do not count; wrong agent tokens on heartbeat do, per /64", async () => {
    const addr = "2001:db8:77:1::5";
    for (let i = 0; i < 30; i++) {
      expect((await fromAddress(t, addr, ORG_SECRETS, undefined, t.adminToken)).status).toBe(200);
    }
    for (let i = 0; i < 15; i++) expect((await fromAddress(t, addr, ORG_SECRETS, undefined, null)).status).toBe(401);
    const created = ok(await gql(t, CreateWorkspace, { input: { name: "rate" } })).createWorkspace;
    const workspaceId = expectSuccess(created, "CreateWorkspaceSuccess").workspace.id;
    const heartbeat = (a: string, i: number) =>
      fromAddress(t, a, Heartbeat.toString(), { input: { workspaceId } }, `nope-${i}`);
    expect(await untilLimited(20, (i) => heartbeat(addr, i))).toBeGreaterThanOrEqual(10);
    // Another address in the same /64 shares the bucket: limited at once, not after 10 more.
    expect(await untilLimited(3, (i) => heartbeat("2001:db8:77:1::6", i))).toBeLessThan(3);
  });

  it("a limited address: a valid agent is let past without a lookup each time, a revoked one is still refused, a guess is never remembered", async () => {
    const addr = "203.0.113.40";
    const created = ok(await gql(t, CreateWorkspace, { input: { name: "remembered" } })).createWorkspace;
    const workspaceId = expectSuccess(created, "CreateWorkspaceSuccess").workspace.id;
    const registered = ok(await gql(t, RegisterWorkspace, { input: { workspaceId } }, { token: null }));
    const token = expectSuccess(registered.registerWorkspace, "RegisterWorkspaceSuccess").authToken as string;
    const beat = (bearer: string) => fromAddress(t, addr, Heartbeat.toString(), { input: { workspaceId } }, bearer);
    expect(await untilLimited(20, (i) => beat(`guess-${i}`))).toBeGreaterThanOrEqual(10);
    // Found valid once, remembered: served at the limited address.
    for (let i = 0; i < 3; i++) expect((await beat(token)).body.data?.heartbeat?.__typename).toBe("HeartbeatSuccess");
    // A wrong guess was not remembered as anything: still 429.
    expect((await beat("guess-0")).status).toBe(429);
    // Revoked while remembered: the limiter may let it past for a few seconds, the heartbeat refuses it.
    await t.app.domain.prisma.instanceToken.updateMany({ where: { workspaceId }, data: { revokedAt: new Date() } });
    for (let i = 0; i < 3; i++) {
      const r = await beat(token);
      expect(r.body.data?.heartbeat ?? null).toBeNull();
      expect([401, 429]).toContain(r.status);
    }
  });

  it("after 30 registrations without a token an address gets 429", async () => {
    const addr = "198.51.100.20";
    const register = (workspaceId: string) =>
      fromAddress(t, addr, RegisterWorkspace.toString(), { input: { workspaceId } }, null);
    const passed = await untilLimited(60, async () => {
      const r = await register(randomUUID());
      if (r.status !== 429) expect(r.body.data?.registerWorkspace?.code).toBe("NOT_FOUND");
      else {
        expect(r.code).toBe("RATE_LIMITED");
        expect(Number(r.retryAfter)).toBeGreaterThanOrEqual(1);
        expect(Number(r.retryAfter)).toBeLessThanOrEqual(30);
      }
      return r;
    });
    expect(passed).toBeGreaterThanOrEqual(30);
    const created = ok(await gql(t, CreateWorkspace, { input: { name: "elsewhere" } })).createWorkspace;
    const workspaceId = expectSuccess(created, "CreateWorkspaceSuccess").workspace.id;
    const elsewhere = await fromAddress(
      t,
      "198.51.100.21",
      RegisterWorkspace.toString(),
      { input: { workspaceId } },
      null,
    );
    expect(elsewhere.body.data?.registerWorkspace?.__typename).toBe("RegisterWorkspaceSuccess");
  });
});

describe("rate limits over a real port, and configured", () => {
  let small: TestApp;
  let base: URL;
  beforeAll(async () => {
    small = await startTestApp({ RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: "2", RATE_LIMIT_BOOTSTRAPS_PER_MINUTE: "2" });
    base = new URL(await small.listen());
  });
  afterAll(() => small.stop());

  /** A POST from a chosen loopback address, so each test is its own client. */
  const post = (from: string, query: string, variables?: unknown, token?: string) =>
    postFrom(base.origin, from, query, variables, token);

  it("the socket's address reaches the limiter: a wrong token, then 429 with Retry-After (1 per 30 s at 2 a minute)", async () => {
    expect((await post("127.0.0.21", "{ orgSecrets { key } }", undefined, "wrong")).status).toBe(401);
    const r = await post("127.0.0.21", "{ orgSecrets { key } }", undefined, "wrong-again");
    expect(r.status).toBe(429);
    expect(Number(r.retryAfter)).toBeGreaterThan(20);
    expect(Number(r.retryAfter)).toBeLessThanOrEqual(30);
    expect(JSON.parse(r.body)).toMatchObject({ errors: [{ extensions: { code: "RATE_LIMITED" } }] });
    expect((await post("127.0.0.21", "{ __typename }")).status).toBe(200);
    // Changed: the admin at the limited address is served (it was refused, SPEC 11 says it must not be).
    expect((await post("127.0.0.21", "{ orgSecrets { key } }", undefined, small.adminToken)).status).toBe(200);
    expect((await post("127.0.0.22", "{ orgSecrets { key } }", undefined, small.adminToken)).status).toBe(200);
  });

  it("bootstraps: one, then 429, and the refused bootstrap mints nothing", async () => {
    const register = RegisterWorkspace.toString();
    expect((await post("127.0.0.23", register, { input: { workspaceId: randomUUID() } })).status).toBe(200);
    const created = ok(await gql(small, CreateWorkspace, { input: { name: "refused" } })).createWorkspace;
    const workspaceId = expectSuccess(created, "CreateWorkspaceSuccess").workspace.id;
    const before = await small.app.domain.prisma.workspaceEvent.count({ where: { workspaceId } });
    const second = await post("127.0.0.23", register, { input: { workspaceId } });
    expect(second.status).toBe(429);
    expect(Number(second.retryAfter)).toBeGreaterThan(20);
    expect(await small.app.domain.prisma.instanceToken.count({ where: { workspaceId } })).toBe(0);
    expect(await small.app.domain.prisma.workspaceEvent.count({ where: { workspaceId } })).toBe(before);
    const status = (await small.app.domain.prisma.workspace.findUniqueOrThrow({ where: { id: workspaceId } })).status;
    expect(status).not.toBe("ONLINE");
  });

  // Changed: the admin's connection used to be refused at a limited address too.
  it("graphql-ws: a refused connection with credentials counts; a limited address is refused (4403) a wrong token, never the admin's", async () => {
    const from = "127.0.0.24";
    const connect = (token: string) => connectFrom(base.origin, token, from);
    expect(await connect(small.adminToken)).toBe(0);
    expect(await connect("wrong")).toBe(4403);
    expect(await connect(small.adminToken)).toBe(0);
    expect(await connect("wrong-again")).toBe(4403);
    expect((await post(from, "{ orgSecrets { key } }", undefined, "wrong-over-http")).status).toBe(429);
    expect((await post(from, "{ orgSecrets { key } }", undefined, small.adminToken)).status).toBe(200);
  });
});

describe("configuration", () => {
  const base = { SECRETS_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString("base64") };

  it("documents its defaults", () => {
    const c = loadConfig(base);
    expect([c.authFailuresPerMinute, c.bootstrapsPerMinute, c.wsMaxConnections]).toEqual([20, 60, 10_000]);
    expect([c.wsMaxPendingConnections, c.wsMaxPendingPerAddress, c.trustProxy]).toEqual([1_000, 10, 0]);
  });

  it("0 turns a rate limit off; a bad value stops the start naming the variable", () => {
    expect(loadConfig({ ...base, RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: "0" }).authFailuresPerMinute).toBe(0);
    for (const [name, value] of [
      ["RATE_LIMIT_AUTH_FAILURES_PER_MINUTE", "-1"],
      ["RATE_LIMIT_BOOTSTRAPS_PER_MINUTE", "ten"],
      ["WS_MAX_CONNECTIONS", "0"],
      ["WS_MAX_PENDING_CONNECTIONS", "0"],
      ["WS_MAX_PENDING_PER_ADDRESS", "many"],
      ["TRUST_PROXY", "-1"],
      ["TRUST_PROXY", "yes"],
      ["TRUST_PROXY", "1.5"],
    ] as const) {
      expect(() => loadConfig({ ...base, [name]: value })).toThrow(ConfigError);
      expect(() => loadConfig({ ...base, [name]: value })).toThrow(name);
    }
  });

  it("with the limits off, failed checks are never answered 429", async () => {
    const open = await startTestApp({
      RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: "0",
      RATE_LIMIT_BOOTSTRAPS_PER_MINUTE: "0",
    });
    try {
      for (let i = 0; i < 15; i++) {
        expect((await fromAddress(open, "203.0.113.99", "{ orgSecrets { key } }", undefined, "wrong")).status).toBe(
          401,
        );
      }
      for (let i = 0; i < 35; i++) {
        const r = await fromAddress(
          open,
          "203.0.113.99",
          RegisterWorkspace.toString(),
          { input: { workspaceId: randomUUID() } },
          null,
        );
        expect(r.status).toBe(200);
      }
    } finally {
      await open.stop();
    }
  });
});
