// npm run bench [-- --backend pglite|postgres|both] [--duration 10] [--connections 20] [--fanout 1000,5000]
//   [--observability]   also offeredModels and heartbeat with metrics off, on (the default), and on with traces
//   [--root DIR]        the service from another checkout's bundle (comparing two builds in one window)
// Starts, each as a process of its own, a bare node:http server answering a
// fixed JSON body, plain graphql-yoga answering `{ hello }`, and the service,
// then loads each over loopback with autocannon from this process. Results are printed and written to
// BENCHMARKS.md (machine, command and date included).
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import pg from "pg";
import { FANOUT_WS_BOUNDS, measureFanout } from "./fanout.js";
import { gqlCall, registersOfAgents, rssMb, type ServerProcess, startBaseline, startServer } from "./server-process.js";

const { values: args } = parseArgs({
  options: {
    backend: { type: "string", default: "both" },
    duration: { type: "string", default: "10" },
    connections: { type: "string", default: "20" },
    fanout: { type: "string", default: "1000,5000" },
    out: { type: "string", default: "BENCHMARKS.md" },
    observability: { type: "boolean", default: false },
    root: { type: "string" },
  },
});
const DURATION = Number(args.duration);
const CONNECTIONS = Number(args.connections);
const PG_URL = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

type Row = { name: string; rps: number; p50: number; p99: number; errors: number; non2xx: number };

async function load(name: string, opts: autocannon.Options): Promise<Row> {
  const r = await autocannon({ connections: CONNECTIONS, duration: DURATION, ...opts });
  return {
    name,
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors + r.timeouts,
    non2xx: r.non2xx,
  };
}

type Baselines = { bare: Row; bareShared: Row; yoga: Row };

/**
 * The baselines: the bare server and plain yoga's `{ hello }`, each in its
 * own process; and the bare server once more inside this process, sharing
 * the load generator's core, which is how a bare figure is often taken (and
 * a lower one: the ratios against it are shown beside).
 */
async function baselines(): Promise<Baselines> {
  const bareServer = await startBaseline("bare");
  const bareRow = await load("bare node:http (fixed JSON)", { url: `${bareServer.url}/` });
  await bareServer.stop();

  const body = JSON.stringify({ data: { hello: "world" } });
  const shared = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "application/json" }).end(body);
  });
  await new Promise<void>((r) => shared.listen(0, "127.0.0.1", r));
  const { port } = shared.address() as AddressInfo;
  const sharedRow = await load("bare node:http in the load generator's process", { url: `http://127.0.0.1:${port}/` });
  shared.close();

  const yogaServer = await startBaseline("yoga");
  const yogaRow = await load("plain graphql-yoga { hello } (defaults)", {
    url: `${yogaServer.url}/graphql`,
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query: "{ hello }" }),
  });
  await yogaServer.stop();
  return { bare: bareRow, bareShared: sharedRow, yoga: yogaRow };
}

const CREATE = `mutation($input: CreateWorkspaceInput!) { createWorkspace(input: $input) { __typename ... on CreateWorkspaceSuccess { workspace { id status } } } }`;
const REGISTER = `mutation($input: RegisterWorkspaceInput!) { registerWorkspace(input: $input) { __typename ... on RegisterWorkspaceSuccess { authToken workspace { id status } } } }`;
const HEARTBEAT = `mutation($input: HeartbeatInput!) { heartbeat(input: $input) { __typename ... on HeartbeatSuccess { workspace { id status } } } }`;
const OFFERED = `{ offeredModels { model provider platformBilled authEnv credentialSatisfied } }`;

type Backend = "pglite" | "postgres";

/**
 * An OTLP/HTTP receiver that accepts and drops every export, so a traced
 * service pays for building and sending its spans but nothing waits on a
 * collector. Runs in the load generator's process.
 */
async function startTraceSink(): Promise<{ url: string; spans: () => number; stop(): Promise<void> }> {
  let posts = 0;
  const sink = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      posts++;
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((r) => sink.listen(0, "127.0.0.1", r));
  const { port } = sink.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    spans: () => posts,
    stop: () => new Promise((r) => sink.close(() => r())),
  };
}

type Observed = { variant: string; offered: Row; heartbeat: Row };

/**
 * offeredModels and the heartbeat with metrics off, on (the default), and on
 * with traces exported to a sink: what observability costs the hot paths
 * (issue 15). Each variant is a service process of its own on fresh data.
 */
async function benchObservability(backend: Backend): Promise<Observed[]> {
  const sink = await startTraceSink();
  const variants: [string, Record<string, string>][] = [
    ["metrics off, no traces", { METRICS: "false" }],
    ["metrics on (default), no traces", {}],
    ["metrics on, traces exported", { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url }],
  ];
  const out: Observed[] = [];
  for (const [variant, extra] of variants) {
    const s = await startService(backend, extra);
    const offered = await load(`offeredModels (${variant})`, s.post(s.adminToken, OFFERED));
    const heartbeat = await load(
      `heartbeat (${variant})`,
      s.post(s.agentToken, HEARTBEAT, { input: { workspaceId: s.workspaceId } }),
    );
    await s.stop();
    out.push({ variant, offered, heartbeat });
  }
  if (sink.spans() === 0) throw new Error("the traced service exported nothing: the traces row would measure nothing");
  await sink.stop();
  return out;
}

