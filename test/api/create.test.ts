import { describe, expect, it } from "vitest";
import type { ErrorCode } from "../gql/graphql.js";
import { expectError, expectRefusal, expectSuccess, gql, ok } from "../support/gql.js";
import { useTestApp } from "../support/harness.js";
import {
  CreateWorkspace,
  DeleteOrgSecret,
  ListEvents,
  PreflightWorkspace,
  SetOrgSecret,
} from "../support/operations.js";

const t = useTestApp();

const counts = async () => {
  const p = t.app.domain.prisma;
  return {
    workspaces: await p.workspace.count(),
    secrets: await p.workspaceSecret.count(),
    events: await p.workspaceEvent.count(),
  };
};

describe("createWorkspace", () => {
  it("creates a platform-billed workspace with the registry defaults and records PROVISIONING", async () => {
    const r = ok(await gql(t, CreateWorkspace, { input: { name: "  Research  " } })).createWorkspace;
    const { workspace } = expectSuccess(r, "CreateWorkspaceSuccess");
    expect(workspace).toMatchObject({
      name: "Research",
      kind: "WORKSPACE",
      runtime: "claude-code",
      model: "moonshot/kimi-k2.6",
      provider: "platform",
      platformBilled: true,
      status: "PROVISIONING",
      failure: null,
    });
    const events = ok(await gql(t, ListEvents, { workspaceId: workspace.id })).workspaceEvents.edges;
    expect(events.map((e) => e.node.type)).toEqual(["WORKSPACE_PROVISIONING"]);
  });

  it("refuses a BYOK model with no credential, naming provider, keys and the platform default, writing nothing", async () => {
    const before = await counts();
    const r = ok(
      await gql(t, CreateWorkspace, { input: { name: "x", runtime: "claude-code", model: "claude-sonnet-4-5" } }),
    ).createWorkspace;
    const e = expectError(r, "MissingByokCredentialError", "MISSING_BYOK_CREDENTIAL");
    expect(e).toMatchObject({
      __typename: "MissingByokCredentialError",
      provider: "anthropic-api",
      acceptedEnv: ["ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN"],
      suggestedModel: "moonshot/kimi-k2.6",
    });
    expect(e.message).toContain("claude-sonnet-4-5");
    expect(e.message).toContain("anthropic-api");
    expect(e.message).toContain("ANTHROPIC_API_KEY");
    expect(e.message).toContain("moonshot/kimi-k2.6");
    expect(await counts()).toEqual(before);
  });

  it("passes a BYOK model with the key as a workspace secret, stored encrypted", async () => {
    const r = ok(
      await gql(t, CreateWorkspace, {
        input: {
          name: "byok",
          runtime: "claude-code",
          model: "claude-sonnet-4-5",
          secrets: [{ key: "ANTHROPIC_API_KEY", value: "sk-ant-very-secret" }],
        },
      }),
    ).createWorkspace;
    const { workspace } = expectSuccess(r, "CreateWorkspaceSuccess");
    expect(workspace).toMatchObject({ provider: "anthropic-api", platformBilled: false, status: "PROVISIONING" });
    expect(workspace.secrets.map((s) => s.key)).toEqual(["ANTHROPIC_API_KEY"]);
    const row = await t.app.domain.prisma.workspaceSecret.findFirstOrThrow({ where: { workspaceId: workspace.id } });
    expect(row.value).not.toContain("sk-ant-very-secret");
  });

  it("passes a BYOK model through an org secret, and sees a deleted org secret on the next request", async () => {
    ok(await gql(t, SetOrgSecret, { input: { key: "GEMINI_API_KEY", value: "g-secret" } }));
    const input = { name: "adk", runtime: "google-adk", model: "gemini-2.5-flash" };
    const pass = ok(await gql(t, PreflightWorkspace, { input })).preflightWorkspace;
    expect(expectSuccess(pass, "PreflightWorkspaceSuccess")).toMatchObject({
      provider: "google",
      platformBilled: false,
    });
    ok(await gql(t, DeleteOrgSecret, { key: "GEMINI_API_KEY" }));
    const refused = ok(await gql(t, PreflightWorkspace, { input })).preflightWorkspace;
    expectError(refused, "MissingByokCredentialError", "MISSING_BYOK_CREDENTIAL");
  });

  it("checks in SPEC order: validation, runtime, model, registration", async () => {
    const cases: [Record<string, unknown>, ErrorCode, string | null][] = [
      [{ name: "   " }, "VALIDATION_FAILED", "input.name"],
      [{ name: "a\u0007b" }, "VALIDATION_FAILED", "input.name"],
      [{ name: "lone \ud800 surrogate" }, "VALIDATION_FAILED", "input.name"],
      [{ name: "ok", model: "m\udfff" }, "VALIDATION_FAILED", "input.model"],
      [{ name: "x".repeat(129) }, "VALIDATION_FAILED", "input.name"],
      [{ name: "ok", model: "m".repeat(257) }, "VALIDATION_FAILED", "input.model"],
      [{ name: "ok", secrets: [{ key: "lower", value: "v" }] }, "VALIDATION_FAILED", "input.secrets.0.key"],
      [{ name: "ok", secrets: [{ key: "A", value: "" }] }, "VALIDATION_FAILED", "input.secrets.0.value"],
      [
        {
          name: "ok",
          secrets: [
            { key: "A", value: "1" },
            { key: "A", value: "2" },
          ],
        },
        "VALIDATION_FAILED",
        "input.secrets.1.key",
      ],
      [{ name: "ok", runtime: "nope" }, "RUNTIME_UNSUPPORTED", "input.runtime"],
      [{ name: "ok", runtime: "nope", model: "m".repeat(257) }, "VALIDATION_FAILED", "input.model"],
      [{ name: "ok", runtime: "claude-code", model: "no-such-model" }, "UNREGISTERED_MODEL_FOR_RUNTIME", null],
    ];
    const before = await counts();
    for (const [input, code, field] of cases) {
      const r = ok(await gql(t, CreateWorkspace, { input: input as never })).createWorkspace;
      // The cases with a field are RequestErrors; the one without, the unregistered model.
      if (field) expect(expectError(r, "RequestError", code).field, JSON.stringify(input)).toBe(field);
      else expectError(r, "UnregisteredModelError", code);
    }
    expect(await counts()).toEqual(before);
  });

  it("lists the runtime's offered models on an unregistered model", async () => {
    const r = ok(
      await gql(t, CreateWorkspace, { input: { name: "x", runtime: "google-adk", model: "gpt-5" } }),
    ).createWorkspace;
    const e = expectError(r, "UnregisteredModelError", "UNREGISTERED_MODEL_FOR_RUNTIME");
    expect(e).toMatchObject({ runtime: "google-adk", model: "gpt-5" });
    const offered = (e as unknown as { offeredModels: string[] }).offeredModels;
    expect(offered.length).toBeGreaterThan(0);
    expect([...offered].sort()).toEqual(offered);
  });

  it("needs an admin token", async () => {
    expectRefusal(await gql(t, CreateWorkspace, { input: { name: "x" } }, { token: null }), "UNAUTHENTICATED", 401);
    expectRefusal(await gql(t, CreateWorkspace, { input: { name: "x" } }, { token: "wrong" }), "UNAUTHENTICATED", 401);
  });
});
