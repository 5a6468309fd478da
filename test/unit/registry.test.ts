import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { type DeriveResult, deriveProvider } from "../../src/registry/derive.js";
import { loadRegistry, parseRegistry, type Registry, RegistryError } from "../../src/registry/registry.js";

const BUNDLED = path.join(import.meta.dirname, "../../src/registry/default-registry.json");

type File = {
  schemaVersion: number;
  defaultRuntime: string;
  providers: { name: string; displayName: string; authEnv: string[]; modelPrefixMatch: string; platform: boolean }[];
  runtimes: { name: string; defaultModel?: string | null; providers: { provider: string; models: string[] }[] }[];
};

const provider = (name: string, modelPrefixMatch: string, authEnv: string[], platform = false) => ({
  name,
  displayName: name.toUpperCase(),
  authEnv,
  modelPrefixMatch,
  platform,
});

/** A small valid registry each rejection test breaks in one place. */
const small = (): File => ({
  schemaVersion: 1,
  defaultRuntime: "rt",
  providers: [
    provider("house", "^house/", ["HOUSE_TOKEN"], true),
    provider("alpha", "^x-", ["ALPHA_KEY", "SHARED_KEY"]),
    provider("beta", "^x-", ["BETA_KEY", "SHARED_KEY"]),
    provider("gamma", "(?i)^gamma-", ["GAMMA_KEY"]),
  ],
  runtimes: [
    {
      name: "rt",
      defaultModel: "house/one",
      providers: [
        { provider: "house", models: ["house/one"] },
        { provider: "alpha", models: [] },
        { provider: "beta", models: [] },
        { provider: "gamma", models: [] },
      ],
    },
  ],
});

const rejects = (json: unknown, message: RegExp) => {
  expect(() => parseRegistry(json, "test.json")).toThrow(RegistryError);
  expect(() => parseRegistry(json, "test.json")).toThrow(message);
};

describe("parseRegistry rejects, with a message naming the problem", () => {
  it("accepts the small registry it breaks below", () => {
    const r = parseRegistry(small());
    expect([...r.runtimes.keys()]).toEqual(["rt"]);
    expect(r.platformProvider?.name).toBe("house");
  });

  it("a file that is not the registry shape", () => {
    rejects(null, /test\.json: malformed at top level/);
    rejects([], /test\.json: malformed/);
    rejects({ ...small(), schemaVersion: 2 }, /malformed at schemaVersion/);
    const noRegex = small() as unknown as { providers: Record<string, unknown>[] };
    delete noRegex.providers[1]?.modelPrefixMatch;
    rejects(noRegex, /malformed at providers\.1\.modelPrefixMatch/);
    const badAuthEnv = small() as unknown as { providers: Record<string, unknown>[] };
    (badAuthEnv.providers[0] as Record<string, unknown>).authEnv = "HOUSE_TOKEN";
    rejects(badAuthEnv, /malformed at providers\.0\.authEnv/);
    const badModels = small() as unknown as { runtimes: { providers: Record<string, unknown>[] }[] };
    (badModels.runtimes[0]?.providers[0] as Record<string, unknown>).models = [7];
    rejects(badModels, /malformed at runtimes\.0\.providers\.0\.models\.0/);
  });

  it("an arm naming an unknown provider", () => {
    const f = small();
    f.runtimes[0]!.providers.push({ provider: "nobody", models: ["m"] });
    rejects(f, /runtime rt names unknown provider nobody/);
  });

  it("an arm repeated within a runtime", () => {
    const f = small();
    f.runtimes[0]!.providers.push({ provider: "alpha", models: ["x-again"] });
    rejects(f, /runtime rt repeats the arm alpha/);
  });

  it("the same arm on two runtimes is fine", () => {
    const f = small();
    f.runtimes.push({ name: "other", providers: [{ provider: "alpha", models: ["x-1"] }] });
    expect(
      parseRegistry(f)
        .runtimes.get("other")
        ?.arms.map((a) => a.provider.name),
    ).toEqual(["alpha"]);
  });

  it("more than one platform provider", () => {
    const f = small();
    f.providers[3]!.platform = true;
    rejects(f, /more than one provider is marked platform \(house, gamma\)/);
  });

  it("an invalid regex, including an inline flag JavaScript cannot take", () => {
    const f = small();
    f.providers[1]!.modelPrefixMatch = "^(x-";
    rejects(f, /provider alpha has an invalid modelPrefixMatch/);
    const g = small();
    g.providers[2]!.modelPrefixMatch = "^x(?i)-";
    rejects(g, /provider beta has an invalid modelPrefixMatch/);
  });

  it("a defaultRuntime that is not declared", () => {
    rejects({ ...small(), defaultRuntime: "ghost" }, /defaultRuntime ghost is not a declared runtime/);
  });

  it("a provider or a runtime declared twice", () => {
    const f = small();
    f.providers.push(provider("alpha", "^y-", []));
    rejects(f, /provider alpha is declared twice/);
    const g = small();
    g.runtimes.push({ name: "rt", providers: [] });
    rejects(g, /runtime rt is declared twice/);
  });
});

