import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, exportSPKI, generateKeyPair, type JWK, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { KEY_SET_MAX_AGE_MS, type UserTokens } from "../../src/auth/jwt.js";
import { ConfigError, loadConfig } from "../../src/config.js";
import { expectRefusal, expectSuccess, gql, ok } from "../support/gql.js";
import { startTestApp, type TestApp } from "../support/harness.js";
import {
  CreateWorkspace,
  EventActors,
  Heartbeat,
  ListWorkspaces,
  OrgSecrets,
  RegisterWorkspace,
  SetOrgSecret,
} from "../support/operations.js";
import { connect, OnWorkspaceEvents } from "../support/ws.js";

// Canvas users present a JWT (SPEC section 10). Keys are made here; the
// JWKS is served by a local HTTP server the test controls.

const ISSUER = "https://id.example.test/";
const AUDIENCE = "workspace-control-plane";
const hour = 3600;
const now = () => Math.floor(Date.now() / 1000);

type Keys = Awaited<ReturnType<typeof generateKeyPair>>;

/** A signed token; every claim can be overridden or removed (undefined). */
async function sign(
  key: Keys["privateKey"],
  claims: Record<string, unknown> = {},
  header: { alg?: string; kid?: string } = {},
) {
  const body = {
    sub: "user-1",
    iss: ISSUER,
    aud: AUDIENCE,
    iat: now(),
    exp: now() + hour,
    roles: ["viewer"],
    ...claims,
  };
  for (const [k, v] of Object.entries(body)) if (v === undefined) delete body[k as keyof typeof body];
  return new SignJWT(body)
    .setProtectedHeader({ alg: header.alg ?? "RS256", ...(header.kid ? { kid: header.kid } : {}) })
    .sign(key);
}

const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");

describe("configuration", () => {
  const base = { SECRETS_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString("base64") };
  const message = (env: Record<string, string>) => {
    try {
      loadConfig({ ...base, ...env });
      return "";
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return (err as Error).message;
    }
  };

  it("needs AUTH_ISSUER and AUTH_AUDIENCE with either key source, and one source only", async () => {
    const { publicKey } = await generateKeyPair("RS256");
    const pem = await exportSPKI(publicKey);
    expect(message({ AUTH_JWKS_URL: "https://id.example.test/jwks" })).toMatch(/AUTH_ISSUER: is required/);
    expect(message({ AUTH_JWKS_URL: "https://id.example.test/jwks" })).toMatch(/AUTH_AUDIENCE: is required/);
    expect(message({ AUTH_JWT_PUBLIC_KEY: pem, AUTH_ISSUER: ISSUER })).toMatch(/AUTH_AUDIENCE: is required/);
    expect(
      message({ AUTH_JWT_PUBLIC_KEY: pem, AUTH_JWKS_URL: "https://x.test/j", AUTH_ISSUER: ISSUER, AUTH_AUDIENCE: "a" }),
    ).toMatch(/AUTH_JWT_PUBLIC_KEY: cannot be set with AUTH_JWKS_URL/);
    expect(message({ AUTH_JWT_PUBLIC_KEY: "not a key", AUTH_ISSUER: ISSUER, AUTH_AUDIENCE: "a" })).toMatch(
      /AUTH_JWT_PUBLIC_KEY: must be a PEM public key/,
    );
    expect(message({ AUTH_JWKS_URL: "ftp://x.test/j", AUTH_ISSUER: ISSUER, AUTH_AUDIENCE: "a" })).toMatch(
      /AUTH_JWKS_URL/,
    );
    // An ADMIN_TOKEN shaped like a JWT would be taken for one.
    expect(message({ ADMIN_TOKEN: "aaaaaaaa.bbbbbbbb.cccccccc" })).toMatch(/ADMIN_TOKEN: must not look like a JWT/);
    // A PEM on one line, with its newlines written as \n, is accepted.
    const config = loadConfig({
      ...base,
      AUTH_JWT_PUBLIC_KEY: pem.replaceAll("\n", "\\n"),
      AUTH_ISSUER: ISSUER,
      AUTH_AUDIENCE: AUDIENCE,
    });
    expect(config.auth).toMatchObject({ issuer: ISSUER, audience: AUDIENCE, rolesClaim: "roles" });
    expect(loadConfig(base).auth).toBeNull();
  });
});

