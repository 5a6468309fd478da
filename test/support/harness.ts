import { randomBytes } from "node:crypto";
import { mkdtemp, readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, inject } from "vitest";
import { type App, buildApp } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";
import { type Database, type DatabaseOptions, openDatabase } from "../../src/db/database.js";
import { createLogger, type RootLogger } from "../../src/log.js";

export type Backend = "pglite" | "postgres";
export const backend = (process.env.TEST_BACKEND ?? "pglite") as Backend;

let copies = 0;

/** A fresh, migrated database of this run's backend, private to the caller. */
export async function openTestDatabase(
  hooks: Pick<DatabaseOptions, "wrapAdapter"> = {},
): Promise<{ database: Database; url: string | null }> {
  if (backend === "postgres") {
    const base = process.env.TEST_DATABASE_URL as string;
    const template = inject("postgresTemplate");
    if (!template) throw new Error("no PostgreSQL template: run through vitest with TEST_DATABASE_URL");
    const name = `cp_t_${inject("runId")}_${process.pid}_${copies++}`;
    const admin = new pg.Client({ connectionString: base });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
    await admin.end();
    const u = new URL(base);
    u.pathname = `/${name}`;
    return { database: await openDatabase({ kind: "postgres", url: u.toString(), ...hooks }), url: u.toString() };
  }
  const tarball = await readFile(inject("pgliteTemplate"));
  return {
    database: await openDatabase({ kind: "pglite", dataDir: undefined, loadDataDir: new Blob([tarball]), ...hooks }),
    url: null,
  };
}

let unmigrated = 0;

/**
 * A database of this run's backend that no migration has touched, private
 * to the file (for tests of a migration over rows already there), closed
 * after it. `database` is filled in by the time a test runs.
 */
export function useUnmigratedDatabase(): { database: Database } {
  const own = {} as { database: Database };
  let admin: pg.Client | undefined;
  beforeAll(async () => {
    if (backend === "pglite") {
      own.database = await openDatabase({ kind: "pglite", dataDir: undefined });
      return;
    }
    const base = process.env.TEST_DATABASE_URL as string;
    const name = `cp_t_${inject("runId")}_${process.pid}_empty_${unmigrated++}`;
    admin = new pg.Client({ connectionString: base });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    const u = new URL(base);
    u.pathname = `/${name}`;
    own.database = await openDatabase({ kind: "postgres", url: u.toString() });
  });
  afterAll(async () => {
    await own.database?.close();
    await admin?.end();
  });
  return own;
}

export type CapturedLog = { lines: string[]; log: RootLogger };
export const captureLog = (): CapturedLog => {
  const lines: string[] = [];
  return { lines, log: createLogger("debug", (line) => lines.push(line)) };
};

export type TestApp = {
  app: App;
  adminToken: string;
  logs: string[];
  databaseUrl: string | null;
  /** Base URL once listen() was called. */
  url: string | null;
  listen(): Promise<string>;
  stop(): Promise<void>;
};

export const randomKey = () => randomBytes(32).toString("base64");

/** The real app on a private database, reached through yoga.fetch (or a real port after listen()). */
export async function startTestApp(env: Record<string, string> = {}, database?: Database): Promise<TestApp> {
  const opened = database ? { database, url: null } : await openTestDatabase();
  // Instances sharing one database share ADMIN_TOKEN, as in production: a
  // start with another one revokes it (SPEC section 10).
  const adminToken = env.ADMIN_TOKEN ?? `test-admin-${randomBytes(12).toString("hex")}`;
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "cp-test-"));
  const config = loadConfig({
    ADMIN_TOKEN: adminToken,
    DATA_DIR: dataDir,
    SECRETS_ENCRYPTION_KEY: randomKey(),
    PORT: "0",
    LOG_LEVEL: "debug",
    ...env,
  });
  const captured = captureLog();
  const app = await buildApp(config, { database: opened.database, log: captured.log });
  const t: TestApp = {
    app,
    adminToken,
    logs: captured.lines,
    databaseUrl: opened.url,
    url: null,
    async listen() {
      t.url = await app.start();
      return t.url;
    },
    stop: () => app.stop(),
  };
  return t;
}

/**
 * The fixture most API files need: one app for the whole file, started
 * before its first test and stopped after its last. The returned object is
 * filled in by the time a test runs.
 */
export function useTestApp(env: Record<string, string> = {}): TestApp {
  const t = {} as TestApp;
  beforeAll(async () => {
    const started = await startTestApp(env);
    Object.assign(t, started, {
      async listen() {
        t.url = await started.app.start();
        return t.url;
      },
    });
  });
  afterAll(() => t.app?.stop());
  return t;
}
