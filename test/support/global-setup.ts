import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { openDatabase } from "../../src/db/database.js";
import { migrate } from "../../src/db/migrate.js";

declare module "vitest" {
  export interface ProvidedContext {
    pgliteTemplate: string;
    postgresTemplate: string | null;
    runId: string;
  }
}

/** Refuses anything that does not look like a database meant for tests. */
export function assertTestDatabase(url: string) {
  const name = new URL(url).pathname.slice(1);
  if (!/test/i.test(name))
    throw new Error(`refusing to run tests against database "${name}": its name must contain "test"`);
}

/**
 * Once per run: a migrated PGlite data directory as a tarball (a new PGlite
 * directory costs ~3 s; loading this costs well under one), and on
 * PostgreSQL a migrated template database that each test file copies.
 */
export default async function setup(project: TestProject) {
  const runId = `${process.pid}_${randomBytes(3).toString("hex")}`;
  const pglite = await openDatabase({ kind: "pglite", dataDir: undefined });
  await migrate(pglite.sql);
  const tarball = path.join(os.tmpdir(), `cp-template-${runId}.tar.gz`);
  const dump = await pglite.dumpDataDir?.();
  if (!dump) throw new Error("PGlite cannot dump its data directory");
  await writeFile(tarball, Buffer.from(await dump.arrayBuffer()));
  await pglite.close();
  project.provide("pgliteTemplate", tarball);
  project.provide("runId", runId);

  const url = process.env.TEST_DATABASE_URL;
  let template: string | null = null;
  if (url && project.name.startsWith("postgres")) {
    assertTestDatabase(url);
    template = `cp_tpl_${runId}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${template}`);
    const u = new URL(url);
    u.pathname = `/${template}`;
    const db = await openDatabase({ kind: "postgres", url: u.toString(), maxConnections: 2 });
    await migrate(db.sql);
    await db.close();
    await admin.end();
  }
  project.provide("postgresTemplate", template);

  return async () => {
    if (!url || !template) return;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    const { rows } = await admin.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE $1", [
      `cp_%${runId}%`,
    ]);
    for (const { datname } of rows) {
      await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
    }
    await admin.end();
  };
}
