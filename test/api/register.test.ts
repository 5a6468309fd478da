import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { hashToken, mintToken } from "../../src/auth/tokens.js";
import type { ErrorCode } from "../gql/graphql.js";
import { expectError, expectRefusal, expectSuccess, gql, ok } from "../support/gql.js";
import { useTestApp } from "../support/harness.js";
import {
  CreateWorkspace,
  DeleteOrgSecret,
  GetWorkspace,
  Heartbeat,
  ListWorkspaces,
  RegisterWorkspace,
  RemoveWorkspace,
  RestartWorkspace,
  SetOrgSecret,
} from "../support/operations.js";

const t = useTestApp();

type RegisterVars = Parameters<NonNullable<(typeof RegisterWorkspace)["__apiType"]>>[0]["input"];
type CreateVars = Parameters<NonNullable<(typeof CreateWorkspace)["__apiType"]>>[0]["input"];

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

async function createWorkspace(input: CreateVars = { name: "agent" }) {
  const r = ok(await gql(t, CreateWorkspace, { input })).createWorkspace;
  return expectSuccess(r, "CreateWorkspaceSuccess").workspace;
}

const register = (input: RegisterVars, token: string | null) => gql(t, RegisterWorkspace, { input }, { token });
const heartbeat = (workspaceId: string, token: string | null) =>
  gql(t, Heartbeat, { input: { workspaceId } }, { token });

async function registered(input: RegisterVars, token: string | null) {
  return expectSuccess(ok(await register(input, token)).registerWorkspace, "RegisterWorkspaceSuccess");
}

async function registerFails(input: RegisterVars, token: string | null, code: ErrorCode) {
  return expectError(ok(await register(input, token)).registerWorkspace, "RequestError", code);
}

/** A workspace that has bootstrapped: its id and its live token. */
async function onlineWorkspace(name = "agent") {
  const ws = await createWorkspace({ name });
  const r = await registered({ workspaceId: ws.id }, null);
  expect(r.authToken).toMatch(TOKEN_SHAPE);
  return { id: ws.id, token: r.authToken as string, inbound: r.platformInboundSecret };
}

const eventTypes = async (workspaceId: string) =>
  (await t.app.domain.prisma.workspaceEvent.findMany({ where: { workspaceId }, orderBy: { seq: "asc" } })).map(
    (e) => e.type,
  );

const tokenRows = (workspaceId: string) =>
  t.app.domain.prisma.instanceToken.findMany({ where: { workspaceId }, orderBy: { createdAt: "asc" } });

const liveTokens = async (workspaceId: string) => (await tokenRows(workspaceId)).filter((r) => r.revokedAt === null);

