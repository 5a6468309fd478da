import { readdir, readFile } from "node:fs/promises";

// The machine's process table, read as an operator would: which processes
// serve which workspace (by the WORKSPACE_ID in their environment).

export type RuntimeProcess = { pid: number; workspaceId: string; env: Record<string, string>; cmdline: string[] };

async function readEnviron(pid: number): Promise<Record<string, string> | null> {
  try {
    const raw = await readFile(`/proc/${pid}/environ`, "utf8");
    const env: Record<string, string> = {};
    for (const pair of raw.split("\0")) {
      const eq = pair.indexOf("=");
      if (eq > 0) env[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
    return env;
  } catch {
    return null;
  }
}

async function isZombie(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => null);
  if (!stat) return true;
  const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  return state === "Z" || state === "X";
}

/** Live processes whose environment names one of these workspaces (all workspaces' if none given). */
export async function runtimeProcesses(workspaceIds?: Iterable<string>): Promise<RuntimeProcess[]> {
  const wanted = workspaceIds ? new Set(workspaceIds) : null;
  const found: RuntimeProcess[] = [];
  for (const name of await readdir("/proc")) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    const env = await readEnviron(pid);
    const id = env?.WORKSPACE_ID;
    if (!env || !id || (wanted && !wanted.has(id))) continue;
    if (await isZombie(pid)) continue;
    const cmdline = (await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "")).split("\0").filter(Boolean);
    found.push({ pid, workspaceId: id, env, cmdline });
  }
  return found;
}

export const processesOf = async (workspaceId: string) => runtimeProcesses([workspaceId]);

export const isAlive = async (pid: number) => !(await isZombie(pid));

/** Ends every process (and its group) that serves one of these workspaces: no test leaves one behind. */
export async function killRuntimes(workspaceIds: Iterable<string>): Promise<void> {
  const ids = [...workspaceIds];
  for (let round = 0; round < 20; round++) {
    const left = await runtimeProcesses(ids);
    if (left.length === 0) return;
    for (const p of left) {
      for (const target of [-p.pid, p.pid]) {
        try {
          process.kill(target, "SIGKILL");
        } catch {
          // gone already
        }
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Polls until `check` returns a value other than undefined, or throws with the last state at the deadline. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 20_000,
  describe: () => Promise<unknown> = async () => null,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline)
      throw new Error(`${what}: not within ${timeoutMs} ms; state: ${JSON.stringify(await describe())}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
