import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  checkCredentialGate,
  type GateInput,
  type GateVerdict,
  missingCredentialMessage,
  type OrgSecretNameSource,
  suggestedModelFor,
} from "../../src/gate/credential-gate.js";
import { loadRegistry, parseRegistry, type Registry } from "../../src/registry/registry.js";
import { createWorkspace, preflightWorkspace } from "../../src/workspaces/create.js";
import { startTestApp, type TestApp } from "../support/harness.js";
import { openCountedDatabase, type Tracer } from "../support/query-counter.js";

let registry: Registry;
beforeAll(async () => {
  registry = await loadRegistry(undefined);
});

/** An org-name source that counts its calls and hands out what `rows` gives. */
function source(rows: () => Promise<Iterable<{ key: string }>>) {
  const calls = { n: 0 };
  const read: OrgSecretNameSource = () => {
    calls.n++;
    return rows();
  };
  return { read, calls };
}
const names = (...keys: string[]) => source(async () => keys.map((key) => ({ key })));

const gate = (over: Partial<GateInput> & Pick<GateInput, "orgSecretNames">) =>
  checkCredentialGate({
    registry,
    runtime: "claude-code",
    model: "claude-sonnet-4-5",
    workspaceKeyNames: [],
    onFailure: "open",
    ...over,
  });

const passes = (v: GateVerdict, provider: string | null, via: string, platformBilled = false) => {
  expect(v, JSON.stringify(v)).toMatchObject({ pass: true, via, platformBilled });
  if (v.pass) expect(v.provider?.name ?? null).toBe(provider);
};

describe("reading the org secret names fails: open passes, closed refuses", () => {
  const queryError = new Error("connection reset while reading org secrets");
  const rowError = new Error("row cannot be read");
  const iterationError = new Error("cursor lost midway");
  const failures: [string, () => Promise<Iterable<{ key: string }>>, unknown][] = [
    ["the query rejects", () => Promise.reject(queryError), queryError],
    [
      "the source throws before it returns a promise",
      () => {
        throw queryError;
      },
      queryError,
    ],
    [
      "a row's key getter throws",
      async () => [
        { key: "UNRELATED" },
        {
          get key(): string {
            throw rowError;
          },
        },
      ],
      rowError,
    ],
    ["a row has no key name", async () => [{ key: null as unknown as string }], expect.any(TypeError)],
    [
      "the iteration throws midway",
      async () => ({
        *[Symbol.iterator]() {
          yield { key: "UNRELATED" };
          throw iterationError;
        },
      }),
      iterationError,
    ],
    [
      // The scan was not complete, so even a key seen before the failure does not let a closed gate pass.
      "the iteration throws after a matching key",
      async () => ({
        *[Symbol.iterator]() {
          yield { key: "ANTHROPIC_API_KEY" };
          throw iterationError;
        },
      }),
      iterationError,
    ],
  ];

  for (const [what, rows, error] of failures) {
    it(`when ${what}`, async () => {
      const open = source(rows);
      passes(await gate({ orgSecretNames: open.read, onFailure: "open" }), "anthropic-api", "failed-open");
      expect(open.calls.n).toBe(1);

      const closed = source(rows);
      const v = await gate({ orgSecretNames: closed.read, onFailure: "closed" });
      expect(v).toEqual({ pass: false, reason: "secret-names-unreadable", error });
      expect(closed.calls.n).toBe(1);
    });
  }
});

