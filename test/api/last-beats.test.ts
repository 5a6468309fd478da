import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { Database } from "../../src/db/database.js";
import { migrate, readMigrations } from "../../src/db/migrate.js";
import { sweepOnce } from "../../src/workspaces/sweeps.js";
import { expectSuccess, gql, ok } from "../support/gql.js";
import { useTestApp, useUnmigratedDatabase } from "../support/harness.js";
import {
  CreateWorkspace,
  Heartbeat,
  RegisterWorkspace,
  RemoveWorkspace,
  RestartWorkspace,
} from "../support/operations.js";

// "WorkspaceLastBeat" holds each workspace's status and last beat again, with
// the index the order by last heartbeat reads (src/workspaces/list.ts); a
// trigger keeps it in the transaction of each change. Every test here holds
// it against the truth, the Workspace rows: one row each, equal values.

const t = useTestApp();
const HOUR = 3600_000;

/** Every workspace whose kept beat is missing, left over, or differs, with both sides. */
const DIFFERENCES = `
  SELECT w.id::text AS "workspace", w.status::text AS "status", w."lastHeartbeatAt" AS "beat",
         b."workspaceId"::text AS "kept", b.status::text AS "keptStatus", b."at"::text AS "keptAt"
  FROM "Workspace" w FULL JOIN "WorkspaceLastBeat" b ON b."workspaceId" = w.id
  WHERE w.id IS NULL OR b."workspaceId" IS NULL OR b.status <> w.status
     OR b."at" <> COALESCE(w."lastHeartbeatAt", '-infinity')`;

async function expectMirror(sql: Database["sql"] = t.app.db.sql) {
  expect(await sql.query(DIFFERENCES)).toEqual([]);
  const [n] = await sql.query<{ kept: number; rows: number }>(
    `SELECT (SELECT count(*)::int FROM "WorkspaceLastBeat") AS kept, (SELECT count(*)::int FROM "Workspace") AS rows`,
  );
  expect(n?.kept).toBe(n?.rows);
}

async function create() {
  const name = `beat-${randomBytes(3).toString("hex")}`;
  return expectSuccess(ok(await gql(t, CreateWorkspace, { input: { name } })).createWorkspace, "CreateWorkspaceSuccess")
    .workspace;
}

async function register(id: string) {
  const r = ok(await gql(t, RegisterWorkspace, { input: { workspaceId: id } }, { token: null })).registerWorkspace;
  return expectSuccess(r, "RegisterWorkspaceSuccess").authToken as string;
}

const beat = async (id: string, token: string) =>
  expectSuccess(ok(await gql(t, Heartbeat, { input: { workspaceId: id } }, { token })).heartbeat, "HeartbeatSuccess");

