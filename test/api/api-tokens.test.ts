import { describe, expect, it } from "vitest";
import { hashToken } from "../../src/auth/tokens.js";
import { expectError, expectRefusal, expectSuccess, gql, ok } from "../support/gql.js";
import { useTestApp } from "../support/harness.js";
import { CreateApiToken, ListApiTokens, ListWorkspaces, RevokeApiToken } from "../support/operations.js";
import { apiToken } from "../support/roles.js";

// API tokens (SPEC section 10): answered once, stored as hashes, listed
// without the token, refused once revoked or expired.

const t = useTestApp();

const stored = (id: string) => t.app.domain.prisma.apiToken.findUniqueOrThrow({ where: { id } });

describe("createApiToken", () => {
  it("answers the token once; only its SHA-256 is stored; the creator is recorded", async () => {
    const r = expectSuccess(
      ok(await gql(t, CreateApiToken, { input: { label: "ci deploys", role: "OPERATOR" } })).createApiToken,
      "CreateApiTokenSuccess",
    );
    expect(r.apiToken).toMatchObject({ label: "ci deploys", role: "OPERATOR", expiresAt: null, revokedAt: null });
    // Made with ADMIN_TOKEN, the admin API token labelled env.
    expect(r.apiToken.createdBy).toMatchObject({ kind: "API_TOKEN", label: "env" });
    const row = await stored(r.apiToken.id);
    expect(row.tokenHash).toBe(hashToken(r.token));
    expect(JSON.stringify(row)).not.toContain(r.token);
    ok(await gql(t, ListWorkspaces, {}, { token: r.token }));
  });

  it("refuses a bad label or an expiry in the past, as data, creating nothing", async () => {
    const count = await t.app.domain.prisma.apiToken.count();
    for (const label of ["", "   ", "x".repeat(129), "tab\there"]) {
      const r = ok(await gql(t, CreateApiToken, { input: { label, role: "VIEWER" } })).createApiToken;
      expect(expectError(r, "RequestError", "VALIDATION_FAILED").field).toBe("input.label");
    }
    const past = new Date(Date.now() - 1000).toISOString();
    const r = ok(
      await gql(t, CreateApiToken, { input: { label: "old", role: "VIEWER", expiresAt: past } }),
    ).createApiToken;
    expect(expectError(r, "RequestError", "VALIDATION_FAILED").field).toBe("input.expiresAt");
    expect(await t.app.domain.prisma.apiToken.count()).toBe(count);
  });
});

describe("apiTokens", () => {
  it("lists label, role, creation, expiry, last use and creator, newest first, never the token", async () => {
    const a = await apiToken(t, "viewer", "list-a");
    const b = await apiToken(t, "admin", "list-b", new Date(Date.now() + 3600_000));
    ok(await gql(t, ListWorkspaces, {}, { token: b.token }));
    const r = await gql(t, ListApiTokens, { first: 100 });
    const nodes = ok(r).apiTokens.edges.map((e) => e.node);
    expect(r.raw).not.toContain(a.token);
    expect(r.raw).not.toContain(b.token);
    expect(r.raw).not.toContain(hashToken(a.token));
    const ids = nodes.map((n) => n.id);
    expect(ids.indexOf(b.id)).toBeLessThan(ids.indexOf(a.id));
    const listed = nodes.find((n) => n.id === b.id);
    expect(listed).toMatchObject({ label: "list-b", role: "ADMIN", revokedAt: null });
    expect(listed?.expiresAt).not.toBeNull();
    expect(listed?.lastUsedAt).not.toBeNull();
    expect(nodes.find((n) => n.id === a.id)?.lastUsedAt).toBeNull();
    expect(nodes.find((n) => n.label === "env")).toMatchObject({ role: "ADMIN", createdBy: { kind: "SYSTEM" } });
  });

  it("pages with first/after; a cursor it did not issue, or first over 100, is VALIDATION_FAILED", async () => {
    for (let i = 0; i < 3; i++) await apiToken(t, "viewer", `page-${i}`);
    const one = ok(await gql(t, ListApiTokens, { first: 1 })).apiTokens;
    expect(one.edges).toHaveLength(1);
    expect(one.pageInfo.hasNextPage).toBe(true);
    const next = ok(await gql(t, ListApiTokens, { first: 1, after: one.pageInfo.endCursor })).apiTokens;
    expect(next.edges[0]?.node.id).not.toBe(one.edges[0]?.node.id);
    expect(next.pageInfo.hasPreviousPage).toBe(true);
    for (const args of [{ after: "bm90IGEgY3Vyc29y" }, { first: 101 }, { first: -1 }]) {
      const r = await gql(t, ListApiTokens, args);
      expect(r.errors?.[0]?.extensions?.code, r.raw).toBe("VALIDATION_FAILED");
    }
  });
});