describe("a derive failure: open passes, closed refuses as underivable", () => {
  const cases: [string, string, string][] = [
    ["claude-code", "no-such-model", "unregistered"],
    ["no-such-runtime", "claude-sonnet-4-5", "unknown-runtime"],
    ["claude-code", "", "empty-model"],
  ];
  for (const [runtime, model, reason] of cases) {
    it(`${reason} (${runtime} / ${model || "empty"})`, async () => {
      const org = names("ANTHROPIC_API_KEY");
      passes(await gate({ runtime, model, orgSecretNames: org.read, onFailure: "open" }), null, "failed-open");
      const v = await gate({ runtime, model, orgSecretNames: org.read, onFailure: "closed" });
      expect(v).toMatchObject({ pass: false, reason: "underivable", failure: { reason } });
      expect(org.calls.n).toBe(0);
    });
  }

  it("ambiguous regex matches (built registry)", async () => {
    const r = parseRegistry({
      schemaVersion: 1,
      defaultRuntime: "rt",
      providers: [
        { name: "a", displayName: "A", authEnv: ["A_KEY"], modelPrefixMatch: "^x-", platform: false },
        { name: "b", displayName: "B", authEnv: ["B_KEY"], modelPrefixMatch: "^x-", platform: false },
      ],
      runtimes: [
        {
          name: "rt",
          providers: [
            { provider: "a", models: [] },
            { provider: "b", models: [] },
          ],
        },
      ],
    });
    const org = names("A_KEY");
    const base = { registry: r, runtime: "rt", model: "x-1", workspaceKeyNames: [], orgSecretNames: org.read };
    passes(await checkCredentialGate({ ...base, onFailure: "open" }), null, "failed-open");
    expect(await checkCredentialGate({ ...base, onFailure: "closed" })).toMatchObject({
      pass: false,
      reason: "underivable",
      failure: { reason: "ambiguous", candidates: ["a", "b"] },
    });
    // The workspace's own key decides it, and then no org read is needed.
    passes(
      await checkCredentialGate({ ...base, workspaceKeyNames: ["B_KEY"], onFailure: "closed" }),
      "b",
      "workspace-secret",
    );
    expect(org.calls.n).toBe(0);
  });
});

describe("paths that never read the org names", () => {
  const explode = () => source(() => Promise.reject(new Error("the org names must not be read here")));

  it("platform-billed models, with or without workspace keys, open or closed", async () => {
    const cases: [string, string, string[]][] = [
      ["claude-code", "moonshot/kimi-k2.6", []],
      ["claude-code", "anthropic/claude-opus-4-8", ["ANTHROPIC_API_KEY"]],
      ["codex", "openai/gpt-5.4", ["OPENAI_API_KEY"]],
      ["google-adk", "platform:gemini-2.5-flash", []],
      ["hermes", "platform/anything", []],
    ];
    for (const [runtime, model, workspaceKeyNames] of cases) {
      for (const onFailure of ["open", "closed"] as const) {
        const org = explode();
        const v = await gate({ runtime, model, workspaceKeyNames, orgSecretNames: org.read, onFailure });
        passes(v, "platform", "platform", true);
        expect(org.calls.n, `${runtime} ${model}`).toBe(0);
      }
    }
  });

  it("a workspace secret the derived provider accepts", async () => {
    const cases: [string, string, string[], string][] = [
      ["claude-code", "claude-sonnet-4-5", ["ANTHROPIC_AUTH_TOKEN"], "anthropic-api"],
      ["hermes", "anthropic/claude-opus-4-8", ["ANTHROPIC_API_KEY"], "byok-anthropic"],
      ["codex", "gpt-5.5", ["OPENAI_API_KEY"], "openai-api"],
      ["codex", "gpt-5.5", ["CODEX_AUTH_JSON", "OPENAI_API_KEY"], "openai-subscription"],
      ["claude-code", "minimax-m2", ["MINIMAX_API_KEY"], "minimax"],
    ];
    for (const [runtime, model, workspaceKeyNames, provider] of cases) {
      const org = explode();
      const v = await gate({ runtime, model, workspaceKeyNames, orgSecretNames: org.read, onFailure: "closed" });
      passes(v, provider, "workspace-secret");
      expect(org.calls.n, `${runtime} ${model}`).toBe(0);
    }
  });

  it("reads the org names exactly once when no workspace key is accepted", async () => {
    const org = names("UNRELATED", "ANTHROPIC_API_KEY");
    passes(
      await gate({ workspaceKeyNames: ["OPENAI_API_KEY"], orgSecretNames: org.read, onFailure: "closed" }),
      "anthropic-api",
      "org-secret",
    );
    expect(org.calls.n).toBe(1);
  });
});

