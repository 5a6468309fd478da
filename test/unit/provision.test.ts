import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { systemActor } from "../../src/auth/actor.js";
import type { Domain } from "../../src/domain.js";
import type { OrgSecretNameSource } from "../../src/gate/credential-gate.js";
import type { Prisma, PrismaClient } from "../../src/generated/prisma/client.js";

type Db = Prisma.TransactionClient | PrismaClient;

import defaultRegistryJson from "../../src/registry/default-registry.json" with { type: "json" };
import { deriveProvider } from "../../src/registry/derive.js";
import { parseRegistry } from "../../src/registry/registry.js";
import { KeyRing } from "../../src/secrets/keyring.js";
import { type SecretRead, SecretStore, workspaceSecretAad } from "../../src/secrets/store.js";
import { createWorkspace } from "../../src/workspaces/create.js";
import { removeWorkspace } from "../../src/workspaces/lifecycle.js";
import { runProvisionChecks } from "../../src/workspaces/provision.js";
import type { CreateInput } from "../../src/workspaces/validate.js";
import { startTestApp, type TestApp } from "../support/harness.js";

const TEST_ACTOR = systemActor("test");

// The provision checks (SPEC section 6) with each failure injected where it
// happens: a secret row that does not decrypt, a read that errors, a query
// that throws, org secret names that cannot be read, a key that went away, a
// registry that dropped the model.

let t: TestApp;
let domain: Domain;
beforeAll(async () => {
  t = await startTestApp();
  domain = t.app.domain;
});
afterAll(() => t.stop());

/** One live platform agent at a time: each test starts with none. */
beforeEach(async () => {
  const live = await domain.prisma.workspace.findMany({ where: { kind: "PLATFORM", status: { not: "REMOVED" } } });
  for (const w of live) await removeWorkspace(domain, w.id);
});

const PLATFORM_MODEL = "moonshot/kimi-k2.6";

async function create(input: Partial<CreateInput> = {}, on: Domain = domain) {
  const ws = await createWorkspace(on, { name: "w", ...input });
  if (!ws.ok) throw new Error(`create failed: ${ws.error.code} ${ws.error.message}`);
  return ws.value;
}
const createPlatform = (input: Partial<CreateInput> = {}) => create({ kind: "PLATFORM", ...input });

const secretRow = (workspaceId: string, key: string) =>
  domain.prisma.workspaceSecret.findUnique({ where: { workspaceId_key: { workspaceId, key } } });
const read = (workspaceId: string, key: string) => domain.secrets.readWorkspaceSecret(workspaceId, key);
const workspace = (id: string) => domain.prisma.workspace.findUniqueOrThrow({ where: { id } });

/** FAILED with this code, recorded as exactly one WORKSPACE_PROVISION_FAILED event with the same code. */
async function expectFailedOnce(id: string, code: string) {
  const ws = await workspace(id);
  expect(ws.status).toBe("FAILED");
  expect(ws.failureCode).toBe(code);
  expect(ws.failureMessage).toBeTruthy();
  const events = await domain.prisma.workspaceEvent.findMany({
    where: { workspaceId: id, type: "WORKSPACE_PROVISION_FAILED" },
  });
  expect(events.map((e) => [e.status, e.code])).toEqual([["FAILED", code]]);
}

const withSecrets = (secrets: SecretStore): Domain => ({ ...domain, secrets });

/** A store whose reads of one key come back as errors (the row may or may not exist). */
class ReadErrorStore extends SecretStore {
  constructor(private readonly failing: string) {
    super(domain.prisma, domain.secrets.keyring);
  }
  override async readWorkspaceSecret(workspaceId: string, key: string, db?: Db): Promise<SecretRead> {
    if (key === this.failing) return { state: "error", error: new Error("injected read error") };
    return super.readWorkspaceSecret(workspaceId, key, db);
  }
}

/**
 * The real store over a client whose findUnique of one secret key throws,
 * whichever client it is handed (the root client, or the transaction's).
 */
function findUniqueThrowsOn(failing: string): SecretStore {
  const throwing = (db: Db): Db => {
    const secrets = db.workspaceSecret;
    const delegate = new Proxy(secrets, {
      get: (target, prop) =>
        prop === "findUnique"
          ? async (args: { where: { workspaceId_key?: { key: string } } }) => {
              if (args.where.workspaceId_key?.key === failing) throw new Error("injected: connection reset");
              return target.findUnique(args as never);
            }
          : Reflect.get(target, prop),
    });
    return new Proxy(db, {
      get: (target, prop) => (prop === "workspaceSecret" ? delegate : Reflect.get(target, prop)),
    });
  };
  return new (class extends SecretStore {
    override readWorkspaceSecret(workspaceId: string, key: string, db: Db = domain.prisma): Promise<SecretRead> {
      return super.readWorkspaceSecret(workspaceId, key, throwing(db));
    }
  })(domain.prisma, domain.secrets.keyring);
}

