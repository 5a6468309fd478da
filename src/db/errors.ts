/** Unique violations, as Prisma (P2002) or the driver (SQLSTATE 23505) reports them. */
export function isUniqueViolation(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; depth++) {
    const x = e as {
      code?: unknown;
      meta?: { driverAdapterError?: { cause?: { originalCode?: string; kind?: string } } };
      cause?: unknown;
    };
    if (x.code === "P2002" || x.code === "23505") return true;
    const adapter = x.meta?.driverAdapterError?.cause;
    if (adapter?.originalCode === "23505" || adapter?.kind === "UniqueConstraintViolation") return true;
    e = x.cause;
  }
  return false;
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
