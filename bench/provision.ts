// Create → ONLINE latency on the `process` or `docker` backend (SPEC
// section 9): the control plane as `npm start` runs it, starting the
// reference agent for every workspace created (`docker`: the cp-agent image,
// which scripts/docker/build-node-image.sh builds from dist/agent.mjs). Latency per workspace = the WORKSPACE_ONLINE
// event's commit time minus the moment its createWorkspace request was sent
// (one machine, one clock).
//
//   npm run bench:provision                 PGlite in a fresh DATA_DIR
//   npm run bench:provision -- --postgres URL   on a PostgreSQL database (a fresh one)
//   --provisioner docker                   containers on DOCKER_HOST (default the local socket)
//   --batch N                              how many are created at once (default 50)
//   --singles N / --rounds N               how many one at a time (20), how many batches (3)
import { execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { LABELS } from "../src/provisioning/backend.js";
import { dockerClient } from "../src/provisioning/docker-engine.js";
import { startServer } from "./server-process.js";

const ROOT = path.resolve(import.meta.dirname, "..");
const adminToken = `bench-admin-${Date.now()}-provision`;
const args = process.argv.slice(2);
const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const postgres = option("--postgres");
const provisioner = option("--provisioner") ?? "process";
if (provisioner !== "process" && provisioner !== "docker") throw new Error("--provisioner is process or docker");
const batchSize = Number(option("--batch") ?? 50);
const singlesCount = Number(option("--singles") ?? 20);
const rounds = Number(option("--rounds") ?? 3);

async function gql<T>(url: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const res = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${adminToken}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: unknown };
  if (!body.data) throw new Error(`GraphQL error: ${JSON.stringify(body.errors)}`);
  return body.data;
}

const CREATE = `mutation($name: String!) { createWorkspace(input: { name: $name }) {
  __typename ... on CreateWorkspaceSuccess { workspace { id } } ... on Error { code message } } }`;
const STATUSES = `query($first: Int) { workspaces(first: $first, status: ONLINE) { edges { node { id } } } }`;
const EVENTS = `query($id: ID!) { workspaceEvents(workspaceId: $id, first: 20) { edges { node { type at } } } }`;
const REMOVE = `mutation($id: ID!) { removeWorkspace(id: $id) { __typename } }`;

type Created = { id: string; sentAt: number };

async function create(url: string, name: string): Promise<Created> {
  const sentAt = Date.now();
  const r = await gql<{ createWorkspace: { __typename: string; workspace?: { id: string } } }>(url, CREATE, { name });
  if (!r.createWorkspace.workspace) throw new Error(JSON.stringify(r.createWorkspace));
  return { id: r.createWorkspace.workspace.id, sentAt };
}

async function waitOnline(url: string, ids: string[]) {
  const wanted = new Set(ids);
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const r = await gql<{ workspaces: { edges: { node: { id: string } }[] } }>(url, STATUSES, { first: 100 });
    const online = new Set(r.workspaces.edges.map((e) => e.node.id));
    if ([...wanted].every((id) => online.has(id))) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error("not every workspace came ONLINE within 120 s");
}

type Latency = { total: number; toStarted: number };

/** create → ONLINE, and its first part: create → WORKSPACE_RUNTIME_STARTED (the control plane's share). */
async function latencies(url: string, created: Created[]): Promise<Latency[]> {
  return Promise.all(
    created.map(async ({ id, sentAt }) => {
      const r = await gql<{ workspaceEvents: { edges: { node: { type: string; at: string } }[] } }>(url, EVENTS, {
        id,
      });
      const at = (type: string) => {
        const e = r.workspaceEvents.edges.find((x) => x.node.type === type);
        if (!e) throw new Error(`no ${type} for ${id}`);
        return new Date(e.node.at).getTime() - sentAt;
      };
      return { total: at("WORKSPACE_ONLINE"), toStarted: at("WORKSPACE_RUNTIME_STARTED") };
    }),
  );
}