/** A store whose org secret names cannot be read. */
class OrgNamesStore extends SecretStore {
  constructor(private readonly source: OrgSecretNameSource) {
    super(domain.prisma, domain.secrets.keyring);
  }
  override orgSecretNames(): OrgSecretNameSource {
    return this.source;
  }
}
const orgNameFailures: [string, OrgSecretNameSource][] = [
  ["the query throws", async () => Promise.reject(new Error("injected: query failed"))],
  ["a row has no key", async () => [{ key: "OPENAI_API_KEY" }, {} as { key: string }]],
  [
    "the iteration throws",
    async () => ({
      *[Symbol.iterator]() {
        yield { key: "OPENAI_API_KEY" };
        throw new Error("injected: cursor failed");
      },
    }),
  ],
];

/** Ways a stored value fails to decrypt, each written into the row itself. */
const undecryptable: [string, (workspaceId: string, key: string, current: string) => string][] = [
  [
    "sealed with an unknown key",
    (id, key) => new KeyRing(randomBytes(32).toString("base64")).encrypt("x", workspaceSecretAad(id, key)),
  ],
  [
    "tampered",
    (_id, _key, current) => {
      const parts = current.split(".");
      const body = Buffer.from(parts[3] as string, "base64url");
      body[0] = (body[0] as number) ^ 1;
      parts[3] = body.toString("base64url");
      return parts.join(".");
    },
  ],
  ["malformed", () => "not-an-envelope"],
  ["copied from another row", (id) => domain.secrets.sealWorkspaceSecret(id, "ANOTHER_KEY", "x")],
];

type Case = { target: "MODEL" | "LLM_PROVIDER"; how: string; other: "unset" | "stored" };
const OTHER = { MODEL: "LLM_PROVIDER", LLM_PROVIDER: "MODEL" } as const;
const cases: Case[] = [];
for (const target of ["MODEL", "LLM_PROVIDER"] as const) {
  for (const how of [...undecryptable.map(([name]) => name), "read error", "findUnique throws"]) {
    for (const other of ["unset", "stored"] as const) cases.push({ target, how, other });
  }
}

