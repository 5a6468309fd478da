import { mkdir } from "node:fs/promises";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPg } from "@prisma/adapter-pg";
import type { SqlDriverAdapterFactory } from "@prisma/client/runtime/client";
import pg from "pg";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { PrismaClient } from "../generated/prisma/client.js";
import { type ChangeWatch, watchPostgresChannel } from "./notifications.js";
import { PGLITE_EXTENSIONS } from "./pglite-extensions.js";
import { pglitePrepared } from "./pglite-prepared.js";

/** Plain SQL access beside Prisma, for the migration runner and health checks. */
export interface SqlDriver {
  /** Runs a multi-statement script (no parameters). */
  exec(script: string): Promise<void>;
  /**
   * `prepared`: a name for the statement, parsed and planned once per
   * connection (one name, one text, always). On PGlite, outside a
   * transaction, it also runs in one call into the database instead of six.
   */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[], prepared?: string): Promise<T[]>;
  /** Runs fn with a driver bound to one connection inside one transaction. */
  transaction<R>(fn: (tx: SqlDriver) => Promise<R>): Promise<R>;
  /**
   * True outside a transaction: statements that wait beside each other may
   * be grouped into one (GroupCommit: the heartbeat's and the register's).
   * On PGlite they run one at a time on this thread anyway; on PostgreSQL
   * each statement costs a round trip and a backend's parse, plan and
   * commit, which a group pays once (heartbeats: 2.7-2.9k/s alone, 5.7k/s
   * grouped; registers, durable: about 1k/s alone, 2-3k/s grouped;
   * BENCHMARKS.md).
   */
  groupCommit?: boolean;
}

export interface Database {
  kind: "pglite" | "postgres";
  prisma: PrismaClient;
  sql: SqlDriver;
  close(): Promise<void>;
  /** PostgreSQL only: the pool's connections right now (metrics). */
  poolStats?: () => { total: number; idle: number; waiting: number };
  /** PGlite only: the data directory as a tarball (test templates). */
  dumpDataDir?: () => Promise<Blob>;
  /**
   * Hears of changes other processes commit on `channel` (NOTIFY). Null for
   * PGlite: this process owns the data directory, so no other writer exists.
   */
  watch(channel: string, onChange: (payload?: string) => void): ChangeWatch | null;
}

/** Wraps Prisma's driver adapter: tests count the statements Prisma sends through it. */
export type AdapterWrapper = (adapter: SqlDriverAdapterFactory) => SqlDriverAdapterFactory;

export type DatabaseOptions = (
  | { kind: "postgres"; url: string; maxConnections?: number }
  | { kind: "pglite"; dataDir: string | undefined; loadDataDir?: Blob }
) & { wrapAdapter?: AdapterWrapper };

export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  const wrap: AdapterWrapper = opts.wrapAdapter ?? ((adapter) => adapter);
  if (opts.kind === "postgres") return openPostgres(opts.url, opts.maxConnections ?? 10, wrap);
  return openPglite(opts.dataDir, opts.loadDataDir, wrap);
}

/**
 * This pool's type parsing (never pg's global one, which every other pg
 * user in the process shares): int8 columns (event sequence numbers) stay
 * strings, as PGlite gives them and as cursors carry them. Prisma's adapter
 * sets its own parsers per query.
 */
const POOL_TYPES = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === pg.types.builtins.INT8
      ? (v: string) => v
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

async function openPostgres(url: string, max: number, wrap: AdapterWrapper): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max, connectionTimeoutMillis: 5_000, types: POOL_TYPES });
  // An idle client losing its server emits 'error' on the pool; without a
  // listener that is an uncaught exception. The next checkout reconnects.
  pool.on("error", () => {});
  const prisma = new PrismaClient({ adapter: wrap(new PrismaPg(pool)) });
  const driverOf = (q: pg.Pool | pg.PoolClient): SqlDriver => ({
    groupCommit: q === pool,
    exec: async (script) => {
      await q.query(script);
    },
    query: async <T>(sql: string, params?: unknown[], prepared?: string) =>
      (await q.query({ text: sql, values: params, ...(prepared ? { name: prepared } : {}) })).rows as T[],
    transaction: async (fn) => {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        const result = await fn(driverOf(client));
        await client.query("COMMIT");
        return result;
      } catch (err) {
        await client.query("ROLLBACK").catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    },
  });
  return {
    kind: "postgres",
    prisma,
    sql: driverOf(pool),
    watch: (channel, onChange) => watchPostgresChannel(url, channel, onChange),
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    close: async () => {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}

async function openPglite(
  dataDir: string | undefined,
  loadDataDir: Blob | undefined,
  wrap: AdapterWrapper,
): Promise<Database> {
  // PGlite rejects asynchronously (unhandled) when a parent directory is missing.
  if (dataDir) await mkdir(dataDir, { recursive: true });
  // PostgreSQL's default 128 MB of shared buffers is sized for a server; the
  // embedded database serves one process, and 16 MB halves its memory and
  // its opening time.
  const pglite = await PGlite.create(dataDir, {
    postgresqlconf: ["shared_buffers=16MB"],
    extensions: PGLITE_EXTENSIONS,
    ...(loadDataDir ? { loadDataDir } : {}),
  });
  const prisma = new PrismaClient({ adapter: wrap(new PrismaPGlite(pglite)) });
  const prepared = pglitePrepared(pglite);
  type Q = Pick<PGlite, "exec" | "query">;
  const driverOf = (q: Q, inTx: boolean): SqlDriver => ({
    groupCommit: !inTx,
    exec: async (script) => {
      await q.exec(script);
    },
    query: async <T>(sql: string, params?: unknown[], name?: string) =>
      name && !inTx ? prepared<T>(name, sql, params) : (await q.query<T>(sql, params)).rows,
    transaction: async (fn) => {
      if (inTx) return fn(driverOf(q, true));
      return pglite.transaction((tx) => fn(driverOf(tx, true)));
    },
  });
  return {
    kind: "pglite",
    prisma,
    sql: driverOf(pglite, false),
    watch: () => null,
    dumpDataDir: () => pglite.dumpDataDir("gzip"),
    close: async () => {
      await prisma.$disconnect();
      // close() checkpoints and flushes the data directory.
      await pglite.close();
    },
  };
}
