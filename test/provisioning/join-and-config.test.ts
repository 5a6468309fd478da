import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mintJoinToken } from "../../src/provisioning/join-tokens.js";
import { expectRefusal, expectSuccess, gql, ok } from "../support/gql.js";
import { startTestApp, type TestApp } from "../support/harness.js";
import {
  AgentConfig,
  CreateWorkspace,
  Heartbeat,
  RegisterWorkspace,
  RestartWorkspace,
  SetOrgSecret,
} from "../support/operations.js";

// SPEC 9 join tokens and agentConfig, through the API, with PROVISIONER=process
// but no reconciler running (the app never listens): the tests mint the join
// tokens a start would hand out, and play the runtime themselves.

let t: TestApp;
const secret = (label: string) => `${label}-${randomBytes(12).toString("hex")}`;
const ORG_ANTHROPIC = secret("org-anthropic");
const ORG_OPENAI = secret("org-openai");
const WS_TOOL = secret("ws-tool");
const WS_OTHER = secret("ws-other");
const VALUES = [ORG_ANTHROPIC, ORG_OPENAI, WS_TOOL, WS_OTHER];
const URL = "http://127.0.0.1:9/graphql";

beforeAll(async () => {
  t = await startTestApp({ PROVISIONER: "process", CONTROL_PLANE_URL: URL });
  for (const [key, value] of [
    ["ANTHROPIC_API_KEY", ORG_ANTHROPIC],
    ["OPENAI_API_KEY", ORG_OPENAI],
  ] as const) {
    expectSuccess(ok(await gql(t, SetOrgSecret, { input: { key, value } })).setOrgSecret, "SecretSuccess");
  }
});
afterAll(() => t.stop());

/** A BYOK workspace (anthropic-api, satisfied by the org key) with a secret of its own. */
async function createWorkspace(secrets = [{ key: "TOOL_SETTING", value: WS_TOOL }]) {
  const r = ok(
    await gql(t, CreateWorkspace, {
      input: { name: "managed", runtime: "claude-code", model: "claude-sonnet-4-6", secrets },
    }),
  ).createWorkspace;
  const ws = expectSuccess(r, "CreateWorkspaceSuccess").workspace;
  expect(ws.provider).toBe("anthropic-api");
  return ws.id;
}

async function joinToken(workspaceId: string) {
  const ws = await t.app.domain.prisma.workspace.findUniqueOrThrow({ where: { id: workspaceId } });
  return t.app.domain.prisma.$transaction((tx) => mintJoinToken(tx, workspaceId, ws.generation, 600));
}

const register = (workspaceId: string, token: string | null) =>
  gql(t, RegisterWorkspace, { input: { workspaceId } }, { token });

async function bootstrap(workspaceId: string, token: string) {
  const r = expectSuccess(ok(await register(workspaceId, token)).registerWorkspace, "RegisterWorkspaceSuccess");
  expect(r.authToken).toBeTruthy();
  return r.authToken as string;
}

const liveTokens = (workspaceId: string) =>
  t.app.domain.prisma.instanceToken.count({ where: { workspaceId, revokedAt: null } });

