import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { AdminTokens } from "../../src/auth/admin.js";
import { ApiTokenStore } from "../../src/auth/api-tokens.js";
import { type Bearer, hashToken, mintToken, parseBearer } from "../../src/auth/tokens.js";
import type { Domain } from "../../src/domain.js";
import { AccessError, type Ok } from "../../src/errors.js";
import type { PrismaClient } from "../../src/generated/prisma/client.js";
import { heartbeat } from "../../src/workspaces/heartbeat.js";
import { type Registered, registerWorkspace } from "../../src/workspaces/register.js";
import { expectRefusal, expectSuccess, gql, ok } from "../support/gql.js";
import { startTestApp, type TestApp } from "../support/harness.js";
import { CreateWorkspace, Heartbeat, ListWorkspaces, RegisterWorkspace } from "../support/operations.js";

// The token check's fail-open / fail-closed decisions (SPEC sections 2 and 5),
// with the failure injected at the query that fails.

let t: TestApp;
let admins: AdminTokens;
beforeAll(async () => {
  t = await startTestApp();
  admins = new ApiTokenStore(t.app.domain.prisma);
});
afterAll(() => t.stop());
afterEach(() => {
  vi.restoreAllMocks();
});

/** What a dropped connection looks like to the caller; its text must never reach a client. */
const dbDown = () => Object.assign(new Error("connection lost: SELECT secret-sql-detail"), { code: "P1017" });

type Hook = (call: number) => void | Promise<void>;
type Hooks = { count?: Hook; findUnique?: Hook; transaction?: Hook; sql?: Hook };

/**
 * The real client with hooks run before `instanceToken.count`,
 * `instanceToken.findUnique` and `$transaction` (the nth call of each is
 * numbered from 1). A hook that throws makes that query fail; one that writes
 * through the real client simulates another request committing in between.
 */
function hookedPrisma(real: PrismaClient, hooks: Hooks) {
  const calls = { count: 0, findUnique: 0, transaction: 0 };
  const hooked = <A extends unknown[], R>(name: keyof typeof calls, fn: (...args: A) => R) => {
    const hook = hooks[name];
    if (!hook) return fn;
    return async (...args: A) => {
      await hook(++calls[name]);
      return fn(...args);
    };
  };
  const bindAll = (target: object, prop: string | symbol) => {
    const v = Reflect.get(target, prop, target);
    return typeof v === "function" ? v.bind(target) : v;
  };
  const tokens = new Proxy(real.instanceToken, {
    get: (target, prop) =>
      prop === "count" || prop === "findUnique" ? hooked(prop, bindAll(target, prop)) : bindAll(target, prop),
  });
  const prisma = new Proxy(real, {
    get: (target, prop) => {
      if (prop === "instanceToken") return tokens;
      if (prop === "$transaction") return hooked("transaction", bindAll(target, prop));
      return bindAll(target, prop);
    },
  });
  return { prisma: prisma as PrismaClient, calls };
}

const domainWith = (hooks: Hooks): { domain: Domain; calls: ReturnType<typeof hookedPrisma>["calls"] } => {
  const { prisma, calls } = hookedPrisma(t.app.domain.prisma, hooks);
  // `sql`: a statement sent to the driver beside Prisma (the heartbeat's).
  const real = t.app.domain.sql;
  const { sql: hook } = hooks;
  const sql = hook
    ? {
        ...real,
        query: async <T>(text: string, params?: unknown[], prepared?: string) => {
          await hook(1);
          return real.query<T>(text, params, prepared);
        },
      }
    : real;
  return { domain: { ...t.app.domain, prisma, sql }, calls };
};

const bearerOf = (token: string | null): Bearer => (token === null ? { kind: "none" } : parseBearer(`Bearer ${token}`));
const fail = () => {
  throw dbDown();
};