describe("runProvisionChecks: platform identity secrets", () => {
  it.each(cases)(
    "$target $how, other $other: seeds nothing, overwrites nothing, FAILED SECRET_UNREADABLE",
    async ({ target, how, other }) => {
      const ws = await createPlatform();
      expect(ws.status).toBe("PROVISIONING");
      const otherKey = OTHER[target];
      if (other === "unset") await domain.secrets.deleteWorkspaceSecret(ws.id, otherKey);

      let on = domain;
      const corrupt = undecryptable.find(([name]) => name === how)?.[1];
      if (corrupt) {
        const row = await secretRow(ws.id, target);
        await domain.prisma.workspaceSecret.update({
          where: { id: row?.id },
          data: { value: corrupt(ws.id, target, row?.value ?? "") },
        });
        expect((await read(ws.id, target)).state).toBe("error");
      } else {
        // An injected error on a key with no row: an error must never read as unset.
        await domain.secrets.deleteWorkspaceSecret(ws.id, target);
        on = withSecrets(how === "read error" ? new ReadErrorStore(target) : findUniqueThrowsOn(target));
        expect((await on.secrets.readWorkspaceSecret(ws.id, target)).state).toBe("error");
      }
      const before = await domain.prisma.workspaceSecret.findMany({
        where: { workspaceId: ws.id },
        orderBy: { key: "asc" },
      });

      await runProvisionChecks(on, ws.id);

      await expectFailedOnce(ws.id, "SECRET_UNREADABLE");
      const after = await domain.prisma.workspaceSecret.findMany({
        where: { workspaceId: ws.id },
        orderBy: { key: "asc" },
      });
      expect(after).toEqual(before);
      expect(after.some((r) => r.key === otherKey)).toBe(other === "stored");
    },
  );

  it("seeds MODEL with the workspace's model and pins LLM_PROVIDER=platform when both are unset", async () => {
    const ws = await createPlatform();
    await domain.secrets.deleteWorkspaceSecret(ws.id, "MODEL");
    await domain.secrets.deleteWorkspaceSecret(ws.id, "LLM_PROVIDER");
    await runProvisionChecks(domain, ws.id);
    expect((await workspace(ws.id)).status).toBe("PROVISIONING");
    expect(await read(ws.id, "MODEL")).toEqual({ state: "value", value: PLATFORM_MODEL });
    expect(await read(ws.id, "LLM_PROVIDER")).toEqual({ state: "value", value: "platform" });
  });

  it("pins LLM_PROVIDER for a stored MODEL that is empty", async () => {
    const ws = await createPlatform();
    await domain.secrets.setWorkspaceSecret(ws.id, "MODEL", "", TEST_ACTOR);
    await domain.secrets.deleteWorkspaceSecret(ws.id, "LLM_PROVIDER");
    await runProvisionChecks(domain, ws.id);
    expect(await read(ws.id, "MODEL")).toEqual({ state: "value", value: "" });
    expect(await read(ws.id, "LLM_PROVIDER")).toEqual({ state: "value", value: "platform" });
  });

  it("derives LLM_PROVIDER from the stored MODEL, not the workspace's model", async () => {
    const ws = await createPlatform({ secrets: [{ key: "ANTHROPIC_API_KEY", value: "sk-ant" }] });
    await domain.secrets.setWorkspaceSecret(ws.id, "MODEL", "claude-sonnet-4-5", TEST_ACTOR);
    await domain.secrets.deleteWorkspaceSecret(ws.id, "LLM_PROVIDER");
    await runProvisionChecks(domain, ws.id);
    expect((await workspace(ws.id)).status).toBe("PROVISIONING");
    expect(await read(ws.id, "MODEL")).toEqual({ state: "value", value: "claude-sonnet-4-5" });
    expect(await read(ws.id, "LLM_PROVIDER")).toEqual({ state: "unset" });
  });

  it("seeds MODEL but pins nothing for a BYOK model", async () => {
    const ws = await createPlatform({
      runtime: "claude-code",
      model: "claude-sonnet-4-5",
      secrets: [{ key: "ANTHROPIC_API_KEY", value: "sk-ant" }],
    });
    await domain.secrets.deleteWorkspaceSecret(ws.id, "MODEL");
    await runProvisionChecks(domain, ws.id);
    expect(await read(ws.id, "MODEL")).toEqual({ state: "value", value: "claude-sonnet-4-5" });
    expect(await read(ws.id, "LLM_PROVIDER")).toEqual({ state: "unset" });
  });

  it("respects stored values, byte for byte", async () => {
    const ws = await createPlatform({
      secrets: [
        { key: "MODEL", value: "moonshot/kimi-k2.5" },
        { key: "LLM_PROVIDER", value: "custom" },
      ],
    });
    const before = await domain.prisma.workspaceSecret.findMany({
      where: { workspaceId: ws.id },
      orderBy: { key: "asc" },
    });
    await runProvisionChecks(domain, ws.id);
    expect(
      await domain.prisma.workspaceSecret.findMany({ where: { workspaceId: ws.id }, orderBy: { key: "asc" } }),
    ).toEqual(before);
    expect(await read(ws.id, "LLM_PROVIDER")).toEqual({ state: "value", value: "custom" });
  });

  it("seeds nothing on a WORKSPACE-kind workspace", async () => {
    const ws = await create();
    await runProvisionChecks(domain, ws.id);
    expect(await domain.secrets.workspaceSecretNames(ws.id)).toEqual([]);
  });
});

