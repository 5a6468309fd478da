import { mkdtemp } from "node:fs/promises";
import { request } from "node:http";
import { connect } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { hashToken } from "../../src/auth/tokens.js";
import type { Database } from "../../src/db/database.js";
import { expectSuccess, gql, ok } from "../support/gql.js";
import { backend, openTestDatabase, startTestApp, type TestApp } from "../support/harness.js";
import { CreateWorkspace, RegisterWorkspace } from "../support/operations.js";
import { startServer } from "../support/process.js";
import { eventually, OnWorkspaceEvents } from "../support/ws.js";

// SPEC 11: /livez and /readyz, and a drain on stop: readiness false at once,
// new connections refused, subscriptions completed, in-flight requests given
// the grace period (a register that committed answers its token), then closed.

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** An app on a database whose handle outlives app.stop(), so the test can look at what was committed. */
async function appOnKeptDatabase(env: Record<string, string> = {}) {
  const { database } = await openTestDatabase();
  cleanups.push(() => database.close());
  const kept: Database = { ...database, close: async () => {} };
  const t = await startTestApp(env, kept);
  const base = await t.listen();
  return { t, base, database };
}

/** Holds the workspace's row (and on PGlite, its one connection) until released. */
function holdWorkspaceRow(database: Database, id: string) {
  let release!: () => void;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let locked!: () => void;
  const isLocked = new Promise<void>((resolve) => {
    locked = resolve;
  });
  const done = database.sql.transaction(async (tx) => {
    await tx.query(`SELECT 1 FROM "Workspace" WHERE "id" = $1 FOR UPDATE`, [id]);
    locked();
    await released;
  });
  return { release, isLocked, done };
}

const post = (base: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${base}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json", ...headers },
    body: JSON.stringify(body),
  });

/** A plain GET on a new connection: the status, or the connection error's code. */
const probe = (base: string, path: string) =>
  new Promise<number | string>((resolve) => {
    const req = request(`${base}${path}`, { agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? "error"));
    req.end();
  });

async function createWorkspace(t: TestApp, name: string) {
  const r = ok(await gql(t, CreateWorkspace, { input: { name } })).createWorkspace;
  return expectSuccess(r, "CreateWorkspaceSuccess").workspace.id;
}

describe("health endpoints", () => {
  it("livez, readyz and healthz answer 200 while serving", async () => {
    const { t, base } = await appOnKeptDatabase();
    cleanups.push(() => t.stop());
    expect(await probe(base, "/livez")).toBe(200);
    expect(await probe(base, "/readyz")).toBe(200);
    expect(await probe(base, "/healthz")).toBe(200);
  });
});

describe("drain", () => {
  it("a register in flight at stop still answers its token, which was committed; new connections are refused", async () => {
    const { t, base, database } = await appOnKeptDatabase({ SHUTDOWN_GRACE_SECONDS: "30" });
    const id = await createWorkspace(t, "in-flight");
    const hold = holdWorkspaceRow(database, id);
    await hold.isLocked;

    const register = post(base, { query: RegisterWorkspace.toString(), variables: { input: { workspaceId: id } } });
    await eventually(() => t.app.inflight >= 1, "the register is in flight");

    let stopped = false;
    const stopping = t.app.stop().then(() => {
      stopped = true;
    });
    expect(await t.app.ready()).toBe(false);
    expect(await probe(base, "/readyz")).toBe("ECONNREFUSED");
    expect(stopped).toBe(false);

    hold.release();
    await hold.done;
    const res = await register;
    expect(res.status).toBe(200);
    const body = (await res.json()) as { data: { registerWorkspace: { __typename: string; authToken: string } } };
    expect(body.data.registerWorkspace.__typename).toBe("RegisterWorkspaceSuccess");
    const token = body.data.registerWorkspace.authToken;
    expect(token).toBeTruthy();
    await stopping;
    const rows = await database.sql.query<{ n: number }>(
      `SELECT 1 AS n FROM "InstanceToken" WHERE "tokenHash" = $1 AND "revokedAt" IS NULL`,
      [hashToken(token)],
    );
    expect(rows).toHaveLength(1);
  });

  it("subscriptions end as completed streams", async () => {
    const { t, base } = await appOnKeptDatabase();
    const id = await createWorkspace(t, "subscribed");
    const res = await post(
      base,
      { query: OnWorkspaceEvents.toString(), variables: { workspaceId: id } },
      { accept: "text/event-stream", authorization: `Bearer ${t.adminToken}` },
    );
    expect(res.status).toBe(200);
    const text = res.text();
    await eventually(() => t.app.inflight >= 1, "the stream is open");
    await t.app.stop();
    expect(await text).toContain("event: complete");
  });

  it("a request still running when the grace period ends is cut, and stop returns", async () => {
    const { t, base, database } = await appOnKeptDatabase();
    const id = await createWorkspace(t, "overrun");
    const hold = holdWorkspaceRow(database, id);
    await hold.isLocked;
    const register = post(base, {
      query: RegisterWorkspace.toString(),
      variables: { input: { workspaceId: id } },
    }).then(
      (r) => r.status,
      () => "cut",
    );
    await eventually(() => t.app.inflight >= 1, "the register is in flight");
    await t.app.stop(200);
    expect(await register).toBe("cut");
    hold.release();
    await hold.done.catch(() => {});
  });
});

describe.skipIf(backend !== "pglite")("the real process", () => {
  it("exits by itself after SIGTERM within the grace period plus 2 s, with a client that never finishes its body", async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), "cp-drain-"));
    const server = await startServer({
      DATA_DIR: dataDir,
      SHUTDOWN_GRACE_SECONDS: "1",
      ADMIN_TOKEN: "drain-admin-token-0123456789",
    });
    const url = new URL(server.baseUrl);
    const silent = connect(Number(url.port), url.hostname);
    await new Promise((resolve) => silent.once("connect", resolve));
    // Headers complete, a body promised and never sent: a request in flight for ever.
    silent.write("POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{");
    await new Promise((r) => setTimeout(r, 200));
    const exit = await server.stop(3_000 + 2_000);
    silent.destroy();
    expect(exit, server.stderr()).toMatchObject({ killed: false, signal: null });
    expect(server.logs().some((l) => l.msg === "stopping" && l.graceSeconds === 1)).toBe(true);
  }, 120_000);
});
