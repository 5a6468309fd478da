import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, readFileSync } from "node:fs";
import path from "node:path";
import type autocannon from "autocannon";
import { serviceNodeFlags } from "../scripts/service-flags.js";

export type ServerProcess = { url: string; pid: number; child: ChildProcess; stop(): Promise<number | null> };

const ROOT = path.resolve(import.meta.dirname, "..");

/**
 * Starts the service as `npm start` runs it (the bundle, with the flags of that checkout's start script), in its
 * own process; the load generator stays in this one. BENCH_NODE_ARGS adds node flags to the service (e.g.
 * `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile a run).
 */
export async function startServer(
  env: Record<string, string>,
  /** Another checkout's bundle instead of this one's (comparing two builds). */
  root = ROOT,
): Promise<ServerProcess & { startedInMs: number }> {
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [...serviceNodeFlags(root), ...(process.env.BENCH_NODE_ARGS ?? "").split(" ").filter(Boolean), "dist/main.js"],
    {
      cwd: root,
      env: { ...process.env, PORT: "0", LOG_LEVEL: "info", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stderr = "";
  child.stderr?.on("data", (d) => {
    stderr += d;
  });
  const url = await new Promise<string>((resolve, reject) => {
    let buffer = "";
    const onData = (d: Buffer) => {
      buffer += d.toString();
      const lines = buffer.split("\n");
      buffer = lines.pop() ?? "";
      const line = lines.find((l) => l.includes('"listening"'));
      if (!line) return;
      // From here on the server's log is drained unread: parsing it in this
      // process would take CPU from the load generator.
      child.stdout?.off("data", onData);
      // BENCH_SERVER_STDOUT: a file to keep it in instead (e.g. with BENCH_NODE_ARGS=--trace-gc).
      if (process.env.BENCH_SERVER_STDOUT) child.stdout?.pipe(createWriteStream(process.env.BENCH_SERVER_STDOUT));
      else child.stdout?.resume();
      resolve((JSON.parse(line) as { url: string }).url.replace(/\/graphql$/, ""));
    };
    child.stdout?.on("data", onData);
    child.once("exit", (code) => reject(new Error(`server exited with ${code}: ${stderr}`)));
  });
  return {
    url,
    pid: child.pid as number,
    child,
    startedInMs: performance.now() - started,
    stop: () =>
      new Promise((resolve) => {
        child.once("exit", (code) => resolve(code));
        child.kill("SIGTERM");
      }),
  };
}

/** A baseline server (bench/baselines.ts) in its own process; its URL once it listens. */
export async function startBaseline(kind: "bare" | "yoga"): Promise<{ url: string; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ["--import", "tsx", "bench/baselines.ts", kind], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "inherit"],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.once("data", (d: Buffer) => resolve((JSON.parse(d.toString()) as { port: number }).port));
    child.once("exit", (code) => reject(new Error(`baseline ${kind} exited with ${code}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

/** Resident memory of a process, in MB (Linux). */
export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

/** CPU time (user + system) a process has used so far, in ms (clock ticks of 10 ms on Linux). */
export function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** One GraphQL operation over HTTP, as a setup step: its data, or a throw on any error. */
export async function gqlCall(url: string, token: string | null, query: string, variables?: unknown) {
  const res = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const json = (await res.json()) as { data?: any; errors?: unknown[] };
  if (json.errors) throw new Error(JSON.stringify(json.errors));
  return json.data;
}

/**
 * autocannon's requests for registers of many agents' own workspaces: each
 * request is the next agent's, with its own token (agents register their
 * own workspace, so the common case is many rows, not one).
 */
export function registersOfAgents(
  query: string,
  agents: readonly { workspaceId: string; token: string }[],
): autocannon.Request[] {
  let next = 0;
  return [
    {
      setupRequest: (req: autocannon.Request) => {
        const a = agents[next++ % agents.length] as (typeof agents)[number];
        const input = { workspaceId: a.workspaceId, url: "https://agent.example/a2a" };
        return {
          ...req,
          headers: { "content-type": "application/json", authorization: `Bearer ${a.token}` },
          body: JSON.stringify({ query, variables: { input } }),
        };
      },
    },
  ];
}