describe("AUTH_JWT_PUBLIC_KEY", () => {
  let t: TestApp;
  let keys: Keys;
  let other: Keys;
  let pem: string;
  beforeAll(async () => {
    keys = await generateKeyPair("RS256");
    other = await generateKeyPair("RS256");
    pem = await exportSPKI(keys.publicKey);
    t = await startTestApp({ AUTH_JWT_PUBLIC_KEY: pem, AUTH_ISSUER: ISSUER, AUTH_AUDIENCE: AUDIENCE });
  });
  afterAll(() => t?.stop());

  const as = (token: string) => ({ token });

  it("a viewer reads and cannot write; an operator creates; an admin sets org secrets", async () => {
    const viewer = await sign(keys.privateKey, { roles: ["viewer"] });
    ok(await gql(t, ListWorkspaces, {}, as(viewer)));
    expectRefusal(await gql(t, CreateWorkspace, { input: { name: "v" } }, as(viewer)), "FORBIDDEN", 403);
    const operator = await sign(keys.privateKey, { sub: "op-7", roles: "operator" });
    const created = ok(await gql(t, CreateWorkspace, { input: { name: "by a user" } }, as(operator))).createWorkspace;
    const ws = expectSuccess(created, "CreateWorkspaceSuccess").workspace;
    expectRefusal(await gql(t, SetOrgSecret, { input: { key: "K", value: "v" } }, as(operator)), "FORBIDDEN", 403);
    const admin = await sign(keys.privateKey, { sub: "ad-1", roles: ["viewer", "admin", "operator"] });
    expectSuccess(
      ok(await gql(t, SetOrgSecret, { input: { key: "BY_USER", value: "v" } }, as(admin))).setOrgSecret,
      "SecretSuccess",
    );
    // Who did it: the JWT subject.
    const events = ok(await gql(t, EventActors, { workspaceId: ws.id })).workspaceEvents.edges.map((e) => e.node);
    expect(events[0]).toMatchObject({
      type: "WORKSPACE_PROVISIONING",
      actor: { kind: "USER", id: "op-7", label: null },
    });
    const secret = ok(await gql(t, OrgSecrets, {}, as(viewer))).orgSecrets.find((s) => s.key === "BY_USER");
    expect(secret).toBeDefined();
  });

  it("a verified token is believed without a second signature check until it expires, and not a moment longer", async () => {
    const token = await sign(keys.privateKey, { exp: now() + 30 });
    ok(await gql(t, ListWorkspaces, {}, as(token)));
    ok(await gql(t, ListWorkspaces, {}, as(token))); // now from what was verified
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      // jose's tolerance is 5 s: a moment past exp + 5 s the kept verdict no longer holds.
      vi.setSystemTime(Date.now() + 36_000);
      const late = await gql(t, ListWorkspaces, {}, as(token));
      expectRefusal(late, "UNAUTHENTICATED", 401);
      expect(late.errors?.[0]?.message).toMatch(/expired/);
    } finally {
      vi.useRealTimers();
    }
  });

  it("a verified token's signature is not checked again however long it streams: the one key cannot change", async () => {
    const users = t.app.identities.users as UserTokens;
    const token = await sign(keys.privateKey, { exp: now() + 2 * hour });
    ok(await gql(t, ListWorkspaces, {}, as(token)));
    const checked = users.signaturesChecked;
    // Both clocks move: a cache's own (lru-cache's ttl reads the performance object it found at load).
    const realNow = performance.now.bind(performance);
    let ahead = 0;
    const monotonic = vi.spyOn(performance, "now").mockImplementation(() => realNow() + ahead);
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      // A canvas's events come minutes apart: each would have verified every subscriber's token again.
      for (const minutes of [1, 10, 50]) {
        ahead += minutes * 60_000;
        vi.setSystemTime(Date.now() + minutes * 60_000);
        ok(await gql(t, ListWorkspaces, {}, as(token)));
      }
      expect(users.signaturesChecked).toBe(checked);
    } finally {
      vi.useRealTimers();
      monotonic.mockRestore();
    }
  });

  it("a token one character away from a verified one is verified on its own; each keeps its own role", async () => {
    const viewer = await sign(keys.privateKey, { sub: "same-user", roles: ["viewer"] });
    const admin = await sign(keys.privateKey, { sub: "same-user", roles: ["admin"] });
    ok(await gql(t, ListWorkspaces, {}, as(viewer)));
    ok(await gql(t, OrgSecrets, {}, as(admin)));
    const last = viewer.at(-2) === "A" ? "B" : "A";
    const tampered = `${viewer.slice(0, -2)}${last}${viewer.at(-1)}`;
    expectRefusal(await gql(t, ListWorkspaces, {}, as(tampered)), "UNAUTHENTICATED", 401);
    expectRefusal(await gql(t, SetOrgSecret, { input: { key: "K", value: "v" } }, as(viewer)), "FORBIDDEN", 403);
    expectSuccess(
      ok(await gql(t, SetOrgSecret, { input: { key: "BY_ADMIN", value: "v" } }, as(admin))).setOrgSecret,
      "SecretSuccess",
    );
  });

  it("the highest known role wins; none known, or no claim, is FORBIDDEN", async () => {
    const mixed = await sign(keys.privateKey, { roles: ["guest", "operator", "viewer"] });
    expectSuccess(
      ok(await gql(t, CreateWorkspace, { input: { name: "mixed" } }, as(mixed))).createWorkspace,
      "CreateWorkspaceSuccess",
    );
    for (const roles of [["guest"], [], "superuser", 7, undefined]) {
      const token = await sign(keys.privateKey, { roles });
      expectRefusal(await gql(t, ListWorkspaces, {}, as(token)), "FORBIDDEN", 403);
    }
  });

  it("expired, not yet valid, another key, alg none, HS256 with the public key, wrong issuer or audience: UNAUTHENTICATED", async () => {
    const hs256 = await new SignJWT({ sub: "x", iss: ISSUER, aud: AUDIENCE, exp: now() + hour, roles: ["admin"] })
      .setProtectedHeader({ alg: "HS256" })
      .sign(new TextEncoder().encode(pem));
    const unsigned = `${b64url({ alg: "none", typ: "JWT" })}.${b64url({ sub: "x", iss: ISSUER, aud: AUDIENCE, exp: now() + hour, roles: ["admin"] })}.`;
    const cases: Record<string, string> = {
      expired: await sign(keys.privateKey, { exp: now() - 60, iat: now() - hour }),
      "not yet valid": await sign(keys.privateKey, { nbf: now() + hour }),
      "another key": await sign(other.privateKey, { roles: ["admin"] }),
      "alg none": unsigned,
      "HS256 with the public key as secret": hs256,
      "wrong issuer": await sign(keys.privateKey, { iss: "https://evil.example.test/" }),
      "wrong audience": await sign(keys.privateKey, { aud: "someone-else" }),
      "no subject": await sign(keys.privateKey, { sub: undefined }),
      "no expiry": await sign(keys.privateKey, { exp: undefined }),
      "a tampered payload": (await sign(keys.privateKey, { roles: ["viewer"] })).replace(
        /\.[^.]+\./,
        `.${b64url({ sub: "x", iss: ISSUER, aud: AUDIENCE, exp: now() + hour, roles: ["admin"] })}.`,
      ),
    };
    for (const [label, token] of Object.entries(cases)) {
      const r = await gql(t, ListWorkspaces, {}, as(token));
      expect(r.status, `${label}: ${r.raw}`).toBe(401);
      expect(r.errors?.[0]?.extensions?.code, label).toBe("UNAUTHENTICATED");
    }
  });

  it("a user token cannot act as a workspace agent: FORBIDDEN on register and heartbeat", async () => {
    const ws = expectSuccess(
      ok(await gql(t, CreateWorkspace, { input: { name: "agentless" } })).createWorkspace,
      "CreateWorkspaceSuccess",
    ).workspace;
    const admin = await sign(keys.privateKey, { roles: ["admin"] });
    expectRefusal(await gql(t, RegisterWorkspace, { input: { workspaceId: ws.id } }, as(admin)), "FORBIDDEN", 403);
    expectRefusal(await gql(t, Heartbeat, { input: { workspaceId: ws.id } }, as(admin)), "FORBIDDEN", 403);
    // A JWT found wrong is no credential: the agent's own rules judge it (a stale bearer may bootstrap).
    const wrong = await sign(other.privateKey, { roles: ["admin"] });
    const r = ok(await gql(t, RegisterWorkspace, { input: { workspaceId: ws.id } }, as(wrong))).registerWorkspace;
    expectSuccess(r, "RegisterWorkspaceSuccess");
  });

  it("the same over SSE and graphql-ws: a viewer subscribes; an expired or roleless token is refused", async () => {
    const base = await t.listen();
    const viewer = await sign(keys.privateKey, { roles: "viewer" });
    const expired = await sign(keys.privateKey, { exp: now() - 60, iat: now() - hour });
    const roleless = await sign(keys.privateKey, { roles: ["guest"] });
    const sse = async (token: string) => {
      const controller = new AbortController();
      const res = await fetch(`${base}/graphql`, {
        method: "POST",
        headers: { accept: "text/event-stream", "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: OnWorkspaceEvents.toString() }),
        signal: controller.signal,
      });
      controller.abort();
      return res.status;
    };
    expect(await sse(viewer)).toBe(200);
    expect(await sse(expired)).toBe(401);
    expect(await sse(roleless)).toBe(403);
    for (const token of [expired, roleless]) expect((await connect(base, token).closed).code).toBe(4403);
    const socket = connect(base, viewer);
    await socket.connected;
    const sub = socket.subscribe(OnWorkspaceEvents, {});
    await new Promise((r) => setTimeout(r, 100));
    const ws = expectSuccess(
      ok(await gql(t, CreateWorkspace, { input: { name: "seen by a user" } })).createWorkspace,
      "CreateWorkspaceSuccess",
    ).workspace;
    await sub.waitFor((events) => events.some((e) => e.workspaceEvents.workspaceId === ws.id));
    await socket.dispose();
  });
});

