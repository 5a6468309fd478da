import { execFile } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { buildApp } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";
import type { Database, SqlDriver } from "../../src/db/database.js";
import { KeyRing } from "../../src/secrets/keyring.js";
import { rekeySecrets } from "../../src/secrets/rekey.js";
import { expectSuccess, gql, ok } from "../support/gql.js";
import { backend, captureLog, openTestDatabase, randomKey, startTestApp, type TestApp } from "../support/harness.js";
import {
  CreateWorkspace,
  RegisterWorkspace,
  RestartWorkspace,
  SetOrgSecret,
  SetWorkspaceSecret,
} from "../support/operations.js";

// SPEC 6 and issue 15: re-encrypt every stored value with the current key, so
// an old key can be dropped from SECRETS_ENCRYPTION_KEYS_OLD.

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** Seeds every kind of sealed value under key A: workspace secrets, an org secret, an inbound secret. */
async function seed(t: TestApp) {
  const created = ok(await gql(t, CreateWorkspace, { input: { name: "concierge", kind: "PLATFORM" } }));
  const platform = expectSuccess(created.createWorkspace, "CreateWorkspaceSuccess").workspace.id;
  const registered = ok(await gql(t, RegisterWorkspace, { input: { workspaceId: platform } }, { token: null }));
  const inbound = expectSuccess(registered.registerWorkspace, "RegisterWorkspaceSuccess").platformInboundSecret;
  ok(await gql(t, SetWorkspaceSecret, { input: { workspaceId: platform, key: "EXTRA_KEY", value: "extra-value" } }));
  ok(await gql(t, SetOrgSecret, { input: { key: "OPENAI_API_KEY", value: "sk-org-value" } }));
  return { platform, inbound };
}

const sealedValues = async (sql: SqlDriver) => [
  ...(await sql.query<{ v: string }>(`SELECT "value" AS v FROM "WorkspaceSecret"`)),
  ...(await sql.query<{ v: string }>(`SELECT "value" AS v FROM "OrgSecret"`)),
  ...(await sql.query<{ v: string }>(`SELECT "inboundSecret" AS v FROM "Workspace" WHERE "inboundSecret" IS NOT NULL`)),
];

/** A database the apps of one test share (`shared`: stopping one of them leaves it open); it closes after the file. */
async function sharedDatabase(): Promise<{ database: Database; shared: Database }> {
  const { database } = await openTestDatabase();
  cleanups.push(() => database.close());
  return { database, shared: { ...database, close: async () => {} } };
}

describe("secrets:rekey", () => {
  it("interrupted, resumed, run again: every value ends under the new key and the old key can go", async () => {
    const keyA = randomKey();
    const keyB = randomKey();
    const { database, shared } = await sharedDatabase();

    const a = await startTestApp({ SECRETS_ENCRYPTION_KEY: keyA }, shared);
    const { platform, inbound } = await seed(a);
    await a.stop();

    const ring = new KeyRing(keyB, [keyA]);
    const before = await sealedValues(database.sql);
    expect(before.length).toBe(5); // MODEL, LLM_PROVIDER, EXTRA_KEY, the org secret, the inbound secret
    expect(before.some((r) => ring.sealedWithCurrent(r.v))).toBe(false);

    // Interrupted: two batches of one value each.
    const first = await rekeySecrets(database.sql, ring, { batchSize: 1, maxBatches: 2 });
    expect(first).toMatchObject({ reencrypted: 2, skipped: 0, unreadable: [], remaining: 3 });
    const dry = await rekeySecrets(database.sql, ring, { dryRun: true });
    expect(dry).toMatchObject({ reencrypted: 0, remaining: 3 });

    const resumed = await rekeySecrets(database.sql, ring, { batchSize: 2 });
    expect(resumed).toEqual({ reencrypted: 3, skipped: 0, unreadable: [], remaining: 0 });
    const again = await rekeySecrets(database.sql, ring);
    expect(again).toEqual({ reencrypted: 0, skipped: 0, unreadable: [], remaining: 0 });
    expect((await sealedValues(database.sql)).every((r) => ring.sealedWithCurrent(r.v))).toBe(true);

    // Key B alone: every value opens; the provision checks read MODEL; the inbound secret is the same.
    const b = await startTestApp({ SECRETS_ENCRYPTION_KEY: keyB }, shared);
    cleanups.push(() => b.stop());
    expect(await b.app.domain.secrets.readWorkspaceSecret(platform, "EXTRA_KEY")).toEqual({
      state: "value",
      value: "extra-value",
    });
    const restarted = ok(await gql(b, RestartWorkspace, { id: platform })).restartWorkspace;
    expect(expectSuccess(restarted, "WorkspaceSuccess").workspace).toMatchObject({
      status: "PROVISIONING",
      failure: null,
    });
    const reg = ok(await gql(b, RegisterWorkspace, { input: { workspaceId: platform } }, { token: null }));
    expect(expectSuccess(reg.registerWorkspace, "RegisterWorkspaceSuccess").platformInboundSecret).toBe(inbound);
    const [org] = await database.sql.query<{ v: string }>(`SELECT "value" AS v FROM "OrgSecret"`);
    expect(new KeyRing(keyB).decrypt(org?.v as string, "org-secret:OPENAI_API_KEY")).toBe("sk-org-value");
  });

  it("never overwrites a value the service changed meanwhile, and keeps what no key opens", async () => {
    const keyA = randomKey();
    const keyB = randomKey();
    const { database, shared } = await sharedDatabase();
    const a = await startTestApp({ SECRETS_ENCRYPTION_KEY: keyA }, shared);
    const { platform } = await seed(a);
    await a.stop();

    // A value sealed with a key nobody lists: unreadable, reported by name, left in place.
    const lost = new KeyRing(randomKey()).encrypt("lost", `workspace-secret:${platform}:LOST_KEY`);
    await database.sql.query(
      `INSERT INTO "WorkspaceSecret" ("id","workspaceId","key","value","updatedAt") VALUES (gen_random_uuid(), $1, 'LOST_KEY', $2, now())`,
      [platform, lost],
    );

    // The service writes EXTRA_KEY (with key A, as an instance not yet restarted would) between the read and the write.
    const ring = new KeyRing(keyB, [keyA]);
    const written = new KeyRing(keyA).encrypt("changed-by-service", `workspace-secret:${platform}:EXTRA_KEY`);
    const racing: SqlDriver = {
      ...database.sql,
      transaction: (fn) =>
        database.sql.transaction(async (tx) => {
          await tx.query(`UPDATE "WorkspaceSecret" SET "value" = $1 WHERE "key" = 'EXTRA_KEY'`, [written]);
          return fn(tx);
        }),
    };
    const report = await rekeySecrets(racing, ring, { batchSize: 100 });
    expect(report.skipped).toBe(1);
    expect(report.unreadable).toEqual([`workspace ${platform} secret LOST_KEY`]);
    const [extra] = await database.sql.query<{ v: string }>(
      `SELECT "value" AS v FROM "WorkspaceSecret" WHERE "key" = 'EXTRA_KEY'`,
    );
    expect(extra?.v).toBe(written);
    const [kept] = await database.sql.query<{ v: string }>(
      `SELECT "value" AS v FROM "WorkspaceSecret" WHERE "key" = 'LOST_KEY'`,
    );
    expect(kept?.v).toBe(lost);
    // What was skipped is picked up by the next run.
    const next = await rekeySecrets(database.sql, ring);
    expect(next).toMatchObject({ reencrypted: 1, remaining: 1, unreadable: [`workspace ${platform} secret LOST_KEY`] });
  });
});

