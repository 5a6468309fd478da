import { beforeEach, describe, expect, it } from "vitest";
import { expectError, expectRefusal, expectSuccess, gql, ok } from "../support/gql.js";
import { useTestApp } from "../support/harness.js";
import {
  CreateWorkspace,
  GetWorkspace,
  ListEvents,
  RegisterWorkspace,
  RemoveWorkspace,
  RestartWorkspace,
  SetWorkspaceSecret,
} from "../support/operations.js";
import { removeLivePlatformAgents } from "../support/platform.js";

// The platform agent (SPEC sections 4 step 5, 5 step 5 and 6): one at a time,
// its identity secrets seeded at provisioning, and refused online without them.

const t = useTestApp();

/** Only one live platform agent may exist: each test starts with none. */
beforeEach(() => removeLivePlatformAgents(t));

const readSecret = (id: string, key: string) => t.app.domain.secrets.readWorkspaceSecret(id, key);

async function createPlatform(input: Record<string, unknown> = {}) {
  const r = ok(
    await gql(t, CreateWorkspace, { input: { name: "concierge", kind: "PLATFORM", ...input } }),
  ).createWorkspace;
  return expectSuccess(r, "CreateWorkspaceSuccess").workspace;
}

const register = (workspaceId: string, token: string | null, extra: Record<string, unknown> = {}) =>
  gql(t, RegisterWorkspace, { input: { workspaceId, ...extra } }, { token });

async function events(workspaceId: string) {
  return ok(await gql(t, ListEvents, { workspaceId, first: 100 })).workspaceEvents.edges.map((e) => e.node);
}

const tokens = (workspaceId: string) =>
  t.app.domain.prisma.instanceToken.findMany({ where: { workspaceId }, select: { revokedAt: true } });

describe("creating the platform agent", () => {
  it("seeds MODEL with the workspace's model and pins LLM_PROVIDER=platform for a platform-billed model", async () => {
    const ws = await createPlatform();
    expect(ws).toMatchObject({ kind: "PLATFORM", model: "moonshot/kimi-k2.6", platformBilled: true });
    expect(ws.status).toBe("PROVISIONING");
    expect(await readSecret(ws.id, "MODEL")).toEqual({ state: "value", value: "moonshot/kimi-k2.6" });
    expect(await readSecret(ws.id, "LLM_PROVIDER")).toEqual({ state: "value", value: "platform" });
    expect(ws.secrets.map((s) => s.key)).toEqual(["LLM_PROVIDER", "MODEL"]);
  });

  it("seeds MODEL but pins no LLM_PROVIDER for a BYOK model given its key", async () => {
    const ws = await createPlatform({
      runtime: "claude-code",
      model: "claude-sonnet-4-5",
      secrets: [{ key: "ANTHROPIC_API_KEY", value: "sk-ant-x" }],
    });
    expect(ws).toMatchObject({ status: "PROVISIONING", provider: "anthropic-api", platformBilled: false });
    expect(await readSecret(ws.id, "MODEL")).toEqual({ state: "value", value: "claude-sonnet-4-5" });
    expect(await readSecret(ws.id, "LLM_PROVIDER")).toEqual({ state: "unset" });
  });

  it("respects a MODEL and an LLM_PROVIDER given at create", async () => {
    const ws = await createPlatform({
      secrets: [
        { key: "MODEL", value: "moonshot/kimi-k2.5" },
        { key: "LLM_PROVIDER", value: "moonshot" },
      ],
    });
    expect(ws.status).toBe("PROVISIONING");
    expect(await readSecret(ws.id, "MODEL")).toEqual({ state: "value", value: "moonshot/kimi-k2.5" });
    expect(await readSecret(ws.id, "LLM_PROVIDER")).toEqual({ state: "value", value: "moonshot" });
  });

  it("respects a stored MODEL and still pins LLM_PROVIDER when that model is platform-billed", async () => {
    const ws = await createPlatform({ secrets: [{ key: "MODEL", value: "anthropic/claude-opus-4-7" }] });
    expect(await readSecret(ws.id, "MODEL")).toEqual({ state: "value", value: "anthropic/claude-opus-4-7" });
    expect(await readSecret(ws.id, "LLM_PROVIDER")).toEqual({ state: "value", value: "platform" });
  });

  it("refuses a second platform agent with CONFLICT, writing nothing", async () => {
    await createPlatform();
    const before = await t.app.domain.prisma.workspace.count();
    const r = ok(await gql(t, CreateWorkspace, { input: { name: "second", kind: "PLATFORM" } })).createWorkspace;
    expectError(r, "RequestError", "CONFLICT");
    expect(await t.app.domain.prisma.workspace.count()).toBe(before);
  });

  it("gives one success and one CONFLICT to two racing creates, every time", async () => {
    for (let round = 0; round < 4; round++) {
      const live = await t.app.domain.prisma.workspace.findMany({
        where: { kind: "PLATFORM", status: { not: "REMOVED" } },
      });
      for (const w of live) ok(await gql(t, RemoveWorkspace, { id: w.id }));
      const before = await t.app.domain.prisma.workspace.count();
      const results = await Promise.all(
        ["a", "b"].map(async (name) => ok(await gql(t, CreateWorkspace, { input: { name, kind: "PLATFORM" } }))),
      );
      const types = results.map((r) => r.createWorkspace.__typename).sort();
      expect(types, JSON.stringify(results)).toEqual(["CreateWorkspaceSuccess", "RequestError"]);
      const refused = results.find((r) => r.createWorkspace.__typename === "RequestError");
      expectError((refused as (typeof results)[number]).createWorkspace, "RequestError", "CONFLICT");
      // The loser left nothing behind: one row, one live platform agent.
      expect(await t.app.domain.prisma.workspace.count()).toBe(before + 1);
      expect(
        await t.app.domain.prisma.workspace.count({ where: { kind: "PLATFORM", status: { not: "REMOVED" } } }),
      ).toBe(1);
    }
  });

  it("allows a new platform agent once the old one is removed", async () => {
    const old = await createPlatform();
    expectSuccess(ok(await gql(t, RemoveWorkspace, { id: old.id })).removeWorkspace, "WorkspaceSuccess");
    const fresh = await createPlatform();
    expect(fresh.id).not.toBe(old.id);
    expect(await readSecret(fresh.id, "MODEL")).toEqual({ state: "value", value: "moonshot/kimi-k2.6" });
  });
});

