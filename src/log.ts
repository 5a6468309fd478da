/** Structured logs: one JSON object per line. Never pass a secret or token. */
export type LogFields = { msg: string } & Record<string, unknown>;
export type Logger = {
  debug(f: LogFields): void;
  info(f: LogFields): void;
  warn(f: LogFields): void;
  error(f: LogFields): void;
};

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;
export type LogLevel = keyof typeof LEVELS;

/**
 * Standard output, one write per event-loop turn. Writes to a pipe or a file
 * are synchronous on Linux, so a line per request was a system call per
 * request (a tenth of the CPU of a small query). Lines are never held past
 * the current turn, so an idle service's log is as prompt as before, and
 * what is pending is written on exit. (pino's sonic-boom batches by size
 * instead, which holds lines back while the service is quiet.)
 */
export function stdoutPerTurn(): (line: string) => void {
  let pending: string[] = [];
  const flush = () => {
    if (pending.length === 0) return;
    const out = pending.join("");
    pending = [];
    process.stdout.write(out);
  };
  process.once("exit", flush);
  return (line) => {
    if (pending.push(line) === 1) setImmediate(flush);
  };
}

export function createLogger(level: LogLevel, write: (line: string) => void = stdoutPerTurn()): Logger {
  const at = (name: Exclude<LogLevel, "silent">) => {
    // Level and time are written ahead of the fields, not merged into a copy of them.
    const head = `{"level":"${name}","time":"`;
    return (fields: LogFields) => {
      if (LEVELS[name] < LEVELS[level]) return;
      write(`${head}${new Date().toISOString()}",${JSON.stringify(fields).slice(1)}\n`);
    };
  };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}
