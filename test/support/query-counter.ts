import { AsyncLocalStorage } from "node:async_hooks";
import type { AdapterWrapper, Database } from "../../src/db/database.js";
import type { PrismaClient } from "../../src/generated/prisma/client.js";
import { openTestDatabase } from "./harness.js";

type AdapterFactory = Parameters<AdapterWrapper>[0];
type Adapter = Awaited<ReturnType<AdapterFactory["connect"]>>;
type Transaction = Awaited<ReturnType<Adapter["startTransaction"]>>;
type Queryable = Pick<Adapter, "provider" | "adapterName" | "queryRaw" | "executeRaw">;

/** What one traced call caused, and nothing else the process did meanwhile. */
export type Trace = {
  /** Prisma client operations (`Model.operation`, or `$executeRawUnsafe`...), as the code asked. */
  ops: string[];
  /** Every statement that reached the database, in order: each is one round trip. */
  sql: string[];
  /** `sql` shortened to a verb and a table (`SELECT Workspace`, `BEGIN`...), for assertions. */
  queries: string[];
};

/**
 * Counts the database work of one operation at both levels: the Prisma
 * client's operations (a query extension) and the statements that reach the
 * driver (a wrapping driver adapter), which also sees raw SQL, the SQL one
 * Prisma operation expands to, and a transaction's BEGIN and COMMIT.
 *
 * Work is attributed to the traced call through AsyncLocalStorage, so the
 * event feed's poll and hint-driven reads (timers and listeners set up when
 * the app started) are not counted even while they run.
 */
export function queryCounter() {
  const scope = new AsyncLocalStorage<Trace>();
  const record = (sql: string) => {
    const trace = scope.getStore();
    if (!trace) return;
    trace.sql.push(sql);
    trace.queries.push(describeStatement(sql));
  };

  const wrapAdapter: AdapterWrapper = (factory) => countingFactory(factory, record);

  /** The database's Prisma client with every operation noted in the current trace. */
  const instrument = (database: Database): Database => {
    const prisma = database.prisma.$extends({
      query: {
        async $allOperations({ model, operation, args, query }) {
          scope.getStore()?.ops.push(model ? `${model}.${operation}` : operation);
          return query(args);
        },
      },
    }) as unknown as PrismaClient;
    // Statements sent to the driver beside Prisma (the heartbeat's) are round trips too.
    const sql = {
      ...database.sql,
      query: <T>(text: string, params?: unknown[], prepared?: string) => {
        record(text);
        return database.sql.query<T>(text, params, prepared);
      },
    };
    return { ...database, prisma, sql };
  };

  const trace = async <R>(fn: () => Promise<R>): Promise<Trace & { result: R }> => {
    const t: Trace = { ops: [], sql: [], queries: [] };
    // Awaited inside the scope: a PrismaPromise runs only when awaited.
    const result = await scope.run(t, async () => await fn());
    return { ...t, result };
  };

  return { wrapAdapter, instrument, trace };
}

export type Tracer = ReturnType<typeof queryCounter>["trace"];

/** A fresh test database (as openTestDatabase) whose work can be traced; pass it to startTestApp. */
export async function openCountedDatabase(): Promise<{ database: Database; trace: Tracer }> {
  const counter = queryCounter();
  const { database } = await openTestDatabase({ wrapAdapter: counter.wrapAdapter });
  return { database: counter.instrument(database), trace: counter.trace };
}

function countingFactory(inner: AdapterFactory, record: (sql: string) => void): AdapterFactory {
  return {
    provider: inner.provider,
    adapterName: inner.adapterName,
    connect: async () => countingAdapter(await inner.connect(), record),
  };
}

function countingQueries(inner: Queryable, record: (sql: string) => void): Queryable {
  return {
    provider: inner.provider,
    adapterName: inner.adapterName,
    queryRaw: (query) => {
      record(query.sql);
      return inner.queryRaw(query);
    },
    executeRaw: (query) => {
      // The PostgreSQL adapter has Prisma send COMMIT/ROLLBACK as statements
      // before commit()/rollback(); PGlite's adapter sends them inside
      // commit()/rollback(). Counted there, once, on both.
      if (!/^\s*(COMMIT|ROLLBACK)\s*$/i.test(query.sql)) record(query.sql);
      return inner.executeRaw(query);
    },
  };
}

function countingAdapter(inner: Adapter, record: (sql: string) => void): Adapter {
  return {
    ...countingQueries(inner, record),
    executeScript: (script) => {
      record(script);
      return inner.executeScript(script);
    },
    startTransaction: async (isolationLevel) => {
      // Both adapters open the transaction themselves (PostgreSQL: a BEGIN on a
      // pool client; PGlite: its transaction()), out of this wrapper's sight.
      record("BEGIN");
      return countingTransaction(await inner.startTransaction(isolationLevel), record);
    },
    ...(inner.getConnectionInfo ? { getConnectionInfo: inner.getConnectionInfo.bind(inner) } : {}),
    dispose: () => inner.dispose(),
  };
}

function countingTransaction(inner: Transaction, record: (sql: string) => void): Transaction {
  const savepoint = (name: "createSavepoint" | "rollbackToSavepoint" | "releaseSavepoint", verb: string) => {
    const method = inner[name];
    if (!method) return {};
    return {
      [name]: (savepointName: string) => {
        record(`${verb} ${savepointName}`);
        return method.call(inner, savepointName);
      },
    };
  };
  return {
    ...countingQueries(inner, record),
    options: inner.options,
    commit: () => {
      record("COMMIT");
      return inner.commit();
    },
    rollback: () => {
      record("ROLLBACK");
      return inner.rollback();
    },
    ...savepoint("createSavepoint", "SAVEPOINT"),
    ...savepoint("rollbackToSavepoint", "ROLLBACK TO SAVEPOINT"),
    ...savepoint("releaseSavepoint", "RELEASE SAVEPOINT"),
  };
}

/** `SELECT "public"."Workspace"."id", ... FROM "public"."Workspace" WHERE ...` → `SELECT Workspace`. */
export function describeStatement(sql: string): string {
  const text = sql.trim().replace(/\s+/g, " ");
  // WITH name AS (...)[, name AS (...)] <statement>: the statement, then the CTEs' names.
  const names: string[] = [];
  let rest = text;
  for (let cte = /^WITH (\w+) AS \(/i.exec(rest); cte; cte = /^, ?(\w+) AS \(/i.exec(rest)) {
    let depth = 1;
    let i = cte[0].length;
    for (; i < rest.length && depth > 0; i++) depth += rest[i] === "(" ? 1 : rest[i] === ")" ? -1 : 0;
    names.push(cte[1] as string);
    rest = rest.slice(i).trimStart();
  }
  if (names.length > 0) return `${describeStatement(rest)} (with ${names.join(", ")})`;
  const verb = (/^\w+/.exec(text)?.[0] ?? "").toUpperCase();
  if (/^(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)$/.test(verb)) return text;
  const fn = /^SELECT (pg_\w+)\(/i.exec(text);
  if (fn) return `SELECT ${fn[1]}`;
  const target = { SELECT: "FROM", DELETE: "FROM", INSERT: "INTO", UPDATE: "UPDATE" }[verb];
  const table = target ? new RegExp(`\\b${target} (?:"\\w+"\\.)?"(\\w+)"`, "i").exec(text)?.[1] : undefined;
  if (!table) return text.slice(0, 80);
  return `${verb} ${table}${/ FOR UPDATE\b/i.test(text) ? " FOR UPDATE" : ""}`;
}
