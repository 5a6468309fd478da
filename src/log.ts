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

export function createLogger(level: LogLevel, write: (line: string) => void = (l) => process.stdout.write(l)): Logger {
  const at = (name: Exclude<LogLevel, "silent">) => (fields: LogFields) => {
    if (LEVELS[name] < LEVELS[level]) return;
    write(`${JSON.stringify({ level: name, time: new Date().toISOString(), ...fields })}\n`);
  };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}