describe("the kept last beats follow every change", () => {
  it("create, register, beats alone and together, sweeps, a beat back ONLINE, restart, remove", async () => {
    const ws = await Promise.all(Array.from({ length: 6 }, () => create()));
    await expectMirror();
    const tokens = await Promise.all(ws.map((w) => register(w.id)));
    await expectMirror();
    const [a, b] = ws as [(typeof ws)[0], (typeof ws)[0]];
    await beat(a.id, tokens[0] as string);
    await expectMirror();
    // Beats that arrive together share one statement (the group commit): each row is kept.
    for (let round = 0; round < 3; round++) {
      await Promise.all(ws.map((w, i) => beat(w.id, tokens[i] as string)));
      await expectMirror();
    }
    // Far ahead: everything ONLINE goes OFFLINE, everything PROVISIONING FAILED.
    const swept = await sweepOnce(t.app.domain, new Date(Date.now() + 1000 * HOUR));
    expect(swept.offline).toBeGreaterThanOrEqual(6);
    await expectMirror();
    expect((await beat(a.id, tokens[0] as string)).workspace.status).toBe("ONLINE");
    await expectMirror();
    expectSuccess(ok(await gql(t, RestartWorkspace, { id: b.id })).restartWorkspace, "WorkspaceSuccess");
    expectSuccess(ok(await gql(t, RemoveWorkspace, { id: a.id })).removeWorkspace, "WorkspaceSuccess");
    await expectMirror();
  });

  it("beats, a sweep and restarts all at once: every copy exact, no writer deadlocked", async () => {
    const ws = await Promise.all(Array.from({ length: 12 }, () => create()));
    const tokens = await Promise.all(ws.map((w) => register(w.id)));
    const restarted = new Set(ws.slice(0, 4).map((w) => w.id));
    // A restart revokes the instance token: a beat after it is refused (401); any other beat succeeds.
    const beats = () =>
      Promise.all(
        ws.map(async (w, i) => {
          const r = await gql(t, Heartbeat, { input: { workspaceId: w.id } }, { token: tokens[i] ?? null });
          if (r.status === 401 && restarted.has(w.id)) return "refused";
          return expectSuccess(ok(r).heartbeat, "HeartbeatSuccess").__typename;
        }),
      );
    const restarts = [...restarted].map(async (id) => ok(await gql(t, RestartWorkspace, { id })).restartWorkspace);
    const sweep = sweepOnce(t.app.domain, new Date(Date.now() + 1000 * HOUR));
    const done = await Promise.all([beats(), beats(), sweep, ...restarts, beats()]);
    expect(done).toHaveLength(8);
    await expectMirror();
  });

  it("a beat set back to none, a row deleted, values set to what they were, a change rolled back", async () => {
    const ws = await create();
    await register(ws.id);
    const { sql } = t.app.db;
    await sql.query(`UPDATE "Workspace" SET "lastHeartbeatAt" = NULL WHERE id = $1::uuid`, [ws.id]);
    await expectMirror();
    await sql.query(`UPDATE "Workspace" SET "lastHeartbeatAt" = now(), status = 'FAILED' WHERE id = $1::uuid`, [ws.id]);
    await expectMirror();
    const [before] = await sql.query(`SELECT xmin::text FROM "WorkspaceLastBeat" WHERE "workspaceId" = $1::uuid`, [
      ws.id,
    ]);
    // Unchanged values fire nothing: the kept row is the same row version.
    await sql.query(
      `UPDATE "Workspace" SET "lastHeartbeatAt" = "lastHeartbeatAt", status = status WHERE id = $1::uuid`,
      [ws.id],
    );
    expect(
      await sql.query(`SELECT xmin::text FROM "WorkspaceLastBeat" WHERE "workspaceId" = $1::uuid`, [ws.id]),
    ).toEqual([before]);
    const rolledBack = await t.app.domain.prisma
      .$transaction(async (tx) => {
        await tx.workspace.update({ where: { id: ws.id }, data: { status: "ONLINE", lastHeartbeatAt: new Date(0) } });
        throw new Error("abandon");
      })
      .catch((err: Error) => err.message);
    expect(rolledBack).toBe("abandon");
    await expectMirror();
    await sql.query(`DELETE FROM "Workspace" WHERE id = $1::uuid`, [ws.id]);
    await expectMirror();
  });
});

describe("the migration", () => {
  // A database of its own, migrated in two steps around the kept beats' migration.
  const own = useUnmigratedDatabase();

  it("keeps the beat of every workspace already there, never heartbeated as -infinity", async () => {
    const all = await readMigrations();
    const at = all.findIndex((m) => m.name.endsWith("_workspace_last_beats"));
    expect(at).toBeGreaterThan(0);
    await migrate(own.database.sql, all.slice(0, at));
    await own.database.sql.exec(`
      INSERT INTO "Workspace" (id, name, runtime, model, status, "lastHeartbeatAt", "updatedAt")
      SELECT gen_random_uuid(), 'before-' || g, 'hermes', 'm',
             (ARRAY['PROVISIONING','ONLINE','OFFLINE','FAILED','REMOVED'])[1 + g % 5]::"WorkspaceStatus",
             CASE WHEN g % 3 = 0 THEN NULL ELSE now() - g * interval '1 minute' END, now()
      FROM generate_series(1, 23) g`);
    expect(await migrate(own.database.sql, all)).toEqual(all.slice(at).map((m) => m.name));
    await expectMirror(own.database.sql);
    const [never] = await own.database.sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM "WorkspaceLastBeat" WHERE "at" = '-infinity'`,
    );
    expect(never?.n).toBe(7);
  });
});
