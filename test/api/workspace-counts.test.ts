import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate, readMigrations } from "../../src/db/migrate.js";
import type { WorkspaceKind, WorkspaceStatus } from "../../src/generated/prisma/client.js";
import { FOLD_ABOVE_ROWS, foldStatusCounts } from "../../src/workspaces/status-counts.js";
import { sweepOnce } from "../../src/workspaces/sweeps.js";
import { graphql } from "../gql/gql.js";
import { expectSuccess, gql, ok } from "../support/gql.js";
import { backend, startTestApp, type TestApp, useTestApp, useUnmigratedDatabase } from "../support/harness.js";
import {
  CreateWorkspace,
  Heartbeat,
  RegisterWorkspace,
  RemoveWorkspace,
  RestartWorkspace,
} from "../support/operations.js";
import { removeLivePlatformAgents } from "../support/platform.js";

// The counts by status of `workspaces` without a name filter come from
// "WorkspaceStatusCount", rows of +1 / -1 a trigger appends in the
// transaction of each change (src/workspaces/status-counts.ts). Every test
// here holds them against the truth: count(*) of the rows, GROUP BY.

const WorkspaceCounts = graphql(`
  query WorkspaceCounts($kind: WorkspaceKind, $runtime: String, $statuses: [WorkspaceStatus!]) {
    workspaces(first: 0, kind: $kind, runtime: $runtime, statuses: $statuses) {
      totalCount
      countsByStatus { status count }
    }
  }
`);

const STATUSES: WorkspaceStatus[] = ["PROVISIONING", "ONLINE", "OFFLINE", "FAILED", "REMOVED"];
const KINDS: (WorkspaceKind | null)[] = [null, "WORKSPACE", "PLATFORM"];
const HOUR = 3600_000;

const t = useTestApp();

/** The truth, from the rows. */
async function counted(on: TestApp, kind: WorkspaceKind | null, runtime: string | null) {
  const rows = await on.app.domain.prisma.workspace.groupBy({
    by: ["status"],
    where: { ...(kind ? { kind } : {}), ...(runtime !== null ? { runtime } : {}) },
    _count: { _all: true },
  });
  return STATUSES.map((status) => ({ status, count: rows.find((r) => r.status === status)?._count._all ?? 0 }));
}

/**
 * What the API answers, for every kind and runtime (and one no row has),
 * equals the rows' counts; and so does the table, per kind, runtime and status.
 */
async function expectExact(on: TestApp = t) {
  const runtimes = (await on.app.domain.prisma.workspace.findMany({ distinct: ["runtime"], select: { runtime: true } }))
    .map((r) => r.runtime)
    .concat("no-such-runtime");
  for (const kind of KINDS) {
    for (const runtime of [null, ...runtimes]) {
      const api = ok(await gql(on, WorkspaceCounts, { kind, runtime, statuses: STATUSES })).workspaces;
      const truth = await counted(on, kind, runtime);
      expect(api.countsByStatus, `kind ${kind ?? "any"}, runtime ${runtime ?? "any"}`).toEqual(truth);
      expect(api.totalCount).toBe(truth.reduce((n, c) => n + c.count, 0));
    }
  }
  const [kept, rows] = await Promise.all([
    on.app.db.sql.query<{ key: string; n: number }>(
      `SELECT concat_ws(' ', kind, runtime, status) AS key, sum(delta)::int AS n FROM "WorkspaceStatusCount"
       GROUP BY kind, runtime, status HAVING sum(delta) <> 0 ORDER BY 1`,
    ),
    on.app.db.sql.query<{ key: string; n: number }>(
      `SELECT concat_ws(' ', kind, runtime, status) AS key, count(*)::int AS n FROM "Workspace"
       GROUP BY kind, runtime, status ORDER BY 1`,
    ),
  ]);
  expect(kept).toEqual(rows);
}

