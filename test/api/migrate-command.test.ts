import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, inject, it } from "vitest";
import { readMigrations } from "../../src/db/migrate.js";
import { backend, randomKey } from "../support/harness.js";
import { startServer } from "../support/process.js";

// `npm run migrate` (src/cli/migrate.ts, bundled as dist/migrate.js): the
// migrate-only step a deployment runs before the service (SPEC 11). Run here
// from source as the other commands' tests do; test/docker/image.test.ts runs
// the bundle inside the image.

type Run = { code: number; stdout: string; stderr: string };

/** The command in a process of its own, configured only by env (nothing of this process's). */
const runMigrate = (env: Record<string, string>) =>
  new Promise<Run>((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", "src/cli/migrate.ts"],
      { env: { PATH: process.env.PATH ?? "", ...env }, timeout: 90_000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === "number" ? err.code : -1) : 0, stdout, stderr }),
    );
  });

const allMigrations = async () => (await readMigrations()).map((m) => m.name);

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
});

describe.skipIf(backend !== "pglite")("npm run migrate on the embedded database", () => {
  it("migrates a new DATA_DIR, then finds nothing to do, and refuses while a server holds it", async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), "cp-migrate-"));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const names = await allMigrations();
    expect(names.length).toBeGreaterThan(0);

    const first = await runMigrate({ DATA_DIR: dataDir });
    expect(first, first.stderr).toMatchObject({ code: 0 });
    expect(JSON.parse(first.stdout)).toEqual({ applied: names, backend: "pglite" });
    // The lock is released: nothing of this command is left holding the directory.
    expect(existsSync(path.join(dataDir, "server.lock"))).toBe(false);

    const again = await runMigrate({ DATA_DIR: dataDir });
    expect(again, again.stderr).toMatchObject({ code: 0 });
    expect(JSON.parse(again.stdout)).toEqual({ applied: [], backend: "pglite" });

    // A running service holds DATA_DIR: the command refuses before opening anything, naming the holder.
    const server = await startServer({ DATA_DIR: dataDir, ADMIN_TOKEN: "migrate-admin-token-0123456789" });
    cleanups.push(() => server.stop());
    const lockBefore = await readFile(path.join(dataDir, "server.lock"), "utf8");
    const refused = await runMigrate({ DATA_DIR: dataDir });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe("");
    expect(refused.stderr).toContain(`is in use by process ${server.pid}`);
    // The server's lock is untouched and it still serves.
    expect(await readFile(path.join(dataDir, "server.lock"), "utf8")).toBe(lockBefore);
    expect((await fetch(`${server.baseUrl}/healthz`)).status).toBe(200);
    expect(await server.stop()).toMatchObject({ code: 0, killed: false });

    const after = await runMigrate({ DATA_DIR: dataDir });
    expect(after, after.stderr).toMatchObject({ code: 0 });
    expect(JSON.parse(after.stdout)).toEqual({ applied: [], backend: "pglite" });
  }, 180_000);

  it("a bad setting stops it with the setting's name, before DATA_DIR is touched", async () => {
    const dataDir = path.join(os.tmpdir(), `cp-migrate-unused-${randomBytes(4).toString("hex")}`);
    const bad = await runMigrate({ DATA_DIR: dataDir, SECRETS_ENCRYPTION_KEY: "not-a-key" });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("SECRETS_ENCRYPTION_KEY");
    expect(existsSync(dataDir)).toBe(false);
  });
});

describe.skipIf(backend !== "postgres")("npm run migrate on PostgreSQL", () => {
  it("migrates an empty database, then finds nothing to do", async () => {
    // An empty database of its own (not the run's migrated template), named
    // like the harness's so the run's teardown drops it too if this cannot.
    const base = process.env.TEST_DATABASE_URL as string;
    const name = `cp_t_${inject("runId")}_migrate_${randomBytes(3).toString("hex")}`;
    const admin = new pg.Client({ connectionString: base });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    cleanups.push(async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    });
    const url = new URL(base);
    url.pathname = `/${name}`;
    const env = { DATABASE_URL: url.toString(), SECRETS_ENCRYPTION_KEY: randomKey() };
    const names = await allMigrations();

    const first = await runMigrate(env);
    expect(first, first.stderr).toMatchObject({ code: 0 });
    expect(JSON.parse(first.stdout)).toEqual({ applied: names, backend: "postgres" });
    const db = new pg.Client({ connectionString: url.toString() });
    await db.connect();
    const { rows } = await db.query<{ migration_name: string }>(
      `SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL ORDER BY migration_name`,
    );
    await db.end();
    expect(rows.map((r) => r.migration_name)).toEqual(names);

    const again = await runMigrate(env);
    expect(again, again.stderr).toMatchObject({ code: 0 });
    expect(JSON.parse(again.stdout)).toEqual({ applied: [], backend: "postgres" });
  }, 120_000);

  it("an unreachable database is a failure with the reason, not a hang", async () => {
    const res = await runMigrate({
      DATABASE_URL: "postgres://postgres@127.0.0.1:1/unreachable_test",
      SECRETS_ENCRYPTION_KEY: randomKey(),
    });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^migrate failed: .*ECONNREFUSED/);
  });
});
