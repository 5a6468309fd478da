import type { SqlDriver } from "../db/database.js";
import type { KeyRing } from "./keyring.js";
import { inboundSecretAad, orgSecretAad, workspaceSecretAad } from "./store.js";

/** Every encrypted column, with how to find its rows and the additional data its values are bound to. */
const SEALED = [
  {
    name: "workspace secrets",
    table: '"WorkspaceSecret"',
    id: '"id"',
    column: '"value"',
    select: '"id"::text AS id, "workspaceId"::text AS "workspaceId", "key", "value" AS sealed',
    aad: (r: Row) => workspaceSecretAad(r.workspaceId as string, r.key as string),
    label: (r: Row) => `workspace ${r.workspaceId} secret ${r.key}`,
  },
  {
    name: "org secrets",
    table: '"OrgSecret"',
    id: '"key"',
    column: '"value"',
    select: '"key" AS id, "key", "value" AS sealed',
    aad: (r: Row) => orgSecretAad(r.key as string),
    label: (r: Row) => `org secret ${r.key}`,
  },
  {
    name: "platform inbound secrets",
    table: '"Workspace"',
    id: '"id"',
    column: '"inboundSecret"',
    select: '"id"::text AS id, "inboundSecret" AS sealed',
    aad: (r: Row) => inboundSecretAad(r.id),
    label: (r: Row) => `workspace ${r.id} inbound secret`,
  },
] as const;

type Row = { id: string; sealed: string; [k: string]: unknown };

export type RekeyReport = {
  /** Values now sealed with the current key by this run. */
  reencrypted: number;
  /** Values that changed under this run (the service wrote them meanwhile, with its own current key): left as written. */
  skipped: number;
  /** Values no key of the ring opens: never dropped, named (no value) so an operator keeps the key they need. */
  unreadable: string[];
  /** Values still sealed with an older key after the run (a run stopped early, or instances still writing with an old key). */
  remaining: number;
};

export type RekeyOptions = {
  batchSize?: number;
  /** Stop after this many batches (an interrupted run; the next run resumes). */
  maxBatches?: number;
  /** Only count what is left; change nothing. */
  dryRun?: boolean;
};

/**
 * Re-encrypts every stored secret with the ring's current key, so an older
 * key can then be dropped from SECRETS_ENCRYPTION_KEYS_OLD.
 *
 * Resumable: it only ever looks at values not yet sealed with the current
 * key, so a stopped run is finished by running it again, and a second run
 * finds nothing to do. Safe beside a running service: each value is
 * replaced only if it is still the one read (compare and set), so a secret
 * the service changed meanwhile is never overwritten with its old content.
 * A value that does not open is reported, never rewritten or dropped.
 */
export async function rekeySecrets(sql: SqlDriver, keyring: KeyRing, opts: RekeyOptions = {}): Promise<RekeyReport> {
  const batchSize = opts.batchSize ?? 200;
  const report: RekeyReport = { reencrypted: 0, skipped: 0, unreadable: [], remaining: 0 };
  const prefix = `${keyring.currentPrefix}%`;
  let batches = 0;
  for (const t of SEALED) {
    // One keyset pass per table: rows are visited once, unreadable ones included.
    let after = "";
    while (!opts.dryRun && (opts.maxBatches === undefined || batches < opts.maxBatches)) {
      const rows = await sql.query<Row>(
        `SELECT ${t.select} FROM ${t.table}
          WHERE ${t.column} IS NOT NULL AND ${t.column} NOT LIKE $1 AND ${t.id}::text > $2
          ORDER BY ${t.id}::text LIMIT $3`,
        [prefix, after, batchSize],
      );
      if (rows.length === 0) break;
      batches++;
      await sql.transaction(async (tx) => {
        for (const row of rows) {
          let plaintext: string;
          try {
            plaintext = keyring.decrypt(row.sealed, t.aad(row));
          } catch {
            report.unreadable.push(t.label(row));
            continue;
          }
          const updated = await tx.query<{ n: number }>(
            `UPDATE ${t.table} SET ${t.column} = $1 WHERE ${t.id}::text = $2 AND ${t.column} = $3 RETURNING 1 AS n`,
            [keyring.encrypt(plaintext, t.aad(row)), row.id, row.sealed],
          );
          if (updated.length === 1) report.reencrypted++;
          else report.skipped++;
        }
      });
      after = (rows[rows.length - 1] as Row).id;
    }
  }
  for (const t of SEALED) {
    const [row] = await sql.query<{ n: string | number }>(
      `SELECT count(*) AS n FROM ${t.table} WHERE ${t.column} IS NOT NULL AND ${t.column} NOT LIKE $1`,
      [prefix],
    );
    report.remaining += Number(row?.n ?? 0);
  }
  return report;
}

export const SEALED_COLUMNS = SEALED.map((t) => t.name);
