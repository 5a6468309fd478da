// npm run bench:scale [-- --sizes 1000,10000,100000] [--samples 100] [--sweep 10000] [--out BENCHMARKS.md] [--keep]
// For each size, on a PostgreSQL database of its own: migrates it (one server
// start), seeds N workspaces and their events with set-based SQL, starts the
// service (the bundle, a process of its own) and measures over HTTP the reads
// a canvas and the concierge make, its start-up time and idle memory. Then,
// on the largest data set, the sweep: `--sweep` ONLINE workspaces whose
// heartbeat deadline passes at once, with one and with two instances, timed
// from the deadline until every one is OFFLINE, their events counted.
// The figures are written to BENCHMARKS.md between markers (kept elsewhere).
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import { parseArgs } from "node:util";
import pg from "pg";
import type { SqlDriver } from "../src/db/database.js";
import registry from "../src/registry/default-registry.json" with { type: "json" };
import { foldStatusCounts } from "../src/workspaces/status-counts.js";
import { rssMb, type ServerProcess, startServer } from "./server-process.js";

const { values: args } = parseArgs({
  options: {
    sizes: { type: "string", default: "1000,10000,100000" },
    samples: { type: "string", default: "100" },
    sweep: { type: "string", default: "10000" },
    out: { type: "string", default: "BENCHMARKS.md" },
    keep: { type: "boolean", default: false },
  },
});
const SAMPLES = Number(args.samples);
const SWEEP_N = Number(args.sweep);
const PG_URL = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const ADMIN_TOKEN = randomBytes(32).toString("base64url");
const KEY = randomBytes(32).toString("base64");
/** Seeded times stay clear of the sweeps during the reads. */
const QUIET = { HEARTBEAT_TIMEOUT_SECONDS: "604800", PROVISION_TIMEOUT_SECONDS: "604800" };
const SWEEP_TIMEOUT_S = 10;

const sql = async <T extends pg.QueryResultRow>(url: string, text: string, params?: unknown[]) => {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(text, params)).rows;
  } finally {
    await c.end();
  }
};

async function createDatabase(): Promise<{ name: string; url: string }> {
  const name = `cp_scale_${randomBytes(4).toString("hex")}`;
  await sql(PG_URL, `CREATE DATABASE ${name}`);
  const u = new URL(PG_URL);
  u.pathname = `/${name}`;
  return { name, url: u.toString() };
}

/** Every (runtime, model, provider) the bundled registry offers, for realistic rows. */
const MODELS = registry.runtimes.flatMap((r) =>
  r.providers.flatMap((p) => p.models.slice(0, 3).map((m) => [r.name, m, p.provider, p.provider === "platform"])),
);

/**
 * N workspaces in one statement: 60 % ONLINE, 15 % OFFLINE, 10 %
 * PROVISIONING, 10 % FAILED, 5 % REMOVED; created over the last N seconds;
 * names from a few words and a number. Then their events, in creation
 * order: PROVISIONING for each, ONLINE for those that came up, and the last
 * change (OFFLINE, PROVISION_FAILED, REMOVED): about 2.2 per workspace.
 */
