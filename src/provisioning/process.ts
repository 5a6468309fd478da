import { spawn } from "node:child_process";
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { readdir, readFile, rm } from "node:fs/promises";
import path from "node:path";
import {
  BackendUnavailableError,
  type ObservedRuntime,
  type RuntimeBackend,
  type RuntimeExit,
  type RuntimeSpec,
} from "./backend.js";

/**
 * Runtimes as local processes (SPEC section 9). Each runs detached, in a
 * process group of its own, so it outlives the control plane; its output
 * goes to `<dir>/<workspaceId>.log`. It is labelled by a pid file,
 * `<dir>/<owner>/<workspaceId>.<generation>.pid`, holding the first line of
 * /proc/<pid>/stat: the start time in it tells our process from a later one
 * that reused the pid.
 *
 * The pid file is written twice: by a small shell prelude inside the child
 * before it execs the command (so a control plane killed right after the
 * fork still finds it on restart), and by the parent right after spawn (so
 * `list` sees it at once). The prelude unsets the shell's PWD: the runtime
 * gets exactly the environment it is given, plus PATH.
 */
const PRELUDE =
  'f=$1; shift; read -r s < /proc/$$/stat; printf "%s\\n" "$s" > "$f.$$"; mv -f "$f.$$" "$f"; unset PWD OLDPWD; exec "$@"';

const DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin";

type Proc = { pid: number; startTime: string };

/** /proc/<pid>/stat: state and start time (fields 3 and 22), after the parenthesised command name. */
function parseStat(line: string): { pid: number; state: string; startTime: string } | null {
  const close = line.lastIndexOf(")");
  const pid = Number.parseInt(line, 10);
  if (close < 0 || !Number.isInteger(pid)) return null;
  const rest = line.slice(close + 2).split(" ");
  const state = rest[0];
  const startTime = rest[19];
  if (!state || !startTime) return null;
  return { pid, state, startTime };
}

async function readStat(pid: number): Promise<{ state: string; startTime: string } | null> {
  try {
    return parseStat((await readFile(`/proc/${pid}/stat`, "utf8")).trim());
  } catch {
    return null;
  }
}

/** Alive, and the same process (not a later one with the pid), and not a zombie. */
async function isAlive(p: Proc): Promise<boolean> {
  const now = await readStat(p.pid);
  return now !== null && now.startTime === p.startTime && now.state !== "Z" && now.state !== "X";
}

const encodeRef = (p: Proc, workspaceId: string, generation: number) =>
  `${p.pid}:${p.startTime}:${workspaceId}:${generation}`;

function decodeRef(ref: string): (Proc & { workspaceId: string; generation: number }) | null {
  const [pid, startTime, workspaceId, generation] = ref.split(":");
  const p = Number(pid);
  const g = Number(generation);
  if (!Number.isInteger(p) || p <= 1 || !startTime || !workspaceId || !Number.isInteger(g)) return null;
  return { pid: p, startTime, workspaceId, generation: g };
}

const PID_FILE = /^([0-9a-f-]{36})\.(\d+)\.pid$/;

export type ProcessBackendOptions = {
  /** DATA_DIR/runtimes. */
  dir: string;
  /** The control plane's owner label (stored in the database). */
  owner: string;
  /** How often adopted processes are checked for exits. */
  pollMs?: number;
  /** PATH given to runtimes (default: the control plane's PATH, else a standard one). */
  path?: string;
};

export class ProcessBackend implements RuntimeBackend {
  readonly name = "process";
  private readonly pidDir: string;
  private readonly listeners = new Set<(r: ObservedRuntime) => void>();
  /** Refs seen running; polled for exits. */
  private readonly watched = new Map<string, ObservedRuntime>();
  /** Exits this process saw as the parent (with code and signal). */
  private readonly exits = new Map<string, RuntimeExit>();
  private timer: NodeJS.Timeout | undefined;
  private polling = false;

  constructor(private readonly opts: ProcessBackendOptions) {
    this.pidDir = path.join(opts.dir, opts.owner);
  }

  private pidFile(workspaceId: string, generation: number) {
    return path.join(this.pidDir, `${workspaceId}.${generation}.pid`);
  }

