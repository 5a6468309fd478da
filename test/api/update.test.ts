import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { graphql } from "../gql/gql.js";
import type { UpdateWorkspaceInput } from "../gql/graphql.js";
import { expectError, expectSuccess, gql, ok } from "../support/gql.js";
import { useTestApp } from "../support/harness.js";
import { CreateWorkspace, PreflightWorkspace, RemoveWorkspace, SetOrgSecret } from "../support/operations.js";

const UpdateWorkspace = graphql(`
  mutation UpdateWorkspace($input: UpdateWorkspaceInput!) {
    updateWorkspace(input: $input) {
      __typename
      ... on UpdateWorkspaceSuccess { workspace { id name runtime model provider platformBilled status updatedAt } }
      ... on Error { code message }
      ... on RequestError { field }
      ... on UnregisteredModelError { runtime model offeredModels }
      ... on MissingByokCredentialError { runtime model provider acceptedEnv suggestedModel }
    }
  }
`);

const t = useTestApp();

const PLATFORM_BILLED = "moonshot/kimi-k2.6";

async function create(input: {
  name: string;
  runtime?: string;
  model?: string;
  secrets?: { key: string; value: string }[];
}) {
  const r = ok(await gql(t, CreateWorkspace, { input })).createWorkspace;
  return expectSuccess(r, "CreateWorkspaceSuccess").workspace;
}
const update = async (input: UpdateWorkspaceInput) => ok(await gql(t, UpdateWorkspace, { input })).updateWorkspace;
const stored = (id: string) => t.app.domain.prisma.workspace.findUniqueOrThrow({ where: { id } });
const eventCount = (workspaceId: string) => t.app.domain.prisma.workspaceEvent.count({ where: { workspaceId } });

describe("updateWorkspace: rename", () => {
  it("renames, trimmed as at create, recording no event", async () => {
    const ws = await create({ name: "before" });
    const events = await eventCount(ws.id);
    const r = expectSuccess(await update({ id: ws.id, name: "  after  " }), "UpdateWorkspaceSuccess");
    expect(r.workspace).toMatchObject({ id: ws.id, name: "after", model: ws.model, provider: ws.provider });
    expect((await stored(ws.id)).name).toBe("after");
    expect(await eventCount(ws.id)).toBe(events);
  });

  it("refuses a name create would refuse, and an update of nothing, writing nothing", async () => {
    const ws = await create({ name: "kept" });
    const before = await stored(ws.id);
    for (const [input, field] of [
      [{ name: "   " }, "input.name"],
      [{ name: "x".repeat(129) }, "input.name"],
      [{ name: "a\u0007b" }, "input.name"],
      [{ name: "a\ud800" }, "input.name"],
      [{ model: "" }, "input.model"],
      [{ model: "m".repeat(257) }, "input.model"],
      [{}, "input"],
    ] as const) {
      const e = expectError(await update({ id: ws.id, ...input }), "RequestError", "VALIDATION_FAILED");
      expect(e.field, JSON.stringify(input)).toBe(field);
    }
    expect(await stored(ws.id)).toEqual(before);
  });

  it("answers NOT_FOUND for a malformed or unknown id and for a REMOVED workspace", async () => {
    const ws = await create({ name: "to remove" });
    ok(await gql(t, RemoveWorkspace, { id: ws.id }));
    for (const id of ["not-a-uuid", "", randomUUID(), ws.id]) {
      for (const change of [{ name: "new" }, { model: PLATFORM_BILLED }]) {
        const e = expectError(await update({ id, ...change }), "RequestError", "NOT_FOUND");
        expect(e.field).toBe("input.id");
      }
    }
    expect((await stored(ws.id)).name).toBe("to remove");
  });
});