async function seed(url: string, n: number) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const cols = [0, 1, 2, 3].map((i) => MODELS.map((m) => m[i]));
  await c.query(
    `INSERT INTO "Workspace" (id, name, kind, runtime, model, provider, "platformBilled", status,
       "failureCode", "failureMessage", "failedAt", url, "deliveryMode", "agentCard", "lastHeartbeatAt", "heartbeatMarkAt",
       "provisioningStartedAt", "createdAt", "updatedAt")
     SELECT gen_random_uuid(),
       (ARRAY['research','support','billing','triage','deploy','review','scout','writer','Ops','QA'])[1 + i % 10]
         || '-' || (ARRAY['alpha','beta','gamma','delta','omega'])[1 + (i / 10) % 5] || '-' || i,
       'WORKSPACE', ($2::text[])[k], ($3::text[])[k], ($4::text[])[k], ($5::boolean[])[k], s::"WorkspaceStatus",
       CASE WHEN s = 'FAILED' THEN 'PROVISION_TIMEOUT' END,
       CASE WHEN s = 'FAILED' THEN 'No agent registered in time.' END,
       CASE WHEN s = 'FAILED' THEN created + interval '720 s' END,
       CASE WHEN s IN ('ONLINE','OFFLINE') THEN 'https://agents.example/' || i || '/a2a' END,
       CASE WHEN s IN ('ONLINE','OFFLINE') THEN 'PUSH'::"DeliveryMode" END,
       CASE WHEN s IN ('ONLINE','OFFLINE') THEN jsonb_build_object('name', 'agent ' || i, 'skills', jsonb_build_array('code','search')) END,
       CASE WHEN s = 'ONLINE' THEN now() - (i % 60) * interval '1 s'
            WHEN s = 'OFFLINE' THEN now() - interval '1 day' END,
       CASE WHEN s = 'ONLINE' THEN now() - (i % 60) * interval '1 s'
            WHEN s = 'OFFLINE' THEN now() - interval '1 day' END,
       CASE WHEN s = 'PROVISIONING' THEN now() ELSE created END,
       created, created
     FROM generate_series(1, $1::int) AS i,
       LATERAL (SELECT 1 + (i * 7) % cardinality($2::text[]) AS k,
                       now() - ($1::int - i) * interval '1 s' AS created,
                       CASE WHEN i % 100 < 60 THEN 'ONLINE' WHEN i % 100 < 75 THEN 'OFFLINE'
                            WHEN i % 100 < 85 THEN 'PROVISIONING' WHEN i % 100 < 95 THEN 'FAILED'
                            ELSE 'REMOVED' END AS s) AS x`,
    [n, ...cols],
  );
  await c.query(
    `INSERT INTO "WorkspaceEvent" ("workspaceId", type, status, at)
     SELECT id, 'WORKSPACE_PROVISIONING', 'PROVISIONING', "createdAt" FROM "Workspace" ORDER BY "createdAt"`,
  );
  await c.query(
    `INSERT INTO "WorkspaceEvent" ("workspaceId", type, status, at)
     SELECT id, 'WORKSPACE_ONLINE', 'ONLINE', "createdAt" + interval '20 s' FROM "Workspace"
     WHERE status IN ('ONLINE','OFFLINE') OR (status = 'REMOVED' AND url IS NULL) ORDER BY "createdAt"`,
  );
  await c.query(
    `INSERT INTO "WorkspaceEvent" ("workspaceId", type, status, code, at)
     SELECT id, (CASE status WHEN 'OFFLINE' THEN 'WORKSPACE_OFFLINE' WHEN 'FAILED' THEN 'WORKSPACE_PROVISION_FAILED'
                 ELSE 'WORKSPACE_REMOVED' END)::"WorkspaceEventType", status,
            CASE WHEN status = 'FAILED' THEN 'PROVISION_TIMEOUT' END, "createdAt" + interval '1 h'
     FROM "Workspace" WHERE status IN ('OFFLINE','FAILED','REMOVED') ORDER BY "createdAt"`,
  );
  // What the service's sweep loop does within SWEEP_INTERVAL_MS of a bulk
  // insert: fold the trigger's N rows of +1 into one per (kind, runtime,
  // status), so the reads measure the steady state, not that one-off fold.
  await foldStatusCounts({ sql: { query: async (text: string) => (await c.query(text)).rows } as SqlDriver });
  // What autovacuum does within a minute of a bulk insert: statistics, and the
  // visibility map that lets counts scan an index alone.
  await c.query(`VACUUM ANALYZE`);
  const [{ events }] = (await c.query<{ events: string }>(`SELECT count(*)::text AS events FROM "WorkspaceEvent"`))
    .rows as [{ events: string }];
  await c.end();
  return Number(events);
}