async function refusal(p: Promise<unknown>): Promise<AccessError> {
  const err = await p.then(
    (v) => v,
    (e: unknown) => e,
  );
  expect(err, `expected an AccessError, got ${JSON.stringify(err)}`).toBeInstanceOf(AccessError);
  return err as AccessError;
}

async function createWorkspace(name = "agent") {
  const r = ok(await gql(t, CreateWorkspace, { input: { name } })).createWorkspace;
  return expectSuccess(r, "CreateWorkspaceSuccess").workspace.id;
}

/** A workspace with a live token, registered through the real, unhooked path. */
async function onlineWorkspace() {
  const id = await createWorkspace();
  const r = await registerWorkspace({ domain: t.app.domain, admins, bearer: bearerOf(null) }, { workspaceId: id });
  const token = (r as Ok<Registered>).value.authToken;
  expect(token).toBeTruthy();
  return { id, token: token as string };
}

/** The same, gone silent: OFFLINE, its token still live. */
async function offlineWorkspace() {
  const ws = await onlineWorkspace();
  await t.app.domain.prisma.workspace.update({ where: { id: ws.id }, data: { status: "OFFLINE" } });
  return ws;
}

const tokenRows = (workspaceId: string) =>
  t.app.domain.prisma.instanceToken.findMany({ where: { workspaceId }, orderBy: { createdAt: "asc" } });
const liveHashes = async (workspaceId: string) =>
  (await tokenRows(workspaceId)).filter((r) => r.revokedAt === null).map((r) => r.tokenHash);
const statusOf = async (id: string) =>
  (await t.app.domain.prisma.workspace.findUniqueOrThrow({ where: { id } })).status;
const revokeAll = (workspaceId: string) =>
  t.app.domain.prisma.instanceToken.updateMany({
    where: { workspaceId, revokedAt: null },
    data: { revokedAt: new Date() },
  });

