import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import type { OnWorkspaceEventsSubscription } from "../gql/graphql.js";
import { type Doc, gqlHttp } from "../support/gql.js";
import { backend, randomKey } from "../support/harness.js";
import { CreateWorkspace, Heartbeat, ListEvents, RegisterWorkspace, RemoveWorkspace } from "../support/operations.js";
import { type PrivateRedis, startPrivateRedis } from "../support/redis-server.js";
import { type Connection, connect, OnWorkspaceEvents } from "../support/ws.js";

// Two API processes on one PostgreSQL and one Redis, as production runs
// them. Needs TEST_DATABASE_URL and TEST_REDIS_URL (CI sets both); runs in
// the postgres project only, once per run.
const databaseUrl = process.env.TEST_DATABASE_URL;
const redisUrl = process.env.TEST_REDIS_URL;
const enabled = Boolean(databaseUrl && redisUrl) && backend === "postgres";
const reason = !databaseUrl || !redisUrl ? "skipped: set TEST_DATABASE_URL and TEST_REDIS_URL" : "postgres project";

const root = path.resolve(import.meta.dirname, "../..");
const adminToken = `multi-admin-${randomBytes(12).toString("hex")}`;
const encryptionKey = randomKey();

type Event = OnWorkspaceEventsSubscription["workspaceEvents"];

type Instance = {
  /** Base URL (no /graphql). */
  url: string;
  proc: ChildProcess;
  logs: string[];
  stop(): Promise<void>;
};

