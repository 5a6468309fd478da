// npx tsx bench/register-cpu.ts [--duration 10] [--root DIR]
// registerWorkspace with a valid bearer on PostgreSQL: 20 connections, each
// request the next of 20 ONLINE workspaces with its own token, and the
// server's CPU per register (its /proc/<pid>/stat around the load), so two
// builds can be compared in one window (--root: another checkout's bundle).
import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import pg from "pg";
import { cpuMs, gqlCall, registersOfAgents, startServer } from "./server-process.js";

const { values: args } = parseArgs({
  options: { duration: { type: "string", default: "10" }, root: { type: "string" } },
});
const PG_URL = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const CREATE = `mutation($input: CreateWorkspaceInput!) { createWorkspace(input: $input) { ... on CreateWorkspaceSuccess { workspace { id } } } }`;
const REGISTER = `mutation($input: RegisterWorkspaceInput!) { registerWorkspace(input: $input) { __typename ... on RegisterWorkspaceSuccess { authToken workspace { id status } } } }`;

const db = `cp_bench_reg_${randomBytes(4).toString("hex")}`;
const admin = new pg.Client({ connectionString: PG_URL });
await admin.connect();
await admin.query(`CREATE DATABASE ${db}`);
const url = new URL(PG_URL);
url.pathname = `/${db}`;
const adminToken = randomBytes(24).toString("base64url");
const server = await startServer(
  {
    ADMIN_TOKEN: adminToken,
    DATABASE_URL: url.toString(),
    SECRETS_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
    DATA_DIR: `/tmp/${db}`,
  },
  args.root,
);
try {
  const agents: { workspaceId: string; token: string }[] = [];
  for (let i = 0; i < 20; i++) {
    const c = await gqlCall(server.url, adminToken, CREATE, { input: { name: `agent-${i}` } });
    const workspaceId = c.createWorkspace.workspace.id as string;
    const r = await gqlCall(server.url, null, REGISTER, { input: { workspaceId } });
    agents.push({ workspaceId, token: r.registerWorkspace.authToken as string });
  }
  const before = cpuMs(server.pid);
  const r = await autocannon({
    url: `${server.url}/graphql`,
    method: "POST",
    connections: 20,
    duration: Number(args.duration),
    requests: registersOfAgents(REGISTER, agents),
  });
  const cpuUs = ((cpuMs(server.pid) - before) * 1000) / r.requests.total;
  console.log(
    JSON.stringify({
      root: args.root ?? ".",
      registersPerSecond: r.requests.average,
      p50Ms: r.latency.p50,
      p99Ms: r.latency.p99,
      non2xx: r.non2xx,
      errors: r.errors,
      serverCpuUsPerRegister: Math.round(cpuUs),
    }),
  );
} finally {
  await server.stop();
  await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  await admin.end();
}