async function gql(url: string, query: string, variables?: unknown) {
  const res = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN_TOKEN}` },
    body: JSON.stringify({ query, variables }),
  });
  const json = (await res.json()) as { data?: any; errors?: unknown[] };
  if (json.errors) throw new Error(JSON.stringify(json.errors));
  return json.data;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;

/** One request at a time: the latency of a read on a quiet server, over HTTP on loopback. */
async function timeRead(url: string, query: string, variables?: unknown) {
  for (let i = 0; i < 10; i++) await gql(url, query, variables);
  const ms: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const t0 = performance.now();
    await gql(url, query, variables);
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  return { p50: percentile(ms, 0.5), p95: percentile(ms, 0.95) };
}

const PAGE = `totalCount countsByStatus { status count } edges { node { id name status runtimeDisplayName providerDisplayName lastHeartbeatAt } } pageInfo { hasNextPage endCursor }`;
const READS: { name: string; query: string; variables?: (ctx: { workspaceId: string }) => unknown }[] = [
  { name: "canvas list (first 50, totalCount, countsByStatus)", query: `{ workspaces(first: 50) { ${PAGE} } }` },
  {
    name: "the same page without the counts",
    query: `{ workspaces(first: 50) { edges { node { id name status runtimeDisplayName providerDisplayName lastHeartbeatAt } } pageInfo { hasNextPage endCursor } } }`,
  },
  {
    name: "filter by status (FAILED)",
    query: `{ workspaces(first: 50, statuses: [FAILED]) { ${PAGE} } }`,
  },
  {
    name: "filter by several statuses (ONLINE, OFFLINE)",
    query: `{ workspaces(first: 50, statuses: [ONLINE, OFFLINE]) { ${PAGE} } }`,
  },
  { name: 'name search ("gamma-4")', query: `{ workspaces(first: 50, search: "gamma-4") { ${PAGE} } }` },
  { name: "order by name", query: `{ workspaces(first: 50, orderBy: { field: NAME, direction: ASC }) { ${PAGE} } }` },
  {
    name: "order by last heartbeat, newest first",
    query: `{ workspaces(first: 50, orderBy: { field: LAST_HEARTBEAT_AT, direction: DESC }) { ${PAGE} } }`,
  },
  {
    name: "order by last heartbeat, oldest first",
    query: `{ workspaces(first: 50, orderBy: { field: LAST_HEARTBEAT_AT, direction: ASC }) { ${PAGE} } }`,
  },
  {
    name: "order by last heartbeat, filtered to FAILED",
    query: `{ workspaces(first: 50, status: FAILED, orderBy: { field: LAST_HEARTBEAT_AT, direction: DESC }) { ${PAGE} } }`,
  },
  {
    name: "order by status, filtered to ONLINE and FAILED",
    query: `{ workspaces(first: 50, statuses: [ONLINE, FAILED], orderBy: { field: STATUS, direction: ASC }) { ${PAGE} } }`,
  },
  {
    name: "activity: newest 20 events of all",
    query: `{ workspaceEvents(last: 20) { headCursor edges { cursor node { type workspaceId status at } } } }`,
  },
  {
    name: "one workspace's events (newest 20)",
    query: `query($id: ID!) { workspaceEvents(workspaceId: $id, last: 20) { headCursor edges { cursor node { type status at } } } }`,
    variables: ({ workspaceId }) => ({ id: workspaceId }),
  },
  { name: "discovery: offeredModels", query: `{ offeredModels { model provider platformBilled } }` },
];

type SizeResult = {
  n: number;
  events: number;
  seedMs: number;
  startMs: number;
  idleRssMb: number;
  reads: { name: string; p50: number; p95: number }[];
};

async function measureSize(n: number): Promise<{ result: SizeResult; db: { name: string; url: string } }> {
  const db = await createDatabase();
  const env = { ADMIN_TOKEN, SECRETS_ENCRYPTION_KEY: KEY, DATABASE_URL: db.url, ...QUIET };
  await (await startServer(env)).stop(); // applies the migrations
  const s0 = performance.now();
  const events = await seed(db.url, n);
  const seedMs = performance.now() - s0;
  const server = await startServer(env);
  await new Promise((r) => setTimeout(r, 2_000));
  const idleRssMb = rssMb(server.pid);
  const [{ id: workspaceId }] = (await sql<{ id: string }>(
    db.url,
    `SELECT id::text FROM "Workspace" WHERE status = 'OFFLINE' ORDER BY "createdAt" DESC LIMIT 1`,
  )) as [{ id: string }];
  const reads = [];
  for (const r of READS) {
    const t = await timeRead(server.url, r.query, r.variables?.({ workspaceId }));
    reads.push({ name: r.name, ...t });
    console.log(`[${n}] ${r.name}: p50 ${t.p50.toFixed(1)} ms, p95 ${t.p95.toFixed(1)} ms`);
  }
  await server.stop();
  const result = { n, events, seedMs, startMs: server.startedInMs, idleRssMb, reads };
  console.log(
    `[${n}] seeded in ${seedMs.toFixed(0)} ms (${events} events); start ${result.startMs.toFixed(0)} ms, idle RSS ${idleRssMb.toFixed(0)} MB`,
  );
  return { result, db };
}

type SweepResult = {
  instances: number;
  n: number;
  lastOfflineMs: number;
  offline: number;
  events: number;
  workspacesWithEvent: number;
};

/**
 * `count` ONLINE workspaces of the data set whose deadline passes together:
 * every other ONLINE row heartbeats in the future (never due); the chosen
 * ones get lastHeartbeatAt = deadline - timeout. Polls until all are OFFLINE.
 */
async function measureSweep(dbUrl: string, count: number, instances: number): Promise<SweepResult> {
  const env = {
    ADMIN_TOKEN,
    SECRETS_ENCRYPTION_KEY: KEY,
    DATABASE_URL: dbUrl,
    HEARTBEAT_TIMEOUT_SECONDS: String(SWEEP_TIMEOUT_S),
    PROVISION_TIMEOUT_SECONDS: QUIET.PROVISION_TIMEOUT_SECONDS,
  };
  const c = new pg.Client({ connectionString: dbUrl });
  await c.connect();
  await c.query(`UPDATE "Workspace" SET status = 'ONLINE' WHERE url LIKE 'sweep:%'`);
  await c.query(
    `UPDATE "Workspace" SET "lastHeartbeatAt" = now() + interval '1 day', "heartbeatMarkAt" = now() + interval '1 day'
     WHERE status = 'ONLINE'`,
  );
  await c.query(
    `UPDATE "Workspace" SET url = 'sweep:' || id WHERE id IN (
       SELECT id FROM "Workspace" WHERE status = 'ONLINE' ORDER BY "createdAt" LIMIT $1)`,
    [count],
  );
  const servers: ServerProcess[] = [];
  for (let i = 0; i < instances; i++) servers.push(await startServer(env));
  const [{ mark }] = (
    await c.query<{ mark: string }>(`SELECT COALESCE(max(seq), 0)::text AS mark FROM "WorkspaceEvent"`)
  ).rows as [{ mark: string }];
  // The deadline 3 s from now, on the database's clock, which the sweeps compare against too.
  const [{ deadline }] = (
    await c.query<{ deadline: Date }>(
      `UPDATE "Workspace" SET "lastHeartbeatAt" = now() + interval '3 s' - $1 * interval '1 s',
         "heartbeatMarkAt" = now() + interval '3 s' - $1 * interval '1 s'
       WHERE url LIKE 'sweep:%' RETURNING "lastHeartbeatAt" + $1 * interval '1 s' AS deadline`,
      [SWEEP_TIMEOUT_S],
    )
  ).rows as [{ deadline: Date }];
  let offline = 0;
  let lastOfflineMs = Number.NaN;
  const giveUp = deadline.getTime() + 60_000;
  while (Date.now() < giveUp) {
    const [row] = (
      await c.query<{ offline: number }>(
        `SELECT count(*)::int AS offline FROM "Workspace" WHERE url LIKE 'sweep:%' AND status = 'OFFLINE'`,
      )
    ).rows as [{ offline: number }];
    offline = row.offline;
    if (offline >= count) {
      lastOfflineMs = Date.now() - deadline.getTime();
      break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const [ev] = (
    await c.query<{ events: number; workspaces: number }>(
      `SELECT count(*)::int AS events, count(DISTINCT "workspaceId")::int AS workspaces
       FROM "WorkspaceEvent" WHERE seq > $1 AND type = 'WORKSPACE_OFFLINE'`,
      [mark],
    )
  ).rows as [{ events: number; workspaces: number }];
  for (const s of servers) await s.stop();
  await c.end();
  const r = { instances, n: count, lastOfflineMs, offline, events: ev.events, workspacesWithEvent: ev.workspaces };
  console.log(`[sweep ×${instances}] ${JSON.stringify(r)}`);
  return r;
}

function report(sizes: SizeResult[], sweeps: SweepResult[], machine: string[]) {
  const L: string[] = [];
  L.push("<!-- bench:scale -->", "## Scale: 1,000 to 100,000 workspaces (`npm run bench:scale`)", "");
  L.push(...machine, "");
  L.push(
    "Each size on a PostgreSQL database of its own, seeded with set-based SQL (60 % ONLINE, 15 % OFFLINE, 10 % PROVISIONING, 10 % FAILED, 5 % REMOVED; models from the bundled registry; about 2.2 events per workspace). The reads go through the started service (the bundle, its own process) over HTTP on loopback with the admin token, one at a time, 10 warm-up then " +
      `${SAMPLES} timed; the times are the client's, HTTP and GraphQL included.`,
    "",
  );
  const head = sizes.map((s) => `${s.n.toLocaleString("en")}`);
  L.push(`| p50 / p95 ms | ${head.join(" | ")} |`, `|---|${head.map(() => "---:").join("|")}|`);
  for (let i = 0; i < READS.length; i++) {
    const cells = sizes.map((s) => `${s.reads[i]?.p50.toFixed(1)} / ${s.reads[i]?.p95.toFixed(1)}`);
    L.push(`| ${READS[i]?.name} | ${cells.join(" | ")} |`);
  }
  L.push(`| events in the record | ${sizes.map((s) => s.events.toLocaleString("en")).join(" | ")} |`);
  L.push(`| seeding (SQL) ms | ${sizes.map((s) => s.seedMs.toFixed(0)).join(" | ")} |`);
  L.push(`| start-up to listening ms | ${sizes.map((s) => s.startMs.toFixed(0)).join(" | ")} |`);
  L.push(`| idle RSS MB (2 s after start) | ${sizes.map((s) => s.idleRssMb.toFixed(0)).join(" | ")} |`, "");
  if (sweeps.length) {
    L.push(
      `Sweep: ${SWEEP_N.toLocaleString("en")} ONLINE workspaces among the ${sizes.at(-1)?.n.toLocaleString("en")} whose heartbeat deadline passes at the same instant (\`HEARTBEAT_TIMEOUT_SECONDS=${SWEEP_TIMEOUT_S}\`, the default \`SWEEP_INTERVAL_MS\` 5000); time from the deadline until a poll (every 100 ms, from outside) finds every one OFFLINE; then their \`WORKSPACE_OFFLINE\` events counted. SPEC 6: within 10 s.`,
      "",
      "| instances | OFFLINE | events | workspaces with an event | deadline → last OFFLINE |",
      "|---:|---:|---:|---:|---:|",
    );
    for (const s of sweeps) {
      L.push(
        `| ${s.instances} | ${s.offline} | ${s.events} | ${s.workspacesWithEvent} | ${(s.lastOfflineMs / 1000).toFixed(2)} s |`,
      );
    }
    L.push("");
  }
  L.push("<!-- /bench:scale -->");
  return L.join("\n");
}