async function removeAll(url: string, created: Created[]) {
  await Promise.all(created.map(({ id }) => gql(url, REMOVE, { id })));
  if (provisioner === "docker") await containersGone(created.map((c) => c.id));
}

/** Docker: until the engine holds no container of these workspaces (the next round starts on a quiet engine, and none is left behind). */
async function containersGone(ids: string[]) {
  const docker = dockerClient(process.env.DOCKER_HOST ?? "unix:///var/run/docker.sock");
  const wanted = new Set(ids);
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const listed = await docker.listContainers({ all: true, filters: { label: [LABELS.workspaceId] } });
    if (!listed.some((c) => wanted.has(c.Labels[LABELS.workspaceId] ?? ""))) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error("containers of removed workspaces still on the engine after 120 s");
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] as number;
};

async function main() {
  execFileSync(process.execPath, ["scripts/build.mjs"], { cwd: ROOT });
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "cp-bench-provision-"));
  const docker: Record<string, string> = {};
  if (provisioner === "docker") {
    // The image of the agent just built (a no-op when it is current).
    execFileSync("bash", ["scripts/docker/build-node-image.sh", "dist/agent.mjs"], { cwd: ROOT, stdio: "inherit" });
    docker.PROVISIONER_CONFIG = path.join(dataDir, "provisioner.json");
    await writeFile(docker.PROVISIONER_CONFIG, JSON.stringify({ default: { image: "cp-agent:latest" } }));
  }
  const server = await startServer({
    PROVISIONER: provisioner,
    ...docker,
    DATA_DIR: dataDir,
    ADMIN_TOKEN: adminToken,
    // Every runtime dials from 127.0.0.1, like this client: 50 bootstraps at
    // once would exceed the per-address bootstrap budget (60/min, burst 30),
    // and revoked runtimes' last heartbeats count as failed credentials.
    RATE_LIMIT_BOOTSTRAPS_PER_MINUTE: "0",
    RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: "0",
    ...(postgres ? { DATABASE_URL: postgres, SECRETS_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString("base64") } : {}),
  });
  try {
    const single: Latency[] = [];
    const singles: Created[] = [];
    for (let i = 0; i < singlesCount; i++) {
      const c = await create(server.url, `single-${i}`);
      await waitOnline(server.url, [c.id]);
      singles.push(c);
      single.push(...(await latencies(server.url, [c])));
    }
    await removeAll(server.url, singles);

    const batch: Latency[] = [];
    for (let round = 0; round < rounds; round++) {
      await new Promise((resolve) => setTimeout(resolve, 3_000)); // the previous round's runtimes stop
      const created = await Promise.all(
        Array.from({ length: batchSize }, (_, i) => create(server.url, `batch-${round}-${i}`)),
      );
      await waitOnline(
        server.url,
        created.map((c) => c.id),
      );
      batch.push(...(await latencies(server.url, created)));
      await removeAll(server.url, created);
    }
    const row = (label: string, ls: Latency[]) => {
      const xs = ls.map((l) => l.total);
      const ys = ls.map((l) => l.toStarted);
      return `| ${label} | ${xs.length} | ${pct(xs, 50)} | ${pct(xs, 95)} | ${Math.max(...xs)} | ${pct(ys, 50)} | ${pct(ys, 95)} |`;
    };
    console.log(
      `Provisioner: ${provisioner}; database: ${postgres ? "PostgreSQL" : "PGlite"}; node ${process.version}; ${os.cpus().length} × ${os.cpus()[0]?.model}`,
    );
    console.log(
      "| created | workspaces measured | create → ONLINE median ms | p95 ms | max ms | create → runtime started median ms | p95 ms |",
    );
    console.log("|---|---:|---:|---:|---:|---:|---:|");
    console.log(row(`1 at a time (${singlesCount} in sequence)`, single));
    console.log(row(`${batchSize} at once (${rounds} rounds)`, batch));
  } finally {
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
