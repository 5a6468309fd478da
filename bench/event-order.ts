// npx tsx bench/event-order.ts [--instances 1,2,4] [--workspaces 64] [--connections 32] [--duration 10] [--out BENCHMARKS.md]
//   [--compare DIR --label NAME]   also run another checkout's bundle (built there) at each count, alternating with this one
// Status changes per second with 1, 2 and 4 instances on one PostgreSQL (issue
// 16 item 4). Each run gets a database of its own and K service processes
// sharing it (and Redis for the hints). Every request is a heartbeat that
// flips its workspace between DEGRADED and HEALTHY, so each one that lands
// records an event on the full path: the workspace's row lock, the change and
// its event in one transaction. The load is spread evenly over the instances.
// The figure is events recorded per second (read from the record), and the
// run checks what ordering promises: every event once, in one order.
import { randomBytes } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import pg from "pg";
import { gqlCall, type ServerProcess, startServer } from "./server-process.js";

const { values: args } = parseArgs({
  options: {
    instances: { type: "string", default: "1,2,4" },
    workspaces: { type: "string", default: "64" },
    connections: { type: "string", default: "32" },
    duration: { type: "string", default: "10" },
    out: { type: "string", default: "" },
    label: { type: "string", default: "" },
    compare: { type: "string", default: "" },
  },
});
const PG_URL = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const REDIS_URL = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";
const WORKSPACES = Number(args.workspaces);
const CONNECTIONS = Number(args.connections);
const DURATION = Number(args.duration);

const CREATE = `mutation($input: CreateWorkspaceInput!) { createWorkspace(input: $input) { ... on CreateWorkspaceSuccess { workspace { id } } } }`;
const REGISTER = `mutation($input: RegisterWorkspaceInput!) { registerWorkspace(input: $input) { ... on RegisterWorkspaceSuccess { authToken } } }`;
const HEARTBEAT = `mutation($input: HeartbeatInput!) { heartbeat(input: $input) { __typename } }`;

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

type Result = {
  build: string;
  instances: number;
  requests: number;
  events: number;
  eventsPerSecond: number;
  non2xx: number;
};

async function runOnce(instances: number, build: { name: string; dir?: string }): Promise<Result> {
  const dbName = `cp_order_${randomBytes(4).toString("hex")}`;
  await withClient(PG_URL, (c) => c.query(`CREATE DATABASE ${dbName}`));
  const u = new URL(PG_URL);
  u.pathname = `/${dbName}`;
  const env = {
    DATABASE_URL: u.toString(),
    REDIS_URL,
    ADMIN_TOKEN: `bench-admin-${randomBytes(12).toString("hex")}`,
    SECRETS_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
    RATE_LIMIT_BOOTSTRAPS_PER_MINUTE: "0",
    HEARTBEAT_TIMEOUT_SECONDS: "3600",
  };
  const servers: ServerProcess[] = [];
  try {
    // The first one migrates; the rest start on the migrated database.
    servers.push(await startServer(env, build.dir));
    for (let i = 1; i < instances; i++) servers.push(await startServer(env, build.dir));
    const first = servers[0] as ServerProcess;
    const agents: { workspaceId: string; token: string; degraded: boolean }[] = [];
    for (let i = 0; i < WORKSPACES; i++) {
      const c = await gqlCall(first.url, env.ADMIN_TOKEN, CREATE, { input: { name: `order-${i}` } });
      const workspaceId = c.createWorkspace.workspace.id as string;
      const r = await gqlCall(first.url, null, REGISTER, { input: { workspaceId } });
      agents.push({ workspaceId, token: r.registerWorkspace.authToken as string, degraded: false });
    }
    const before = await withClient(env.DATABASE_URL, (c) =>
      c.query(`SELECT count(*)::int AS n FROM "WorkspaceEvent"`),
    );
    let next = 0;
    const perInstance = Math.max(1, Math.floor(CONNECTIONS / instances));
    const runs = servers.map((server) =>
      autocannon({
        url: `${server.url}/graphql`,
        method: "POST",
        connections: perInstance,
        duration: DURATION,
        requests: [
          {
            setupRequest: (req) => {
              const agent = agents[next++ % agents.length] as (typeof agents)[number];
              agent.degraded = !agent.degraded;
              const state = agent.degraded ? { health: "DEGRADED", degradedReason: "bench" } : { health: "HEALTHY" };
              return {
                ...req,
                headers: { "content-type": "application/json", authorization: `Bearer ${agent.token}` },
                body: JSON.stringify({
                  query: HEARTBEAT,
                  variables: { input: { workspaceId: agent.workspaceId, state } },
                }),
              };
            },
          },
        ],
      }),
    );
    const results = await Promise.all(runs);
    const after = await withClient(env.DATABASE_URL, async (c) => {
      const count = await c.query(`SELECT count(*)::int AS n FROM "WorkspaceEvent"`);
      // Every subscriber reads the record in the feed's order: no row twice, none skipped.
      const dup = await c.query(
        `SELECT count(*)::int AS n FROM (SELECT seq FROM "WorkspaceEvent" GROUP BY seq HAVING count(*) > 1) d`,
      );
      return { n: count.rows[0].n as number, dup: dup.rows[0].n as number };
    });
    if (after.dup > 0) throw new Error(`${after.dup} duplicate positions in the record`);
    const events = after.n - (before.rows[0].n as number);
    return {
      build: build.name,
      instances,
      requests: results.reduce((s, r) => s + r.requests.total, 0),
      non2xx: results.reduce((s, r) => s + r.non2xx, 0),
      events,
      eventsPerSecond: Math.round(events / DURATION),
    };
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    await withClient(PG_URL, (c) => c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`));
  }
}

async function main() {
  const counts = args.instances.split(",").map(Number);
  const rows: Result[] = [];
  const builds: { name: string; dir?: string }[] = [{ name: "this checkout" }];
  if (args.compare) builds.push({ name: args.label || args.compare, dir: args.compare });
  for (const k of counts) {
    for (const build of builds) {
      const r = await runOnce(k, build);
      console.log(JSON.stringify(r));
      rows.push(r);
    }
  }
  const table = [
    "### Status changes per second by instance count",
    "",
    `${new Date().toISOString()} · ${os.cpus().length} × ${os.cpus()[0]?.model} · load ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(
        " ",
      )} · \`npx tsx bench/event-order.ts --instances ${args.instances} --workspaces ${WORKSPACES} --connections ${CONNECTIONS} --duration ${DURATION}${args.compare ? ` --compare ${args.compare}` : ""}\``,
    "",
    "| build | instances | heartbeats sent | events recorded | events/s | non-2xx |",
    "|---|---|---|---|---|---|",
    ...rows.map(
      (r) => `| ${r.build} | ${r.instances} | ${r.requests} | ${r.events} | ${r.eventsPerSecond} | ${r.non2xx} |`,
    ),
    "",
  ].join("\n");
  console.log(table);
  if (args.out) await writeFile(args.out, `${await readFile(args.out, "utf8")}\n${table}`);
}

await main();