describe("registerWorkspace: bootstrap and the instance token", () => {
  it("bootstraps without a bearer: a token is returned once, stored only as its SHA-256, status ONLINE", async () => {
    const ws = await createWorkspace();
    const r = await registered({ workspaceId: ws.id, url: "https://agent.example/a2a" }, null);
    expect(r.authToken).toMatch(TOKEN_SHAPE);
    expect(r.workspace).toMatchObject({ id: ws.id, status: "ONLINE", url: "https://agent.example/a2a" });
    expect(r.platformInboundSecret).toBeTruthy();
    expect(await eventTypes(ws.id)).toEqual(["WORKSPACE_PROVISIONING", "WORKSPACE_ONLINE"]);

    const rows = await tokenRows(ws.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.revokedAt).toBeNull();
    expect(rows[0]?.tokenHash).toBe(hashToken(r.authToken as string));
    expect(JSON.stringify(rows)).not.toContain(r.authToken as string);

    // The same platform inbound secret on every register and heartbeat.
    const hb = expectSuccess(ok(await heartbeat(ws.id, r.authToken)).heartbeat, "HeartbeatSuccess");
    expect(hb.platformInboundSecret).toBe(r.platformInboundSecret);
    const again = await registered({ workspaceId: ws.id }, r.authToken);
    expect(again.platformInboundSecret).toBe(r.platformInboundSecret);
    // ... and never stored in the clear.
    const row = await t.app.domain.prisma.workspace.findUniqueOrThrow({ where: { id: ws.id } });
    expect(row.inboundSecret).toBeTruthy();
    expect(row.inboundSecret).not.toContain(r.platformInboundSecret as string);
  });

  it("refuses a second register without a bearer (401); with the live bearer it passes, mints nothing, records no event", async () => {
    const { id, token } = await onlineWorkspace();
    const [before] = await tokenRows(id);

    expectRefusal(await register({ workspaceId: id }, null), "UNAUTHENTICATED", 401);

    const r = await registered({ workspaceId: id, url: "http://10.0.0.7:8080/" }, token);
    expect(r.authToken).toBeNull();
    expect(r.workspace).toMatchObject({ status: "ONLINE", url: "http://10.0.0.7:8080/" });
    expect(await tokenRows(id)).toEqual([before]);
    expect(await eventTypes(id)).toEqual(["WORKSPACE_PROVISIONING", "WORKSPACE_ONLINE"]);
    expectSuccess(ok(await heartbeat(id, token)).heartbeat, "HeartbeatSuccess");
  });

  it("after restartWorkspace the old bearer bootstraps a new token, and the old one no longer heartbeats", async () => {
    const { id, token: old } = await onlineWorkspace();
    const restarted = ok(await gql(t, RestartWorkspace, { id })).restartWorkspace;
    expect(expectSuccess(restarted, "WorkspaceSuccess").workspace.status).toBe("PROVISIONING");
    expect(await liveTokens(id)).toEqual([]);

    const r = await registered({ workspaceId: id }, old);
    expect(r.authToken).toMatch(TOKEN_SHAPE);
    expect(r.authToken).not.toBe(old);
    expect(r.workspace.status).toBe("ONLINE");

    expectRefusal(await heartbeat(id, old), "UNAUTHENTICATED", 401);
    expectSuccess(ok(await heartbeat(id, r.authToken)).heartbeat, "HeartbeatSuccess");
    const live = await liveTokens(id);
    expect(live.map((l) => l.tokenHash)).toEqual([hashToken(r.authToken as string)]);
    expect(await tokenRows(id)).toHaveLength(2);
    expect(await eventTypes(id)).toEqual([
      "WORKSPACE_PROVISIONING",
      "WORKSPACE_ONLINE",
      "WORKSPACE_PROVISIONING",
      "WORKSPACE_ONLINE",
    ]);
  });

  it("refuses a stale bearer (made up, revoked, or not a bearer at all) while a live token exists, changing nothing", async () => {
    const { id, token: first } = await onlineWorkspace();
    ok(await gql(t, RestartWorkspace, { id }));
    const { authToken: live } = await registered({ workspaceId: id }, null);
    const rowsBefore = await tokenRows(id);

    expectRefusal(await register({ workspaceId: id }, mintToken()), "UNAUTHENTICATED", 401);
    expectRefusal(await register({ workspaceId: id }, first), "UNAUTHENTICATED", 401);
    const basic = await gql(
      t,
      RegisterWorkspace,
      { input: { workspaceId: id } },
      { token: null, headers: { authorization: "Basic dXNlcjpwYXNz" } },
    );
    // Not a bearer at all: SPEC 2's 400 before anything runs (it was a 401, which tells an agent to stop for good).
    expectRefusal(basic, "VALIDATION_FAILED", 400);

    expect(await tokenRows(id)).toEqual(rowsBefore);
    expectSuccess(ok(await heartbeat(id, live)).heartbeat, "HeartbeatSuccess");
  });

  it("a stale bearer with no live token bootstraps, like no bearer", async () => {
    const ws = await createWorkspace();
    const r = await registered({ workspaceId: ws.id }, mintToken());
    expect(r.authToken).toMatch(TOKEN_SHAPE);
  });
});