describe("loadRegistry", () => {
  it("loads the bundled registry when no file is given", async () => {
    const r = await loadRegistry(undefined);
    expect(r.defaultRuntime).toBe("claude-code");
    expect([...r.runtimes.keys()]).toEqual(["claude-code", "hermes", "codex", "openclaw", "google-adk"]);
    expect(r.providers.size).toBe(32);
    expect(r.platformProvider?.name).toBe("platform");
  });

  it("reads REGISTRY_FILE, and names the file when it is missing or not JSON", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "registry-test-"));
    const good = path.join(dir, "good.json");
    await writeFile(good, JSON.stringify(small()));
    expect([...(await loadRegistry(good)).runtimes.keys()]).toEqual(["rt"]);

    const missing = path.join(dir, "missing.json");
    await expect(loadRegistry(missing)).rejects.toThrow(RegistryError);
    await expect(loadRegistry(missing)).rejects.toThrow(`REGISTRY_FILE ${missing} cannot be read: ENOENT`);

    const broken = path.join(dir, "broken.json");
    await writeFile(broken, '{ "schemaVersion": 1, ');
    await expect(loadRegistry(broken)).rejects.toThrow(`REGISTRY_FILE ${broken} is not valid JSON`);

    const twoPlatforms = small();
    twoPlatforms.providers[1]!.platform = true;
    const bad = path.join(dir, "bad.json");
    await writeFile(bad, JSON.stringify(twoPlatforms));
    await expect(loadRegistry(bad)).rejects.toThrow(`REGISTRY_FILE ${bad}: more than one provider is marked platform`);
  });
});

describe("listed models", () => {
  it("are de-duplicated and sorted by code point, astral characters included", async () => {
    const bundled = JSON.parse(await readFile(BUNDLED, "utf8")) as File;
    const r = parseRegistry(bundled);
    const codex = bundled.runtimes.find((rt) => rt.name === "codex");
    const raw = codex?.providers.flatMap((a) => a.models) ?? [];
    expect(raw.length).toBeGreaterThan(new Set(raw).size); // gpt-* is listed on two arms
    expect(r.runtimes.get("codex")?.listedModels).toEqual([
      "gpt-5.2",
      "gpt-5.3-codex",
      "gpt-5.3-codex-spark",
      "gpt-5.4",
      "gpt-5.4-mini",
      "gpt-5.5",
      "openai/gpt-5.4",
      "openai/gpt-5.4-mini",
    ]);

    // U+FF5E sorts before U+1F600 by code point, though its UTF-16 code unit is larger.
    const f = small();
    f.runtimes[0]!.providers[1]!.models = ["x-\u{1F600}", "x-\uFF5E", "x-B", "x-a"];
    f.runtimes[0]!.providers[2]!.models = ["x-a"];
    expect(parseRegistry(f).runtimes.get("rt")?.listedModels).toEqual([
      "house/one",
      "x-B",
      "x-a",
      "x-\uFF5E",
      "x-\u{1F600}",
    ]);
  });
});