  async start(spec: RuntimeSpec): Promise<ObservedRuntime> {
    if (!spec.command || spec.command.length === 0) throw new Error("the process backend needs a command");
    const file = this.pidFile(spec.workspaceId, spec.generation);
    let log: number;
    try {
      mkdirSync(this.pidDir, { recursive: true, mode: 0o700 });
      log = openSync(path.join(this.opts.dir, `${spec.workspaceId}.log`), "a", 0o600);
    } catch (err) {
      throw new BackendUnavailableError(`the runtime directory ${this.opts.dir} is not writable`, err);
    }
    let pid: number | undefined;
    try {
      const child = spawn("/bin/sh", ["-c", PRELUDE, "sh", file, ...spec.command], {
        detached: true,
        cwd: this.opts.dir,
        env: { ...spec.env, PATH: spec.env.PATH ?? this.opts.path ?? process.env.PATH ?? DEFAULT_PATH },
        stdio: ["ignore", log, log],
      });
      pid = child.pid;
      if (pid === undefined) {
        // spawn itself failed (no /bin/sh, no process slots): the engine, not the runtime.
        const error = await new Promise<Error>((resolve) => child.once("error", resolve));
        throw new BackendUnavailableError(`cannot start a process: ${error.message}`, error);
      }
      child.on("error", () => {});
      const stat = readStatSync(pid);
      if (!stat) {
        // Gone already: it exited (or failed to exec) before we looked.
        const exit = await new Promise<RuntimeExit>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null)
            resolve({ code: child.exitCode, signal: child.signalCode });
          else child.once("exit", (code, signal) => resolve({ code, signal }));
        });
        const ref = encodeRef({ pid, startTime: "0" }, spec.workspaceId, spec.generation);
        await this.removePidFile(file, pid);
        return { ref, workspaceId: spec.workspaceId, generation: spec.generation, state: "exited", exit };
      }
      writeAtomically(file, stat.line);
      const ref = encodeRef({ pid, startTime: stat.startTime }, spec.workspaceId, spec.generation);
      const observed: ObservedRuntime = {
        ref,
        workspaceId: spec.workspaceId,
        generation: spec.generation,
        state: "running",
      };
      child.once("exit", (code, signal) => {
        this.exits.set(ref, { code, signal });
        this.reportExit(ref);
      });
      child.unref();
      this.watched.set(ref, observed);
      return observed;
    } finally {
      closeSync(log);
    }
  }

  async stop(ref: string, opts: { graceMs?: number } = {}): Promise<void> {
    const p = decodeRef(ref);
    if (!p) return;
    const grace = opts.graceMs ?? 10_000;
    if (await isAlive(p)) {
      signalGroup(p.pid, "SIGTERM");
      const deadline = Date.now() + grace;
      while (Date.now() < deadline && (await isAlive(p))) await sleep(50);
      // Whatever is left of its group (children of the runtime) goes too. Only
      // when the leader was ours: a reused pid's group is someone else's.
      signalGroup(p.pid, "SIGKILL");
      const hard = Date.now() + 5_000;
      while (Date.now() < hard && (await isAlive(p))) await sleep(20);
    }
    this.watched.delete(ref);
    await this.removePidFile(this.pidFile(p.workspaceId, p.generation), p.pid);
  }

  /** Only this pid's file: a newer start of the same generation keeps its own. */
  private async removePidFile(file: string, pid: number) {
    const current = await readFile(file, "utf8").catch(() => null);
    const stat = current ? parseStat(current.trim()) : null;
    if (!stat || stat.pid === pid) await rm(file, { force: true });
  }

  async list(): Promise<ObservedRuntime[]> {
    let names: string[];
    try {
      names = await readdir(this.pidDir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw new BackendUnavailableError(`cannot read ${this.pidDir}`, err);
    }
    const found: ObservedRuntime[] = [];
    for (const name of names) {
      const m = PID_FILE.exec(name);
      if (!m) continue;
      const text = await readFile(path.join(this.pidDir, name), "utf8").catch(() => null);
      const stat = text ? parseStat(text.trim()) : null;
      if (!stat) continue;
      const workspaceId = m[1] as string;
      const generation = Number(m[2]);
      const proc = { pid: stat.pid, startTime: stat.startTime };
      const ref = encodeRef(proc, workspaceId, generation);
      const alive = await isAlive(proc);
      const observed: ObservedRuntime = alive
        ? { ref, workspaceId, generation, state: "running" }
        : { ref, workspaceId, generation, state: "exited", exit: this.exits.get(ref) ?? { code: null, signal: null } };
      if (alive) this.watched.set(ref, observed);
      found.push(observed);
    }
    return found;
  }

  watch(onExit: (runtime: ObservedRuntime) => void): () => void {
    this.listeners.add(onExit);
    if (!this.timer) {
      this.timer = setInterval(() => void this.poll(), this.opts.pollMs ?? 1_000);
      this.timer.unref();
    }
    return () => {
      this.listeners.delete(onExit);
    };
  }

  /** Adopted processes are not our children: their exits are found by looking. */
  private async poll() {
    if (this.polling) return;
    this.polling = true;
    try {
      for (const ref of [...this.watched.keys()]) {
        const p = decodeRef(ref);
        if (p && !(await isAlive(p))) this.reportExit(ref);
      }
    } finally {
      this.polling = false;
    }
  }

  private reportExit(ref: string) {
    const observed = this.watched.get(ref);
    if (!observed) return;
    this.watched.delete(ref);
    const exit = this.exits.get(ref) ?? { code: null, signal: null };
    for (const listener of this.listeners) listener({ ...observed, state: "exited", exit });
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    this.listeners.clear();
  }
}

function readStatSync(pid: number): { line: string; startTime: string } | null {
  try {
    const line = readFileSync(`/proc/${pid}/stat`, "utf8").trim();
    const stat = parseStat(line);
    if (!stat || stat.state === "Z") return null;
    return { line, startTime: stat.startTime };
  } catch {
    return null;
  }
}

function writeAtomically(file: string, content: string) {
  const tmp = `${file}.cp${process.pid}`;
  writeFileSync(tmp, `${content}\n`, { mode: 0o600 });
  renameSync(tmp, file);
}

function signalGroup(pid: number, signal: NodeJS.Signals) {
  try {
    process.kill(-pid, signal);
  } catch {
    // no such group: already gone
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
