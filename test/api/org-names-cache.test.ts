import { afterAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/db/database.js";
import { offeredModels } from "../../src/gate/offered-models.js";
import { loadRegistry } from "../../src/registry/registry.js";
import { OrgSecretNamesCache } from "../../src/secrets/org-names-cache.js";
import { orgSecretAad } from "../../src/secrets/store.js";
import { expectError, expectSuccess, gql, ok } from "../support/gql.js";
import { backend, openTestDatabase, startTestApp, type TestApp } from "../support/harness.js";
import {
  CreateWorkspace,
  DeleteOrgSecret,
  OfferedModels,
  PreflightWorkspace,
  SetOrgSecret,
} from "../support/operations.js";
import { eventually } from "../support/ws.js";

// offeredModels and create's gate read the org secret names from memory
// between changes (SPEC 3: "a change of org secrets is seen by the next
// request"). These tests are the cache's failure modes.

describe("OrgSecretNamesCache", () => {
  const rows = (...keys: string[]) => keys.map((key) => ({ key }));
  const names = async (it: Iterable<{ key: string }>) => [...it].map((r) => r.key);

  it("serves from memory until invalidated, then reads again", async () => {
    const cache = new OrgSecretNamesCache();
    let loads = 0;
    const load = async () => {
      loads++;
      return rows("A");
    };
    expect(await names(await cache.read(load))).toEqual(["A"]);
    expect(await names(await cache.read(load))).toEqual(["A"]);
    expect(loads).toBe(1);
    cache.invalidate();
    await cache.read(load);
    expect(loads).toBe(2);
  });

  it("keeps nothing from a read that an invalidation overtook", async () => {
    const cache = new OrgSecretNamesCache();
    let release!: () => void;
    const slow = cache.read(
      () =>
        new Promise((resolve) => {
          release = () => resolve(rows("OLD"));
        }),
    );
    cache.invalidate(); // a change committed while the old names were on their way
    release();
    expect(await names(await slow)).toEqual(["OLD"]);
    expect(await names(await cache.read(async () => rows("NEW")))).toEqual(["NEW"]);
  });

  it("serves nothing from memory while it is not trusted (the change feed is down)", async () => {
    let trusted = true;
    const cache = new OrgSecretNamesCache(() => trusted);
    let loads = 0;
    const load = async () => {
      loads++;
      return rows("A");
    };
    await cache.read(load);
    trusted = false;
    await cache.read(load);
    await cache.read(load);
    expect(loads).toBe(3);
  });

  it("a NOTIFY from another instance invalidates; this instance's own echo does not", async () => {
    const cache = new OrgSecretNamesCache();
    let loads = 0;
    const load = async () => {
      loads++;
      return rows("A");
    };
    await cache.read(load);
    cache.heard(cache.origin); // the echo of a write that invalidated at commit already
    await cache.read(load);
    expect(loads).toBe(1);
    cache.heard("another-instance");
    await cache.read(load);
    cache.heard(undefined); // the listening connection came back: anything may have changed
    await cache.read(load);
    expect(loads).toBe(3);
  });

  it("never caches a bad row: the gate's reader refuses it on every read", async () => {
    const cache = new OrgSecretNamesCache();
    let loads = 0;
    const load = async () => {
      loads++;
      return [{ key: "A" }, {} as { key: string }];
    };
    await cache.read(load);
    await cache.read(load);
    expect(loads).toBe(2);
  });
});

describe("offered lists judged against the cached names", () => {
  it("are reused while the names are current and judged again after a change", async () => {
    const registry = await loadRegistry(undefined);
    const cache = new OrgSecretNamesCache();
    let orgKeys: string[] = [];
    const source = () => cache.read(async () => orgKeys.map((key) => ({ key })));
    const sonnet = (list: Awaited<ReturnType<typeof offeredModels>>) =>
      list?.find((m) => m.model === "claude-sonnet-4-5")?.credentialSatisfied;

    const first = await offeredModels(registry, "claude-code", source);
    expect(sonnet(first)).toBe(false);
    expect(await offeredModels(registry, "claude-code", source)).toBe(first);

    orgKeys = ["ANTHROPIC_API_KEY"];
    expect(await offeredModels(registry, "claude-code", source)).toBe(first); // nothing said it changed
    cache.invalidate();
    const second = await offeredModels(registry, "claude-code", source);
    expect(second).not.toBe(first);
    expect(sonnet(second)).toBe(true);
  });

  it("are not kept from names read past the cache, nor when the names cannot be read", async () => {
    const registry = await loadRegistry(undefined);
    const uncached = async () => [{ key: "ANTHROPIC_API_KEY" }];
    const a = await offeredModels(registry, "claude-code", uncached);
    expect(await offeredModels(registry, "claude-code", uncached)).not.toBe(a);
    let reads = 0;
    const failing = async () => {
      reads++;
      throw new Error("connection reset");
    };
    const open = await offeredModels(registry, "claude-code", failing);
    expect(await offeredModels(registry, "claude-code", failing)).not.toBe(open);
    expect(reads).toBe(2); // once per list: the gate shares the one read
  });
});

describe.runIf(backend === "postgres")("two instances on one PostgreSQL database", () => {
  const apps: TestApp[] = [];
  afterAll(async () => {
    for (const a of apps) await a.stop();
  });

  it("an org secret set through one instance is seen by the other's cached discovery (NOTIFY)", async () => {
    const first = await openTestDatabase();
    const a = await startTestApp({}, first.database);
    apps.push(a);
    const b = await startTestApp(
      { ADMIN_TOKEN: a.adminToken },
      await openDatabase({ kind: "postgres", url: first.url as string }),
    );
    apps.push(b);
    const satisfied = async (t: TestApp) =>
      ok(await gql(t, OfferedModels, { runtime: "claude-code" }, { token: a.adminToken })).offeredModels.find(
        (m) => m.model === "claude-sonnet-4-5",
      )?.credentialSatisfied;
    // Both apps share one admin token table: a's token works on b.
    expect(await satisfied(b)).toBe(false); // b's cache now holds the names
    ok(await gql(a, SetOrgSecret, { input: { key: "ANTHROPIC_API_KEY", value: "sk-ant-org" } }));
    await eventually(async () => (await satisfied(b)) === true, "b sees the new org secret", 5_000);
    ok(await gql(a, DeleteOrgSecret, { key: "ANTHROPIC_API_KEY" }));
    await eventually(async () => (await satisfied(b)) === false, "b sees it deleted", 5_000);
  });
});

describe("an org secret written where this instance has not heard of it yet", () => {
  let t: TestApp;
  afterAll(async () => {
    await t?.stop();
  });

  it("create and preflight read the names from the database before refusing MISSING_BYOK_CREDENTIAL", async () => {
    t = await startTestApp();
    const input = { name: "byok", runtime: "claude-code", model: "claude-sonnet-4-5" };
    // The cache now holds names without any Anthropic key.
    expectError(
      ok(await gql(t, CreateWorkspace, { input })).createWorkspace,
      "MissingByokCredentialError",
      "MISSING_BYOK_CREDENTIAL",
    );
    // Committed the way another instance commits it, whose NOTIFY has not arrived:
    // nothing tells this instance's cache.
    const sealed = t.app.domain.secrets.keyring.encrypt("sk-ant-org", orgSecretAad("ANTHROPIC_API_KEY"));
    await t.app.db.sql.query(`INSERT INTO "OrgSecret" (key, value, "updatedAt") VALUES ($1, $2, now())`, [
      "ANTHROPIC_API_KEY",
      sealed,
    ]);
    try {
      const preflight = ok(await gql(t, PreflightWorkspace, { input })).preflightWorkspace;
      expect(expectSuccess(preflight, "PreflightWorkspaceSuccess")).toMatchObject({ provider: "anthropic-api" });
      const created = ok(await gql(t, CreateWorkspace, { input })).createWorkspace;
      expect(expectSuccess(created, "CreateWorkspaceSuccess").workspace).toMatchObject({
        status: "PROVISIONING",
        provider: "anthropic-api",
      });
    } finally {
      ok(await gql(t, DeleteOrgSecret, { key: "ANTHROPIC_API_KEY" }));
    }
  });
});
