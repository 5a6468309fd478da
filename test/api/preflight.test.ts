import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CreateWorkspaceInput, ErrorCode } from "../gql/graphql.js";
import { expectError, expectSuccess, gql, ok } from "../support/gql.js";
import { startTestApp, type TestApp } from "../support/harness.js";
import { CreateWorkspace, PreflightWorkspace, RemoveWorkspace, SetOrgSecret } from "../support/operations.js";

type Input = CreateWorkspaceInput;

const counts = async (t: TestApp) => {
  const p = t.app.domain.prisma;
  return {
    workspaces: await p.workspace.count(),
    secrets: await p.workspaceSecret.count(),
    events: await p.workspaceEvent.count(),
  };
};

/** What a client learns from either answer: the success's derivation, or the whole error. */
function verdictOfPreflight(r: Awaited<ReturnType<typeof preflight>>) {
  if (r.__typename === "PreflightWorkspaceSuccess") {
    const { runtime, model, provider, platformBilled } = r;
    return { success: { runtime, model, provider, platformBilled } };
  }
  return { error: r };
}
function verdictOfCreate(r: Awaited<ReturnType<typeof create>>) {
  if (r.__typename === "CreateWorkspaceSuccess") {
    const { runtime, model, provider, platformBilled } = r.workspace;
    return { success: { runtime, model, provider, platformBilled } };
  }
  return { error: r };
}

let t: TestApp;
const preflight = async (input: Input, app = t) => ok(await gql(app, PreflightWorkspace, { input })).preflightWorkspace;
const create = async (input: Input, app = t) => ok(await gql(app, CreateWorkspace, { input })).createWorkspace;

beforeAll(async () => {
  t = await startTestApp();
  expectSuccess(
    ok(await gql(t, SetOrgSecret, { input: { key: "GEMINI_API_KEY", value: "g" } })).setOrgSecret,
    "SecretSuccess",
  );
});
afterAll(() => t?.stop());

const secret = (key: string) => ({ key, value: `value-of-${key}` });

/** [input, expected __typename, expected code or provider] */
type Verdict = "Success" | "MissingByokCredentialError" | "UnregisteredModelError" | "RequestError";
const table: [Input, Verdict, string][] = [
  [{ name: "default" }, "Success", "platform"],
  [{ name: "explicit nulls", runtime: null, model: null, kind: null, secrets: null }, "Success", "platform"],
  [{ name: "hermes default", runtime: "hermes" }, "Success", "platform"],
  [{ name: "adk default", runtime: "google-adk" }, "Success", "platform"],
  [{ name: "slash platform", runtime: "claude-code", model: "anthropic/claude-opus-4-8" }, "Success", "platform"],
  [
    { name: "slash byok", runtime: "hermes", model: "anthropic/claude-opus-4-8" },
    "MissingByokCredentialError",
    "MISSING_BYOK_CREDENTIAL",
  ],
  [
    {
      name: "slash byok keyed",
      runtime: "hermes",
      model: "anthropic/claude-opus-4-8",
      secrets: [secret("ANTHROPIC_API_KEY")],
    },
    "Success",
    "byok-anthropic",
  ],
  [
    { name: "codex no key", runtime: "codex", model: "gpt-5.5" },
    "MissingByokCredentialError",
    "MISSING_BYOK_CREDENTIAL",
  ],
  [
    { name: "codex api key", runtime: "codex", model: "gpt-5.5", secrets: [secret("OPENAI_API_KEY")] },
    "Success",
    "openai-api",
  ],
  [
    {
      name: "codex both",
      runtime: "codex",
      model: "gpt-5.5",
      secrets: [secret("OPENAI_API_KEY"), secret("CODEX_AUTH_JSON")],
    },
    "Success",
    "openai-subscription",
  ],
  [{ name: "org key", runtime: "google-adk", model: "gemini-2.5-flash" }, "Success", "google"],
  [
    { name: "regex only", runtime: "claude-code", model: "minimax-m2", secrets: [secret("MINIMAX_API_KEY")] },
    "Success",
    "minimax",
  ],
  [
    { name: "regex only no key", runtime: "hermes", model: "openrouter/meta/llama-4" },
    "MissingByokCredentialError",
    "MISSING_BYOK_CREDENTIAL",
  ],
  [
    { name: "wrong key", runtime: "claude-code", model: "sonnet", secrets: [secret("ANTHROPIC_API_KEY")] },
    "MissingByokCredentialError",
    "MISSING_BYOK_CREDENTIAL",
  ],
  [
    { name: "unregistered", runtime: "hermes", model: "no-such-model" },
    "UnregisteredModelError",
    "UNREGISTERED_MODEL_FOR_RUNTIME",
  ],
  [
    { name: "other runtime's model", runtime: "google-adk", model: "gpt-5.5", secrets: [secret("OPENAI_API_KEY")] },
    "UnregisteredModelError",
    "UNREGISTERED_MODEL_FOR_RUNTIME",
  ],
  [{ name: "unknown runtime", runtime: "no-such-runtime" }, "RequestError", "RUNTIME_UNSUPPORTED"],
  [{ name: "" }, "RequestError", "VALIDATION_FAILED"],
  [{ name: "empty model", model: "" }, "RequestError", "VALIDATION_FAILED"],
  [{ name: "bad key", secrets: [{ key: "bad-key", value: "v" }] }, "RequestError", "VALIDATION_FAILED"],
  [
    { name: "empty value", model: "claude-sonnet-4-5", secrets: [{ key: "ANTHROPIC_API_KEY", value: "" }] },
    "RequestError",
    "VALIDATION_FAILED",
  ],
];

