import { randomBytes } from "node:crypto";
import { access, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { expectSuccess, gqlHttp, ok } from "../support/gql.js";
import { backend, openTestDatabase, randomKey } from "../support/harness.js";
import {
  CreateWorkspace,
  GetWorkspace,
  Heartbeat,
  OfferedModels,
  RegisterWorkspace,
  SetOrgSecret,
} from "../support/operations.js";
import { readTree, type ServerProcess, startExpectingExit, startServer } from "../support/process.js";
import { openSilentSocket } from "../support/raw-socket.js";
import { connect, OnWorkspaceEvents } from "../support/ws.js";

// The real server process, started as an operator starts it, configured only
// through its environment: on the embedded PGlite in DATA_DIR, or (in the
// postgres project) in production mode on a database of its own. Every start
// on a new DATA_DIR creates a PGlite database (about 3 s), so one directory
// carries the whole life cycle below.

const TOKEN_BANNER = "Generated admin token";
/** The generated admin token as the banner prints it on stderr. */
const generatedToken = (stderr: string) => /Generated admin token[^\n]*\n\s*\n\s+(\S+)\s*\n/.exec(stderr)?.[1];

const unique = (label: string) => `${label}-${randomBytes(12).toString("hex")}`;
// No sweep may change what the restarts read back, however slow this machine is.
const QUIET = { HEARTBEAT_TIMEOUT_SECONDS: "3600", PROVISION_TIMEOUT_SECONDS: "3600" };

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "cp-startup-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe(`one ${backend === "postgres" ? "database" : "DATA_DIR"} through its life: first start, stop, restarts`, () => {
  let dataDir: string;
  /** What every start of this life gets: where its data lives. */
  let storage: Record<string, string>;
  let databaseUrl: string | undefined;
  let server: ServerProcess | undefined;
  let adminToken: string;
  const workspaceName = unique("survivor");
  const workspaceSecret = unique("ws-secret-value");
  const orgSecret = unique("org-secret-value");
  const chosenAdminToken = unique("chosen-admin-token");
  let workspaceId: string;
  let agentToken: string;
  let inboundSecret: string;
  let killedWorkspaceId: string;

  beforeAll(async () => {
    dataDir = path.join(root, "life");
    storage = { DATA_DIR: dataDir, ...QUIET };
    if (backend === "postgres") {
      const { database, url } = await openTestDatabase();
      await database.close();
      databaseUrl = url as string;
      storage = { ...storage, DATABASE_URL: databaseUrl, SECRETS_ENCRYPTION_KEY: randomKey() };
    }
  });
  afterAll(async () => {
    await server?.stop(2_000);
  });

  test("a first start: /healthz 200, an admin token printed once on stderr, offeredModels answers it", async () => {
    server = await startServer(storage);

    const health = await fetch(`${server.baseUrl}/healthz`);
    expect(health.status).toBe(200);

    const token = generatedToken(server.stderr());
    expect(token, server.stderr()).toMatch(/^[A-Za-z0-9_-]{32,}$/);
    adminToken = token as string;
    expect(server.stderr().split(TOKEN_BANNER)).toHaveLength(2);
    expect(server.stderr().split(adminToken)).toHaveLength(2);
    expect(server.stdout()).not.toContain(adminToken);

    const offered = ok(await gqlHttp(server, OfferedModels, {}, adminToken)).offeredModels;
    expect(offered.length).toBeGreaterThan(0);
    // The token is what grants it: without one the same query is refused.
    expect((await gqlHttp(server, OfferedModels, {}, null)).status).toBe(401);
  });

  test("GraphiQL is served at /graphql to browsers, with no script or stylesheet from elsewhere", async () => {
    if (!server) throw new Error("the server did not start");
    const res = await fetch(server.graphqlUrl, { headers: { accept: "text/html" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    const html = await res.text();
    expect(html).toMatch(/graphiql/i);
    const tags = html.match(/<(script|link)\b[^>]*>/gi) ?? [];
    expect(tags.length).toBeGreaterThan(0);
    for (const tag of tags) {
      expect(tag).not.toMatch(/\b(src|href)\s*=\s*["']?(https?:)?\/\//i);
    }
    expect(html).not.toMatch(/@import\s+(url\()?["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/unpkg\.com|cdn\.jsdelivr\.net|esm\.sh|cdnjs\.cloudflare\.com/i);
  });

  test("it takes a workspace with a secret, an org secret and a registered agent", async () => {
    if (!server) throw new Error("the server did not start");
    const org = ok(
      await gqlHttp(server, SetOrgSecret, { input: { key: "OPENAI_API_KEY", value: orgSecret } }, adminToken),
    );
    expectSuccess(org.setOrgSecret, "SecretSuccess");

    const input = { name: workspaceName, secrets: [{ key: "SURVIVOR_SECRET", value: workspaceSecret }] };
    const created = ok(await gqlHttp(server, CreateWorkspace, { input }, adminToken)).createWorkspace;
    workspaceId = expectSuccess(created, "CreateWorkspaceSuccess").workspace.id;

    const registered = ok(await gqlHttp(server, RegisterWorkspace, { input: { workspaceId } }, null));
    const r = expectSuccess(registered.registerWorkspace, "RegisterWorkspaceSuccess");
    expect(r.authToken).toBeTruthy();
    expect(r.platformInboundSecret).toBeTruthy();
    agentToken = r.authToken as string;
    inboundSecret = r.platformInboundSecret as string;
  });

  test("SIGTERM stops it with exit code 0 within 12 s, with a graphql-ws subscriber, an SSE stream and a silent socket open", async () => {
    if (!server) throw new Error("the server did not start");
    // Never sends connection_init and never answers a close: ws alone would hold the exit 30 s.
    const silent = await openSilentSocket(server.baseUrl);
    const socket = connect(server.baseUrl, adminToken);
    await socket.connected;
    const subscription = socket.subscribe(OnWorkspaceEvents, { workspaceId });
    const sse = await fetch(server.graphqlUrl, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "text/event-stream",
        authorization: `Bearer ${adminToken}`,
      },
      body: JSON.stringify({ query: OnWorkspaceEvents.toString(), variables: { workspaceId } }),
    });
    expect(sse.status).toBe(200);
    const sseEnded = sse.text().then(
      () => "ended",
      () => "ended",
    );

    // SPEC 11: within the grace period (10 s) plus 2 s, whatever the clients do; SIGKILL after that.
    const exit = await server.stop(12_000);
    silent.destroy();
    expect(exit, server.stderr()).toEqual({ code: 0, signal: null, killed: false });
    expect(await sseEnded).toBe("ended");
    await subscription.ended(5_000);
    await socket.closed;
    await socket.dispose();
    expect(server.logs().some((l) => l.msg === "stopping" && l.signal === "SIGTERM")).toBe(true);
    server = undefined;
  });

  test("a restart prints no token; the first token, the workspace, its secret and the agent's token still work", async () => {
    server = await startServer(storage);
    expect(server.stderr()).not.toContain(TOKEN_BANNER);

    const ws = ok(await gqlHttp(server, GetWorkspace, { id: workspaceId }, adminToken)).workspace;
    expect(ws).toMatchObject({ id: workspaceId, name: workspaceName, status: "ONLINE" });
    expect(ws?.secrets.map((s) => s.key)).toEqual(["SURVIVOR_SECRET"]);

    const hb = ok(await gqlHttp(server, Heartbeat, { input: { workspaceId } }, agentToken)).heartbeat;
    // The inbound secret decrypts with the key the first start generated.
    expect(expectSuccess(hb, "HeartbeatSuccess").platformInboundSecret).toBe(inboundSecret);

    const exit = await server.stop();
    expect(exit, server.stderr()).toEqual({ code: 0, signal: null, killed: false });
    server = undefined;
  });

  test("a process killed (SIGKILL) right after a write loses nothing it acknowledged", async () => {
    server = await startServer(storage);
    const input = { name: "written-before-the-kill" };
    const created = ok(await gqlHttp(server, CreateWorkspace, { input }, adminToken)).createWorkspace;
    killedWorkspaceId = expectSuccess(created, "CreateWorkspaceSuccess").workspace.id;
    process.kill(server.pid, "SIGKILL");
    expect(await server.exited).toEqual({ code: null, signal: "SIGKILL" });
    server = undefined;
  });

  test("a start with ADMIN_TOKEN on the same data accepts it, revokes the generated one (SPEC 10), and finds the last write", async () => {
    server = await startServer({ ...storage, ADMIN_TOKEN: chosenAdminToken });
    expect(server.stderr()).not.toContain(TOKEN_BANNER);
    expect(ok(await gqlHttp(server, OfferedModels, {}, chosenAdminToken)).offeredModels.length).toBeGreaterThan(0);
    const generated = await gqlHttp(server, OfferedModels, {}, adminToken);
    expect(generated.status, JSON.stringify(generated)).toBe(401);
    expect(generated.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    const ws = ok(await gqlHttp(server, GetWorkspace, { id: killedWorkspaceId }, chosenAdminToken)).workspace;
    expect(ws).toMatchObject({ id: killedWorkspaceId, name: "written-before-the-kill", status: "PROVISIONING" });
    const exit = await server.stop();
    expect(exit, server.stderr()).toEqual({ code: 0, signal: null, killed: false });
    server = undefined;
  });

  test(`after a clean stop no secret value or token is in the clear in ${backend === "postgres" ? "any table" : "any file under DATA_DIR"}`, async () => {
    expect(server).toBeUndefined();
    const stored =
      backend === "postgres"
        ? await tableDump(databaseUrl as string)
        : (await readTree(dataDir)).map((f) => ({ ...f, file: path.relative(dataDir, f.file) }));
    expect(stored.length).toBeGreaterThan(backend === "postgres" ? 5 : 10);
    const holding = (value: string) =>
      stored.filter((f) => f.bytes.includes(Buffer.from(value, "utf8"))).map((f) => f.file);

    // The scan sees what the database stores in the clear: a name is found.
    expect(holding(workspaceName).length).toBeGreaterThan(0);
    const secrets = { workspaceSecret, orgSecret, adminToken, chosenAdminToken, agentToken, inboundSecret };
    for (const [label, value] of Object.entries(secrets)) {
      expect(holding(value), label).toEqual([]);
    }
    // Production mode keeps nothing on local disk.
    if (backend === "postgres") await expect(access(dataDir)).rejects.toThrow(/ENOENT/);
  });
});

/** Every row of every table, as text, one entry per table. */
async function tableDump(url: string): Promise<{ file: string; bytes: Buffer }[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ tablename: string }>(
      "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
    );
    const tables: { file: string; bytes: Buffer }[] = [];
    for (const { tablename } of rows) {
      const dump = await client.query<{ row: string }>(`SELECT row_to_json(t)::text AS row FROM "${tablename}" t`);
      tables.push({ file: tablename, bytes: Buffer.from(dump.rows.map((r) => r.row).join("\n"), "utf8") });
    }
    return tables;
  } finally {
    await client.end();
  }
}

// Judged before any database is opened: the same on both backends, so run once.
describe.runIf(backend === "pglite")(
  "invalid settings stop the start, naming the variable",
  { concurrent: true },
  () => {
    const registryFile = async (name: string, content: string) => {
      const file = path.join(root, name);
      await writeFile(file, content);
      return file;
    };
    const twoPlatforms = async () => {
      const registry = JSON.parse(
        await readFile(new URL("../../src/registry/default-registry.json", import.meta.url), "utf8"),
      );
      const nonPlatform = registry.providers.find((p: { platform: boolean }) => !p.platform);
      nonPlatform.platform = true;
      return registryFile("two-platforms.json", JSON.stringify(registry));
    };

    const cases: [string, () => Promise<Record<string, string>>, RegExp][] = [
      ["PORT=abc", async () => ({ PORT: "abc" }), /PORT/],
      ["SECRETS_ENCRYPTION_KEY=short", async () => ({ SECRETS_ENCRYPTION_KEY: "short" }), /SECRETS_ENCRYPTION_KEY/],
      [
        "DATABASE_URL without SECRETS_ENCRYPTION_KEY",
        async () => ({ DATABASE_URL: "postgres://postgres@127.0.0.1:5432/never_opened" }),
        /SECRETS_ENCRYPTION_KEY: is required when DATABASE_URL is set/,
      ],
      ["HEARTBEAT_TIMEOUT_SECONDS=-1", async () => ({ HEARTBEAT_TIMEOUT_SECONDS: "-1" }), /HEARTBEAT_TIMEOUT_SECONDS/],
      ["GRAPHIQL=maybe", async () => ({ GRAPHIQL: "maybe" }), /GRAPHIQL/],
      ["CORS_ORIGINS=not-a-url", async () => ({ CORS_ORIGINS: "not-a-url" }), /CORS_ORIGINS/],
      [
        "REGISTRY_FILE naming a missing file",
        async () => ({ REGISTRY_FILE: path.join(root, "no-such-registry.json") }),
        /REGISTRY_FILE .*no-such-registry\.json cannot be read/,
      ],
      [
        "REGISTRY_FILE holding malformed JSON",
        async () => ({ REGISTRY_FILE: await registryFile("malformed.json", '{ "schemaVersion": 1, ') }),
        /REGISTRY_FILE .*malformed\.json is not valid JSON/,
      ],
      [
        "REGISTRY_FILE with two platform providers",
        async () => ({ REGISTRY_FILE: await twoPlatforms() }),
        /REGISTRY_FILE .*more than one provider is marked platform/,
      ],
    ];

    test.for(cases)("%s", async ([label, env, message]) => {
      // Settings are judged before anything is opened: the data directory is never created.
      const dataDir = path.join(root, `never-${label.replace(/\W+/g, "-")}`);
      const exit = await startExpectingExit({ DATA_DIR: dataDir, ...(await env()) });
      expect(exit.timedOut, exit.stdout).toBe(false);
      expect(exit.stderr).toMatch(message);
      expect(exit.code).toBe(1);
      expect(exit.stdout).not.toContain('"listening"');
      await expect(access(dataDir)).rejects.toThrow(/ENOENT/);
    });
  },
);
