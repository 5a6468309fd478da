// What logging costs, for builds side by side (each DIR a checkout; for
// `service`, with its dist/ built), on a machine too busy for throughput
// figures to mean much: CPU time, not requests per second.
//
//   npx tsx bench/log-cost.ts lines   [--rounds 3] DIR [DIR...]
//     CPU per request line of DIR/src/log.ts, in a process of its own whose
//     stdout is a pipe this process drains (as in production): 200,000
//     lines, 20 per event-loop turn, each through a child logger bound to
//     its request id when the logger has them.
//   npx tsx bench/log-cost.ts service [--rounds 3] [--requests 20000] DIR [DIR...]
//     the service's own CPU per `{ __typename }` request (read from /proc,
//     Linux), LOG_LEVEL=info, its log drained unread.
//
// Rounds alternate between the DIRs.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { serviceNodeFlags } from "../scripts/service-flags.js";

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    requests: { type: "string", default: "20000" },
    rounds: { type: "string", default: "3" },
    connections: { type: "string", default: "20" },
  },
});
const [mode, ...dirs] = positionals;

type LogModule = {
  createLogger(level: "info"): {
    info(f: Record<string, unknown>): void;
    child?(b: { requestId: string }): { info(f: Record<string, unknown>): void };
    flush?(): Promise<void>;
  };
};

/** In the child process: logs the lines, reports its CPU per line on stderr. */
async function linesRun(dir: string) {
  const { createLogger } = (await import(path.resolve(dir, "src/log.ts"))) as LogModule;
  const log = createLogger("info");
  const fields = { msg: "request", method: "POST", operation: "Probe", operationType: "query", status: 200 };
  const run = async (n: number) => {
    for (let i = 0; i < n; i += 20) {
      for (let j = 0; j < 20; j++) {
        const requestId = `00000000-0000-4000-8000-${String(i + j).padStart(12, "0")}`;
        if (log.child) log.child({ requestId }).info({ ...fields, durationMs: 1.2 });
        else log.info({ ...fields, requestId, durationMs: 1.2 });
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  await run(20_000);
  const start = process.cpuUsage();
  await run(200_000);
  await log.flush?.();
  const used = process.cpuUsage(start);
  process.stderr.write(`${((used.user + used.system) / 200_000).toFixed(2)}\n`);
}

async function lines(dir: string): Promise<string> {
  const child = spawn(process.execPath, ["--import", "tsx", import.meta.filename, "lines-run", dir], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout.resume();
  let err = "";
  child.stderr.on("data", (d) => {
    err += d;
  });
  await new Promise((resolve) => child.once("exit", resolve));
  return `${err.trim()} µs CPU per request line`;
}

/** utime + stime of a process, in milliseconds (clock ticks of 10 ms). */
async function cpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function service(dir: string): Promise<string> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "cp-log-cost-"));
  const child = spawn(process.execPath, [...serviceNodeFlags(dir), "dist/main.js"], {
    cwd: dir,
    env: {
      ...process.env,
      PORT: "0",
      LOG_LEVEL: "info",
      DATA_DIR: dataDir,
      ADMIN_TOKEN: randomBytes(16).toString("hex"),
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let buffer = "";
    const onData = (d: Buffer) => {
      buffer += d.toString();
      const line = buffer.split("\n").find((l) => l.includes('"listening"'));
      if (!line) return;
      child.stdout?.off("data", onData);
      child.stdout?.resume();
      resolve((JSON.parse(line) as { url: string }).url);
    };
    child.stdout?.on("data", onData);
    child.once("exit", (code) => reject(new Error(`server exited with ${code}`)));
  });
  const load = (amount: number) =>
    autocannon({
      url,
      method: "POST",
      connections: Number(args.connections),
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ __typename }" }),
      amount,
    });
  await load(3000); // warm-up: JIT, compiled documents
  const before = await cpuMs(child.pid as number);
  const r = await load(Number(args.requests));
  const used = (await cpuMs(child.pid as number)) - before;
  await new Promise((resolve) => {
    child.once("exit", resolve);
    child.kill("SIGTERM");
  });
  await rm(dataDir, { recursive: true, force: true });
  const perRequest = (used * 1000) / (r.requests.total || 1);
  return `${perRequest.toFixed(0)} µs CPU per request, ${r.requests.average.toFixed(0)} req/s, non-2xx ${r.non2xx}`;
}

if (mode === "lines-run") await linesRun(dirs[0] as string);
else if (mode === "lines" || mode === "service") {
  for (let round = 1; round <= Number(args.rounds); round++) {
    for (const dir of dirs) console.log(`round ${round} ${dir}: ${await (mode === "lines" ? lines : service)(dir)}`);
  }
} else {
  console.error("usage: npx tsx bench/log-cost.ts lines|service [--rounds N] [--requests N] DIR [DIR...]");
  process.exit(2);
}