describe("join tokens (PROVISIONER=process)", () => {
  it("a workspace id alone claims nothing: no bearer, a wrong one or another workspace's join token is 401, an admin 403", async () => {
    const id = await createWorkspace();
    const otherJoin = await joinToken(await createWorkspace());
    expectRefusal(await register(id, null), "UNAUTHENTICATED", 401);
    expectRefusal(await register(id, randomBytes(32).toString("base64url")), "UNAUTHENTICATED", 401);
    expectRefusal(await register(id, otherJoin), "UNAUTHENTICATED", 401);
    expectRefusal(await register(id, t.adminToken), "FORBIDDEN", 403);
    expect(await liveTokens(id)).toBe(0);
  });

  it("bootstraps once with its join token; the used token is 401 afterwards, and so is an expired one", async () => {
    const id = await createWorkspace();
    const join = await joinToken(id);
    const token = await bootstrap(id, join);
    expectRefusal(await register(id, join), "UNAUTHENTICATED", 401);
    expectSuccess(ok(await gql(t, Heartbeat, { input: { workspaceId: id } }, { token })).heartbeat, "HeartbeatSuccess");

    const expired = await joinToken(id);
    await t.app.domain.prisma.joinToken.updateMany({
      where: { workspaceId: id, usedAt: null },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    expectRefusal(await register(id, expired), "UNAUTHENTICATED", 401);
    expect(await liveTokens(id)).toBe(1);
  });

  it("a join token of an earlier generation is 401 once restartWorkspace has run", async () => {
    const id = await createWorkspace();
    const join = await joinToken(id);
    expectSuccess(ok(await gql(t, RestartWorkspace, { id })).restartWorkspace, "WorkspaceSuccess");
    expectRefusal(await register(id, join), "UNAUTHENTICATED", 401);
  });

  it("a valid join token bootstraps while an instance token is live, and revokes it", async () => {
    const id = await createWorkspace();
    const first = await bootstrap(id, await joinToken(id));
    const second = await bootstrap(id, await joinToken(id));
    expect(second).not.toBe(first);
    expectRefusal(await gql(t, Heartbeat, { input: { workspaceId: id } }, { token: first }), "UNAUTHENTICATED", 401);
    expect(await liveTokens(id)).toBe(1);
  });

  it("of concurrent bootstraps with one join token exactly one wins; the others are 401", async () => {
    const id = await createWorkspace();
    const join = await joinToken(id);
    const answers = await Promise.all(Array.from({ length: 8 }, () => register(id, join)));
    const won = answers.filter((a) => a.data?.registerWorkspace?.__typename === "RegisterWorkspaceSuccess");
    expect(won).toHaveLength(1);
    for (const a of answers) if (!won.includes(a)) expectRefusal(a, "UNAUTHENTICATED", 401);
    expect(await liveTokens(id)).toBe(1);
  });
});

describe("agentConfig", () => {
  it("gives the runtime its model, its secrets and the org key its provider accepts, nothing else of the org's", async () => {
    const id = await createWorkspace();
    const token = await bootstrap(id, await joinToken(id));
    const r = expectSuccess(
      ok(await gql(t, AgentConfig, { workspaceId: id }, { token })).agentConfig,
      "AgentConfigSuccess",
    );
    expect(r.config).toMatchObject({
      workspaceId: id,
      runtime: "claude-code",
      model: "claude-sonnet-4-6",
      provider: "anthropic-api",
      platformBilled: false,
    });
    expect(r.config.env).toEqual([
      { key: "ANTHROPIC_API_KEY", value: ORG_ANTHROPIC, error: null },
      { key: "CONTROL_PLANE_URL", value: URL, error: null },
      { key: "MODEL", value: "claude-sonnet-4-6", error: null },
      { key: "TOOL_SETTING", value: WS_TOOL, error: null },
      { key: "WORKSPACE_ID", value: id, error: null },
    ]);
    const events = await t.app.domain.prisma.workspaceEvent.findMany({
      where: { workspaceId: id, type: "WORKSPACE_CONFIG_READ" },
    });
    expect(events).toHaveLength(1);
    expect(events[0]?.payload).toEqual({
      keys: ["ANTHROPIC_API_KEY", "CONTROL_PLANE_URL", "MODEL", "TOOL_SETTING", "WORKSPACE_ID"],
      unreadable: [],
    });
  });

  it("a workspace secret wins over the org secret of the same name", async () => {
    const id = await createWorkspace([{ key: "ANTHROPIC_API_KEY", value: WS_OTHER }]);
    const token = await bootstrap(id, await joinToken(id));
    const r = expectSuccess(
      ok(await gql(t, AgentConfig, { workspaceId: id }, { token })).agentConfig,
      "AgentConfigSuccess",
    );
    expect(r.config.env.find((e) => e.key === "ANTHROPIC_API_KEY")?.value).toBe(WS_OTHER);
  });

  it("is refused to an admin (403), to another workspace's token (403), without a token (401) and to a revoked one (401)", async () => {
    const a = await createWorkspace();
    const b = await createWorkspace();
    const tokenA = await bootstrap(a, await joinToken(a));
    const tokenB = await bootstrap(b, await joinToken(b));
    expectRefusal(await gql(t, AgentConfig, { workspaceId: a }), "FORBIDDEN", 403);
    expectRefusal(await gql(t, AgentConfig, { workspaceId: a }, { token: tokenB }), "FORBIDDEN", 403);
    expectRefusal(await gql(t, AgentConfig, { workspaceId: a }, { token: null }), "UNAUTHENTICATED", 401);
    expectSuccess(ok(await gql(t, RestartWorkspace, { id: a })).restartWorkspace, "WorkspaceSuccess");
    expectRefusal(await gql(t, AgentConfig, { workspaceId: a }, { token: tokenA }), "UNAUTHENTICATED", 401);
    expect(
      await t.app.domain.prisma.workspaceEvent.count({ where: { workspaceId: a, type: "WORKSPACE_CONFIG_READ" } }),
    ).toBe(0);
  });

  it("answers a value that cannot be decrypted as SECRET_UNREADABLE, never an omitted key", async () => {
    const id = await createWorkspace();
    const token = await bootstrap(id, await joinToken(id));
    const other = await t.app.domain.prisma.workspaceSecret.findFirstOrThrow({
      where: { workspaceId: { not: id }, key: "TOOL_SETTING" },
    });
    // Another row's envelope: well formed, but sealed for another workspace.
    await t.app.domain.prisma.workspaceSecret.updateMany({
      where: { workspaceId: id, key: "TOOL_SETTING" },
      data: { value: other.value },
    });
    const r = expectSuccess(
      ok(await gql(t, AgentConfig, { workspaceId: id }, { token })).agentConfig,
      "AgentConfigSuccess",
    );
    expect(r.config.env.find((e) => e.key === "TOOL_SETTING")).toEqual({
      key: "TOOL_SETTING",
      value: null,
      error: "SECRET_UNREADABLE",
    });
    const read = await t.app.domain.prisma.workspaceEvent.findFirstOrThrow({
      where: { workspaceId: id, type: "WORKSPACE_CONFIG_READ" },
    });
    expect(read.payload).toMatchObject({ unreadable: ["TOOL_SETTING"] });
  });

  it("no secret value reaches a log line or an event", async () => {
    const events = await t.app.domain.prisma.workspaceEvent.findMany();
    const recorded = JSON.stringify(events, (_, v) => (typeof v === "bigint" ? String(v) : v));
    const logs = t.logs.join("\n");
    for (const value of VALUES) {
      expect(recorded).not.toContain(value);
      expect(logs).not.toContain(value);
    }
    expect(t.logs.length).toBeGreaterThan(0);
  });
});

describe("agentConfig after removeWorkspace", () => {
  it("is 401: removal revoked the runtime's token", async () => {
    const id = await createWorkspace();
    const token = await bootstrap(id, await joinToken(id));
    const { removeWorkspace } = await import("../../src/workspaces/lifecycle.js");
    await removeWorkspace(t.app.domain, id);
    const r = await gql(t, AgentConfig, { workspaceId: id }, { token });
    expectRefusal(r, "UNAUTHENTICATED", 401);
  });
});