describe("registerWorkspace: the token check when a query fails", () => {
  it("the first live-token count fails → SERVICE_UNAVAILABLE, never a bootstrap and never a 401", async () => {
    const fresh = await createWorkspace();
    const { domain } = domainWith({ count: fail });
    for (const token of [null, mintToken()]) {
      const e = await refusal(registerWorkspace({ domain, admins, bearer: bearerOf(token) }, { workspaceId: fresh }));
      expect(e.code).toBe("SERVICE_UNAVAILABLE");
    }
    expect(await tokenRows(fresh)).toEqual([]);
    expect(await statusOf(fresh)).toBe("PROVISIONING");

    const { id } = await onlineWorkspace();
    const e = await refusal(registerWorkspace({ domain, admins, bearer: bearerOf(null) }, { workspaceId: id }));
    expect(e.code).toBe("SERVICE_UNAVAILABLE");
  });

  it("the bearer lookup fails → SERVICE_UNAVAILABLE, for the live bearer and for a stale one", async () => {
    const { id, token } = await onlineWorkspace();
    const before = await tokenRows(id);
    // Both lookups: the one-statement path for a live token, and the full path.
    const { domain } = domainWith({ findUnique: fail, sql: fail });
    for (const bearer of [token, mintToken()]) {
      const e = await refusal(registerWorkspace({ domain, admins, bearer: bearerOf(bearer) }, { workspaceId: id }));
      expect(e.code).toBe("SERVICE_UNAVAILABLE");
    }
    expect(await tokenRows(id)).toEqual(before);
  });

  it("the one-statement register fails (the live bearer, ONLINE) → SERVICE_UNAVAILABLE, tokens unchanged", async () => {
    const { id, token } = await onlineWorkspace();
    const before = await tokenRows(id);
    const { domain, calls } = domainWith({ sql: fail, transaction: () => {} });
    const e = await refusal(registerWorkspace({ domain, admins, bearer: bearerOf(token) }, { workspaceId: id }));
    expect(e.code).toBe("SERVICE_UNAVAILABLE");
    // A failed statement is no verdict on the token: the full path is not tried.
    expect(calls.transaction).toBe(0);
    expect(await tokenRows(id)).toEqual(before);
    expect(await statusOf(id)).toBe("ONLINE");
  });

  it("the admin lookup fails → SERVICE_UNAVAILABLE for a bearer that is not a live instance token", async () => {
    const { id, token } = await onlineWorkspace();
    const broken = { isAdmin: async () => fail() } as unknown as AdminTokens;
    const e = await refusal(
      registerWorkspace({ domain: t.app.domain, admins: broken, bearer: bearerOf(mintToken()) }, { workspaceId: id }),
    );
    expect(e.code).toBe("SERVICE_UNAVAILABLE");
    // A live instance token cannot be an admin token: it needs no admin check.
    const r = await registerWorkspace(
      { domain: t.app.domain, admins: broken, bearer: bearerOf(token) },
      { workspaceId: id },
    );
    expect(r.ok && r.value.workspace.status).toBe("ONLINE");
  });

  it("the re-count for a stale bearer fails → UNAUTHENTICATED (the bearer was already found wrong)", async () => {
    const { id, token } = await onlineWorkspace();
    const { domain, calls } = domainWith({ count: (n) => (n === 2 ? fail() : undefined) });
    const e = await refusal(registerWorkspace({ domain, admins, bearer: bearerOf(mintToken()) }, { workspaceId: id }));
    expect(e.code).toBe("UNAUTHENTICATED");
    expect(calls.count).toBe(2);
    expect(await liveHashes(id)).toEqual([hashToken(token)]);
  });

  it("the re-count finds no live token (revoked after the first count, as by a restart) → bootstrap", async () => {
    const { id, token: old } = await onlineWorkspace();
    const { domain, calls } = domainWith({ count: (n) => (n === 2 ? revokeAll(id).then(() => {}) : undefined) });
    const r = (
      (await registerWorkspace(
        { domain, admins, bearer: bearerOf(mintToken()) },
        { workspaceId: id },
      )) as Ok<Registered>
    ).value;
    expect(calls.count).toBe(2);
    expect(r.authToken).toBeTruthy();
    expect(r.workspace.status).toBe("ONLINE");
    expect(await liveHashes(id)).toEqual([hashToken(r.authToken as string)]);
    expect(hashToken(r.authToken as string)).not.toBe(hashToken(old));
  });

  it("the live bearer is revoked between the check and the success transaction → bootstrap under the lock", async () => {
    // OFFLINE: the one statement applies only to an ONLINE workspace, so the full path runs.
    const { id, token: old } = await offlineWorkspace();
    const { domain } = domainWith({ transaction: (n) => (n === 1 ? revokeAll(id).then(() => {}) : undefined) });
    const r = (
      (await registerWorkspace({ domain, admins, bearer: bearerOf(old) }, { workspaceId: id })) as Ok<Registered>
    ).value;
    expect(r.authToken).toBeTruthy();
    expect(await liveHashes(id)).toEqual([hashToken(r.authToken as string)]);
  });

  it("the live bearer of an ONLINE workspace is revoked just before the one statement → bootstrap", async () => {
    const { id, token: old } = await onlineWorkspace();
    const { domain } = domainWith({ sql: () => revokeAll(id).then(() => {}) });
    const r = (
      (await registerWorkspace({ domain, admins, bearer: bearerOf(old) }, { workspaceId: id })) as Ok<Registered>
    ).value;
    expect(r.authToken).toBeTruthy();
    expect(await liveHashes(id)).toEqual([hashToken(r.authToken as string)]);
  });

  it("... and if another agent bootstrapped in between, the revoked bearer gets 401 and that token stays", async () => {
    const others = new Map<string, string>();
    const bootstrapElsewhere = async (id: string) => {
      const other = mintToken();
      others.set(id, other);
      await revokeAll(id);
      await t.app.domain.prisma.instanceToken.create({ data: { workspaceId: id, tokenHash: hashToken(other) } });
    };
    // Before the full path's transaction (OFFLINE), and before the one statement (ONLINE).
    const offline = await offlineWorkspace();
    const late = domainWith({ transaction: (n) => (n === 1 ? bootstrapElsewhere(offline.id) : undefined) });
    const online = await onlineWorkspace();
    let sent = 0;
    const early = domainWith({ sql: () => (sent++ === 0 ? bootstrapElsewhere(online.id) : undefined) });
    for (const [{ id, token: old }, { domain }] of [
      [offline, late],
      [online, early],
    ] as const) {
      const e = await refusal(registerWorkspace({ domain, admins, bearer: bearerOf(old) }, { workspaceId: id }));
      expect(e.code).toBe("UNAUTHENTICATED");
      expect(await liveHashes(id)).toEqual([hashToken(others.get(id) as string)]);
    }
  });

  it("the platform inbound secret cannot be decrypted → SERVICE_UNAVAILABLE, nothing minted, status unchanged", async () => {
    const id = await createWorkspace();
    const elsewhere = await createWorkspace("elsewhere");
    // A well-formed envelope sealed for another workspace: authentication fails.
    await t.app.domain.prisma.workspace.update({
      where: { id },
      data: { inboundSecret: t.app.domain.secrets.sealInboundSecret(elsewhere, "x") },
    });
    const e = await refusal(
      registerWorkspace({ domain: t.app.domain, admins, bearer: bearerOf(null) }, { workspaceId: id }),
    );
    expect(e.code).toBe("SERVICE_UNAVAILABLE");
    expect(await tokenRows(id)).toEqual([]);
    expect(await statusOf(id)).toBe("PROVISIONING");
  });
});