const expectProvider = (d: DeriveResult, name: string, platformBilled: boolean) => {
  expect(d.ok, JSON.stringify(d)).toBe(true);
  if (!d.ok) return;
  expect(d.value.provider.name).toBe(name);
  expect(d.value.platformBilled).toBe(platformBilled);
};
const expectFailure = (d: DeriveResult, reason: string) => {
  expect(d.ok, JSON.stringify(d)).toBe(false);
  if (d.ok) return;
  expect(d.error.reason).toBe(reason);
  return d;
};

describe("deriveProvider on the bundled registry", () => {
  let r: Registry;
  const derive = (runtime: string, model: string, keys: string[] = []) => deriveProvider(r, runtime, model, keys);

  beforeAll(async () => {
    r = await loadRegistry(undefined);
  });

  it("a model listed on two arms: first declared without a deciding key, the keyed arm with one", () => {
    for (const model of ["gpt-5.5", "gpt-5.4-mini", "gpt-5.2"]) {
      expectProvider(derive("codex", model), "openai-subscription", false);
      expectProvider(derive("codex", model, ["OPENAI_API_KEY"]), "openai-api", false);
      expectProvider(derive("codex", model, ["CODEX_AUTH_JSON"]), "openai-subscription", false);
      expectProvider(derive("codex", model, ["CODEX_CHATGPT_AUTH_JSON"]), "openai-subscription", false);
      expectProvider(derive("codex", model, ["OPENAI_API_KEY", "CODEX_AUTH_JSON"]), "openai-subscription", false);
      expectProvider(derive("codex", model, ["UNRELATED_KEY"]), "openai-subscription", false);
    }
  });

  it("a listed model wins over the regex of another arm", () => {
    // openai/gpt-5.4 is listed on codex's platform arm; no codex arm's regex matches it anyway.
    expectProvider(derive("codex", "openai/gpt-5.4", ["OPENAI_API_KEY"]), "platform", true);
    // anthropic:claude-opus-4-8 is listed on anthropic-api although its regex is ^claude.
    expectProvider(derive("claude-code", "anthropic:claude-opus-4-8"), "anthropic-api", false);
    // sonnet is listed on anthropic-oauth only; ANTHROPIC_API_KEY does not move it.
    expectProvider(derive("claude-code", "sonnet", ["ANTHROPIC_API_KEY"]), "anthropic-oauth", false);
  });

  it("(?i) makes a provider's regex case-insensitive", () => {
    expectProvider(derive("claude-code", "MiniMax-M2"), "minimax", false); // listed
    expectProvider(derive("claude-code", "minimax-m2"), "minimax", false); // regex only
    expectProvider(derive("claude-code", "MINIMAX-M9-preview"), "minimax", false);
    expectProvider(derive("claude-code", "GLM-4.6"), "zai", false);
    // Without (?i) the case matters: anthropic-api's ^claude does not take CLAUDE-...
    expectFailure(derive("claude-code", "CLAUDE-sonnet-4-5"), "unregistered");
    expectFailure(derive("google-adk", "Gemini-2.5-pro"), "unregistered");
  });

  it("a vendor/model id is platform-billed only where the platform arm lists it", () => {
    expectProvider(derive("claude-code", "anthropic/claude-opus-4-8"), "platform", true);
    expectProvider(derive("hermes", "anthropic/claude-opus-4-8"), "byok-anthropic", false);
    expectProvider(derive("hermes", "anthropic/claude-opus-4-8", ["ANTHROPIC_API_KEY"]), "byok-anthropic", false);
    expectProvider(derive("codex", "openai/gpt-5.4"), "platform", true);
    expectProvider(derive("openclaw", "openai/gpt-5.4"), "byok-openai", false);
    expectProvider(derive("claude-code", "minimax/MiniMax-M3"), "platform", true);
    expectProvider(derive("hermes", "minimax/MiniMax-M3"), "byok-minimax", false);
    // Not listed on claude-code's platform arm, and no claude-code regex owns anthropic/...
    expectFailure(derive("claude-code", "anthropic/claude-haiku-4-5"), "unregistered");
    // The platform provider's own regex makes a platform/ id platform-billed where the arm exists.
    expectProvider(derive("hermes", "platform/anything"), "platform", true);
  });

  it("arms with no listed models own models through their regex", () => {
    expectProvider(derive("claude-code", "deepseek-chat"), "deepseek", false);
    expectProvider(derive("claude-code", "mimo-v2"), "xiaomi-mimo", false);
    expectProvider(derive("hermes", "openrouter/meta/llama-4"), "openrouter", false);
    expectProvider(derive("hermes", "qwen3-coder"), "alibaba", false);
    expectProvider(derive("openclaw", "groq:llama-3.3-70b"), "groq", false);
    expectProvider(derive("codex", "codex-minimax-m2"), "byok-minimax", false);
    // groq is not an arm of hermes, so its regex does not count there.
    expectFailure(derive("hermes", "groq:llama-3.3-70b"), "unregistered");
  });

  it("fails on an unknown runtime, an empty model, an unregistered model", () => {
    expectFailure(derive("no-such-runtime", "gpt-5.5"), "unknown-runtime");
    expectFailure(derive("codex", ""), "empty-model");
    expectFailure(derive("no-such-runtime", ""), "unknown-runtime");
    expectFailure(derive("codex", "claude-sonnet-4-5", ["ANTHROPIC_API_KEY"]), "unregistered");
  });

  it("every listed model of every runtime derives without keys", () => {
    for (const [name, rt] of r.runtimes) {
      for (const model of rt.listedModels) expect(derive(name, model).ok, `${name} ${model}`).toBe(true);
    }
  });
});

