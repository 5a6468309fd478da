// Writes a migration from prisma/schema.prisma, or checks that the migrations
// and the schema agree, without Prisma's native schema engine (which cannot be
// downloaded here): the WebAssembly build of the same engine diffs the
// migrations folder, replayed on an in-memory PGlite, against the schema.
//
//   npm run db:migration <name>   writes prisma/migrations/<UTC timestamp>_<name>/migration.sql
//   npm run db:check              exits 1, showing the SQL, when they differ
//
// Options (both commands): --schema <file>, --migrations <dir>.
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import {
  bindMigrationAwareSqlAdapterFactory,
  type SqlMigrationAwareDriverAdapterFactory,
} from "@prisma/driver-adapter-utils";
import type { MigrationList, SchemaEngine } from "@prisma/schema-engine-wasm/schema_engine_bg";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { PGLITE_EXTENSIONS } from "../src/db/pglite-extensions.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
export const SCHEMA_FILE = path.join(ROOT, "prisma/schema.prisma");
export const MIGRATIONS_DIR = path.join(ROOT, "prisma/migrations");
const LOCKFILE = "migration_lock.toml";

type EngineModule = typeof import("@prisma/schema-engine-wasm/schema_engine_bg");
let engineModule: Promise<EngineModule> | undefined;

/**
 * The package's entry imports its .wasm as an ES module, which Node 20 cannot
 * do: instantiate it by hand with the generated bindings as its imports.
 */
function loadEngineModule(): Promise<EngineModule> {
  engineModule ??= (async () => {
    const bindings = await import("@prisma/schema-engine-wasm/schema_engine_bg");
    const js = createRequire(import.meta.url).resolve("@prisma/schema-engine-wasm/schema_engine_bg");
    const bytes = await readFile(path.join(path.dirname(js), "schema_engine_bg.wasm"));
    const { instance } = await WebAssembly.instantiate(bytes, { "./schema_engine_bg.js": bindings });
    bindings.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as () => void)();
    return bindings;
  })();
  return engineModule;
}

/** The migrations folder as Prisma's CLI hands it to the engine. */
export async function readMigrationList(dir: string): Promise<MigrationList> {
  const lockfile = await readFile(path.join(dir, LOCKFILE), "utf8").catch(() => null);
  if (lockfile === null) throw new Error(`${path.join(dir, LOCKFILE)} is missing: the engine needs it`);
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  return {
    baseDir: dir,
    lockfile: { path: LOCKFILE, content: lockfile },
    shadowDbInitScript: "",
    migrationDirectories: await Promise.all(
      names.map(async (name) => ({
        path: name,
        migrationFile: {
          path: "migration.sql",
          content: await readFile(path.join(dir, name, "migration.sql"), "utf8").then(
            (value) => ({ tag: "ok" as const, value }),
            (err: Error) => ({ tag: "error" as const, value: err.message }),
          ),
        },
      })),
    ),
  };
}

export type SchemaDiff = {
  /** True when applying the migrations does not give the schema. */
  changed: boolean;
  /** The SQL that would take the migrated database to the schema. */
  sql: string;
};

/** Diffs the database the migrations build against the one the schema describes. */
export async function diffMigrationsToSchema(
  opts: { schemaFile?: string; migrationsDir?: string } = {},
): Promise<SchemaDiff> {
  const schemaFile = opts.schemaFile ?? SCHEMA_FILE;
  const schema = { path: path.basename(schemaFile), content: await readFile(schemaFile, "utf8") };
  const migrations = await readMigrationList(opts.migrationsDir ?? MIGRATIONS_DIR);
  const { SchemaEngine } = await loadEngineModule();
  const db = await shadowDatabase();

  // The engine asks its main connection only for the server version and
  // replays the migrations on the shadow one: one in-memory PGlite serves both.
  const factory: SqlMigrationAwareDriverAdapterFactory = {
    provider: "postgres",
    adapterName: "pglite-in-memory",
    connect: () => new PrismaPGlite(db).connect(),
    connectToShadowDb: () => new PrismaPGlite(db).connect(),
  };
  const logs: string[] = [];
  let engine: SchemaEngine | undefined;
  try {
    engine = await SchemaEngine.new(
      { datamodels: [[schema.path, schema.content]] },
      (line: string) => logs.push(line),
      bindMigrationAwareSqlAdapterFactory(factory),
    );
    const result = await engine.diff({
      from: { tag: "migrations", ...migrations },
      to: { tag: "schemaDatamodel", files: [schema] },
      script: true,
      exitCode: true,
      filters: { externalTables: [], externalEnums: [] },
    });
    // With exitCode set, the engine answers 2 for "there is a difference".
    return { changed: result.exitCode === 2, sql: result.stdout ?? "" };
  } catch (err) {
    const detail = logs.filter((l) => /"level":"(ERROR|WARN)"/.test(l)).join("\n");
    throw new Error(`${(err as Error).message}${detail ? `\n${detail}` : ""}`);
  } finally {
    engine?.free();
  }
}