describe("registerWorkspace with the live bearer of an ONLINE workspace (the one statement)", () => {
  it("the platform inbound secret cannot be decrypted → SERVICE_UNAVAILABLE, nothing minted or revoked", async () => {
    const { id, token } = await onlineWorkspace();
    const elsewhere = await createWorkspace("elsewhere");
    await t.app.domain.prisma.workspace.update({
      where: { id },
      data: { inboundSecret: t.app.domain.secrets.sealInboundSecret(elsewhere, "x") },
    });
    const before = await tokenRows(id);
    const e = await refusal(
      registerWorkspace({ domain: t.app.domain, admins, bearer: bearerOf(token) }, { workspaceId: id }),
    );
    expect(e.code).toBe("SERVICE_UNAVAILABLE");
    expect(await tokenRows(id)).toEqual(before);
    expect(await statusOf(id)).toBe("ONLINE");
  });

  it("a claim of kind PLATFORM by a WORKSPACE-kind agent is still PLATFORM_KIND_FORBIDDEN", async () => {
    const { id, token } = await onlineWorkspace();
    const r = await registerWorkspace(
      { domain: t.app.domain, admins, bearer: bearerOf(token) },
      { workspaceId: id, kind: "PLATFORM", url: "https://claimed.example" },
    );
    expect(!r.ok && r.error.code).toBe("PLATFORM_KIND_FORBIDDEN");
    const row = await t.app.domain.prisma.workspace.findUniqueOrThrow({ where: { id } });
    expect(row.url).toBeNull();
  });
});