describe("org names decide", () => {
  it("the provider a doubly listed model settles on", async () => {
    const codex = { runtime: "codex", model: "gpt-5.5", onFailure: "closed" as const };
    passes(await gate({ ...codex, orgSecretNames: names("OPENAI_API_KEY").read }), "openai-api", "org-secret");
    passes(
      await gate({ ...codex, orgSecretNames: names("CODEX_AUTH_JSON").read }),
      "openai-subscription",
      "org-secret",
    );
    passes(
      await gate({ ...codex, orgSecretNames: names("OPENAI_API_KEY", "CODEX_CHATGPT_AUTH_JSON").read }),
      "openai-subscription",
      "org-secret",
    );
    // A workspace key for one arm and an org key for the other: first declared, which the org key serves.
    passes(
      await gate({ ...codex, workspaceKeyNames: ["UNRELATED"], orgSecretNames: names("OPENAI_API_KEY").read }),
      "openai-api",
      "org-secret",
    );
  });

  it("an org key can make a doubly listed model platform-billed (built registry)", async () => {
    const r = parseRegistry({
      schemaVersion: 1,
      defaultRuntime: "rt",
      providers: [
        { name: "vendor", displayName: "Vendor", authEnv: ["VENDOR_KEY"], modelPrefixMatch: "^v-", platform: false },
        { name: "house", displayName: "House", authEnv: ["HOUSE_TOKEN"], modelPrefixMatch: "^h/", platform: true },
      ],
      runtimes: [
        {
          name: "rt",
          providers: [
            { provider: "vendor", models: ["dual"] },
            { provider: "house", models: ["dual"] },
          ],
        },
      ],
    });
    const base = { registry: r, runtime: "rt", model: "dual", workspaceKeyNames: [], onFailure: "closed" as const };
    passes(
      await checkCredentialGate({ ...base, orgSecretNames: names("HOUSE_TOKEN").read }),
      "house",
      "org-secret",
      true,
    );
    expect(await checkCredentialGate({ ...base, orgSecretNames: names().read })).toMatchObject({
      pass: false,
      reason: "missing-credential",
      missing: { provider: { name: "vendor" }, acceptedEnv: ["VENDOR_KEY"], suggestedModel: null },
    });
  });
});