async function main() {
  execFileSync(process.execPath, ["scripts/build.mjs"], { stdio: "inherit" });
  const pgVersion = (await sql<{ v: string }>(PG_URL, "SELECT current_setting('server_version') AS v"))[0]?.v;
  const machine = [
    `Machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? "CPU"}, Node ${process.version}, PostgreSQL ${pgVersion}; load average at the start ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(", ")} (a machine shared with other engineers' builds and tests: figures vary with their load).`,
    `Command: \`${["npm run bench:scale", ...(process.argv.length > 2 ? ["--", ...process.argv.slice(2)] : [])].join(" ")}\`. Date: ${new Date().toISOString()}.`,
  ];
  const sizes: SizeResult[] = [];
  const dbs: { name: string; url: string }[] = [];
  for (const n of args.sizes.split(",").map(Number)) {
    const { result, db } = await measureSize(n);
    sizes.push(result);
    dbs.push(db);
  }
  const sweeps: SweepResult[] = [];
  const largest = dbs.at(-1);
  if (SWEEP_N > 0 && largest) {
    for (const instances of [1, 2]) sweeps.push(await measureSweep(largest.url, SWEEP_N, instances));
  }
  machine[0] += ` Load average at the end: ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(", ")}.`;
  // --keep: the seeded databases stay, for EXPLAIN ANALYZE by hand.
  for (const db of dbs) {
    if (args.keep) console.log(`kept ${db.url}`);
    else await sql(PG_URL, `DROP DATABASE IF EXISTS ${db.name} WITH (FORCE)`);
  }
  const md = report(sizes, sweeps, machine);
  const previous = await readFile(args.out, "utf8").catch(() => "");
  const start = previous.indexOf("<!-- bench:scale -->");
  const end = previous.indexOf("<!-- /bench:scale -->");
  const next =
    start >= 0 && end > start
      ? previous.slice(0, start) + md + previous.slice(end + "<!-- /bench:scale -->".length)
      : `${previous.trimEnd()}\n\n${md}\n`;
  await writeFile(args.out, next);
  console.log(md);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