let shadow: Promise<PGlite> | undefined;

/**
 * An in-memory PGlite costs about 2 s to create: one per process, emptied
 * before each diff so that every replay starts from a blank database.
 */
async function shadowDatabase(): Promise<PGlite> {
  // With the extensions the migrations create, which it replays.
  shadow ??= PGlite.create({ extensions: PGLITE_EXTENSIONS });
  const db = await shadow;
  await db.exec("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;");
  return db;
}

/** Closes the in-memory database (the CLI exits instead). */
export async function closeShadowDatabase(): Promise<void> {
  const db = shadow;
  shadow = undefined;
  await (await db)?.close();
}

/** Prisma's migration folder name: UTC YYYYMMDDHHMMSS, then the name. */
export function migrationFolderName(name: string, now = new Date()): string {
  const slug = name
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
  if (!slug) throw new Error(`"${name}" is not a usable migration name: use letters, digits and underscores`);
  const stamp = now.toISOString().replace(/\D/g, "").slice(0, 14);
  return `${stamp}_${slug.slice(0, 200)}`;
}

/** Writes the pending difference as a new migration; refuses an empty one. */
export async function createMigration(
  name: string,
  opts: { schemaFile?: string; migrationsDir?: string; now?: Date } = {},
): Promise<{ folder: string; file: string; sql: string }> {
  const dir = opts.migrationsDir ?? MIGRATIONS_DIR;
  const folder = migrationFolderName(name, opts.now);
  const existing = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  const latest = existing.sort().at(-1);
  if (latest && latest >= folder) {
    throw new Error(`${folder} would not sort after the latest migration ${latest}: check the clock`);
  }
  const diff = await diffMigrationsToSchema({ ...opts, migrationsDir: dir });
  if (!diff.changed) {
    throw new Error("No changes: the migrations already give prisma/schema.prisma. Edit the schema first.");
  }
  const file = path.join(dir, folder, "migration.sql");
  await mkdir(path.dirname(file));
  await writeFile(file, diff.sql.endsWith("\n") ? diff.sql : `${diff.sql}\n`);
  return { folder, file, sql: diff.sql };
}

function option(args: string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  if (i === -1) return undefined;
  const value = args[i + 1];
  if (!value || value.startsWith("--")) throw new Error(`${flag} needs a value`);
  args.splice(i, 2);
  return value;
}

type Output = { write(text: string): unknown };

/** The command line, with its output streams given: returns the exit code. */
export async function run(argv: string[], out: Output = process.stdout, err: Output = process.stderr): Promise<number> {
  const args = [...argv];
  const schemaFile = option(args, "--schema");
  const migrationsDir = option(args, "--migrations");
  if (args.includes("--check")) {
    const diff = await diffMigrationsToSchema({ schemaFile, migrationsDir });
    if (!diff.changed) {
      out.write("Migrations and prisma/schema.prisma agree.\n");
      return 0;
    }
    err.write(
      `Drift: applying the migrations does not give prisma/schema.prisma. Missing SQL:\n\n${diff.sql}\n` +
        "Run npm run db:migration <name> to write it as a migration.\n",
    );
    return 1;
  }
  const name = args.find((a) => !a.startsWith("--"));
  if (!name || args.length !== 1) {
    err.write("Usage: npm run db:migration <name>   |   npm run db:check\n");
    return 1;
  }
  const created = await createMigration(name, { schemaFile, migrationsDir });
  out.write(`${created.sql}\nWrote ${path.relative(process.cwd(), created.file)}\n`);
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  // Exit explicitly: the engine keeps the process alive for seconds afterwards.
  run(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: Error) => {
      process.stderr.write(`${e.message}\n`);
      process.exit(1);
    },
  );
}