const countRows = async (on: TestApp = t) =>
  (await on.app.db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM "WorkspaceStatusCount"`))[0]?.n ?? 0;

const GROUPS = `count(DISTINCT (kind, runtime, status))::int`;

/** Whether the rows are folded: at most one per (kind, runtime, status), none of them 0. */
async function expectFolded(on: TestApp = t) {
  const [shape] = await on.app.db.sql.query<{ rows: number; groups: number; zero: number }>(
    `SELECT count(*)::int AS rows, ${GROUPS} AS groups,
            count(*) FILTER (WHERE delta = 0)::int AS zero FROM "WorkspaceStatusCount"`,
  );
  expect(shape).toMatchObject({ zero: 0 });
  expect(shape?.rows).toBe(shape?.groups);
}

async function create(on: TestApp = t, input: { kind?: "PLATFORM" } = {}) {
  const r = ok(
    await gql(on, CreateWorkspace, { input: { name: `counted-${randomBytes(3).toString("hex")}`, ...input } }),
  );
  return expectSuccess(r.createWorkspace, "CreateWorkspaceSuccess").workspace;
}

async function register(id: string, on: TestApp = t) {
  const r = ok(await gql(on, RegisterWorkspace, { input: { workspaceId: id } }, { token: null })).registerWorkspace;
  return expectSuccess(r, "RegisterWorkspaceSuccess").authToken as string;
}

/** Workspaces inserted by one statement, as a bulk import or the benches do: the trigger counts each row. */
const seed = (on: TestApp, status: "ONLINE" | "PROVISIONING", n: number) =>
  on.app.domain.prisma.$queryRaw<{ id: string }[]>`
    INSERT INTO "Workspace" (id, name, runtime, model, status, "lastHeartbeatAt", "heartbeatMarkAt",
                             "provisioningStartedAt", "updatedAt")
    SELECT gen_random_uuid(), 'bulk-' || g, 'hermes', 'm', ${status}::"WorkspaceStatus",
           now() - interval '2 hours', now() - interval '2 hours', now() - interval '2 hours', now()
    FROM generate_series(1, ${n}) g
    RETURNING id::text AS id`;

/** Fails any INSERT made by the fold's statement (after its DELETE ran), until removed. */
async function failTheFold(on: TestApp): Promise<() => Promise<void>> {
  await on.app.db.sql.exec(`
    CREATE FUNCTION test_fail_fold() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF current_query() LIKE '%WITH gone AS%' THEN RAISE EXCEPTION 'injected: the fold fails'; END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER test_fail_fold BEFORE INSERT ON "WorkspaceStatusCount"
    FOR EACH ROW EXECUTE FUNCTION test_fail_fold();`);
  return () =>
    on.app.db.sql.exec(`DROP TRIGGER test_fail_fold ON "WorkspaceStatusCount"; DROP FUNCTION test_fail_fold();`);
}

/** Polls until the condition holds; bounded, not timed. */
async function until(what: string, check: () => Promise<boolean>) {
  const deadline = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`never: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("the counts follow every change", () => {
  it("migrated with the rows already there, they start exact", () => expectExact());

  it("create, register, sweeps to OFFLINE and FAILED, heartbeat back ONLINE, restart, remove", async () => {
    await removeLivePlatformAgents(t);
    const platform = await create(t, { kind: "PLATFORM" });
    const [a, b, c] = [await create(), await create(), await create()];
    await expectExact();
    const token = await register(a.id);
    await register(platform.id).catch(() => null); // the platform's identity gate may refuse it: either way, exact
    await expectExact();
    // Far enough ahead that everything ONLINE goes OFFLINE and everything PROVISIONING FAILED.
    const swept = await sweepOnce(t.app.domain, new Date(Date.now() + 1000 * HOUR));
    expect(swept.offline + swept.timedOut).toBeGreaterThanOrEqual(3);
    await expectExact();
    const beat = ok(await gql(t, Heartbeat, { input: { workspaceId: a.id } }, { token })).heartbeat;
    expect(expectSuccess(beat, "HeartbeatSuccess").workspace.status).toBe("ONLINE");
    await expectExact();
    expectSuccess(ok(await gql(t, RestartWorkspace, { id: b.id })).restartWorkspace, "WorkspaceSuccess");
    await expectExact();
    for (const id of [c.id, platform.id, a.id]) {
      expectSuccess(ok(await gql(t, RemoveWorkspace, { id })).removeWorkspace, "WorkspaceSuccess");
    }
    await expectExact();
  });

  it("a sweep of hundreds due at once, by two sweepers in batches", async () => {
    await seed(t, "ONLINE", 230);
    await seed(t, "PROVISIONING", 170);
    await expectExact();
    const now = new Date(Date.now() + HOUR);
    const [x, y] = await Promise.all([sweepOnce(t.app.domain, now, 40), sweepOnce(t.app.domain, now, 40)]);
    expect(x.offline + y.offline).toBeGreaterThanOrEqual(230);
    expect(x.timedOut + y.timedOut).toBeGreaterThanOrEqual(170);
    await expectExact();
    await foldStatusCounts(t.app.domain);
    await expectFolded();
    await expectExact();
  });

  it("a change of kind and of runtime, a row deleted, and values set to what they were", async () => {
    const ws = await create();
    const { sql } = t.app.db;
    await sql.query(`UPDATE "Workspace" SET status = 'FAILED' WHERE id = $1::uuid`, [ws.id]);
    await sql.query(`UPDATE "Workspace" SET kind = 'PLATFORM' WHERE id = $1::uuid`, [ws.id]);
    await sql.query(`UPDATE "Workspace" SET runtime = 'retired-runtime' WHERE id = $1::uuid`, [ws.id]);
    await expectExact();
    const before = await countRows();
    await sql.query(`UPDATE "Workspace" SET status = status, kind = kind, runtime = runtime WHERE id = $1::uuid`, [
      ws.id,
    ]);
    expect(await countRows()).toBe(before);
    await sql.query(`DELETE FROM "Workspace" WHERE id = $1::uuid`, [ws.id]);
    await expectExact();
  });

  it("a status change rolled back leaves no row", async () => {
    const ws = await create();
    const before = await countRows();
    const rolledBack = await t.app.domain.prisma
      .$transaction(async (tx) => {
        await tx.workspace.update({ where: { id: ws.id }, data: { status: "FAILED" } });
        throw new Error("abandon");
      })
      .catch((err: Error) => err.message);
    expect(rolledBack).toBe("abandon");
    expect(await countRows()).toBe(before);
    await expectExact();
  });
});

describe("the hot writes append nothing", () => {
  it("the common heartbeat and the common register (ONLINE, its own live token) fire no trigger", async () => {
    const ws = await create();
    const token = await register(ws.id);
    const before = await countRows();
    for (let i = 0; i < 3; i++) {
      const beat = ok(await gql(t, Heartbeat, { input: { workspaceId: ws.id } }, { token })).heartbeat;
      expectSuccess(beat, "HeartbeatSuccess");
      const again = ok(await gql(t, RegisterWorkspace, { input: { workspaceId: ws.id } }, { token }));
      expect(expectSuccess(again.registerWorkspace, "RegisterWorkspaceSuccess").authToken).toBeNull();
    }
    expect(await countRows()).toBe(before);
  });
});

describe("folding", () => {
  it("reads the rows not yet folded: exact before a fold, after it, and after changes since", async () => {
    await foldStatusCounts(t.app.domain);
    await expectFolded();
    const ws = await create();
    await register(ws.id);
    expect(await countRows()).toBeGreaterThan(0);
    await expectExact();
    // Created then deleted: its group sums to nothing and folds to no row.
    const gone = await create();
    await t.app.db.sql.query(`DELETE FROM "Workspace" WHERE id = $1::uuid`, [gone.id]);
    const folded = await foldStatusCounts(t.app.domain);
    expect(folded.folded).toBeGreaterThan(folded.into);
    await expectFolded();
    await expectExact();
    // Nothing to fold: nothing is rewritten.
    expect(await foldStatusCounts(t.app.domain)).toEqual({ folded: 0, into: 0 });
  });

  it("a fold that fails part-way changes nothing: its DELETE is undone with it", async () => {
    await create();
    await create();
    const before = await countRows();
    const restore = await failTheFold(t);
    try {
      await expect(foldStatusCounts(t.app.domain)).rejects.toThrow(/injected: the fold fails/);
      expect(await countRows()).toBe(before);
      await expectExact();
    } finally {
      await restore();
    }
    await foldStatusCounts(t.app.domain);
    await expectFolded();
    await expectExact();
  });

  it(`a read that finds more than ${FOLD_ABOVE_ROWS} rows has them folded, without waiting for it`, async () => {
    await seed(t, "PROVISIONING", FOLD_ABOVE_ROWS + 1);
    expect(await countRows()).toBeGreaterThan(FOLD_ABOVE_ROWS);
    // The fold fails first: the read still answers, exact, and nothing is left unhandled.
    const restore = await failTheFold(t);
    try {
      await expectExact();
      expect(await countRows()).toBeGreaterThan(FOLD_ABOVE_ROWS);
    } finally {
      await restore();
    }
    await expectExact();
    await until("the read's fold", async () => (await countRows()) < 100);
    await expectFolded();
    await expectExact();
  });
});

describe("the sweep loop folds", () => {
  let timed: TestApp;
  beforeAll(async () => {
    timed = await startTestApp({ HEARTBEAT_TIMEOUT_SECONDS: "1", SWEEP_INTERVAL_MS: "100" });
    await timed.listen();
  });
  afterAll(() => timed.stop());

  it("every interval; a failing fold is logged, changes nothing and does not stop the sweeps", async () => {
    await create(timed);
    await create(timed);
    await until("the loop's fold", async () => {
      const rows = await countRows(timed);
      const [g] = await timed.app.db.sql.query<{ n: number }>(`SELECT ${GROUPS} AS n FROM "WorkspaceStatusCount"`);
      return rows === g?.n;
    });
    await expectExact(timed);

    const restore = await failTheFold(timed);
    try {
      const ws = await create(timed);
      await register(ws.id, timed);
      // Silent past HEARTBEAT_TIMEOUT_SECONDS: the sweep turns it OFFLINE although every fold fails.
      await until("the sweep", async () => {
        const row = await timed.app.domain.prisma.workspace.findUniqueOrThrow({ where: { id: ws.id } });
        return row.status === "OFFLINE";
      });
      await until("the fold's failure logged", async () =>
        timed.logs.some((l) => l.includes("folding the workspace counts failed") && l.includes("injected")),
      );
      await expectExact(timed);
    } finally {
      await restore();
    }
    await until("the next fold", async () => {
      const rows = await countRows(timed);
      const [g] = await timed.app.db.sql.query<{ n: number }>(`SELECT ${GROUPS} AS n FROM "WorkspaceStatusCount"`);
      return rows === g?.n;
    });
    await expectExact(timed);
  });
});

describe.runIf(backend === "postgres")("on PostgreSQL, with writers and folds at once", () => {
  const client = async () => {
    const c = new pg.Client({ connectionString: t.databaseUrl as string });
    await c.connect();
    return c;
  };

  /** Waits until `n` backends run a fold and wait for a lock. */
  const foldsWaiting = (observer: pg.Client, n: number) =>
    until(`${n} folds waiting for a lock`, async () => {
      const { rows } = await observer.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
         WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%WITH gone AS%'`,
      );
      return rows[0]?.n === n;
    });

  it("two folds at once, while a writer commits: nothing lost, nothing counted twice", async () => {
    // Rows to fold: every group below has more than one.
    const registered: string[] = [];
    for (let i = 0; i < 4; i++) registered.push((await create()).id);
    for (const id of registered) await register(id);
    const [holder, observer] = [await client(), await client()];
    try {
      // One row held, so the first fold stops part-way (holding the rows it deleted) and the second
      // queues behind it. A fold in two statements (sum, then delete) would have had both sum the same
      // rows, and the second would write the sum again; one that read the rows and deleted them later
      // would lose the writer's.
      await holder.query("BEGIN");
      // A row of the group those four joined: it has more than one, so the folds delete it.
      await holder.query(
        `SELECT 1 FROM "WorkspaceStatusCount"
         WHERE (kind, runtime, status) = (SELECT kind, runtime, status FROM "Workspace" WHERE id = $1::uuid)
         LIMIT 1 FOR UPDATE`,
        [registered[0]],
      );
      const first = foldStatusCounts(t.app.domain);
      await foldsWaiting(observer, 1);
      const second = foldStatusCounts(t.app.domain);
      await foldsWaiting(observer, 2);
      // A writer commits while both wait: its rows are in neither fold's snapshot.
      const late = await create();
      await register(late.id);
      await holder.query("COMMIT");
      const [a, b] = await Promise.all([first, second]);
      expect(a.folded + b.folded).toBeGreaterThan(0);
      await expectExact();
      await foldStatusCounts(t.app.domain);
      await expectFolded();
      await expectExact();
    } finally {
      await holder.query("ROLLBACK").catch(() => {});
      await holder.end();
      await observer.end();
    }
  });

  it("eight writers changing statuses and two folders looping until they finish", async () => {
    const ids = (await seed(t, "PROVISIONING", 40)).map((r) => r.id);
    const pool = new pg.Pool({ connectionString: t.databaseUrl as string, max: 10 });
    try {
      let writing = true;
      const statuses = ["PROVISIONING", "ONLINE", "OFFLINE", "FAILED"];
      const writer = async (w: number) => {
        for (let i = 0; i < 40; i++) {
          // Two rows per transaction, locked in id order (no deadlock between writers).
          const pair = [ids[(w * 7 + i * 13) % ids.length], ids[(w + i) % ids.length]].sort() as [string, string];
          const c = await pool.connect();
          try {
            // Some rolled back: only committed changes may count.
            await c.query("BEGIN");
            for (const [k, id] of pair.entries()) {
              const status = statuses[(w + i + k) % statuses.length];
              await c.query(`UPDATE "Workspace" SET status = $2::"WorkspaceStatus" WHERE id = $1::uuid`, [id, status]);
            }
            await c.query(i % 5 === 0 ? "ROLLBACK" : "COMMIT");
          } finally {
            c.release();
          }
        }
      };
      let folds = 0;
      const folder = async () => {
        while (writing) {
          await foldStatusCounts(t.app.domain);
          folds++;
        }
      };
      const folders = [folder(), folder()];
      await Promise.all(Array.from({ length: 8 }, (_, w) => writer(w)));
      writing = false;
      await Promise.all(folders);
      expect(folds).toBeGreaterThan(1);
      await expectExact();
      await foldStatusCounts(t.app.domain);
      await expectFolded();
      await expectExact();
    } finally {
      await pool.end();
    }
  });
});

