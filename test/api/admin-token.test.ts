import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../../src/app.js";
import { hashToken } from "../../src/auth/tokens.js";
import { loadConfig } from "../../src/config.js";
import { openDatabase } from "../../src/db/database.js";
import { migrate, readMigrations } from "../../src/db/migrate.js";
import { expectRefusal, gql, ok } from "../support/gql.js";
import { backend, captureLog, openTestDatabase, randomKey, type TestApp } from "../support/harness.js";
import { ListApiTokens, ListWorkspaces } from "../support/operations.js";

// ADMIN_TOKEN is an admin API token labelled `env` (SPEC section 10): when it
// changes, the one it replaces stops working, and the token generated at
// first start is revoked once it is set. Real restarts of the app, each
// opening the same database afresh.

describe("ADMIN_TOKEN across restarts on one database", () => {
  let storage: Record<string, string>;
  const key = randomKey();
  let running: (TestApp & { announced: string | undefined }) | undefined;

  beforeAll(async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), "cp-admin-token-"));
    storage = { DATA_DIR: dataDir };
    if (backend === "postgres") {
      const { database, url } = await openTestDatabase();
      await database.close();
      storage.DATABASE_URL = url as string;
    }
  });
  afterAll(() => running?.stop());

  /** Builds the app on the shared storage (nothing passed in but the environment), stopping the previous one. */
  async function restart(env: Record<string, string> = {}) {
    await running?.stop();
    running = undefined;
    let announced: string | undefined;
    const captured = captureLog();
    const config = loadConfig({ ...storage, SECRETS_ENCRYPTION_KEY: key, PORT: "0", LOG_LEVEL: "debug", ...env });
    const app = await buildApp(config, { log: captured.log, announceAdminToken: (t) => (announced = t) });
    running = {
      app,
      announced,
      adminToken: env.ADMIN_TOKEN ?? announced ?? "",
      logs: captured.lines,
      databaseUrl: null,
      url: null,
      listen: () => app.start(),
      stop: () => app.stop(),
    };
    return running;
  }
  const works = async (token: string) => ok(await gql(running as TestApp, ListWorkspaces, {}, { token }));
  const refused = async (token: string) =>
    expectRefusal(await gql(running as TestApp, ListWorkspaces, {}, { token }), "UNAUTHENTICATED", 401);

  const A = `chosen-admin-token-a-${randomKey()}`;
  const B = `chosen-admin-token-b-${randomKey()}`;
  let generated: string;

  it("a first start without ADMIN_TOKEN generates one; a restart keeps it and prints nothing", async () => {
    const first = await restart();
    expect(first.announced).toMatch(/^[A-Za-z0-9_-]{43}$/);
    generated = first.announced as string;
    await works(generated);
    const second = await restart();
    expect(second.announced).toBeUndefined();
    await works(generated);
  });

  it("ADMIN_TOKEN set: it works, labelled env; the generated token is revoked", async () => {
    const app = await restart({ ADMIN_TOKEN: A });
    expect(app.announced).toBeUndefined();
    await works(A);
    await refused(generated);
    const tokens = ok(await gql(app, ListApiTokens, { first: 100, includeRevoked: true }, { token: A })).apiTokens;
    const rows = tokens.edges.map((e) => e.node);
    expect(rows.filter((r) => r.revokedAt === null)).toEqual([
      expect.objectContaining({
        label: "env",
        role: "ADMIN",
        createdBy: { kind: "SYSTEM", id: null, label: "startup" },
      }),
    ]);
    expect(rows.find((r) => r.label === "generated at first start")?.revokedAt).not.toBeNull();
  });

  it("ADMIN_TOKEN changed: the new one works, the one it replaces is refused", async () => {
    await restart({ ADMIN_TOKEN: B });
    await works(B);
    await refused(A);
  });

  it("ADMIN_TOKEN unset again: the env token stays, nothing is generated", async () => {
    const app = await restart();
    expect(app.announced).toBeUndefined();
    await works(B);
  });

  it("a revoked ADMIN_TOKEN set again stays revoked (a leaked token does not come back with a restart)", async () => {
    const app = await restart({ ADMIN_TOKEN: A });
    await refused(A);
    await refused(B);
    expect(app.logs.join("\n")).toContain("ADMIN_TOKEN was revoked and stays revoked");
  });

  it("with no live admin token left, a start without ADMIN_TOKEN generates a new one", async () => {
    const app = await restart();
    expect(app.announced).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(app.announced).not.toBe(generated);
    await works(app.announced as string);
    for (const old of [generated, A, B]) await refused(old);
  });
});

describe.runIf(backend === "pglite")("the migration from AdminToken", () => {
  it("keeps every admin token: ADMIN_TOKEN's as env, the generated one as generated, both admin", async () => {
    const db = await openDatabase({ kind: "pglite", dataDir: undefined });
    try {
      const all = await readMigrations();
      const init = all.filter((m) => m.name.endsWith("_init"));
      await migrate(db.sql, init);
      await db.sql.query(`INSERT INTO "AdminToken" (id, "tokenHash", label) VALUES
        ('00000000-0000-4000-8000-000000000001', '${hashToken("from-env")}', 'ADMIN_TOKEN'),
        ('00000000-0000-4000-8000-000000000002', '${hashToken("generated")}', 'generated at first start')`);
      await migrate(db.sql, all);
      const rows = await db.prisma.apiToken.findMany({ orderBy: { id: "asc" } });
      expect(rows.map((r) => [r.tokenHash, r.label, r.role, r.origin, r.revokedAt])).toEqual([
        [hashToken("from-env"), "env", "ADMIN", "ENV", null],
        [hashToken("generated"), "generated at first start", "ADMIN", "GENERATED", null],
      ]);
    } finally {
      await db.close();
    }
  });
});