describe("updateWorkspace: a new model goes through create's gate first", () => {
  it("stores a platform-billed model with the provider and billing the gate settles on", async () => {
    const ws = await create({
      name: "byok to platform",
      runtime: "claude-code",
      model: "claude-sonnet-4-5",
      secrets: [{ key: "ANTHROPIC_API_KEY", value: "sk-ant-x" }],
    });
    expect(ws).toMatchObject({ provider: "anthropic-api", platformBilled: false });
    const r = expectSuccess(await update({ id: ws.id, model: PLATFORM_BILLED }), "UpdateWorkspaceSuccess");
    expect(r.workspace).toMatchObject({ model: PLATFORM_BILLED, provider: "platform", platformBilled: true });
    expect(await stored(ws.id)).toMatchObject({ model: PLATFORM_BILLED, provider: "platform", platformBilled: true });
  });

  it("refuses a BYOK model with no credential (MISSING_BYOK_CREDENTIAL), as preflight would, writing nothing", async () => {
    const ws = await create({ name: "no key", runtime: "claude-code", model: PLATFORM_BILLED });
    const before = await stored(ws.id);
    const events = await eventCount(ws.id);
    const e = expectError(
      await update({ id: ws.id, name: "renamed too", model: "claude-sonnet-4-5" }),
      "MissingByokCredentialError",
      "MISSING_BYOK_CREDENTIAL",
    );
    expect(e).toMatchObject({
      __typename: "MissingByokCredentialError",
      runtime: "claude-code",
      model: "claude-sonnet-4-5",
      provider: "anthropic-api",
      acceptedEnv: ["ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN"],
      suggestedModel: PLATFORM_BILLED,
    });
    const preflight = ok(
      await gql(t, PreflightWorkspace, { input: { name: "x", runtime: "claude-code", model: "claude-sonnet-4-5" } }),
    ).preflightWorkspace;
    expect(expectError(preflight, "MissingByokCredentialError", "MISSING_BYOK_CREDENTIAL").message).toBe(e.message);
    expect(await stored(ws.id)).toEqual(before);
    expect(await eventCount(ws.id)).toBe(events);
  });

  it("refuses a model the runtime does not offer (UNREGISTERED_MODEL_FOR_RUNTIME), writing nothing", async () => {
    const ws = await create({ name: "unregistered", runtime: "google-adk" });
    const before = await stored(ws.id);
    const e = expectError(
      await update({ id: ws.id, name: "renamed too", model: "gpt-5" }),
      "UnregisteredModelError",
      "UNREGISTERED_MODEL_FOR_RUNTIME",
    );
    expect(e).toMatchObject({ __typename: "UnregisteredModelError", runtime: "google-adk", model: "gpt-5" });
    expect((e as unknown as { offeredModels: string[] }).offeredModels).toContain(ws.model);
    expect(await stored(ws.id)).toEqual(before);
  });

  it("counts the workspace's stored secrets and the org's for the gate", async () => {
    const withKey = await create({
      name: "workspace key",
      runtime: "claude-code",
      model: PLATFORM_BILLED,
      secrets: [{ key: "ANTHROPIC_AUTH_TOKEN", value: "tok" }],
    });
    const r = expectSuccess(await update({ id: withKey.id, model: "claude-sonnet-4-5" }), "UpdateWorkspaceSuccess");
    expect(r.workspace).toMatchObject({ model: "claude-sonnet-4-5", provider: "anthropic-api", platformBilled: false });

    const adk = await create({ name: "org key", runtime: "google-adk" });
    expectError(
      await update({ id: adk.id, model: "gemini-2.5-flash" }),
      "MissingByokCredentialError",
      "MISSING_BYOK_CREDENTIAL",
    );
    ok(await gql(t, SetOrgSecret, { input: { key: "GEMINI_API_KEY", value: "g" } }));
    const passed = expectSuccess(await update({ id: adk.id, model: "gemini-2.5-flash" }), "UpdateWorkspaceSuccess");
    expect(passed.workspace).toMatchObject({ provider: "google", platformBilled: false });
  });
});
