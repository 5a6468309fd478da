import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CreateWorkspaceInput } from "../gql/graphql.js";
import { expectSuccess, gql, ok } from "../support/gql.js";
import { startTestApp, type TestApp } from "../support/harness.js";
import {
  CreateWorkspace,
  DeleteWorkspaceSecret,
  EventActors,
  Heartbeat,
  OrgSecretActors,
  RegisterWorkspace,
  RemoveWorkspace,
  RestartWorkspace,
  SetOrgSecret,
  SetWorkspaceSecret,
  WorkspaceSecretActors,
} from "../support/operations.js";
import { apiToken } from "../support/roles.js";
import { eventually } from "../support/ws.js";

// SPEC section 10: every recorded event and every secret set records who
// caused it: an API token (id and label), a user (JWT sub, in jwt.test.ts),
// an agent (the workspace), or the system (sweeps, provision checks).

type Actor = { kind: string; id?: string | null; label?: string | null } | null | undefined;

async function events(t: TestApp, workspaceId: string) {
  return ok(await gql(t, EventActors, { workspaceId })).workspaceEvents.edges.map((e) => e.node);
}

async function create(t: TestApp, token: string, input: CreateWorkspaceInput) {
  const r = ok(await gql(t, CreateWorkspace, { input }, { token })).createWorkspace;
  return expectSuccess(r, "CreateWorkspaceSuccess").workspace;
}

describe("actors of requests", () => {
  let t: TestApp;
  let operator: { token: string; id: string; label: string };
  let admin: { token: string; id: string; label: string };
  const tokenActor = (k: { id: string; label: string }): Actor => ({ kind: "API_TOKEN", id: k.id, label: k.label });
  const agent = (id: string): Actor => ({ kind: "AGENT", id, label: null });

  beforeAll(async () => {
    t = await startTestApp();
    operator = await apiToken(t, "operator", "deploy bot");
    admin = await apiToken(t, "admin", "ops lead");
  });
  afterAll(() => t?.stop());

  it("create, register, restart and remove: the token that asked, and the agent that registered", async () => {
    const ws = await create(t, operator.token, { name: "acted on", model: "moonshot/kimi-k2.6" });
    const reg = ok(await gql(t, RegisterWorkspace, { input: { workspaceId: ws.id } }, { token: null }));
    expectSuccess(reg.registerWorkspace, "RegisterWorkspaceSuccess");
    expectSuccess(
      ok(await gql(t, RestartWorkspace, { id: ws.id }, { token: admin.token })).restartWorkspace,
      "WorkspaceSuccess",
    );
    expectSuccess(
      ok(await gql(t, RemoveWorkspace, { id: ws.id }, { token: operator.token })).removeWorkspace,
      "WorkspaceSuccess",
    );
    expect((await events(t, ws.id)).map((e) => [e.type, e.actor])).toEqual([
      ["WORKSPACE_PROVISIONING", tokenActor(operator)],
      ["WORKSPACE_ONLINE", agent(ws.id)],
      ["WORKSPACE_PROVISIONING", tokenActor(admin)],
      ["WORKSPACE_REMOVED", tokenActor(operator)],
    ]);
  });

  it("a provision failure on restart is the restarter's; the identity gate's failure is the agent's", async () => {
    const byok = await create(t, operator.token, {
      name: "byok",
      model: "claude-sonnet-4-5",
      runtime: "claude-code",
      secrets: [{ key: "ANTHROPIC_API_KEY", value: "sk-ant-1" }],
    });
    ok(await gql(t, DeleteWorkspaceSecret, { input: { workspaceId: byok.id, key: "ANTHROPIC_API_KEY" } }));
    ok(await gql(t, RestartWorkspace, { id: byok.id }, { token: admin.token }));
    const failed = (await events(t, byok.id)).find((e) => e.type === "WORKSPACE_PROVISION_FAILED");
    expect(failed).toMatchObject({ code: "MISSING_BYOK_CREDENTIAL", actor: tokenActor(admin) });

    const platform = await create(t, admin.token, { name: "concierge", kind: "PLATFORM", model: "moonshot/kimi-k2.6" });
    ok(await gql(t, DeleteWorkspaceSecret, { input: { workspaceId: platform.id, key: "MODEL" } }));
    const r = ok(await gql(t, RegisterWorkspace, { input: { workspaceId: platform.id } }, { token: null }));
    expect(r.registerWorkspace).toMatchObject({ code: "PLATFORM_AGENT_IDENTITY_GATE" });
    const gate = (await events(t, platform.id)).find((e) => e.code === "PLATFORM_AGENT_IDENTITY_GATE");
    expect(gate?.actor).toEqual(agent(platform.id));
  });

  it("secrets: who set each one, beside updatedAt; seeds are the provision checks'", async () => {
    const ws = await create(t, operator.token, {
      name: "with secrets",
      model: "moonshot/kimi-k2.6",
      secrets: [{ key: "GIVEN_AT_CREATE", value: "v1" }],
    });
    ok(
      await gql(
        t,
        SetWorkspaceSecret,
        { input: { workspaceId: ws.id, key: "SET_LATER", value: "v2" } },
        { token: admin.token },
      ),
    );
    const secrets = ok(await gql(t, WorkspaceSecretActors, { id: ws.id })).workspace?.secrets ?? [];
    expect(Object.fromEntries(secrets.map((s) => [s.key, s.updatedBy]))).toEqual({
      GIVEN_AT_CREATE: tokenActor(operator),
      SET_LATER: tokenActor(admin),
    });
    // Set again by someone else: the latest setter is shown.
    ok(
      await gql(
        t,
        SetWorkspaceSecret,
        { input: { workspaceId: ws.id, key: "SET_LATER", value: "v3" } },
        { token: operator.token },
      ),
    );
    const again = ok(await gql(t, WorkspaceSecretActors, { id: ws.id })).workspace?.secrets ?? [];
    expect(again.find((s) => s.key === "SET_LATER")?.updatedBy).toEqual(tokenActor(operator));

    ok(await gql(t, SetOrgSecret, { input: { key: "ORG_ACTOR", value: "o" } }, { token: admin.token }));
    const org = ok(await gql(t, OrgSecretActors, {})).orgSecrets.find((s) => s.key === "ORG_ACTOR");
    expect(org?.updatedBy).toEqual(tokenActor(admin));

    const platformSeeds = await t.app.domain.prisma.workspaceSecret.findMany({
      where: { key: "LLM_PROVIDER" },
      select: { updatedBy: true },
    });
    expect(platformSeeds.length).toBeGreaterThan(0);
    for (const s of platformSeeds) expect(s.updatedBy).toEqual({ kind: "SYSTEM", id: null, label: "provision checks" });
  });

  it("ADMIN_TOKEN acts as the API token labelled env", async () => {
    const ws = await create(t, t.adminToken, { name: "by env" });
    const [first] = await events(t, ws.id);
    expect(first?.actor).toMatchObject({ kind: "API_TOKEN", label: "env" });
  });
});

