import { fork } from "node:child_process";
import path from "node:path";
import type { FromSubscribers, SubscribersJob, ToSubscribers } from "./fanout-subscribers.js";
import { cpuMs, gqlCall, rssMb } from "./server-process.js";

export type FanoutResult = {
  subscribers: number;
  instances: number;
  medianMs: number;
  p95Ms: number;
  maxMs: number;
  allDelivered: boolean;
  kbPerSubscriber: number;
  /** Each round's p95, in order: a slow round (a collection, a first event) shows apart from the pooled figure. */
  roundP95Ms: number[];
  /** CPU per delivered event and subscriber, in µs: the servers' (summed) and this load generator's. */
  serverCpuUsPerDelivery: number;
  clientCpuUsPerDelivery: number;
};

/**
 * Every subscriber comes from this one address, all at once: the per-address
 * and pending-handshake bounds (10 and 1,000 by default) would refuse them with 503.
 */
export const FANOUT_WS_BOUNDS = {
  WS_MAX_CONNECTIONS: "100000",
  WS_MAX_PENDING_CONNECTIONS: "100000",
  WS_MAX_PENDING_PER_ADDRESS: "100000",
};

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;

/** Subscribers per load-generator process: a process may hold 20,000 files here. */
const PER_PROCESS = 10_000;