describe("MissingCredential", () => {
  it("names the model, the provider, the accepted names and the platform-billed default", async () => {
    const v = await gate({ orgSecretNames: names("OPENAI_API_KEY").read, onFailure: "closed" });
    expect(v).toMatchObject({
      pass: false,
      reason: "missing-credential",
      missing: {
        runtime: "claude-code",
        model: "claude-sonnet-4-5",
        provider: { name: "anthropic-api" },
        acceptedEnv: ["ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN"],
        suggestedModel: "moonshot/kimi-k2.6",
      },
    });
    if (v.pass || v.reason !== "missing-credential") throw new Error("unreachable");
    const message = missingCredentialMessage(v.missing);
    for (const part of ["claude-sonnet-4-5", "anthropic-api", "ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN"]) {
      expect(message).toContain(part);
    }
    expect(message).toMatch(/moonshot\/kimi-k2\.6, the runtime's platform-billed default/);
    // An open gate refuses a missing credential too: only failures fail open.
    expect(await gate({ orgSecretNames: names().read, onFailure: "open" })).toMatchObject({
      pass: false,
      reason: "missing-credential",
    });
  });

  it("on codex, names the provider the gate settled on and codex's platform default", async () => {
    const v = await gate({ runtime: "codex", model: "gpt-5.5", orgSecretNames: names().read });
    if (v.pass || v.reason !== "missing-credential") throw new Error(JSON.stringify(v));
    expect(v.missing.provider.name).toBe("openai-subscription");
    const message = missingCredentialMessage(v.missing);
    for (const part of [
      "gpt-5.5",
      "openai-subscription",
      "CODEX_AUTH_JSON",
      "CODEX_CHATGPT_AUTH_JSON",
      "openai/gpt-5.4",
    ]) {
      expect(message).toContain(part);
    }
  });

  it("suggests nothing when the runtime's default is not platform-billed or there is none", () => {
    const r = parseRegistry({
      schemaVersion: 1,
      defaultRuntime: "byok-default",
      providers: [
        { name: "vendor", displayName: "Vendor", authEnv: ["VENDOR_KEY"], modelPrefixMatch: "^v-", platform: false },
        { name: "house", displayName: "House", authEnv: [], modelPrefixMatch: "^h/", platform: true },
      ],
      runtimes: [
        { name: "byok-default", defaultModel: "v-1", providers: [{ provider: "vendor", models: ["v-1"] }] },
        { name: "no-default", providers: [{ provider: "vendor", models: ["v-1"] }] },
        {
          name: "house-default",
          defaultModel: "h/1",
          providers: [
            { provider: "vendor", models: [] },
            { provider: "house", models: [] },
          ],
        },
      ],
    });
    expect(suggestedModelFor(r, "byok-default")).toBeNull();
    expect(suggestedModelFor(r, "no-default")).toBeNull();
    expect(suggestedModelFor(r, "house-default")).toBe("h/1");
    expect(suggestedModelFor(r, "ghost")).toBeNull();
    const message = missingCredentialMessage({
      runtime: "byok-default",
      model: "v-2",
      provider: r.providers.get("vendor") as never,
      acceptedEnv: ["VENDOR_KEY"],
      suggestedModel: null,
    });
    expect(message).toContain("VENDOR_KEY");
    expect(message).not.toMatch(/platform-billed/);
  });
});

describe("on a real database", () => {
  let t: TestApp;
  let trace: Tracer;
  beforeAll(async () => {
    const counted = await openCountedDatabase();
    trace = counted.trace;
    t = await startTestApp({}, counted.database);
  });
  afterAll(() => t?.stop());

  it("the counter sees the queries it should", async () => {
    const { ops } = await trace(() => t.app.domain.prisma.orgSecret.count());
    expect(ops).toEqual(["OrgSecret.count"]);
  });

  it("preflight of a platform-billed model makes no query; a BYOK model without a workspace key makes one", async () => {
    const domain = t.app.domain;
    const platform = await trace(() => preflightWorkspace(domain, { name: "p", model: "moonshot/kimi-k2.6" }));
    expect(platform.result).toMatchObject({ ok: true, value: { provider: "platform", platformBilled: true } });
    expect(platform.ops).toEqual([]);

    const byDefault = await trace(() => preflightWorkspace(domain, { name: "d" }));
    expect(byDefault.result).toMatchObject({ ok: true, value: { model: "moonshot/kimi-k2.6", platformBilled: true } });
    expect(byDefault.ops).toEqual([]);

    // From a cold cache, the org secret names are read once. A refusal is
    // never made from memory alone (another instance's new key may not have
    // been heard of yet): with the names cached, it reads them once more.
    domain.secrets.forgetOrgSecretNames();
    const byok = await trace(() => preflightWorkspace(domain, { name: "b", model: "claude-sonnet-4-5" }));
    expect(byok.result).toMatchObject({ ok: false, error: { code: "MISSING_BYOK_CREDENTIAL" } });
    expect(byok.ops).toEqual(["OrgSecret.findMany"]);
    const cached = await trace(() => preflightWorkspace(domain, { name: "b", model: "claude-sonnet-4-5" }));
    expect(cached.result).toMatchObject({ ok: false, error: { code: "MISSING_BYOK_CREDENTIAL" } });
    expect(cached.ops).toEqual(["OrgSecret.findMany"]);

    const keyed = await trace(() =>
      preflightWorkspace(domain, {
        name: "k",
        model: "claude-sonnet-4-5",
        secrets: [{ key: "ANTHROPIC_API_KEY", value: "sk" }],
      }),
    );
    expect(keyed.result).toMatchObject({ ok: true, value: { provider: "anthropic-api", platformBilled: false } });
    expect(keyed.ops).toEqual([]);
  });

  it("create of a platform-billed model writes before it makes any other query", async () => {
    const { result, ops } = await trace(() =>
      createWorkspace(t.app.domain, { name: "w", model: "moonshot/kimi-k2.6" }),
    );
    expect(result).toMatchObject({
      ok: true,
      value: { status: "PROVISIONING", provider: "platform", platformBilled: true },
    });
    expect(ops[0]).toBe("Workspace.create");
  });
});
