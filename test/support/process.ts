import { type ChildProcess, spawn } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

// The real server as an operator starts it: `node --import tsx src/main.ts`
// in its own process, configured only through the environment.

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** What a child may inherit: nothing of this process's configuration. */
function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of ["PATH", "HOME", "TMPDIR", "LANG", "TZ"]) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}

export type Exit = { code: number | null; signal: NodeJS.Signals | null };

export type ServerProcess = {
  pid: number;
  /** http://host:port, from the `listening` log line. */
  baseUrl: string;
  graphqlUrl: string;
  /** Milliseconds from spawn to the `listening` line. */
  startupMs: number;
  stdout(): string;
  stderr(): string;
  /** Stdout's JSON log lines, parsed. */
  logs(): Record<string, unknown>[];
  /** SIGTERM, then SIGKILL after graceMs; `killed` says whether it had to. */
  stop(graceMs?: number): Promise<Exit & { killed: boolean }>;
  exited: Promise<Exit>;
};

const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

type Spawned = { child: ChildProcess; out: () => string; err: () => string; exited: Promise<Exit>; startedAt: number };

function spawnServer(env: Record<string, string>): Spawned {
  const startedAt = performance.now();
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: ROOT,
    env: { ...baseEnv(), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  let out = "";
  let err = "";
  child.stdout?.setEncoding("utf8").on("data", (d: string) => (out += d));
  child.stderr?.setEncoding("utf8").on("data", (d: string) => (err += d));
  const exited = new Promise<Exit>((resolve) => {
    child.once("exit", (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
  });
  return { child, out: () => out, err: () => err, exited, startedAt };
}

const parseLines = (text: string) =>
  text
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => {
      try {
        return JSON.parse(l) as Record<string, unknown>;
      } catch {
        return { unparsed: l };
      }
    });

/**
 * Starts the server and waits for its `listening` line (use PORT=0 for an
 * ephemeral port). Rejects, with everything it printed, if it exits first.
 */
export async function startServer(env: Record<string, string>, timeoutMs = 90_000): Promise<ServerProcess> {
  const s = spawnServer({ PORT: "0", LOG_LEVEL: "info", ...env });
  const listening = await new Promise<{ url: string; at: number }>((resolve, reject) => {
    const timer = setTimeout(() => {
      s.child.kill("SIGKILL");
      reject(new Error(`no listening line within ${timeoutMs} ms\nstdout: ${s.out()}\nstderr: ${s.err()}`));
    }, timeoutMs);
    const look = () => {
      const line = parseLines(s.out()).find((l) => l.msg === "listening");
      if (!line) return;
      clearTimeout(timer);
      s.child.stdout?.off("data", look);
      resolve({ url: String(line.url), at: performance.now() });
    };
    s.child.stdout?.on("data", look);
    s.exited.then((exit) => {
      clearTimeout(timer);
      reject(new Error(`exited before listening (${JSON.stringify(exit)})\nstdout: ${s.out()}\nstderr: ${s.err()}`));
    });
  });
  const graphqlUrl = listening.url;
  return {
    pid: s.child.pid as number,
    baseUrl: new URL(graphqlUrl).origin,
    graphqlUrl,
    startupMs: Math.round(listening.at - s.startedAt),
    stdout: s.out,
    stderr: s.err,
    logs: () => parseLines(s.out()),
    exited: s.exited,
    async stop(graceMs = 15_000) {
      if (s.child.exitCode !== null || s.child.signalCode !== null) return { ...(await s.exited), killed: false };
      s.child.kill("SIGTERM");
      let killed = false;
      const timer = setTimeout(() => {
        killed = true;
        s.child.kill("SIGKILL");
      }, graceMs);
      const exit = await s.exited;
      clearTimeout(timer);
      return { ...exit, killed };
    },
  };
}

/** Runs a start that must fail: resolves when the process exits (or kills it after timeoutMs). */
export async function startExpectingExit(
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<Exit & { stdout: string; stderr: string; timedOut: boolean }> {
  const s = spawnServer({ PORT: "0", LOG_LEVEL: "info", ...env });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    s.child.kill("SIGKILL");
  }, timeoutMs);
  const exit = await s.exited;
  clearTimeout(timer);
  return { ...exit, stdout: s.out(), stderr: s.err(), timedOut };
}

/** Every regular file under dir, recursively, with its bytes. */
export async function readTree(dir: string): Promise<{ file: string; bytes: Buffer }[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  const files = entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
  return Promise.all(files.map(async (file) => ({ file, bytes: await readFile(file) })));
}