describe("runProvisionChecks: the credential gate, failing closed", () => {
  it.each(orgNameFailures)("org secret names unreadable (%s) → FAILED SECRET_UNREADABLE", async (_name, source) => {
    // A BYOK workspace that passes through an org key: the gate needs the names.
    await domain.secrets.setOrgSecret("ANTHROPIC_API_KEY", "sk-ant-org", TEST_ACTOR);
    try {
      const ws = await create({ runtime: "claude-code", model: "claude-sonnet-4-5" });
      expect(ws.status).toBe("PROVISIONING");
      await runProvisionChecks(withSecrets(new OrgNamesStore(source)), ws.id);
      await expectFailedOnce(ws.id, "SECRET_UNREADABLE");
    } finally {
      await domain.secrets.deleteOrgSecret("ANTHROPIC_API_KEY");
    }
  });

  it.each(orgNameFailures)(
    "a platform-billed agent with its identity stored never reads the org names (%s): it stays PROVISIONING",
    async (_name, source) => {
      // The gate passes a platform-billed model with no query at all (SPEC 4 step 6), here as at create.
      const ws = await createPlatform();
      await runProvisionChecks(withSecrets(new OrgNamesStore(source)), ws.id);
      expect((await workspace(ws.id)).status).toBe("PROVISIONING");
    },
  );

  it.each(orgNameFailures)("create fails open but its provision checks fail closed (%s)", async (_name, source) => {
    const broken = withSecrets(new OrgNamesStore(source));
    const ws = await create({ runtime: "claude-code", model: "claude-sonnet-4-5" }, broken);
    await expectFailedOnce(ws.id, "SECRET_UNREADABLE");
    // The answer is the row as the checks left it, not as create first wrote it.
    expect(ws).toMatchObject({ status: "FAILED", failureCode: "SECRET_UNREADABLE" });
  });

  it("create answers the row as the checks corrected it when the org names changed under it", async () => {
    // gpt-5.5 on codex goes through a Codex subscription or an OpenAI API key, whichever is present.
    await domain.secrets.setOrgSecret("CODEX_AUTH_JSON", "{}", TEST_ACTOR);
    try {
      // Create's gate sees only an API key; by the time the checks read, the org has a subscription.
      let reads = 0;
      const racing = withSecrets(
        new (class extends SecretStore {
          override orgSecretNames(db?: Db): OrgSecretNameSource {
            const real = super.orgSecretNames(db);
            return async () => (++reads === 1 ? [{ key: "OPENAI_API_KEY" }] : real());
          }
        })(domain.prisma, domain.secrets.keyring),
      );
      const ws = await create({ runtime: "codex", model: "gpt-5.5" }, racing);
      expect(reads).toBe(2);
      const stored = await workspace(ws.id);
      expect(stored).toMatchObject({ status: "PROVISIONING", provider: "openai-subscription" });
      expect(ws).toMatchObject({ provider: stored.provider, updatedAt: stored.updatedAt });
    } finally {
      await domain.secrets.deleteOrgSecret("CODEX_AUTH_JSON");
    }
  });

  it("a BYOK workspace whose workspace key was removed → FAILED MISSING_BYOK_CREDENTIAL", async () => {
    const ws = await create({
      runtime: "claude-code",
      model: "claude-sonnet-4-5",
      secrets: [{ key: "ANTHROPIC_API_KEY", value: "sk-ant" }],
    });
    await domain.secrets.deleteWorkspaceSecret(ws.id, "ANTHROPIC_API_KEY");
    await runProvisionChecks(domain, ws.id);
    await expectFailedOnce(ws.id, "MISSING_BYOK_CREDENTIAL");
    expect((await workspace(ws.id)).failureMessage).toContain("ANTHROPIC_API_KEY");
  });

  it("a BYOK workspace whose org key was removed → FAILED MISSING_BYOK_CREDENTIAL", async () => {
    await domain.secrets.setOrgSecret("GEMINI_API_KEY", "g", TEST_ACTOR);
    const ws = await create({ runtime: "google-adk", model: "gemini-2.5-flash" });
    expect(ws.status).toBe("PROVISIONING");
    await domain.secrets.deleteOrgSecret("GEMINI_API_KEY");
    await runProvisionChecks(domain, ws.id);
    await expectFailedOnce(ws.id, "MISSING_BYOK_CREDENTIAL");
  });

  it("a model the registry no longer offers → FAILED UNREGISTERED_MODEL_FOR_RUNTIME", async () => {
    const model = "anthropic/claude-opus-4-7";
    const ws = await create({ runtime: "claude-code", model });
    const json = structuredClone(defaultRegistryJson);
    for (const runtime of json.runtimes) {
      for (const arm of runtime.providers) arm.models = arm.models.filter((m) => m !== model);
    }
    const registry = parseRegistry(json, "test registry");
    expect(deriveProvider(registry, "claude-code", model, []).ok).toBe(false);
    await runProvisionChecks({ ...domain, registry }, ws.id);
    await expectFailedOnce(ws.id, "UNREGISTERED_MODEL_FOR_RUNTIME");
  });

  it("refreshes the stored provider and billing on success", async () => {
    const ws = await create({
      runtime: "claude-code",
      model: "claude-sonnet-4-5",
      secrets: [{ key: "ANTHROPIC_API_KEY", value: "sk-ant" }],
    });
    await domain.prisma.workspace.update({ where: { id: ws.id }, data: { provider: "stale", platformBilled: true } });
    await runProvisionChecks(domain, ws.id);
    expect(await workspace(ws.id)).toMatchObject({
      status: "PROVISIONING",
      provider: "anthropic-api",
      platformBilled: false,
    });

    const billed = await createPlatform();
    await domain.prisma.workspace.update({ where: { id: billed.id }, data: { provider: null, platformBilled: false } });
    await runProvisionChecks(domain, billed.id);
    expect(await workspace(billed.id)).toMatchObject({
      status: "PROVISIONING",
      provider: "platform",
      platformBilled: true,
    });
  });

  it("leaves a workspace that is no longer PROVISIONING alone", async () => {
    const ws = await create({
      runtime: "claude-code",
      model: "claude-sonnet-4-5",
      secrets: [{ key: "ANTHROPIC_API_KEY", value: "sk-ant" }],
    });
    await domain.secrets.deleteWorkspaceSecret(ws.id, "ANTHROPIC_API_KEY");
    await runProvisionChecks(domain, ws.id);
    await runProvisionChecks(domain, ws.id);
    await expectFailedOnce(ws.id, "MISSING_BYOK_CREDENTIAL");
  });
});
