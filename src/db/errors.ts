const CONSTRAINT_IN_MESSAGE = /unique constraint "([^"]+)"/;

/**
 * The unique index a violation names, or null when `err` is no unique
 * violation: from Prisma (either driver adapter), the pg driver or PGlite
 * alike. A violation whose index cannot be told is "" (never mistaken for
 * an expected one).
 */
export function violatedUniqueIndex(err: unknown): string | null {
  for (let e: unknown = err, depth = 0; e && depth < 5; depth++) {
    const x = e as {
      code?: unknown;
      constraint?: unknown;
      message?: unknown;
      meta?: {
        driverAdapterError?: {
          cause?: { originalCode?: string; originalMessage?: string; kind?: string; constraint?: { index?: string } };
        };
      };
      cause?: unknown;
    };
    const adapter = x.meta?.driverAdapterError?.cause;
    if (adapter?.originalCode === "23505" || adapter?.kind === "UniqueConstraintViolation") {
      // adapter-pg names the index; the PGlite adapter gives only the fields, and the server's message.
      return adapter.constraint?.index ?? CONSTRAINT_IN_MESSAGE.exec(adapter.originalMessage ?? "")?.[1] ?? "";
    }
    if (x.code === "23505") return typeof x.constraint === "string" ? x.constraint : "";
    if (x.code === "P2002") {
      return CONSTRAINT_IN_MESSAGE.exec(typeof x.message === "string" ? x.message : "")?.[1] ?? "";
    }
    e = x.cause;
  }
  return null;
}

/**
 * Runs `fn`; a violation of the unique index `index` becomes `then()`'s
 * answer, anything else (another index's violation included) is rethrown.
 * The one place a command says which constraint it expects and what it means.
 */
export async function onUniqueViolation<T, U>(
  index: string,
  fn: () => Promise<T>,
  then: () => U | Promise<U>,
): Promise<T | U> {
  try {
    return await fn();
  } catch (err) {
    if (violatedUniqueIndex(err) === index) return await then();
    throw err;
  }
}

/** Prisma's "no row matched the update's or delete's where" (P2025). */
export function isRowNotFound(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === "P2025";
}

const UNAVAILABLE_CODES = new Set([
  "P1001",
  "P1002",
  "P1008",
  "P1017",
  "P2024",
  "P2028",
  // Every connection slot taken (Prisma's code and the server's): retry later.
  "P2037",
  "53300",
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "ENOTFOUND",
  "57P01",
  "57P02",
  "57P03",
  "08000",
  "08006",
  "08001",
  "08003",
  "08004",
]);

// What the pg driver adapter calls an unreachable, dropped or full server.
const UNAVAILABLE_KINDS = new Set(["DatabaseNotReachable", "ConnectionClosed", "SocketTimeout", "TooManyConnections"]);

/** The database could not be reached or dropped the connection: a 503, not a 500. */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 6; depth++) {
    const x = e as {
      code?: unknown;
      kind?: unknown;
      message?: unknown;
      cause?: unknown;
      meta?: { driverAdapterError?: unknown };
    };
    if (typeof x.code === "string" && UNAVAILABLE_CODES.has(x.code)) return true;
    if (typeof x.kind === "string" && UNAVAILABLE_KINDS.has(x.kind)) return true;
    if (
      typeof x.message === "string" &&
      /ECONNREFUSED|Connection terminated|connection is closed|terminating connection|Can't reach database|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
        x.message,
      )
    ) {
      return true;
    }
    e = x.meta?.driverAdapterError ?? x.cause;
  }
  return false;
}