describe("the platform identity gate", () => {
  it("fails a platform agent whose MODEL is gone: FAILED, tokens revoked, event recorded, no token minted", async () => {
    const ws = await createPlatform();
    const first = expectSuccess(ok(await register(ws.id, null)).registerWorkspace, "RegisterWorkspaceSuccess");
    expect(first.authToken).toBeTruthy();
    expect(await t.app.domain.secrets.deleteWorkspaceSecret(ws.id, "MODEL")).toBe(true);

    const r = ok(await register(ws.id, first.authToken)).registerWorkspace;
    expect(r.__typename).toBe("RequestError");
    expectError(r, "RequestError", "PLATFORM_AGENT_IDENTITY_GATE");

    const after = ok(await gql(t, GetWorkspace, { id: ws.id })).workspace;
    expect(after?.status).toBe("FAILED");
    expect(after?.failure?.code).toBe("PLATFORM_AGENT_IDENTITY_GATE");
    const rows = await tokens(ws.id);
    expect(rows).toHaveLength(1);
    expect(rows.every((row) => row.revokedAt !== null)).toBe(true);
    const failed = (await events(ws.id)).filter((e) => e.type === "WORKSPACE_PROVISION_FAILED");
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({
      status: "FAILED",
      code: "PLATFORM_AGENT_IDENTITY_GATE",
      payload: { reason: "model_missing" },
    });
  });

  it("fails a platform agent that reports no MCP server, before any token exists", async () => {
    const ws = await createPlatform();
    const r = ok(await register(ws.id, null, { mcpServerPresent: false })).registerWorkspace;
    expectError(r, "RequestError", "PLATFORM_AGENT_IDENTITY_GATE");
    expect(r).not.toHaveProperty("authToken");
    expect(await tokens(ws.id)).toHaveLength(0);
    const after = ok(await gql(t, GetWorkspace, { id: ws.id })).workspace;
    expect(after?.failure?.code).toBe("PLATFORM_AGENT_IDENTITY_GATE");
    const failed = (await events(ws.id)).filter((e) => e.type === "WORKSPACE_PROVISION_FAILED");
    expect(failed.map((e) => [e.code, e.payload])).toEqual([
      ["PLATFORM_AGENT_IDENTITY_GATE", { reason: "mcp_server_missing" }],
    ]);
  });

  it("keeps a FAILED platform agent out until restartWorkspace succeeds", async () => {
    const ws = await createPlatform();
    const first = expectSuccess(ok(await register(ws.id, null)).registerWorkspace, "RegisterWorkspaceSuccess");
    await t.app.domain.secrets.deleteWorkspaceSecret(ws.id, "MODEL");
    expectError(
      ok(await register(ws.id, first.authToken)).registerWorkspace,
      "RequestError",
      "PLATFORM_AGENT_IDENTITY_GATE",
    );

    // With the stale token or none, and even once MODEL is back: still FAILED.
    expectError(ok(await register(ws.id, first.authToken)).registerWorkspace, "RequestError", "WORKSPACE_FAILED");
    expectError(ok(await register(ws.id, null)).registerWorkspace, "RequestError", "WORKSPACE_FAILED");
    const set = ok(
      await gql(t, SetWorkspaceSecret, { input: { workspaceId: ws.id, key: "MODEL", value: "moonshot/kimi-k2.6" } }),
    ).setWorkspaceSecret;
    expectSuccess(set, "SecretSuccess");
    expectError(ok(await register(ws.id, null)).registerWorkspace, "RequestError", "WORKSPACE_FAILED");
    expect(await tokens(ws.id)).toHaveLength(1);

    const restarted = ok(await gql(t, RestartWorkspace, { id: ws.id })).restartWorkspace;
    expect(expectSuccess(restarted, "WorkspaceSuccess").workspace).toMatchObject({
      status: "PROVISIONING",
      failure: null,
    });
    const again = expectSuccess(ok(await register(ws.id, null)).registerWorkspace, "RegisterWorkspaceSuccess");
    expect(again.authToken).toBeTruthy();
    expect(again.workspace.status).toBe("ONLINE");
    expect((await events(ws.id)).map((e) => e.type)).toEqual([
      "WORKSPACE_PROVISIONING",
      "WORKSPACE_ONLINE",
      "WORKSPACE_PROVISION_FAILED",
      "WORKSPACE_PROVISIONING",
      "WORKSPACE_ONLINE",
    ]);
  });

  it("re-seeds a deleted MODEL on restart, so the agent can come back", async () => {
    const ws = await createPlatform();
    await t.app.domain.secrets.deleteWorkspaceSecret(ws.id, "MODEL");
    expectError(ok(await register(ws.id, null)).registerWorkspace, "RequestError", "PLATFORM_AGENT_IDENTITY_GATE");
    const restarted = ok(await gql(t, RestartWorkspace, { id: ws.id })).restartWorkspace;
    expect(expectSuccess(restarted, "WorkspaceSuccess").workspace.status).toBe("PROVISIONING");
    expect(await readSecret(ws.id, "MODEL")).toEqual({ state: "value", value: "moonshot/kimi-k2.6" });
    expectSuccess(ok(await register(ws.id, null)).registerWorkspace, "RegisterWorkspaceSuccess");
  });

  it("answers SERVICE_UNAVAILABLE and changes nothing when the MODEL check cannot be made", async () => {
    const ws = await createPlatform();
    const first = expectSuccess(ok(await register(ws.id, null)).registerWorkspace, "RegisterWorkspaceSuccess");
    const secrets = t.app.domain.secrets;
    const original = secrets.workspaceSecretExists;
    secrets.workspaceSecretExists = async () => {
      throw new Error("injected: the existence query failed");
    };
    try {
      expectRefusal(await register(ws.id, first.authToken), "SERVICE_UNAVAILABLE", 503);
    } finally {
      secrets.workspaceSecretExists = original;
    }
    expect(ok(await gql(t, GetWorkspace, { id: ws.id })).workspace?.status).toBe("ONLINE");
    expect((await tokens(ws.id)).filter((row) => row.revokedAt === null)).toHaveLength(1);
    expect((await events(ws.id)).map((e) => e.type)).toEqual(["WORKSPACE_PROVISIONING", "WORKSPACE_ONLINE"]);
  });
});