describe("revokeApiToken", () => {
  it("refuses the token at once (401), keeps it listed with includeRevoked, and is idempotent", async () => {
    const v = await apiToken(t, "operator", "to revoke");
    ok(await gql(t, ListWorkspaces, {}, { token: v.token })); // now cached
    const r = expectSuccess(ok(await gql(t, RevokeApiToken, { id: v.id })).revokeApiToken, "RevokeApiTokenSuccess");
    expect(r.apiToken.revokedAt).not.toBeNull();
    expectRefusal(await gql(t, ListWorkspaces, {}, { token: v.token }), "UNAUTHENTICATED", 401);
    const again = expectSuccess(ok(await gql(t, RevokeApiToken, { id: v.id })).revokeApiToken, "RevokeApiTokenSuccess");
    expect(again.apiToken.revokedAt).toBe(r.apiToken.revokedAt);
    const live = ok(await gql(t, ListApiTokens, { first: 100 })).apiTokens.edges.map((e) => e.node.id);
    expect(live).not.toContain(v.id);
    const all = ok(await gql(t, ListApiTokens, { first: 100, includeRevoked: true })).apiTokens.edges;
    expect(all.find((e) => e.node.id === v.id)?.node.revokedAt).not.toBeNull();
  });

  it("an unknown or malformed id is NOT_FOUND, as data", async () => {
    for (const id of ["00000000-0000-4000-8000-000000000000", "nope"]) {
      expectError(ok(await gql(t, RevokeApiToken, { id })).revokeApiToken, "RequestError", "NOT_FOUND");
    }
  });
});

describe("expiry and last use", () => {
  it("an expired token is UNAUTHENTICATED, though it was cached while valid", async () => {
    const e = await apiToken(t, "viewer", "short-lived", new Date(Date.now() + 60_000));
    ok(await gql(t, ListWorkspaces, {}, { token: e.token }));
    await t.app.domain.prisma.apiToken.update({ where: { id: e.id }, data: { expiresAt: new Date(Date.now() - 1) } });
    // The cache holds the expiry it read; pretend the clock passed it by expiring the row and the cached copy alike.
    t.app.identities.apiTokens.invalidate();
    expectRefusal(await gql(t, ListWorkspaces, {}, { token: e.token }), "UNAUTHENTICATED", 401);
  });

  it("lastUsedAt is written at most once a minute per token, not on every request", async () => {
    const u = await apiToken(t, "viewer", "used");
    ok(await gql(t, ListWorkspaces, {}, { token: u.token }));
    const first = (await stored(u.id)).lastUsedAt;
    expect(first).not.toBeNull();
    ok(await gql(t, ListWorkspaces, {}, { token: u.token }));
    // Even a lookup that misses the cache writes nothing within the minute.
    t.app.identities.apiTokens.invalidate();
    ok(await gql(t, ListWorkspaces, {}, { token: u.token }));
    expect((await stored(u.id)).lastUsedAt).toEqual(first);
    // A minute later, the next lookup records the use.
    await t.app.domain.prisma.apiToken.update({
      where: { id: u.id },
      data: { lastUsedAt: new Date(Date.now() - 61_000) },
    });
    t.app.identities.apiTokens.invalidate();
    ok(await gql(t, ListWorkspaces, {}, { token: u.token }));
    expect((await stored(u.id)).lastUsedAt?.getTime()).toBeGreaterThan(Date.now() - 30_000);
  });
});