describe("the command", () => {
  it.skipIf(backend !== "pglite")(
    "runs on a stopped embedded DATA_DIR and exits 0 once nothing is left",
    async () => {
      const keyA = randomKey();
      const keyB = randomKey();
      const dataDir = await mkdtemp(path.join(os.tmpdir(), "cp-rekey-"));
      const config = loadConfig({
        DATA_DIR: dataDir,
        SECRETS_ENCRYPTION_KEY: keyA,
        ADMIN_TOKEN: "rekey-admin-token-0123456789",
        LOG_LEVEL: "silent",
      });
      const app = await buildApp(config, { log: captureLog().log });
      const t: TestApp = {
        app,
        adminToken: "rekey-admin-token-0123456789",
        logs: [],
        databaseUrl: null,
        url: null,
        listen: app.start,
        stop: app.stop,
      };
      const run = (args: string[], env: Record<string, string>) =>
        promisify(execFile)(process.execPath, ["--import", "tsx", "src/cli/rekey-secrets.ts", ...args], {
          env: { PATH: process.env.PATH ?? "", DATA_DIR: dataDir, ...env },
        }).then(
          (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
          (e: { code: number; stdout: string; stderr: string }) => ({
            code: e.code,
            stdout: e.stdout,
            stderr: e.stderr,
          }),
        );
      await seed(t);
      // While the service holds the embedded database, the command refuses before opening it.
      const refused = await run([], { SECRETS_ENCRYPTION_KEY: keyB, SECRETS_ENCRYPTION_KEYS_OLD: keyA });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain("is in use by process");
      await app.stop();

      const partial = await run(["--batch-size", "1", "--max-batches", "1"], {
        SECRETS_ENCRYPTION_KEY: keyB,
        SECRETS_ENCRYPTION_KEYS_OLD: keyA,
      });
      expect(partial.code).toBe(2);
      expect(JSON.parse(partial.stdout)).toMatchObject({ reencrypted: 1, remaining: 4 });
      const done = await run([], { SECRETS_ENCRYPTION_KEY: keyB, SECRETS_ENCRYPTION_KEYS_OLD: keyA });
      expect(done.code).toBe(0);
      expect(JSON.parse(done.stdout)).toEqual({ reencrypted: 4, skipped: 0, unreadable: [], remaining: 0 });
      // Under a key that sealed nothing, --check counts every value as left (exit 2) and changes nothing.
      const wrong = await run(["--check"], { SECRETS_ENCRYPTION_KEY: randomKey() });
      expect(wrong.code).toBe(2);
      expect(JSON.parse(wrong.stdout)).toMatchObject({ reencrypted: 0, remaining: 5 });
    },
    120_000,
  );
});