describe("deriveProvider when regexes overlap (built registry; the bundled one has no such case)", () => {
  const r = parseRegistry(small());

  it("several regex matches: the one arm a key name meets decides", () => {
    expectProvider(deriveProvider(r, "rt", "x-1", ["ALPHA_KEY"]), "alpha", false);
    expectProvider(deriveProvider(r, "rt", "x-1", ["BETA_KEY", "UNRELATED"]), "beta", false);
    expectProvider(deriveProvider(r, "rt", "x-1", new Set(["BETA_KEY"])), "beta", false);
  });

  it("several regex matches and no deciding key: ambiguous, an error, never the first declared", () => {
    const none = expectFailure(deriveProvider(r, "rt", "x-1", []), "ambiguous");
    expect(none).toMatchObject({ ok: false, error: { candidates: ["alpha", "beta"] } });
    // A key both accept decides nothing; neither do keys of both.
    expectFailure(deriveProvider(r, "rt", "x-1", ["SHARED_KEY"]), "ambiguous");
    expectFailure(deriveProvider(r, "rt", "x-1", ["ALPHA_KEY", "BETA_KEY"]), "ambiguous");
  });

  it("a verbatim listing is not ambiguous even when the regexes overlap", () => {
    const f = small();
    f.runtimes[0]!.providers[2]!.models = ["x-listed"];
    const listed = parseRegistry(f);
    expectProvider(deriveProvider(listed, "rt", "x-listed", []), "beta", false);
    expectProvider(deriveProvider(listed, "rt", "x-listed", ["ALPHA_KEY"]), "beta", false);
  });

  it("platform-billed follows the provider's flag, never its name", () => {
    const f = small();
    f.providers.push(provider("platform", "^platform/", ["P_KEY"], false));
    f.runtimes[0]!.providers.push({ provider: "platform", models: ["platform/pro"] });
    f.runtimes[0]!.providers[0]!.models.push("openai/gpt-5");
    const reg = parseRegistry(f);
    expectProvider(deriveProvider(reg, "rt", "platform/pro", []), "platform", false);
    expectProvider(deriveProvider(reg, "rt", "platform/other", []), "platform", false);
    expectProvider(deriveProvider(reg, "rt", "openai/gpt-5", []), "house", true);
    expectProvider(deriveProvider(reg, "rt", "house/anything", []), "house", true);
    expect(reg.platformProvider?.name).toBe("house");
  });

  it("a registry with no platform provider bills nothing to the platform", () => {
    const f = small();
    f.providers[0]!.platform = false;
    const reg = parseRegistry(f);
    expect(reg.platformProvider).toBeNull();
    expectProvider(deriveProvider(reg, "rt", "house/one", []), "house", false);
  });
});