describe("preflightWorkspace", () => {
  it("gives the verdict createWorkspace gives, for every input of the table, and writes nothing", async () => {
    const before = await counts(t);
    const preflights = [];
    for (const [input, typename, expected] of table) {
      const p = await preflight(input);
      const where = JSON.stringify(input);
      if (typename === "Success") {
        expect(expectSuccess(p, "PreflightWorkspaceSuccess").provider, where).toBe(expected);
      } else {
        expect(p.__typename, where).toBe(typename);
        expectError(p, typename, expected as ErrorCode);
      }
      preflights.push(verdictOfPreflight(p));
    }
    expect(await counts(t)).toEqual(before);

    for (const [i, [input]] of table.entries()) {
      expect(verdictOfCreate(await create(input)), JSON.stringify(input)).toEqual(preflights[i]);
    }
    const successes = table.filter(([, typename]) => typename === "Success").length;
    const after = await counts(t);
    expect(after.workspaces - before.workspaces).toBe(successes);
  });

  it("checks a PLATFORM create like create does: one live platform agent, conflict checked before the gate", async () => {
    const platform = (extra: Partial<Input> = {}): Input => ({ name: "concierge", kind: "PLATFORM", ...extra });
    const before = await counts(t);
    expectSuccess(await preflight(platform()), "PreflightWorkspaceSuccess");
    expect(await counts(t)).toEqual(before);

    const created = expectSuccess(await create(platform()), "CreateWorkspaceSuccess").workspace;
    expect(created.kind).toBe("PLATFORM");
    const withPlatform = await counts(t);

    const conflicts: [Input, ErrorCode][] = [
      [platform(), "CONFLICT"],
      [platform({ runtime: "codex", model: "gpt-5.5" }), "CONFLICT"], // step 5 before the gate's step 6
      [platform({ runtime: "no-such-runtime" }), "RUNTIME_UNSUPPORTED"],
      [platform({ model: "no-such-model" }), "UNREGISTERED_MODEL_FOR_RUNTIME"],
      [platform({ name: " " }), "VALIDATION_FAILED"],
    ];
    for (const [input, code] of conflicts) {
      const p = expectError(
        await preflight(input),
        code === "UNREGISTERED_MODEL_FOR_RUNTIME" ? "UnregisteredModelError" : "RequestError",
        code,
      );
      if (code === "CONFLICT") expect(p.__typename === "RequestError" && p.field).toBe("input.kind");
      expect(verdictOfCreate(await create(input)), JSON.stringify(input)).toEqual(verdictOfPreflight(p));
    }
    expect(await counts(t)).toEqual(withPlatform);

    // A removed platform agent no longer blocks a new one.
    expectSuccess(ok(await gql(t, RemoveWorkspace, { id: created.id })).removeWorkspace, "WorkspaceSuccess");
    expectSuccess(await preflight(platform()), "PreflightWorkspaceSuccess");
  });
});

describe("MODEL_REQUIRED", () => {
  let custom: TestApp;
  beforeAll(async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "preflight-registry-"));
    const file = path.join(dir, "registry.json");
    const registry = {
      schemaVersion: 1,
      defaultRuntime: "bare",
      providers: [
        { name: "house", displayName: "House", authEnv: [], modelPrefixMatch: "^house/", platform: true },
        { name: "vendor", displayName: "Vendor", authEnv: ["VENDOR_KEY"], modelPrefixMatch: "^v-", platform: false },
      ],
      runtimes: [
        {
          name: "bare",
          providers: [
            { provider: "house", models: ["house/one"] },
            { provider: "vendor", models: [] },
          ],
        },
        { name: "defaulted", defaultModel: "house/one", providers: [{ provider: "house", models: ["house/one"] }] },
      ],
    };
    await writeFile(file, JSON.stringify(registry));
    custom = await startTestApp({ REGISTRY_FILE: file });
  });
  afterAll(() => custom?.stop());

  it("is the answer when the runtime has no default model and none is given, from preflight and create alike", async () => {
    const before = await counts(custom);
    for (const input of [{ name: "x" }, { name: "x", runtime: "bare" }, { name: "x", runtime: "bare", model: null }]) {
      const p = expectError(await preflight(input, custom), "RequestError", "MODEL_REQUIRED");
      expect(p.field).toBe("input.model");
      expect(p.message).toContain("bare");
      expect(verdictOfCreate(await create(input, custom))).toEqual(verdictOfPreflight(p));
    }
    expect(await counts(custom)).toEqual(before);

    const given = expectSuccess(
      await preflight({ name: "x", runtime: "bare", model: "house/one" }, custom),
      "PreflightWorkspaceSuccess",
    );
    expect(given).toMatchObject({ runtime: "bare", model: "house/one", provider: "house", platformBilled: true });
    expectSuccess(
      await preflight({ name: "x", runtime: "bare", model: "house/other" }, custom),
      "PreflightWorkspaceSuccess",
    );
    expectError(
      await preflight({ name: "x", runtime: "bare", model: "v-1" }, custom),
      "MissingByokCredentialError",
      "MISSING_BYOK_CREDENTIAL",
    );
    expect(
      expectSuccess(await preflight({ name: "x", runtime: "defaulted" }, custom), "PreflightWorkspaceSuccess"),
    ).toMatchObject({ model: "house/one", provider: "house" });
    // The bundled registry is not in use: its default runtime is unknown here.
    expectError(await preflight({ name: "x", runtime: "claude-code" }, custom), "RequestError", "RUNTIME_UNSUPPORTED");
  });
});