/** One private database per run, copied from the migrated template. */
async function createDatabase(): Promise<string> {
  const name = `cp_m_${inject("runId")}_${process.pid}`;
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${inject("postgresTemplate")}`);
  } finally {
    await admin.end();
  }
  const u = new URL(databaseUrl as string);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Spawns `tsx src/main.ts` and resolves once it logs `listening`. */
async function startInstance(
  env: { DATABASE_URL: string; REDIS_URL: string } & Record<string, string>,
): Promise<Instance> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "cp-multi-"));
  const proc = spawn(path.join(root, "node_modules/.bin/tsx"), ["src/main.ts"], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ...env,
      SECRETS_ENCRYPTION_KEY: encryptionKey,
      ADMIN_TOKEN: adminToken,
      PORT: "0",
      HOST: "127.0.0.1",
      DATA_DIR: dataDir,
      LOG_LEVEL: "info",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: string[] = [];
  let stderr = "";
  proc.stderr?.on("data", (d) => {
    stderr += d.toString();
  });
  const url = await new Promise<string>((resolve, reject) => {
    let pending = "";
    proc.stdout?.on("data", (chunk) => {
      pending += chunk.toString();
      for (let nl = pending.indexOf("\n"); nl >= 0; nl = pending.indexOf("\n")) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        logs.push(line);
        try {
          const entry = JSON.parse(line) as { msg?: string; url?: string };
          if (entry.msg === "listening" && entry.url) resolve(entry.url.replace(/\/graphql$/, ""));
        } catch {
          // not a log line
        }
      }
    });
    proc.once("exit", (code) => reject(new Error(`instance exited (${code}) before listening: ${stderr}`)));
  });
  return {
    url,
    proc,
    logs,
    stop: async () => {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((resolve) => proc.once("exit", resolve));
      proc.kill("SIGTERM");
      const timer = setTimeout(() => proc.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

const call = <R, V>(instance: Instance, doc: Doc<R, V>, variables: V, token: string | null = adminToken) =>
  gqlHttp(`${instance.url}/graphql`, doc, variables, token);

async function createWorkspace(instance: Instance, name: string) {
  const r = await call(instance, CreateWorkspace, { input: { name } });
  const result = r.data?.createWorkspace;
  if (result?.__typename !== "CreateWorkspaceSuccess") throw new Error(`create failed: ${JSON.stringify(r)}`);
  return result.workspace;
}

/** Every recorded event past `after`, as the query pages them. */
async function recordedAfter(instance: Instance, after: string | undefined) {
  const out: string[] = [];
  for (;;) {
    const r = await call(instance, ListEvents, { first: 100, after });
    const page = r.data?.workspaceEvents;
    if (!page) throw new Error(`workspaceEvents failed: ${JSON.stringify(r)}`);
    out.push(...page.edges.map((e) => e.node.cursor));
    if (!page.pageInfo.hasNextPage) return out;
    after = page.pageInfo.endCursor ?? undefined;
  }
}

const events = (received: { workspaceEvents: Event }[]) => received.map((r) => r.workspaceEvents);
const has = (workspaceId: string, type: string) => (all: { workspaceEvents: Event }[]) =>
  events(all).some((e) => e.workspaceId === workspaceId && e.type === type);

describe.skipIf(!enabled)(`two API instances on one PostgreSQL and one Redis (${reason})`, () => {
  let database: string;
  const sockets: Connection[] = [];
  beforeAll(async () => {
    database = await createDatabase();
  });
  afterEach(async () => {
    await Promise.all(sockets.splice(0).map((c) => c.dispose()));
  });

  const subscriber = async (instance: Instance, after?: string) => {
    const c = connect(instance.url, adminToken);
    sockets.push(c);
    await c.connected;
    return c.subscribe(OnWorkspaceEvents, after ? { after } : {});
  };

  describe("sharing TEST_REDIS_URL", () => {
    let one: Instance;
    let two: Instance;
    beforeAll(async () => {
      [one, two] = await Promise.all([
        startInstance({ DATABASE_URL: database, REDIS_URL: redisUrl as string }),
        startInstance({ DATABASE_URL: database, REDIS_URL: redisUrl as string }),
      ]);
    });
    afterAll(async () => {
      await Promise.all([one?.stop(), two?.stop()]);
    });

    it("a subscriber on one instance sees events caused through the other, in the record's order", async () => {
      const hints = new Redis(redisUrl as string);
      const published: string[] = [];
      hints.on("message", (_channel, message: string) => published.push(message));
      await hints.subscribe("workspace-events");
      try {
        await createWorkspace(two, "start");
        const [from] = await recordedAfter(two, undefined).then((all) => all.slice(-1));
        const sub = await subscriber(one, from);
        const w1 = await createWorkspace(two, "caused on two");
        // Received (by replay or live): from here on the subscription is live.
        await sub.waitFor(has(w1.id, "WORKSPACE_PROVISIONING"));
        const reg = await call(two, RegisterWorkspace, { input: { workspaceId: w1.id } }, null);
        expect(reg.data?.registerWorkspace.__typename, JSON.stringify(reg)).toBe("RegisterWorkspaceSuccess");
        const got = events(await sub.waitFor(has(w1.id, "WORKSPACE_ONLINE")));
        expect(got.map((e) => e.cursor)).toEqual(await recordedAfter(one, from));
        expect(got.map((e) => [e.workspaceId, e.type])).toEqual([
          [w1.id, "WORKSPACE_PROVISIONING"],
          [w1.id, "WORKSPACE_ONLINE"],
        ]);
        // The hints went through Redis, small and JSON-safe.
        expect(published.map((m) => JSON.parse(m)).filter((h) => h.workspaceId === w1.id)).toHaveLength(2);
      } finally {
        hints.disconnect();
      }
    });

    it("writers on both instances at once: subscribers live and resuming with after get the record in one order, no gap, no duplicate", async () => {
      await createWorkspace(one, "order start");
      const [from] = (await recordedAfter(one, undefined)).slice(-1);
      const live = [await subscriber(one, from), await subscriber(two, from)];
      // Four writers, two per instance: each creates workspaces and removes them
      // (two events in two transactions each), so event writes overlap across
      // processes and connections and commit in an order of their own. (Admin
      // calls: registers would meet the per-address bootstrap limit.)
      let written = 0;
      const writer = async (instance: Instance, tag: string) => {
        for (let i = 0; i < 10; i++) {
          const w = await createWorkspace(instance, `order-${tag}-${i}`);
          const removed = await call(instance, RemoveWorkspace, { id: w.id });
          if (removed.data?.removeWorkspace.__typename !== "WorkspaceSuccess") {
            throw new Error(`remove failed: ${JSON.stringify(removed)}`);
          }
          written++;
        }
      };
      // Mid-way, two more subscribers resume after whatever cursor is newest then.
      const resumed: { from: string; sub: Awaited<ReturnType<typeof subscriber>> }[] = [];
      const midway = async () => {
        while (written < 10) await new Promise((r) => setTimeout(r, 5));
        for (const instance of [two, one]) {
          const at = (await recordedAfter(instance, from)).at(-1) as string;
          resumed.push({ from: at, sub: await subscriber(instance, at) });
        }
      };
      await Promise.all([writer(one, "a"), writer(two, "b"), writer(one, "c"), writer(two, "d"), midway()]);
      const last = await createWorkspace(two, "order end");
      const expected = await recordedAfter(one, from);
      expect(expected).toEqual(await recordedAfter(two, from));
      expect(expected).toHaveLength(2 * 40 + 1);
      for (const sub of live) {
        const got = events(await sub.waitFor(has(last.id, "WORKSPACE_PROVISIONING")));
        expect(got.map((e) => e.cursor)).toEqual(expected);
      }
      for (const { from: at, sub } of resumed) {
        const got = events(await sub.waitFor(has(last.id, "WORKSPACE_PROVISIONING")));
        expect(got.map((e) => e.cursor)).toEqual(expected.slice(expected.indexOf(at) + 1));
      }
    });

    it("a token minted through one instance works for heartbeat through the other", async () => {
      const w = await createWorkspace(one, "agent");
      const reg = await call(one, RegisterWorkspace, { input: { workspaceId: w.id } }, null);
      const minted = reg.data?.registerWorkspace;
      if (minted?.__typename !== "RegisterWorkspaceSuccess" || !minted.authToken)
        throw new Error(`register failed: ${JSON.stringify(reg)}`);
      for (const instance of [two, one]) {
        const hb = await call(instance, Heartbeat, { input: { workspaceId: w.id } }, minted.authToken);
        expect(hb.data?.heartbeat, JSON.stringify(hb)).toMatchObject({
          __typename: "HeartbeatSuccess",
          workspace: { id: w.id, status: "ONLINE" },
        });
      }
    });

    it("racing bootstraps across both instances (8 on each at once) leave exactly one working token", async () => {
      const w = await createWorkspace(one, "raced");
      const racers = [...Array(8).fill(one), ...Array(8).fill(two)] as Instance[];
      const results = await Promise.all(
        racers.map((instance) => call(instance, RegisterWorkspace, { input: { workspaceId: w.id } }, null)),
      );
      const tokens: string[] = [];
      for (const r of results) {
        const result = r.data?.registerWorkspace;
        if (result?.__typename === "RegisterWorkspaceSuccess") {
          if (result.authToken) tokens.push(result.authToken);
        } else {
          // The losers found a live token and presented none.
          expect(r.errors?.[0]?.extensions?.code, JSON.stringify(r)).toBe("UNAUTHENTICATED");
          expect(r.status).toBe(401);
        }
      }
      expect(tokens.length).toBeGreaterThanOrEqual(1);
      const working: string[] = [];
      for (const [i, token] of tokens.entries()) {
        const via = i % 2 === 0 ? one : two;
        const hb = await call(via, Heartbeat, { input: { workspaceId: w.id } }, token);
        if (hb.data?.heartbeat.__typename === "HeartbeatSuccess") working.push(token);
        else expect(hb.errors?.[0]?.extensions?.code, JSON.stringify(hb)).toBe("UNAUTHENTICATED");
      }
      expect(working).toHaveLength(1);
      const db = new pg.Client({ connectionString: database });
      await db.connect();
      try {
        const { rows } = await db.query<{ live: string }>(
          `SELECT count(*) AS live FROM "InstanceToken" WHERE "workspaceId" = $1 AND "revokedAt" IS NULL`,
          [w.id],
        );
        expect(Number(rows[0]?.live)).toBe(1);
      } finally {
        await db.end();
      }
    });
  });

  describe("with a private Redis that stops and starts again", () => {
    let redis: PrivateRedis;
    let one: Instance;
    let two: Instance;
    beforeAll(async () => {
      redis = await startPrivateRedis();
      [one, two] = await Promise.all([
        startInstance({ DATABASE_URL: database, REDIS_URL: redis.url }),
        startInstance({ DATABASE_URL: database, REDIS_URL: redis.url }),
      ]);
    });
    afterAll(async () => {
      await Promise.all([one?.stop(), two?.stop()]);
      await redis?.dispose();
    });

    it("loses nothing: the API serves while Redis is down, and subscribers connected or resuming with after get every event", async () => {
      await createWorkspace(two, "before the outage");
      const [from] = (await recordedAfter(two, undefined)).slice(-1);
      const stayed = await subscriber(one, from);
      const w1 = await createWorkspace(two, "live before the outage");
      await stayed.waitFor(has(w1.id, "WORKSPACE_PROVISIONING"));

      await redis.stop();
      // Writes go on through both instances while the hints cannot travel.
      const w2 = await createWorkspace(two, "during the outage");
      const w3 = await createWorkspace(one, "during the outage, on one");
      const reg = await call(two, RegisterWorkspace, { input: { workspaceId: w2.id } }, null);
      expect(reg.data?.registerWorkspace.__typename, JSON.stringify(reg)).toBe("RegisterWorkspaceSuccess");
      // The connected subscriber gets them from the feed's poll of the record.
      await stayed.waitFor(has(w2.id, "WORKSPACE_ONLINE"));
      await stayed.waitFor(has(w3.id, "WORKSPACE_PROVISIONING"));
      // A subscriber resuming with after during the outage gets them from the record.
      const resumed = await subscriber(one, from);
      await resumed.waitFor(has(w2.id, "WORKSPACE_ONLINE"));

      await redis.start();
      const w4 = await createWorkspace(two, "after the outage");
      const expected = await recordedAfter(one, from);
      for (const sub of [stayed, resumed]) {
        const got = events(await sub.waitFor(has(w4.id, "WORKSPACE_PROVISIONING")));
        expect(got.map((e) => e.cursor)).toEqual(expected);
      }
      expect(expected).toHaveLength(5);
      // The outage was real: two could not publish, and neither process died of it.
      expect(two.logs.some((l) => l.includes("event hint not published"))).toBe(true);
      expect([one.proc.exitCode, two.proc.exitCode]).toEqual([null, null]);
    });
  });

  describe("subscribed after every start and every Redis restart", () => {
    // The feed's poll is a minute: an event reaches the other instance only
    // through the Redis hint, so a deaf subscriber shows within the deadline.
    const quiet = { EVENT_POLL_INTERVAL_MS: "60000" };
    let redis: PrivateRedis;
    let admin: Redis;
    const instances: Instance[] = [];
    beforeAll(async () => {
      redis = await startPrivateRedis();
      admin = new Redis(redis.url, { maxRetriesPerRequest: null });
      admin.on("error", () => {});
      // One after the other: two first starts on a new database race on the admin token row.
      for (let i = 0; i < 2; i++) {
        instances.push(await startInstance({ DATABASE_URL: database, REDIS_URL: redis.url, ...quiet }));
      }
    });
    afterAll(async () => {
      await Promise.all(instances.map((i) => i.stop()));
      admin?.disconnect();
      await redis?.dispose();
    });

    /** Polls PUBSUB NUMSUB until both instances are subscribed to the hints, or fails at the deadline. */
    const bothSubscribed = async (round: number) => {
      const deadline = Date.now() + 15_000;
      let count = -1;
      while (Date.now() < deadline) {
        const reply = (await admin.pubsub("NUMSUB", "workspace-events").catch(() => null)) as [string, number] | null;
        count = Number(reply?.[1] ?? -1);
        if (count === 2) return;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`round ${round}: PUBSUB NUMSUB workspace-events is ${count}, not 2`);
    };

    /** A subscriber on `on` sees an event caused through `via` (its live feed proven first by a local event). */
    const crossesOver = async (on: Instance, via: Instance, round: number) => {
      const sub = await subscriber(on);
      const local = await createWorkspace(on, `local ${round}`);
      await sub.waitFor(has(local.id, "WORKSPACE_PROVISIONING"), 15_000);
      const remote = await createWorkspace(via, `remote ${round}`);
      await sub.waitFor(has(remote.id, "WORKSPACE_PROVISIONING"), 15_000);
      sub.unsubscribe();
    };

    it("20 rounds of a Redis restart and an instance restart: both subscribed, hints cross both ways", async () => {
      for (let round = 0; round < 20; round++) {
        await redis.stop();
        await redis.start();
        await bothSubscribed(round);
        // One instance starts afresh against a running Redis each round.
        const i = round % 2;
        await instances[i]?.stop();
        instances[i] = await startInstance({ DATABASE_URL: database, REDIS_URL: redis.url, ...quiet });
        await bothSubscribed(round);
        const [a, b] = instances as [Instance, Instance];
        await crossesOver(a, b, round);
        await crossesOver(b, a, round);
        await Promise.all(sockets.splice(0).map((c) => c.dispose()));
      }
    }, 300_000);
  });
});
