import { randomInt, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SqlDriver } from "../../src/db/database.js";
import { type Answer, postFrom } from "../support/from-address.js";
import { expectSuccess, gql, ok } from "../support/gql.js";
import { backend, openTestDatabase, startTestApp, type TestApp } from "../support/harness.js";
import { CreateWorkspace, Heartbeat, RegisterWorkspace } from "../support/operations.js";

// Issue 10, item 4: the limits hold under concurrency (the budget is taken
// before the check), every registerWorkspace without its own workspace's
// token counts, a valid credential is never refused for what others at its
// address did, TRUST_PROXY picks the address, and with REDIS_URL the
// budgets are shared by every instance. Over real ports, from chosen
// loopback addresses (each test its own client). Outcomes are counted, not timed.

const ORG_SECRETS = "{ orgSecrets { key } }";
const REGISTER = RegisterWorkspace.toString();
const HEARTBEAT = Heartbeat.toString();
/** A loopback address of this test's own (127.0.0.0/8 all reaches the server). */
const loopback = () => `127.${randomInt(1, 250)}.${randomInt(0, 250)}.${randomInt(1, 250)}`;
const statuses = (answers: Answer[]) => {
  const counts: Record<number, number> = {};
  for (const a of answers) counts[a.status] = (counts[a.status] ?? 0) + 1;
  return counts;
};
const typename = (a: Answer) =>
  (JSON.parse(a.body) as { data?: { registerWorkspace?: { __typename: string; code?: string } } }).data
    ?.registerWorkspace;

async function registeredWorkspace(app: TestApp, name: string) {
  const created = ok(await gql(app, CreateWorkspace, { input: { name } })).createWorkspace;
  const workspaceId = expectSuccess(created, "CreateWorkspaceSuccess").workspace.id;
  const reg = ok(await gql(app, RegisterWorkspace, { input: { workspaceId } }, { token: null })).registerWorkspace;
  const token = expectSuccess(reg, "RegisterWorkspaceSuccess").authToken as string;
  return { workspaceId, token };
}