describe("registerWorkspace and heartbeat: who may call", () => {
  it("a live token of workspace A is FORBIDDEN on B, whether or not B has a live token", async () => {
    const a = await onlineWorkspace("a");
    const fresh = await createWorkspace({ name: "b, never registered" });
    expectRefusal(await register({ workspaceId: fresh.id }, a.token), "FORBIDDEN", 403);
    expect(await tokenRows(fresh.id)).toEqual([]);
    expect((await t.app.domain.prisma.workspace.findUniqueOrThrow({ where: { id: fresh.id } })).status).toBe(
      "PROVISIONING",
    );

    const b = await onlineWorkspace("b");
    expectRefusal(await register({ workspaceId: b.id }, a.token), "FORBIDDEN", 403);
    expectRefusal(await heartbeat(b.id, a.token), "FORBIDDEN", 403);
    expectRefusal(await heartbeat(fresh.id, a.token), "FORBIDDEN", 403);
  });

  it("an instance token is FORBIDDEN on admin operations", async () => {
    const { token } = await onlineWorkspace();
    expectRefusal(await gql(t, CreateWorkspace, { input: { name: "x" } }, { token }), "FORBIDDEN", 403);
    expectRefusal(await gql(t, ListWorkspaces, {}, { token }), "FORBIDDEN", 403);
  });

  it("an admin token is FORBIDDEN on registerWorkspace and heartbeat, and never bootstraps", async () => {
    const fresh = await createWorkspace();
    expectRefusal(await register({ workspaceId: fresh.id }, t.adminToken), "FORBIDDEN", 403);
    expect(await tokenRows(fresh.id)).toEqual([]);
    const { id } = await onlineWorkspace();
    expectRefusal(await register({ workspaceId: id }, t.adminToken), "FORBIDDEN", 403);
    expectRefusal(await heartbeat(id, t.adminToken), "FORBIDDEN", 403);
  });
});

describe("registerWorkspace: input", () => {
  it("refuses bad urls, PUSH without url and oversized agent cards with VALIDATION_FAILED and the field, writing nothing", async () => {
    const ws = await createWorkspace();
    const cases: [Omit<RegisterVars, "workspaceId">, string][] = [
      [{ url: "ftp://agent.example/" }, "input.url"],
      [{ url: "javascript:alert(1)" }, "input.url"],
      [{ url: "not a url" }, "input.url"],
      [{ url: `https://agent.example/${"a".repeat(2049 - 22)}` }, "input.url"],
      [{ deliveryMode: "PUSH" }, "input.deliveryMode"],
      [{ agentCard: { blob: "x".repeat(64 * 1024) } }, "input.agentCard"],
    ];
    for (const [input, field] of cases) {
      const e = await registerFails({ workspaceId: ws.id, ...input }, null, "VALIDATION_FAILED");
      expect(e.field, JSON.stringify(input).slice(0, 80)).toBe(field);
    }
    expect(await tokenRows(ws.id)).toEqual([]);
    expect(await eventTypes(ws.id)).toEqual(["WORKSPACE_PROVISIONING"]);

    // The bounds themselves pass: a 2048-character url, a card of exactly 64 KiB.
    const url = `https://agent.example/${"a".repeat(2048 - 22)}`;
    expect(url).toHaveLength(2048);
    const card = { blob: "x".repeat(64 * 1024 - '{"blob":""}'.length) };
    expect(Buffer.byteLength(JSON.stringify(card))).toBe(64 * 1024);
    const r = await registered({ workspaceId: ws.id, url, agentCard: card }, null);
    expect(r.workspace.url).toBe(url);
  });

  it("answers NOT_FOUND for a malformed id, an unknown id and a REMOVED workspace", async () => {
    for (const workspaceId of ["nope", "00000000-0000-0000-0000-00000000000g", randomUUID()]) {
      const e = await registerFails({ workspaceId }, null, "NOT_FOUND");
      expect(e.field).toBe("input.workspaceId");
    }
    const ws = await createWorkspace();
    ok(await gql(t, RemoveWorkspace, { id: ws.id }));
    await registerFails({ workspaceId: ws.id }, null, "NOT_FOUND");
    expect(await tokenRows(ws.id)).toEqual([]);
  });

  it("defaults deliveryMode (PUSH with a url, else POLL) and replaces url, mode and card on each register", async () => {
    const { id, token } = await onlineWorkspace();
    const stored = () => t.app.domain.prisma.workspace.findUniqueOrThrow({ where: { id } });
    expect(await stored()).toMatchObject({ url: null, deliveryMode: "POLL", agentCard: null });

    let r = await registered({ workspaceId: id, url: "https://a.example/", agentCard: { name: "one" } }, token);
    expect(r.deliveryMode).toBe("PUSH");
    expect(r.workspace).toMatchObject({ url: "https://a.example/", deliveryMode: "PUSH" });
    expect(await stored()).toMatchObject({
      url: "https://a.example/",
      deliveryMode: "PUSH",
      agentCard: { name: "one" },
    });

    r = await registered({ workspaceId: id, url: "https://b.example/", deliveryMode: "POLL" }, token);
    expect(r.deliveryMode).toBe("POLL");
    expect(await stored()).toMatchObject({ url: "https://b.example/", deliveryMode: "POLL", agentCard: null });

    r = await registered({ workspaceId: id, agentCard: { name: "two" } }, token);
    expect(r.deliveryMode).toBe("POLL");
    expect(await stored()).toMatchObject({ url: null, deliveryMode: "POLL", agentCard: { name: "two" } });
    expect(await eventTypes(id)).toEqual(["WORKSPACE_PROVISIONING", "WORKSPACE_ONLINE"]);
  });
});

