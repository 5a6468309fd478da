import { parseArgs } from "node:util";
import { ConfigError, loadConfig } from "../config.js";
import { DataDirLockedError, lockDataDir } from "../db/data-dir-lock.js";
import { openDatabase } from "../db/database.js";
import { KeyRing, localKeyFile, readLocalKey } from "../secrets/keyring.js";
import { rekeySecrets } from "../secrets/rekey.js";

/**
 * `npm run secrets:rekey`: re-encrypts every stored secret with
 * SECRETS_ENCRYPTION_KEY (older keys from SECRETS_ENCRYPTION_KEYS_OLD open
 * the values), the step before an old key is dropped. Same settings as the
 * service. Safe while PostgreSQL instances serve (compare and set); the
 * embedded database is one process's, so stop the service first.
 *
 * Exit codes: 0 every value is sealed with the current key; 2 values are left
 * (`--max-batches`, or an instance still writing with an older key: run again
 * once every instance has the new key); 3 a value no listed key opens.
 */
async function main() {
  const { values } = parseArgs({
    options: {
      "batch-size": { type: "string", default: "200" },
      "max-batches": { type: "string" },
      check: { type: "boolean", default: false },
    },
  });
  const batchSize = Number(values["batch-size"]);
  const maxBatches = values["max-batches"] === undefined ? undefined : Number(values["max-batches"]);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000)
    throw new ConfigError("--batch-size must be a whole number from 1 to 10000");
  if (maxBatches !== undefined && (!Number.isInteger(maxBatches) || maxBatches < 0))
    throw new ConfigError("--max-batches must be a whole number");

  const config = loadConfig();
  // Never generate a key here: a new key would open nothing.
  const key = config.encryptionKey ?? (await readLocalKey(localKeyFile(config.dataDir)));
  const keyring = new KeyRing(key, config.encryptionKeysOld);
  // The embedded database belongs to one process: refuse while the service runs on it.
  const lock = config.databaseUrl ? null : await lockDataDir(config.dataDir);
  const db = await openDatabase(
    config.databaseUrl ? { kind: "postgres", url: config.databaseUrl } : { kind: "pglite", dataDir: config.dataDir },
  ).catch(async (err) => {
    await lock?.release();
    throw err;
  });
  try {
    const report = await rekeySecrets(db.sql, keyring, { batchSize, maxBatches, dryRun: values.check });
    process.stdout.write(`${JSON.stringify(report)}\n`);
    return report.unreadable.length > 0 ? 3 : report.remaining > 0 ? 2 : 0;
  } finally {
    await db.close();
    await lock?.release();
  }
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    const plain = err instanceof ConfigError || err instanceof DataDirLockedError;
    process.stderr.write(`${plain ? err.message : `secrets:rekey failed: ${err.message}`}\n`);
    process.exit(1);
  },
);