describe("heartbeat when a check fails", () => {
  it("the token lookup fails → SERVICE_UNAVAILABLE, for a live token and for an unknown one", async () => {
    const { id, token } = await onlineWorkspace();
    // Both lookups: the one-statement path for a live token, and the full path.
    const { domain } = domainWith({ findUnique: fail, sql: fail });
    for (const bearer of [token, mintToken()]) {
      const e = await refusal(heartbeat({ domain, admins, bearer: bearerOf(bearer) }, { workspaceId: id }));
      expect(e.code).toBe("SERVICE_UNAVAILABLE");
    }
  });

  it("the admin lookup fails → SERVICE_UNAVAILABLE for a token that is not an instance token", async () => {
    const { id, token } = await onlineWorkspace();
    const broken = { isAdmin: async () => fail() } as unknown as AdminTokens;
    const e = await refusal(
      heartbeat({ domain: t.app.domain, admins: broken, bearer: bearerOf(mintToken()) }, { workspaceId: id }),
    );
    expect(e.code).toBe("SERVICE_UNAVAILABLE");
    // A live instance token cannot be an admin token: it needs no admin check.
    const r = await heartbeat({ domain: t.app.domain, admins: broken, bearer: bearerOf(token) }, { workspaceId: id });
    expect(r.ok && r.value.workspace.status).toBe("ONLINE");
  });

  it("the platform inbound secret cannot be decrypted → SERVICE_UNAVAILABLE", async () => {
    const { id, token } = await onlineWorkspace();
    const elsewhere = await createWorkspace("elsewhere");
    await t.app.domain.prisma.workspace.update({
      where: { id },
      data: { inboundSecret: t.app.domain.secrets.sealInboundSecret(elsewhere, "x") },
    });
    const e = await refusal(heartbeat({ domain: t.app.domain, admins, bearer: bearerOf(token) }, { workspaceId: id }));
    expect(e.code).toBe("SERVICE_UNAVAILABLE");
  });
});

describe("AccessError codes over HTTP", () => {
  const noLeak = (raw: string) => {
    expect(raw).not.toContain("secret-sql-detail");
    expect(raw).not.toContain("stack");
  };

  it("UNAUTHENTICATED is HTTP 401, from the access rules and from the agent's token check", async () => {
    const r1 = await gql(t, ListWorkspaces, {}, { token: mintToken() });
    expectRefusal(r1, "UNAUTHENTICATED", 401);
    const { id } = await onlineWorkspace();
    expectRefusal(
      await gql(t, RegisterWorkspace, { input: { workspaceId: id } }, { token: null }),
      "UNAUTHENTICATED",
      401,
    );
  });

  it("FORBIDDEN is HTTP 403, from the access rules and from the agent's token check", async () => {
    const { id, token } = await onlineWorkspace();
    expectRefusal(await gql(t, ListWorkspaces, {}, { token }), "FORBIDDEN", 403);
    expectRefusal(await gql(t, Heartbeat, { input: { workspaceId: id } }), "FORBIDDEN", 403);
  });

  it("SERVICE_UNAVAILABLE is HTTP 503 when the admin check or the token lookup fails, with nothing leaked", async () => {
    const { id, token } = await onlineWorkspace();
    // An uncached bearer, so the API token lookup must query.
    vi.spyOn(t.app.domain.prisma, "$queryRaw").mockImplementation(fail as never);
    const admin = await gql(t, ListWorkspaces, {}, { token: mintToken() });
    expectRefusal(admin, "SERVICE_UNAVAILABLE", 503);
    noLeak(admin.raw);
    const agent = await gql(t, Heartbeat, { input: { workspaceId: id } }, { token: mintToken() });
    expectRefusal(agent, "SERVICE_UNAVAILABLE", 503);
    noLeak(agent.raw);
    vi.restoreAllMocks();

    vi.spyOn(t.app.domain.prisma.instanceToken, "findUnique").mockImplementation(fail as never);
    // The live bearer of an ONLINE workspace: the one-statement register, sent to the driver.
    vi.spyOn(t.app.domain.sql, "query").mockImplementation(fail as never);
    const lookup = await gql(t, RegisterWorkspace, { input: { workspaceId: id } }, { token });
    expectRefusal(lookup, "SERVICE_UNAVAILABLE", 503);
    noLeak(lookup.raw);
    vi.restoreAllMocks();
    expectSuccess(ok(await gql(t, Heartbeat, { input: { workspaceId: id } }, { token })).heartbeat, "HeartbeatSuccess");
  });
});