/** A process holding a share of the subscribers, driven over IPC. */
function subscriberProcess() {
  const child = fork(path.join(import.meta.dirname, "fanout-subscribers.ts"), [], {
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const waiting: ((m: FromSubscribers) => void)[] = [];
  child.on("message", (m: FromSubscribers) => waiting.shift()?.(m));
  const ask = (m: ToSubscribers) =>
    new Promise<FromSubscribers>((resolve, reject) => {
      waiting.push((answer) => (answer.kind === "failed" ? reject(new Error(answer.error)) : resolve(answer)));
      child.send(m);
    });
  return {
    pid: child.pid as number,
    start: (job: SubscribersJob) => ask({ kind: "start", job }),
    round: (round: number) => child.send({ kind: "round", round } satisfies ToSubscribers),
    count: async () => ((await ask({ kind: "count" })) as { n: number }).n,
    receipts: async () => ((await ask({ kind: "receipts" })) as { times: number[] }).times,
    stop: () => child.kill(),
  };
}

const now = () => performance.timeOrigin + performance.now();

/**
 * N graphql-ws clients subscribe to one workspace, spread evenly over the
 * instances' URLs and held by load-generator processes of up to 10,000 each;
 * the workspace is restarted through the first instance (one status change,
 * one event) and the time from the mutation's start to each client's
 * receipt is measured, over a few rounds. With several instances the event
 * reaches the others through Redis, as in production.
 */
export async function measureFanout(opts: {
  url: string;
  /** Where subscribers connect, round-robin (default: url). */
  subscriberUrls?: string[];
  adminToken: string;
  /** Each subscriber's credential (default: the admin token for all), e.g. a JWT of its own. */
  credential?: (i: number) => string;
  subscribers: number;
  serverPids: number[];
  rounds: number;
  /** A quiet spell before each round, in ms (a canvas's events come minutes apart; caches age). */
  pauseMs?: number;
  /** The subscribers' graphql-ws client (bench/fanout-subscribers.ts); lean by default. */
  client?: SubscribersJob["client"];
}): Promise<FanoutResult> {
  const { url, adminToken, subscribers } = opts;
  const created = await gqlCall(
    url,
    adminToken,
    `mutation { createWorkspace(input: { name: "fanout" }) { ... on CreateWorkspaceSuccess { workspace { id } } } }`,
  );
  const workspaceId = created.createWorkspace.workspace.id as string;
  const register = `mutation($id: ID!) { registerWorkspace(input: { workspaceId: $id }) { __typename } }`;
  // ONLINE first, so that each restart below is a status change (one event).
  await gqlCall(url, null, register, { id: workspaceId });
  const rss = () => opts.serverPids.reduce((sum, pid) => sum + rssMb(pid), 0);
  const serverCpu = () => opts.serverPids.reduce((sum, pid) => sum + cpuMs(pid), 0);
  const before = rss();
  const shares = Array.from({ length: Math.ceil(subscribers / PER_PROCESS) }, subscriberProcess);
  const clientCpu = () => shares.reduce((sum, s) => sum + cpuMs(s.pid), 0);
  try {
    await Promise.all(
      shares.map((share, k) => {
        const first = k * PER_PROCESS;
        const n = Math.min(PER_PROCESS, subscribers - first);
        return share.start({
          urls: opts.subscriberUrls ?? [url],
          credentials: Array.from({ length: n }, (_, i) => opts.credential?.(first + i) ?? adminToken),
          first,
          workspaceId,
          client: opts.client ?? "lean",
        });
      }),
    );
    // Let every subscription reach the server's feed before the first change.
    await new Promise((r) => setTimeout(r, 1_000 + subscribers / 5));
    const after = rss();
    const received = async () => (await Promise.all(shares.map((s) => s.count()))).reduce((a, b) => a + b, 0);
    const waitFor = async (n: number) => {
      const deadline = Date.now() + 10_000;
      while ((await received()) < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    };

    const latencies: number[] = [];
    const roundP95Ms: number[] = [];
    let allDelivered = true;
    let serverSpent = 0;
    let clientSpent = 0;
    let delivered = 0;
    for (let round = 0; round < opts.rounds; round++) {
      if (opts.pauseMs) await new Promise((r) => setTimeout(r, opts.pauseMs));
      for (const s of shares) s.round(round);
      await received(); // every share has switched rounds (IPC keeps order)
      const cpu0 = serverCpu();
      const own0 = clientCpu();
      const t0 = now();
      await gqlCall(url, adminToken, `mutation($id: ID!) { restartWorkspace(id: $id) { __typename } }`, {
        id: workspaceId,
      });
      await waitFor(subscribers);
      serverSpent += serverCpu() - cpu0;
      clientSpent += clientCpu() - own0;
      const got = (await Promise.all(shares.map((s) => s.receipts()))).flat();
      delivered += got.length;
      if (got.length < subscribers) allDelivered = false;
      const thisRound = got.map((t) => t - t0).sort((a, b) => a - b);
      roundP95Ms.push(Math.round(percentile(thisRound, 0.95)));
      latencies.push(...thisRound);
      // The agent bootstraps (restart revoked its token): ONLINE, so the next restart is a change again.
      await gqlCall(url, null, register, { id: workspaceId });
      await waitFor(2 * subscribers);
    }
    latencies.sort((a, b) => a - b);
    return {
      subscribers,
      instances: opts.serverPids.length,
      medianMs: percentile(latencies, 0.5),
      p95Ms: percentile(latencies, 0.95),
      maxMs: latencies[latencies.length - 1] ?? 0,
      roundP95Ms,
      allDelivered,
      kbPerSubscriber: ((after - before) * 1024) / subscribers,
      serverCpuUsPerDelivery: Math.round((serverSpent * 1000) / Math.max(1, delivered)),
      clientCpuUsPerDelivery: Math.round((clientSpent * 1000) / Math.max(1, delivered)),
    };
  } finally {
    for (const s of shares) s.stop();
  }
}

/**
 * `npx tsx bench/fanout.ts [--subscribers 10000] [--rounds 5] [--instances 1] [--root DIR] [--jwt] [--client lean|graphql-ws] [--pause SECONDS]`:
 * the service on a PostgreSQL database of its own, one instance or several
 * sharing Redis (BENCH_REDIS_URL), and the measurement above. `--root` runs
 * another checkout's build (after `node scripts/build.mjs` there), to compare.
 */
async function main() {
  const { parseArgs } = await import("node:util");
  const { randomBytes } = await import("node:crypto");
  const pg = (await import("pg")).default;
  const { startServer } = await import("./server-process.js");
  const { values } = parseArgs({
    options: {
      subscribers: { type: "string", default: "10000" },
      rounds: { type: "string", default: "5" },
      instances: { type: "string", default: "1" },
      root: { type: "string" },
      // Each subscriber a canvas user of its own: a viewer JWT (RS256) with its own subject.
      jwt: { type: "boolean", default: false },
      // The subscribers' client: "lean" (ws and JSON) or "graphql-ws" (its own client, heavier).
      client: { type: "string", default: "lean" },
      // Seconds of quiet before each round: what an event meets after a lull (caches age, V8 shrinks its heap).
      pause: { type: "string", default: "0" },
    },
  });
  const base = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
  const name = `cp_fanout_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const u = new URL(base);
  u.pathname = `/${name}`;
  const adminToken = randomBytes(32).toString("base64url");
  const instances = Number(values.instances);
  const env = {
    ADMIN_TOKEN: adminToken,
    DATABASE_URL: u.toString(),
    SECRETS_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
    ...(instances > 1 ? { REDIS_URL: process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379" } : {}),
    ...FANOUT_WS_BOUNDS,
  };
  const users = values.jwt ? await canvasUsers(Number(values.subscribers.split(",").at(-1))) : null;
  if (users) Object.assign(env, users.env);
  const servers = [];
  try {
    // One after the other: the first applies the migrations.
    for (let i = 0; i < instances; i++) servers.push(await startServer(env, values.root));
    for (const n of values.subscribers.split(",").map(Number)) {
      const r = await measureFanout({
        url: (servers[0] as { url: string }).url,
        subscriberUrls: servers.map((s) => s.url),
        adminToken,
        ...(users ? { credential: (i: number) => users.tokens[i] as string } : {}),
        subscribers: n,
        serverPids: servers.map((s) => s.pid),
        rounds: Number(values.rounds),
        client: values.client === "graphql-ws" ? "graphql-ws" : "lean",
        pauseMs: Number(values.pause) * 1000,
      });
      console.log(JSON.stringify(r));
    }
  } finally {
    for (const s of servers) await s.stop();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

/** n viewer JWTs of distinct subjects, and the service's settings to verify them. */
async function canvasUsers(n: number) {
  const { generateKeyPairSync } = await import("node:crypto");
  const { SignJWT } = await import("jose");
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const env = {
    AUTH_JWT_PUBLIC_KEY: publicKey.export({ type: "spki", format: "pem" }).toString(),
    AUTH_ISSUER: "https://issuer.bench.test",
    AUTH_AUDIENCE: "control-plane",
  };
  const tokens: string[] = [];
  for (let i = 0; i < n; i++) {
    tokens.push(
      await new SignJWT({ roles: ["viewer"] })
        .setProtectedHeader({ alg: "RS256" })
        .setSubject(`user-${i}`)
        .setIssuer(env.AUTH_ISSUER)
        .setAudience(env.AUTH_AUDIENCE)
        .setIssuedAt()
        .setExpirationTime("2h")
        .sign(privateKey),
    );
  }
  return { env, tokens };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