describe("AUTH_ROLES_CLAIM", () => {
  let t: TestApp;
  let keys: Keys;
  beforeAll(async () => {
    keys = await generateKeyPair("ES256");
    t = await startTestApp({
      AUTH_JWT_PUBLIC_KEY: await exportSPKI(keys.publicKey),
      AUTH_ISSUER: ISSUER,
      AUTH_AUDIENCE: AUDIENCE,
      AUTH_ROLES_CLAIM: "realm_access.roles",
    });
  });
  afterAll(() => t?.stop());

  it("names the claim, literally or as a dotted path; the default `roles` claim then counts for nothing", async () => {
    const nested = await sign(
      keys.privateKey,
      { roles: undefined, realm_access: { roles: ["operator"] } },
      { alg: "ES256" },
    );
    expectSuccess(
      ok(await gql(t, CreateWorkspace, { input: { name: "nested" } }, { token: nested })).createWorkspace,
      "CreateWorkspaceSuccess",
    );
    const literal = await sign(keys.privateKey, { roles: undefined, "realm_access.roles": "viewer" }, { alg: "ES256" });
    ok(await gql(t, ListWorkspaces, {}, { token: literal }));
    const plain = await sign(keys.privateKey, { roles: ["admin"] }, { alg: "ES256" });
    expectRefusal(await gql(t, ListWorkspaces, {}, { token: plain }), "FORBIDDEN", 403);
  });
});