/** Fresh data for one service (a PGlite directory, or a PostgreSQL database of its own), and its removal. */
async function freshData(backend: Backend, extra: Record<string, string>) {
  const adminToken = `bench-admin-${randomBytes(12).toString("hex")}`;
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "cp-bench-"));
  let dbName: string | null = null;
  const env: Record<string, string> = { ADMIN_TOKEN: adminToken, DATA_DIR: dataDir, ...extra };
  if (backend === "postgres") {
    dbName = `cp_bench_${randomBytes(4).toString("hex")}`;
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${dbName}`);
    await admin.end();
    const u = new URL(PG_URL);
    u.pathname = `/${dbName}`;
    env.DATABASE_URL = u.toString();
    env.SECRETS_ENCRYPTION_KEY = randomBytes(32).toString("base64");
  }
  const remove = async () => {
    await rm(dataDir, { recursive: true, force: true });
    if (!dbName) return;
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
  };
  return { adminToken, env, remove };
}

/**
 * The service on fresh data with one ONLINE workspace, its agent's token,
 * and request options for autocannon. `beforeLoad` sees the started server
 * first (start-up time, idle memory), before anything is created.
 */
async function startService(
  backend: Backend,
  extra: Record<string, string> = {},
  beforeLoad?: (server: ServerProcess & { startedInMs: number }, env: Record<string, string>) => Promise<ServerProcess>,
) {
  const { adminToken, env, remove } = await freshData(backend, extra);
  const started = await startServer(env, args.root);
  const server = beforeLoad ? await beforeLoad(started, env) : started;
  const { url } = server;
  const created = await gqlCall(url, adminToken, CREATE, { input: { name: "bench" } });
  const workspaceId = created.createWorkspace.workspace.id as string;
  const registered = await gqlCall(url, null, REGISTER, { input: { workspaceId } });
  const agentToken = registered.registerWorkspace.authToken as string;
  const post = (token: string, query: string, variables?: unknown): autocannon.Options => ({
    url: `${url}/graphql`,
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return {
    server,
    adminToken,
    agentToken,
    workspaceId,
    post,
    stop: async () => {
      await server.stop();
      await remove();
    },
  };
}

async function benchBackend(backend: Backend, base: Baselines) {
  // Start-up on a new, then on an existing data directory (PGlite), and idle memory.
  let startNewMs = 0;
  let startExistingMs = 0;
  let idleRssMb = 0;
  const service = await startService(backend, FANOUT_WS_BOUNDS, async (first, env) => {
    startNewMs = first.startedInMs;
    await first.stop();
    const again = await startServer(env, args.root);
    startExistingMs = again.startedInMs;
    await new Promise((r) => setTimeout(r, 1_000));
    idleRssMb = rssMb(again.pid);
    return again;
  });
  const { server, adminToken, agentToken, workspaceId, post } = service;
  const { url } = server;
  const rows: Row[] = [base.yoga];
  // The stack's own ceiling: the whole plugin chain and HTTP handling, no resolver work.
  rows.push(
    await load("{ __typename } (no token; the stack's floor)", {
      url: `${url}/graphql`,
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ __typename }" }),
    }),
  );
  rows.push(await load("offeredModels (admin token)", post(adminToken, OFFERED)));
  rows.push(await load("heartbeat (instance token)", post(agentToken, HEARTBEAT, { input: { workspaceId } })));
  // The runtime's state on every beat, its health unchanged: still the one statement.
  const state = { activeTasks: 2, currentTask: "bench task", errorRate: 0.01, version: "1.0.0" };
  rows.push(
    await load(
      "heartbeat with runtime state (instance token)",
      post(agentToken, HEARTBEAT, { input: { workspaceId, state } }),
    ),
  );
  rows.push(
    await load(
      "registerWorkspace (valid bearer)",
      post(agentToken, REGISTER, { input: { workspaceId, url: "https://agent.example/a2a" } }),
    ),
  );
  // Agents register their own workspace, so the common case is many rows, not one: each
  // request here goes to the next of 20 workspaces (the row above queues 20 connections on one row lock).
  const agents: { workspaceId: string; token: string }[] = [];
  for (let i = 0; i < 20; i++) {
    const c = await gqlCall(url, adminToken, CREATE, { input: { name: `bench-agent-${i}` } });
    const id = c.createWorkspace.workspace.id as string;
    const r = await gqlCall(url, null, REGISTER, { input: { workspaceId: id } });
    agents.push({ workspaceId: id, token: r.registerWorkspace.authToken as string });
  }
  rows.push(
    await load("registerWorkspace (valid bearer, 20 workspaces)", {
      url: `${url}/graphql`,
      method: "POST",
      requests: registersOfAgents(REGISTER, agents),
    }),
  );
  rows.push(
    await load("createWorkspace (platform-billed)", post(adminToken, CREATE, { input: { name: "bench-create" } })),
  );
  const loadedRssMb = rssMb(server.pid);

  const fanout = [];
  for (const n of args.fanout.split(",").filter(Boolean).map(Number)) {
    fanout.push(await measureFanout({ url, adminToken, subscribers: n, serverPids: [server.pid], rounds: 5 }));
  }

  await service.stop();
  const observed = args.observability ? await benchObservability(backend) : [];
  return { backend, base, rows, startNewMs, startExistingMs, idleRssMb, loadedRssMb, fanout, observed };
}

const fmt = (n: number, d = 0) => n.toFixed(d);

function report(results: Awaited<ReturnType<typeof benchBackend>>[]) {
  const lines: string[] = [];
  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  lines.push("# Benchmarks", "");
  lines.push(
    `Machine: ${os.cpus().length} × ${cpu}, ${fmt(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()}, Node ${process.version}.`,
  );
  lines.push(
    `Command: \`npm run bench -- ${process.argv.slice(2).join(" ")}\` (${DURATION} s per scenario, ${CONNECTIONS} connections, autocannon in the bench process; the service, the bare server and plain yoga each in a process of its own; loopback).`,
  );
  lines.push(`Date: ${new Date().toISOString()}.`, "");
  lines.push(
    "Ratios: `× bare` to the bare server in a process of its own; `× bare (shared)` to the same server run inside the load generator's process, sharing its core; `× plain yoga` to plain graphql-yoga answering `{ hello }` with its defaults.",
    "",
  );
  for (const r of results) {
    lines.push(`## ${r.backend === "pglite" ? "Embedded PGlite" : "PostgreSQL 15"}`, "");
    lines.push(
      "| scenario | req/s | × bare | × bare (shared) | × plain yoga | p50 ms | p99 ms | errors | non-2xx |",
      "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    );
    const { bare, bareShared, yoga } = r.base;
    for (const row of [bare, bareShared, ...r.rows]) {
      const ratios = [bare, bareShared, yoga].map((b) => fmt(row.rps / b.rps, 3)).join(" | ");
      lines.push(
        `| ${row.name} | ${fmt(row.rps)} | ${ratios} | ${row.p50} | ${row.p99} | ${row.errors} | ${row.non2xx} |`,
      );
    }
    lines.push("");
    lines.push(
      `Start-up to listening: new data ${fmt(r.startNewMs)} ms, existing data ${fmt(r.startExistingMs)} ms (process spawn of the bundled dist/main.js to its listening log line). Idle RSS ${fmt(r.idleRssMb)} MB; after the load ${fmt(r.loadedRssMb)} MB.`,
      "",
    );
    if (r.observed.length) {
      lines.push(
        "| observability | offeredModels req/s (× bare) | p99 ms | heartbeat req/s (× bare) | p99 ms |",
        "|---|---:|---:|---:|---:|",
      );
      for (const o of r.observed) {
        lines.push(
          `| ${o.variant} | ${fmt(o.offered.rps)} (${fmt(o.offered.rps / bare.rps, 3)}) | ${o.offered.p99} | ${fmt(o.heartbeat.rps)} (${fmt(o.heartbeat.rps / bare.rps, 3)}) | ${o.heartbeat.p99} |`,
        );
      }
      lines.push("");
    }
    if (r.fanout.length) {
      lines.push(
        "| graphql-ws subscribers of one workspace | delivery median ms | p95 ms | max ms | all delivered | RSS per subscriber KB | server CPU µs per delivery |",
        "|---:|---:|---:|---:|---|---:|---:|",
      );
      for (const f of r.fanout) {
        lines.push(
          `| ${f.subscribers} | ${fmt(f.medianMs, 1)} | ${fmt(f.p95Ms, 1)} | ${fmt(f.maxMs, 1)} | ${f.allDelivered ? "yes" : "NO"} | ${fmt(f.kbPerSubscriber, 1)} | ${f.serverCpuUsPerDelivery} |`,
        );
      }
      lines.push("");
    }
  }
  return lines.join("\n");
}

async function main() {
  execFileSync(process.execPath, ["scripts/build.mjs"], { stdio: "inherit" });
  const backends: Backend[] = args.backend === "both" ? ["pglite", "postgres"] : [args.backend as Backend];
  const results = [];
  for (const backend of backends) {
    const base = await baselines();
    console.log(`[${backend}] bare: ${fmt(base.bare.rps)} req/s`);
    const r = await benchBackend(backend, base);
    for (const row of r.rows)
      console.log(
        `[${backend}] ${row.name}: ${fmt(row.rps)} req/s (${fmt(row.rps / base.bare.rps, 3)}), p99 ${row.p99} ms`,
      );
    results.push(r);
  }
  // A hand-written reading of the figures, kept across runs below this heading.
  const KEPT = "\n## Reading these figures";
  const previous = await readFile(args.out, "utf8").catch(() => "");
  const kept = previous.includes(KEPT) ? previous.slice(previous.indexOf(KEPT)) : "";
  const md = report(results);
  await writeFile(args.out, `${md}\n${kept}`);
  console.log(md);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
