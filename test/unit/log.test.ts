import { execFileSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../..");

/** Runs a script against src/log.ts in a process of its own; its stdout. */
function run(script: string): string {
  return execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    cwd: ROOT,
    encoding: "utf8",
  });
}

describe("stdoutPerTurn", () => {
  it("writes the lines of one turn together, in order, and on the next turn", () => {
    const out = run(`
      import { createLogger } from "./src/log.ts";
      const log = createLogger("info");
      log.info({ msg: "one" }); log.info({ msg: "two" });
      process.stdout.write("same turn\\n");
      setImmediate(() => process.stdout.write("next turn\\n"));
    `);
    const lines = out.trim().split("\n");
    expect(lines[0]).toBe("same turn");
    expect(lines.slice(1, 3).map((l) => JSON.parse(l).msg)).toEqual(["one", "two"]);
  });

  it("writes what is pending when the process exits in the same turn", () => {
    const out = run(`
      import { createLogger } from "./src/log.ts";
      const log = createLogger("info");
      log.error({ msg: "last words" });
      process.exit(0);
    `);
    expect(JSON.parse(out.trim()).msg).toBe("last words");
  });
});