describe("AUTH_JWKS_URL", () => {
  let t: TestApp;
  let server: Server;
  let served: { keys: JWK[] } = { keys: [] };
  let fetches = 0;
  let url: string;
  const first: { kid: string; keys?: Keys } = { kid: "k1" };
  const second: { kid: string; keys?: Keys } = { kid: "k2" };
  const jwk = async (k: { kid: string; keys?: Keys }) => ({
    ...(await exportJWK((k.keys as Keys).publicKey)),
    kid: k.kid,
    alg: "RS256",
    use: "sig",
  });

  beforeAll(async () => {
    first.keys = await generateKeyPair("RS256");
    second.keys = await generateKeyPair("RS256");
    served = { keys: [await jwk(first)] };
    server = createServer((_req, res) => {
      fetches++;
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(served));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
    t = await startTestApp({
      AUTH_JWKS_URL: url,
      AUTH_ISSUER: ISSUER,
      AUTH_AUDIENCE: AUDIENCE,
      AUTH_JWKS_COOLDOWN_SECONDS: "0",
    });
  });
  afterAll(async () => {
    await t?.stop();
    if (server.listening) {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  const signed = (k: { kid: string; keys?: Keys }, claims: Record<string, unknown> = {}) =>
    sign((k.keys as Keys).privateKey, claims, { kid: k.kid });

  it("fetches the key set once and serves from it; an unknown kid refreshes it (rotation)", async () => {
    const before = fetches;
    ok(await gql(t, ListWorkspaces, {}, { token: await signed(first) }));
    ok(await gql(t, ListWorkspaces, {}, { token: await signed(first) }));
    expect(fetches - before).toBe(1);
    // Rotation: the issuer now signs with k2 and publishes both.
    served = { keys: [await jwk(first), await jwk(second)] };
    ok(await gql(t, ListWorkspaces, {}, { token: await signed(second) }));
    expect(fetches - before).toBe(2);
    // A kid the refreshed set still does not have is a wrong signature: 401.
    const unknown = { kid: "k-unknown", keys: first.keys };
    expectRefusal(await gql(t, ListWorkspaces, {}, { token: await signed(unknown) }), "UNAUTHENTICATED", 401);
    // A known kid with another key's signature: 401.
    const forged = { kid: "k2", keys: first.keys };
    expectRefusal(await gql(t, ListWorkspaces, {}, { token: await signed(forged) }), "UNAUTHENTICATED", 401);
  });

  it("a verdict holds while the key set is unchanged, across its refetch; a key withdrawn stops verifying at the refetch", async () => {
    // An app of its own: its key set is dated from the faked clock, which must not reach the other tests' app.
    const own = await startTestApp({ AUTH_JWKS_URL: url, AUTH_ISSUER: ISSUER, AUTH_AUDIENCE: AUDIENCE });
    const users = own.app.identities.users as UserTokens;
    served = { keys: [await jwk(first), await jwk(second)] };
    try {
      const token = await signed(first);
      ok(await gql(own, ListWorkspaces, {}, { token })); // fetches the set: not kept (which set gave the key?)
      ok(await gql(own, ListWorkspaces, {}, { token })); // verified against the set held: kept
      const checked = users.signaturesChecked;
      ok(await gql(own, ListWorkspaces, {}, { token }));
      expect(users.signaturesChecked).toBe(checked);
      const fetched = fetches;
      vi.useFakeTimers({ toFake: ["Date"] });
      // The set held goes stale: fetched again (once, whoever asks), unchanged: the verdict stands.
      vi.setSystemTime(Date.now() + KEY_SET_MAX_AGE_MS + 1_000);
      const [a, b] = await Promise.all([
        gql(own, ListWorkspaces, {}, { token }),
        gql(own, ListWorkspaces, {}, { token }),
      ]);
      ok(a);
      ok(b);
      expect(fetches - fetched).toBe(1);
      expect(users.signaturesChecked).toBe(checked);
      // The issuer withdraws k1: at the next refetch its tokens are verified again, and refused.
      served = { keys: [await jwk(second)] };
      vi.setSystemTime(Date.now() + KEY_SET_MAX_AGE_MS + 1_000);
      expectRefusal(await gql(own, ListWorkspaces, {}, { token }), "UNAUTHENTICATED", 401);
      expect(users.signaturesChecked).toBe(checked + 1);
      ok(await gql(own, ListWorkspaces, {}, { token: await signed(second) }));
    } finally {
      vi.useRealTimers();
      served = { keys: [await jwk(first), await jwk(second)] };
      await own.stop();
    }
  });

  it("a key set that cannot be fetched is SERVICE_UNAVAILABLE for a token that needs it; cached keys still verify", async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    // k2 is cached: verified without a fetch.
    const verified = await signed(second);
    ok(await gql(t, ListWorkspaces, {}, { token: verified }));
    ok(await gql(t, ListWorkspaces, {}, { token: verified }));
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      // Once the set held is stale, a kept verdict needs it fetched again: 503, neither 401 nor a pass.
      vi.setSystemTime(Date.now() + KEY_SET_MAX_AGE_MS + 1_000);
      expectRefusal(await gql(t, ListWorkspaces, {}, { token: verified }), "SERVICE_UNAVAILABLE", 503);
    } finally {
      vi.useRealTimers();
    }
    // A new kid needs the key set, which cannot be fetched: retry later, not "you are signed out".
    const third = { kid: "k3", keys: second.keys };
    const r = await gql(t, ListWorkspaces, {}, { token: await signed(third) });
    expectRefusal(r, "SERVICE_UNAVAILABLE", 503);
    expect(r.raw).not.toContain("ECONNREFUSED");
    // Refused before any fetch: alg none and an expired token stay 401 with the key set down.
    const unsigned = `${b64url({ alg: "none" })}.${b64url({ sub: "x", iss: ISSUER, aud: AUDIENCE, exp: now() + hour })}.`;
    expectRefusal(await gql(t, ListWorkspaces, {}, { token: unsigned }), "UNAUTHENTICATED", 401);
  });

  it("a key set that was never reachable: 503 at first use", async () => {
    const cold = await startTestApp({
      AUTH_JWKS_URL: "http://127.0.0.1:9/jwks",
      AUTH_ISSUER: ISSUER,
      AUTH_AUDIENCE: AUDIENCE,
    });
    try {
      expectRefusal(await gql(cold, ListWorkspaces, {}, { token: await signed(first) }), "SERVICE_UNAVAILABLE", 503);
      // API tokens do not depend on it.
      ok(await gql(cold, ListWorkspaces, {}));
    } finally {
      await cold.stop();
    }
  });
});