describe("actors of the system", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      SWEEP_INTERVAL_MS: "100",
      HEARTBEAT_TIMEOUT_SECONDS: "1",
      PROVISION_TIMEOUT_SECONDS: "1",
    });
    await t.listen(); // starts the sweeps
  });
  afterAll(() => t?.stop());

  it("the sweeps' timeouts are the system's; a heartbeat back ONLINE is the agent's", async () => {
    const stuck = await create(t, t.adminToken, { name: "never registers" });
    const silent = await create(t, t.adminToken, { name: "goes quiet" });
    const reg = ok(await gql(t, RegisterWorkspace, { input: { workspaceId: silent.id } }, { token: null }));
    const token = expectSuccess(reg.registerWorkspace, "RegisterWorkspaceSuccess").authToken as string;
    const sweeps = { kind: "SYSTEM", id: null, label: "sweeps" };
    await eventually(
      async () => (await events(t, stuck.id)).some((e) => e.code === "PROVISION_TIMEOUT"),
      "the provisioning timeout swept",
    );
    expect((await events(t, stuck.id)).find((e) => e.code === "PROVISION_TIMEOUT")?.actor).toEqual(sweeps);
    await eventually(
      async () => (await events(t, silent.id)).some((e) => e.type === "WORKSPACE_OFFLINE"),
      "the silent workspace swept OFFLINE",
    );
    expect((await events(t, silent.id)).find((e) => e.type === "WORKSPACE_OFFLINE")?.actor).toEqual(sweeps);
    const beat = ok(await gql(t, Heartbeat, { input: { workspaceId: silent.id } }, { token })).heartbeat;
    expectSuccess(beat, "HeartbeatSuccess");
    const back = (await events(t, silent.id)).filter((e) => e.type === "WORKSPACE_ONLINE").at(-1);
    expect(back?.actor).toEqual({ kind: "AGENT", id: silent.id, label: null });
  });
});
