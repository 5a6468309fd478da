import { spawn } from "node:child_process";
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  closeShadowDatabase,
  createMigration,
  diffMigrationsToSchema,
  MIGRATIONS_DIR,
  migrationFolderName,
  run,
  SCHEMA_FILE,
} from "../../scripts/db-migration.js";

// A process's first diff creates an in-memory PGlite (about 2 s, far more on a
// loaded machine); later diffs reuse it.
const SLOW = 120_000;

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "cp-migration-"));
});
afterAll(async () => {
  await closeShadowDatabase();
  await rm(tmp, { recursive: true, force: true });
});

/** A copy of the migrations folder and of the schema, edited by the caller. */
async function copyProject(name: string, editSchema: (s: string) => string = (s) => s) {
  const dir = path.join(tmp, name);
  const migrationsDir = path.join(dir, "migrations");
  await cp(MIGRATIONS_DIR, migrationsDir, { recursive: true });
  const schemaFile = path.join(dir, "schema.prisma");
  await writeFile(schemaFile, editSchema(await readFile(SCHEMA_FILE, "utf8")));
  return { migrationsDir, schemaFile };
}

const addNoteField = (schema: string) => {
  const edited = schema.replace(/(model AdminToken \{\n)/, "$1  note String?\n");
  expect(edited).not.toBe(schema);
  return edited;
};

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "scripts/db-migration.ts", ...args], {
      cwd: path.dirname(path.dirname(SCHEMA_FILE)),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("db:check", () => {
  test(
    "passes on the repository (the command CI runs)",
    async () => {
      const clean = await runCli(["--check"]);
      expect(clean.stderr).toBe("");
      expect(clean.stdout).toContain("agree");
      expect(clean.code).toBe(0);
    },
    SLOW,
  );

  test(
    "fails on a schema with a field no migration adds, showing the missing SQL",
    async () => {
      const drifted = await copyProject("drift", addNoteField);
      let out = "";
      let err = "";
      const code = await run(
        ["--check", "--schema", drifted.schemaFile, "--migrations", drifted.migrationsDir],
        { write: (t: string) => (out += t) },
        { write: (t: string) => (err += t) },
      );
      expect(out).toBe("");
      expect(err).toContain('ALTER TABLE "AdminToken" ADD COLUMN');
      expect(err).toContain('"note" TEXT');
      expect(code).toBe(1);
    },
    SLOW,
  );
});

describe("diffMigrationsToSchema", () => {
  test(
    "a partial unique index missing from the migrations is drift",
    async () => {
      const project = await copyProject("partial");
      const init = path.join(project.migrationsDir, "20261123150000_init", "migration.sql");
      const sql = await readFile(init, "utf8");
      const withoutIndex = sql.replace(/CREATE UNIQUE INDEX "Workspace_one_live_platform"[^;]*;/, "");
      expect(withoutIndex).not.toBe(sql);
      await writeFile(init, withoutIndex);

      const diff = await diffMigrationsToSchema(project);
      expect(diff.changed).toBe(true);
      expect(diff.sql).toContain('CREATE UNIQUE INDEX "Workspace_one_live_platform"');
      expect(diff.sql).toContain(`WHERE ("kind" = 'PLATFORM' AND "status" <> 'REMOVED')`);
      expect(diff.sql).not.toContain("InstanceToken_one_live_per_workspace");
    },
    SLOW,
  );
});

describe("db:migration", () => {
  test(
    "writes the difference as a new migration, after which there is none, and refuses an empty one",
    async () => {
      const project = await copyProject("create", addNoteField);
      const now = new Date("2030-01-02T03:04:05.678Z");
      const created = await createMigration("Add note!", { ...project, now });
      expect(created.folder).toBe("20300102030405_add_note");
      const written = await readFile(path.join(project.migrationsDir, created.folder, "migration.sql"), "utf8");
      expect(written).toContain('ALTER TABLE "AdminToken" ADD COLUMN');

      expect(await diffMigrationsToSchema(project)).toMatchObject({ changed: false });
      const later = new Date("2030-01-02T04:00:00Z");
      await expect(createMigration("again", { ...project, now: later })).rejects.toThrow(/No changes/);
      // The project's own migrations, then exactly the one written here.
      const existing = await readdir(MIGRATIONS_DIR);
      expect((await readdir(project.migrationsDir)).sort()).toEqual([...existing, "20300102030405_add_note"].sort());
    },
    SLOW,
  );

  test("names migrations as Prisma does and refuses names with nothing usable", () => {
    expect(migrationFolderName("add workspace labels", new Date("2027-05-06T07:08:09Z"))).toBe(
      "20270506070809_add_workspace_labels",
    );
    expect(() => migrationFolderName(" -- ")).toThrow(/not a usable migration name/);
  });
});