describe(`rate limits under concurrency and for the innocent (${backend})`, () => {
  let t: TestApp;
  let base: string;
  beforeAll(async () => {
    t = await startTestApp();
    base = await t.listen();
  });
  afterAll(() => t.stop());

  it("300 simultaneous wrong tokens from one address get at most 10 checks answered (20 a minute); the rest are 429", async () => {
    const from = loopback();
    const answers = await Promise.all(
      Array.from({ length: 300 }, (_, i) => postFrom(base, from, ORG_SECRETS, undefined, `wrong-${i}`)),
    );
    const counts = statuses(answers);
    expect(Object.keys(counts).sort(), JSON.stringify(counts)).toEqual(["401", "429"]);
    expect(counts[401]).toBeGreaterThanOrEqual(1);
    expect(counts[401]).toBeLessThanOrEqual(10);
    // A second burst in the same window gets nothing more answered.
    const again = await Promise.all(
      Array.from({ length: 100 }, (_, i) => postFrom(base, from, ORG_SECRETS, undefined, `again-${i}`)),
    );
    expect((counts[401] ?? 0) + (statuses(again)[401] ?? 0)).toBeLessThanOrEqual(10);
  });

  it("a bogus bearer on registerWorkspace is counted: as a bootstrap and as a failed credential", async () => {
    const from = loopback();
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        postFrom(base, from, REGISTER, { input: { workspaceId: randomUUID() } }, `bogus-${i}`),
      ),
    );
    const counts = statuses(answers);
    // Ten failed credentials a window: the eleventh bogus bearer is refused before its lookup.
    expect(counts[200] ?? 0, JSON.stringify(counts)).toBeLessThanOrEqual(10);
    expect(counts[429]).toBeGreaterThanOrEqual(90);
    for (const a of answers.filter((x) => x.status === 200)) expect(typename(a)?.code).toBe("NOT_FOUND");
    // The failed-credential budget is spent: any wrong token from there is refused now.
    expect((await postFrom(base, from, ORG_SECRETS, undefined, "wrong")).status).toBe(429);
  });

  it("a valid admin, and a valid agent's heartbeat and register, are served at an address out of both budgets", async () => {
    const from = loopback();
    const agent = await registeredWorkspace(t, "innocent");
    // Spend both budgets from the address: wrong tokens, and registrations without one.
    await Promise.all(Array.from({ length: 40 }, (_, i) => postFrom(base, from, ORG_SECRETS, undefined, `w-${i}`)));
    await Promise.all(
      Array.from({ length: 60 }, () => postFrom(base, from, REGISTER, { input: { workspaceId: randomUUID() } }, null)),
    );
    expect((await postFrom(base, from, ORG_SECRETS, undefined, "still-wrong")).status).toBe(429);
    expect((await postFrom(base, from, REGISTER, { input: { workspaceId: randomUUID() } }, null)).status).toBe(429);

    for (let i = 0; i < 3; i++) {
      expect((await postFrom(base, from, ORG_SECRETS, undefined, t.adminToken)).status).toBe(200);
      const beat = await postFrom(base, from, HEARTBEAT, { input: { workspaceId: agent.workspaceId } }, agent.token);
      expect(beat.status, beat.body).toBe(200);
      expect(JSON.parse(beat.body).data.heartbeat.__typename).toBe("HeartbeatSuccess");
      const again = await postFrom(base, from, REGISTER, { input: { workspaceId: agent.workspaceId } }, agent.token);
      expect(again.status, again.body).toBe(200);
      expect(typename(again)?.__typename).toBe("RegisterWorkspaceSuccess");
    }
  });

  it("registers carrying their own workspace's token take nothing from the bootstrap budget", async () => {
    const from = loopback();
    const agent = await registeredWorkspace(t, "own-token");
    const answers = await Promise.all(
      Array.from({ length: 40 }, () =>
        postFrom(base, from, REGISTER, { input: { workspaceId: agent.workspaceId } }, agent.token),
      ),
    );
    expect(answers.map((a) => typename(a)?.__typename)).toEqual(Array(40).fill("RegisterWorkspaceSuccess"));
    // Another agent's token is not its own workspace's: counted, like a bootstrap.
    const other = await registeredWorkspace(t, "not-mine");
    const foreign = await Promise.all(
      Array.from({ length: 40 }, () =>
        postFrom(base, from, REGISTER, { input: { workspaceId: other.workspaceId } }, agent.token),
      ),
    );
    expect(statuses(foreign)[429] ?? 0).toBeGreaterThanOrEqual(10);
  });

  it("a failed lookup of the limits' own lets nothing past: registers with their own token then count as bootstraps", async () => {
    // An app whose driver fails the limits' lookup (is this bearer a live instance token, and whose?) on demand.
    const { database } = await openTestDatabase();
    let failLookup = false;
    const sql: SqlDriver = {
      ...database.sql,
      query: <T>(text: string, params?: unknown[], prepared?: string) =>
        failLookup && prepared === "rate_limit_live_instance_token"
          ? Promise.reject(new Error("injected: the lookup failed"))
          : database.sql.query<T>(text, params, prepared),
    };
    const app = await startTestApp({}, { ...database, sql });
    try {
      const url = await app.listen();
      const from = loopback();
      const agent = await registeredWorkspace(app, "lookup-fails");
      const registers = () =>
        Promise.all(
          Array.from({ length: 40 }, () =>
            postFrom(url, from, REGISTER, { input: { workspaceId: agent.workspaceId } }, agent.token),
          ),
        );
      failLookup = true;
      // Not known to be its own workspace's token: each takes a bootstrap and keeps it (30 a window).
      const unknown = await registers();
      expect(statuses(unknown)[429] ?? 0).toBeGreaterThanOrEqual(10);
      failLookup = false;
      // The budget is spent, and the same registers, found to carry their own token, are all served.
      const known = await registers();
      expect(known.map((a) => typename(a)?.__typename)).toEqual(Array(40).fill("RegisterWorkspaceSuccess"));
    } finally {
      await app.stop();
    }
  });

  it("concurrent registrations without a token cannot overdraw the bootstrap budget (30 a window)", async () => {
    const from = loopback();
    const answers = await Promise.all(
      Array.from({ length: 200 }, () => postFrom(base, from, REGISTER, { input: { workspaceId: randomUUID() } }, null)),
    );
    const counts = statuses(answers);
    expect(Object.keys(counts).sort(), JSON.stringify(counts)).toEqual(["200", "429"]);
    expect(counts[200]).toBeLessThanOrEqual(30);
  });
});