describe("the migration", () => {
  // A database of its own, migrated in two steps around the counts' migration.
  const own = useUnmigratedDatabase();

  const exact = async () => {
    const [kept, rows] = await Promise.all([
      own.database.sql.query(
        `SELECT kind, runtime, status, sum(delta)::int AS n FROM "WorkspaceStatusCount"
         GROUP BY 1, 2, 3 HAVING sum(delta) <> 0 ORDER BY 1, 2, 3`,
      ),
      own.database.sql.query(
        `SELECT kind, runtime, status, count(*)::int AS n FROM "Workspace" GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
      ),
    ]);
    expect(kept).toEqual(rows);
    return rows.length;
  };

  it("counts the workspaces already there; a TRUNCATE empties the counts too", async () => {
    const all = await readMigrations();
    const at = all.findIndex((m) => m.name.endsWith("_workspace_status_counts"));
    expect(at).toBeGreaterThan(0);
    await migrate(own.database.sql, all.slice(0, at));
    await own.database.sql.exec(`
      INSERT INTO "Workspace" (id, name, kind, runtime, model, status, "updatedAt")
      SELECT gen_random_uuid(), 'before-' || g, 'WORKSPACE', (ARRAY['hermes','codex'])[1 + g % 2], 'm',
             (ARRAY['PROVISIONING','ONLINE','OFFLINE','FAILED','REMOVED'])[1 + g % 5]::"WorkspaceStatus", now()
      FROM generate_series(1, 23) g;
      INSERT INTO "Workspace" (id, name, kind, runtime, model, status, "updatedAt")
      VALUES (gen_random_uuid(), 'platform', 'PLATFORM', 'hermes', 'm', 'ONLINE', now());`);
    expect(await migrate(own.database.sql, all)).toEqual(all.slice(at).map((m) => m.name));
    expect(await exact()).toBe(11);
    await own.database.sql.exec(`TRUNCATE "Workspace" CASCADE`);
    expect(await exact()).toBe(0);
    expect(await own.database.sql.query(`SELECT * FROM "WorkspaceStatusCount"`)).toEqual([]);
  });
});
