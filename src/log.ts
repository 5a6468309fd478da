import pino, { type DestinationStream } from "pino";

/** Structured logs: one JSON object per line (pino). */
export type LogFields = { msg: string } & Record<string, unknown>;
export type Logger = {
  debug(f: LogFields): void;
  info(f: LogFields): void;
  warn(f: LogFields): void;
  error(f: LogFields): void;
};

/** The process's logger: requests and graphql-ws operations log through a child bound to their id. */
export type RootLogger = Logger & {
  child(bindings: { requestId: string } & Record<string, unknown>): Logger;
  /** Resolves once every line logged so far is written (the write in flight included). */
  flush(): Promise<void>;
  /** Writes what is pending now, synchronously: for an exit that cannot wait. */
  flushSync(): void;
};

export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";

/**
 * Keys whose values never reach a line: credentials, secret values, keys,
 * and the variables of an operation (which carry secret values). The code
 * logs none of them on purpose; this is the net under a mistake. Top level,
 * and one level down in the shapes such a value comes in (a request's
 * headers, the config, an operation's input or params). Named paths, not
 * `*.key` wildcards: a wildcard makes pino walk every field of every line,
 * about 1 µs per wildcard per line, 22 µs for these keys, several times the
 * rest of a request line's cost (BENCHMARKS.md).
 */
const SECRET_KEYS = [
  "authorization",
  "cookie",
  "token",
  "authToken",
  "bearer",
  "joinToken",
  "apiToken",
  "adminToken",
  "metricsToken",
  "password",
  "secret",
  "secrets",
  "platformInboundSecret",
  "value",
  "env",
  "variables",
  "connectionParams",
  "key",
  "encryptionKey",
  "encryptionKeysOld",
  "privateKey",
  "databaseUrl",
  "redisUrl",
];
const CONTAINERS: Record<string, readonly string[]> = {
  headers: ["authorization", "cookie", "x-api-key"],
  config: ["adminToken", "metricsToken", "encryptionKey", "encryptionKeysOld", "databaseUrl", "redisUrl"],
  input: ["value", "token", "joinToken", "authToken", "secret", "env"],
  params: ["variables"],
  payload: ["variables"],
};
export const REDACTED_PATHS = [
  ...SECRET_KEYS,
  ...Object.entries(CONTAINERS).flatMap(([container, keys]) => keys.map((k) => `${container}["${k}"]`)),
];
export const REDACTED = "[redacted]";

/**
 * pino's err serializer, cut down: type, code, message (once, at most 500
 * characters: a database error may quote a row) and the stack's frames
 * (their first line repeats the message). Not the error's other own
 * properties: a driver's `detail` or `meta` can quote the values of a row.
 */
function serializeError(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  // pino's own adds the causes' messages to the message: each cause is written apart here.
  const { type } = pino.stdSerializers.err(err);
  const code = (err as { code?: unknown }).code;
  return {
    type,
    ...(typeof code === "string" || typeof code === "number" ? { code } : {}),
    message: String(err.message).slice(0, 500),
    stack: stackFrames(err.stack),
    ...(err.cause instanceof Error ? { cause: serializeError(err.cause) } : {}),
  };
}

function stackFrames(stack: string | undefined): string | undefined {
  if (typeof stack !== "string") return undefined;
  const frames = stack.split("\n").filter((line) => /^\s+at /.test(line));
  return frames.slice(0, 30).join("\n") || undefined;
}

/**
 * Standard output through sonic-boom without blocking: a line is handed to
 * an asynchronous write at once, and the lines logged while that write is
 * in flight go out together in the next one. A synchronous write per request
 * line was about a tenth of a small query's CPU (BENCHMARKS.md). One per
 * process: pino flushes it synchronously on exit, and `flush()` waits for it.
 */
let stdoutDestination: ReturnType<typeof pino.destination> | undefined;
const stdout = () => {
  stdoutDestination ??= pino.destination({ dest: 1, sync: false, minLength: 0 });
  return stdoutDestination;
};

/**
 * The logger of a process. `write`, when given, receives each line
 * synchronously (tests capture lines so); otherwise lines go to stdout.
 */
export function createLogger(level: LogLevel, write?: (line: string) => void): RootLogger {
  const destination: DestinationStream = write ? { write } : stdout();
  const root = pino(
    {
      level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: serializeError },
      redact: { paths: REDACTED_PATHS, censor: REDACTED },
    },
    destination,
  );
  const sonic = write ? null : (destination as ReturnType<typeof pino.destination>);
  return {
    debug: (f) => root.debug(f),
    info: (f) => root.info(f),
    warn: (f) => root.warn(f),
    error: (f) => root.error(f),
    child: (bindings) => root.child(bindings),
    flush: () =>
      new Promise<void>((resolve) => {
        // sonic-boom emits 'drain' when its write in flight, and all queued behind it, are written.
        if (!sonic || !(sonic as unknown as { _writing: boolean })._writing) return resolve();
        sonic.once("drain", () => resolve());
      }),
    flushSync: () => {
      try {
        sonic?.flushSync();
      } catch {
        // Not open yet, or already closed: nothing of ours is pending.
      }
    },
  };
}