describe("TRUST_PROXY", () => {
  let proxied: TestApp;
  let direct: TestApp;
  let proxiedBase: string;
  let directBase: string;
  beforeAll(async () => {
    [proxied, direct] = await Promise.all([
      startTestApp({ TRUST_PROXY: "1", RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: "2" }),
      startTestApp({ RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: "2" }),
    ]);
    [proxiedBase, directBase] = await Promise.all([proxied.listen(), direct.listen()]);
  });
  afterAll(() => Promise.all([proxied.stop(), direct.stop()]));

  it("with one proxy, clients behind it are counted apart by the entry it wrote, whatever they prepend", async () => {
    const proxy = loopback();
    const wrong = (client: string, spoof = "") =>
      postFrom(proxiedBase, proxy, ORG_SECRETS, undefined, "wrong", { "x-forwarded-for": `${spoof}${client}` });
    expect((await wrong("198.51.100.7")).status).toBe(401);
    expect((await wrong("198.51.100.7")).status).toBe(429);
    // A left-hand entry is the client's own word: it changes nothing.
    expect((await wrong("198.51.100.7", "203.0.113.99, ")).status).toBe(429);
    // Another client behind the same proxy has its own budget.
    expect((await wrong("198.51.100.8")).status).toBe(401);
    // A malformed entry counts as the proxy's own address, never as a fresh client.
    expect((await wrong("not-an-address")).status).toBe(401);
    expect((await wrong("also-not")).status).toBe(429);
  });

  it("with none (the default), X-Forwarded-For is ignored", async () => {
    const from = loopback();
    const wrong = (client: string) =>
      postFrom(directBase, from, ORG_SECRETS, undefined, "wrong", { "x-forwarded-for": client });
    expect((await wrong("198.51.100.7")).status).toBe(401);
    expect((await wrong("198.51.100.8")).status).toBe(429);
  });
});

const redisUrl = process.env.TEST_REDIS_URL;
describe.skipIf(!redisUrl)(
  `budgets shared through Redis (${redisUrl ? "TEST_REDIS_URL" : "skipped: set TEST_REDIS_URL"})`,
  () => {
    let a: TestApp;
    let b: TestApp;
    let baseA: string;
    let baseB: string;
    beforeAll(async () => {
      const env = { REDIS_URL: redisUrl as string, RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: "20" };
      a = await startTestApp(env);
      b = await startTestApp(env, undefined);
      [baseA, baseB] = await Promise.all([a.listen(), b.listen()]);
    });
    afterAll(() => Promise.all([a.stop(), b.stop()]));

    it("failures on one instance spend the budget on the other; the budget holds across both under concurrency", async () => {
      // An address no earlier run used: Redis keeps a window's count for 30 s.
      const from = loopback();
      const burst = (base: string, n: number) =>
        Promise.all(Array.from({ length: n }, (_, i) => postFrom(base, from, ORG_SECRETS, undefined, `w-${i}`)));
      const [onA, onB] = await Promise.all([burst(baseA, 150), burst(baseB, 150)]);
      const answered = (statuses(onA)[401] ?? 0) + (statuses(onB)[401] ?? 0);
      expect(answered).toBeGreaterThanOrEqual(1);
      expect(answered).toBeLessThanOrEqual(10);
      expect((await postFrom(baseB, from, ORG_SECRETS, undefined, "wrong")).status).toBe(429);
      expect((await postFrom(baseA, from, ORG_SECRETS, undefined, "wrong")).status).toBe(429);
      expect((await postFrom(baseB, from, ORG_SECRETS, undefined, b.adminToken)).status).toBe(200);
    });
  },
);