describe("registerWorkspace: kind", () => {
  it("refuses an agent of a WORKSPACE-kind row that claims PLATFORM, writing nothing", async () => {
    const ws = await createWorkspace();
    const e = await registerFails({ workspaceId: ws.id, kind: "PLATFORM" }, null, "PLATFORM_KIND_FORBIDDEN");
    expect(e.field).toBe("input.kind");
    expect(await tokenRows(ws.id)).toEqual([]);
    expect(await eventTypes(ws.id)).toEqual(["WORKSPACE_PROVISIONING"]);

    const r = await registered({ workspaceId: ws.id, kind: "WORKSPACE" }, null);
    expect(r.workspace.kind).toBe("WORKSPACE");
  });

  it("ignores a WORKSPACE kind claimed for a PLATFORM row: the stored kind decides", async () => {
    const ws = await createWorkspace({ name: "concierge", kind: "PLATFORM" });
    expect(ws.kind).toBe("PLATFORM");
    const r = await registered({ workspaceId: ws.id, kind: "WORKSPACE", mcpServerPresent: true }, null);
    expect(r.workspace).toMatchObject({ kind: "PLATFORM", status: "ONLINE" });
    expect((await t.app.domain.prisma.workspace.findUniqueOrThrow({ where: { id: ws.id } })).kind).toBe("PLATFORM");
  });
});

describe("registerWorkspace: FAILED and REMOVED", () => {
  it("refuses a FAILED workspace with WORKSPACE_FAILED until restartWorkspace passes the checks again", async () => {
    ok(await gql(t, SetOrgSecret, { input: { key: "GEMINI_API_KEY", value: "g-secret" } }));
    const ws = await createWorkspace({ name: "byok", runtime: "google-adk", model: "gemini-2.5-flash" });
    expect(ws).toMatchObject({ status: "PROVISIONING", platformBilled: false });
    const { authToken: first } = await registered({ workspaceId: ws.id }, null);

    ok(await gql(t, DeleteOrgSecret, { key: "GEMINI_API_KEY" }));
    const failed = expectSuccess(
      ok(await gql(t, RestartWorkspace, { id: ws.id })).restartWorkspace,
      "WorkspaceSuccess",
    );
    expect(failed.workspace).toMatchObject({ status: "FAILED", failure: { code: "MISSING_BYOK_CREDENTIAL" } });

    await registerFails({ workspaceId: ws.id }, null, "WORKSPACE_FAILED");
    await registerFails({ workspaceId: ws.id }, first, "WORKSPACE_FAILED");
    expect(await liveTokens(ws.id)).toEqual([]);
    expectRefusal(await heartbeat(ws.id, first), "UNAUTHENTICATED", 401);

    ok(await gql(t, SetOrgSecret, { input: { key: "GEMINI_API_KEY", value: "g-secret" } }));
    const back = expectSuccess(ok(await gql(t, RestartWorkspace, { id: ws.id })).restartWorkspace, "WorkspaceSuccess");
    expect(back.workspace).toMatchObject({ status: "PROVISIONING", failure: null });
    const r = await registered({ workspaceId: ws.id }, null);
    expect(r.authToken).toMatch(TOKEN_SHAPE);
    expect(r.workspace.status).toBe("ONLINE");
    ok(await gql(t, DeleteOrgSecret, { key: "GEMINI_API_KEY" }));
  });

  it("removeWorkspace revokes the tokens: heartbeat is 401 and the workspace reads as REMOVED", async () => {
    const { id, token } = await onlineWorkspace();
    const removed = ok(await gql(t, RemoveWorkspace, { id })).removeWorkspace;
    expect(expectSuccess(removed, "WorkspaceSuccess").workspace.status).toBe("REMOVED");
    expect(await liveTokens(id)).toEqual([]);
    expectRefusal(await heartbeat(id, token), "UNAUTHENTICATED", 401);
    await registerFails({ workspaceId: id }, token, "NOT_FOUND");
    expect(ok(await gql(t, GetWorkspace, { id })).workspace?.status).toBe("REMOVED");
  });
});
