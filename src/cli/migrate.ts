import { mkdir } from "node:fs/promises";
import { ConfigError, loadConfig } from "../config.js";
import { DataDirLockedError, lockDataDir } from "../db/data-dir-lock.js";
import { openDatabase } from "../db/database.js";
import { MigrationError, migrate } from "../db/migrate.js";

/**
 * `npm run migrate` (`node dist/migrate.js`; in the container image
 * `docker run IMAGE node dist/migrate.js`): applies the pending migrations
 * and exits, the step a deployment runs before it starts or rolls the
 * service. Same settings as the service (loadConfig). The service applies
 * them at start-up too: this only moves that work, and its failure, to a step
 * of its own. On PostgreSQL it is safe while instances serve (the migration
 * runner's advisory lock serialises it with their starts); the embedded
 * database belongs to one process, so while the service holds DATA_DIR this
 * refuses before opening anything.
 *
 * Prints one JSON line, `{"applied":[names...],"backend":"postgres"|"pglite"}`
 * (an empty list when nothing was pending); exits 0, or 1 with the reason on
 * stderr.
 */
async function main() {
  const config = loadConfig();
  // The embedded database belongs to one process: the lock comes before
  // anything in DATA_DIR is opened, created or migrated, as in the service.
  const lock = config.databaseUrl
    ? null
    : await mkdir(config.dataDir, { recursive: true }).then(() => lockDataDir(config.dataDir));
  try {
    const db = await openDatabase(
      config.databaseUrl ? { kind: "postgres", url: config.databaseUrl } : { kind: "pglite", dataDir: config.dataDir },
    );
    try {
      const applied = await migrate(db.sql);
      process.stdout.write(`${JSON.stringify({ applied, backend: db.kind })}\n`);
    } finally {
      await db.close();
    }
  } finally {
    await lock?.release();
  }
}

/** An error's own words; a refused connection to a name with two addresses is an AggregateError with none. */
function reason(err: Error): string {
  if (err.message) return err.message;
  const inner = err instanceof AggregateError ? err.errors.map((e: Error) => e.message).filter(Boolean) : [];
  const code = (err as NodeJS.ErrnoException).code;
  return inner.join("; ") || code || err.name;
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    const plain = err instanceof ConfigError || err instanceof DataDirLockedError || err instanceof MigrationError;
    process.stderr.write(`${plain ? err.message : `migrate failed: ${reason(err)}`}\n`);
    process.exit(1);
  },
);
