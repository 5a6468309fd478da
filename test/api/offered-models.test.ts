import { readFile } from "node:fs/promises";
import path from "node:path";
import fc from "fast-check";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { expectSuccess, gql, ok } from "../support/gql.js";
import { startTestApp, type TestApp } from "../support/harness.js";
import { DeleteOrgSecret, OfferedModels, PreflightWorkspace, SetOrgSecret } from "../support/operations.js";
import { openCountedDatabase, type Tracer } from "../support/query-counter.js";

type RegistryFile = {
  defaultRuntime: string;
  providers: { name: string; authEnv: string[]; platform: boolean }[];
  runtimes: { name: string; providers: { provider: string; models: string[] }[] }[];
};

/** Code-point order computed independently of the service's comparator. */
const codePoints = (s: string) => Array.from(s, (c) => c.codePointAt(0) as number);
function compareCodePoints(a: string, b: string) {
  const x = codePoints(a);
  const y = codePoints(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return (x[i] as number) - (y[i] as number);
  return x.length - y.length;
}

let t: TestApp;
let trace: Tracer;
let bundled: RegistryFile;
let platformName: string;
const orgKeys = new Set<string>();

beforeAll(async () => {
  const counted = await openCountedDatabase();
  trace = counted.trace;
  t = await startTestApp({}, counted.database);
  const file = path.join(import.meta.dirname, "../../src/registry/default-registry.json");
  bundled = JSON.parse(await readFile(file, "utf8"));
  platformName = bundled.providers.find((p) => p.platform)?.name as string;
});
afterAll(() => t?.stop());

async function setOrg(key: string) {
  const r = ok(await gql(t, SetOrgSecret, { input: { key, value: `value-of-${key}` } })).setOrgSecret;
  expectSuccess(r, "SecretSuccess");
  orgKeys.add(key);
}
async function deleteOrg(key: string) {
  const r = ok(await gql(t, DeleteOrgSecret, { key })).deleteOrgSecret;
  expect(expectSuccess(r, "DeleteSecretSuccess").deleted).toBe(true);
  orgKeys.delete(key);
}
afterEach(async () => {
  for (const key of [...orgKeys]) await deleteOrg(key);
});

const offered = async (runtime?: string) => ok(await gql(t, OfferedModels, { runtime })).offeredModels;

describe("offeredModels", () => {
  it("lists each bundled runtime's models, de-duplicated and sorted by code point, as create would derive them", async () => {
    for (const rt of bundled.runtimes) {
      const listed = rt.providers.flatMap((arm) => arm.models);
      const expected = [...new Set(listed)].sort(compareCodePoints);
      const models = await offered(rt.name);
      expect(
        models.map((m) => m.model),
        rt.name,
      ).toEqual(expected);
      for (const m of models) {
        // No keys anywhere: the first declared arm listing the model serves it.
        const arm = rt.providers.find((a) => a.models.includes(m.model));
        const provider = bundled.providers.find((p) => p.name === arm?.provider);
        const platformBilled = provider?.name === platformName;
        expect(m, `${rt.name} ${m.model}`).toEqual({
          model: m.model,
          provider: arm?.provider,
          platformBilled,
          authEnv: platformBilled ? [] : provider?.authEnv,
          credentialSatisfied: platformBilled,
        });
      }
    }
  });

  it("uses the default runtime when none is given", async () => {
    expect(await offered()).toEqual(await offered(bundled.defaultRuntime));
    expect(await offered(undefined)).toEqual(await offered("claude-code"));
  });

  it("refuses an unknown runtime with a top-level RUNTIME_UNSUPPORTED", async () => {
    for (const runtime of ["no-such-runtime", "", "Claude-Code"]) {
      const r = await gql(t, OfferedModels, { runtime });
      expect(r.errors?.[0]?.extensions?.code, r.raw).toBe("RUNTIME_UNSUPPORTED");
      expect(r.errors?.[0]?.message, r.raw).toContain("is not in the model registry");
      expect(r.data ?? null).toBeNull();
    }
  });

  it("flips credentialSatisfied on the next request after an org secret is set and deleted", async () => {
    const find = async (runtime: string, model: string) => (await offered(runtime)).find((m) => m.model === model);

    expect(await find("claude-code", "claude-sonnet-4-5")).toMatchObject({ credentialSatisfied: false });
    await setOrg("ANTHROPIC_AUTH_TOKEN");
    expect(await find("claude-code", "claude-sonnet-4-5")).toMatchObject({
      provider: "anthropic-api",
      credentialSatisfied: true,
    });
    // The same name serves other providers of the runtime too.
    expect(await find("claude-code", "MiniMax-M2")).toMatchObject({ provider: "minimax", credentialSatisfied: true });
    expect(await find("claude-code", "sonnet")).toMatchObject({
      provider: "anthropic-oauth",
      credentialSatisfied: false,
    });
    await deleteOrg("ANTHROPIC_AUTH_TOKEN");
    expect(await find("claude-code", "claude-sonnet-4-5")).toMatchObject({ credentialSatisfied: false });

    // A doubly listed model: the org key moves it to the arm that key serves, and back.
    expect(await find("codex", "gpt-5.5")).toEqual({
      model: "gpt-5.5",
      provider: "openai-subscription",
      platformBilled: false,
      authEnv: ["CODEX_AUTH_JSON", "CODEX_CHATGPT_AUTH_JSON"],
      credentialSatisfied: false,
    });
    await setOrg("OPENAI_API_KEY");
    expect(await find("codex", "gpt-5.5")).toEqual({
      model: "gpt-5.5",
      provider: "openai-api",
      platformBilled: false,
      authEnv: ["OPENAI_API_KEY"],
      credentialSatisfied: true,
    });
    await deleteOrg("OPENAI_API_KEY");
    expect(await find("codex", "gpt-5.5")).toMatchObject({
      provider: "openai-subscription",
      credentialSatisfied: false,
    });
  });

  it("reads the org secret names once after a change, then serves them from memory, whatever the number of models", async () => {
    await offered(); // the admin token's lookup is cached after the first request
    const runtimes = bundled.runtimes.map((r) => r.name);
    for (const runtime of runtimes) {
      const { result, ops } = await trace(() => gql(t, OfferedModels, { runtime }));
      expect(ok(result).offeredModels.length).toBeGreaterThan(1);
      expect(ops, runtime).toEqual([]);
    }
    await setOrg("ANTHROPIC_API_KEY");
    await setOrg("OPENAI_API_KEY");
    // The change is seen by the next request: one read of the names, for every model.
    const { result, ops } = await trace(() => gql(t, OfferedModels, { runtime: "claude-code" }));
    expect(ok(result).offeredModels.filter((m) => m.credentialSatisfied && !m.platformBilled).length).toBeGreaterThan(
      1,
    );
    expect(ops).toEqual(["OrgSecret.findMany"]);
    const again = await trace(() => gql(t, OfferedModels, { runtime: "claude-code" }));
    expect(again.ops).toEqual([]);
  });

  it("agrees with preflightWorkspace for every model, org secret set and payload secret set", async () => {
    const names = [...new Set(bundled.providers.flatMap((p) => p.authEnv)), "UNRELATED_KEY"].sort();
    const pairs = bundled.runtimes.flatMap((rt) =>
      [...new Set(rt.providers.flatMap((a) => a.models))].map((model) => ({ runtime: rt.name, model })),
    );
    const payload = fc.oneof(fc.constant([] as string[]), fc.subarray(names, { minLength: 1, maxLength: 3 }));

    await fc.assert(
      fc.asyncProperty(
        fc.subarray(names, { maxLength: 6 }),
        fc.array(payload, { minLength: pairs.length, maxLength: pairs.length }),
        async (org, payloads) => {
          for (const key of [...orgKeys]) if (!org.includes(key)) await deleteOrg(key);
          for (const key of org) if (!orgKeys.has(key)) await setOrg(key);

          const byRuntime = new Map<string, Awaited<ReturnType<typeof offered>>>();
          for (const rt of bundled.runtimes) byRuntime.set(rt.name, await offered(rt.name));

          const check = async ({ runtime, model }: (typeof pairs)[number], i: number) => {
            const keys = payloads[i] as string[];
            const secrets = keys.map((key) => ({ key, value: "v" }));
            const where = `${runtime} ${model} org=[${org}] payload=[${keys}]`;
            const o = byRuntime.get(runtime)?.find((m) => m.model === model);
            expect(o, where).toBeDefined();
            if (!o) return;
            const p = ok(
              await gql(t, PreflightWorkspace, { input: { name: "prop", runtime, model, secrets } }),
            ).preflightWorkspace;

            if (keys.length === 0) {
              expect(p.__typename === "PreflightWorkspaceSuccess", where).toBe(o.credentialSatisfied);
              if (p.__typename === "PreflightWorkspaceSuccess") {
                expect({ provider: p.provider, platformBilled: p.platformBilled }, where).toEqual({
                  provider: o.provider,
                  platformBilled: o.platformBilled,
                });
              } else {
                expect(p, where).toMatchObject({
                  __typename: "MissingByokCredentialError",
                  provider: o.provider,
                  acceptedEnv: o.authEnv,
                });
              }
            } else {
              // Giving a workspace key never takes away a credential the org already supplies,
              // and a key the offered provider accepts is enough on its own.
              const accepted = keys.some((k) => o.authEnv.includes(k));
              if (o.credentialSatisfied || accepted) expect(p.__typename, where).toBe("PreflightWorkspaceSuccess");
              if (o.platformBilled) expect(p, where).toMatchObject({ provider: platformName, platformBilled: true });
              if (p.__typename !== "PreflightWorkspaceSuccess") {
                expect(p.__typename, where).toBe("MissingByokCredentialError");
              }
            }
          };
          // One at a time: a failing check must not leave requests running into the next run.
          for (const [i, pair] of pairs.entries()) await check(pair, i);
        },
      ),
      { numRuns: 20 },
    );
  });
});
