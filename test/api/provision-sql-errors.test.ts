import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/db/database.js";
import { Prisma } from "../../src/generated/prisma/client.js";
import { expectRefusal, expectSuccess, gql, ok } from "../support/gql.js";
import { backend, openTestDatabase, startTestApp, type TestApp } from "../support/harness.js";
import {
  CreateWorkspace,
  GetWorkspace,
  Heartbeat,
  ListEvents,
  RegisterWorkspace,
  RestartWorkspace,
} from "../support/operations.js";
import { removeLivePlatformAgents } from "../support/platform.js";

// The provision checks meet a real database error (SPEC 6): the server's
// role loses SELECT on the secret values, so reading the platform agent's
// MODEL fails inside the create or restart transaction with SQLSTATE 42501.
// The outcome must still be recorded (FAILED, SECRET_UNREADABLE, the event,
// the tokens revoked), not lost with an aborted transaction.

const role = `cp_limited_${randomBytes(4).toString("hex")}`;
// Every column but the value, from the schema itself: a column added later (updatedBy) stays readable.
const SECRET_COLUMNS = Object.values(Prisma.WorkspaceSecretScalarFieldEnum)
  .filter((c) => c !== "value")
  .map((c) => `"${c}"`)
  .join(", ");
const grants = `
  GRANT USAGE, CREATE ON SCHEMA public TO ${role};
  GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${role};
  GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${role};
  REVOKE SELECT ON "WorkspaceSecret" FROM ${role};
  GRANT SELECT (${SECRET_COLUMNS}, value) ON "WorkspaceSecret" TO ${role};`;

let t: TestApp;
/** Runs SQL as the database's owner, whatever role the app runs as. */
let asOwner: (sql: string) => Promise<void>;
let cleanUp: () => Promise<void> = async () => {};

beforeAll(async () => {
  if (backend === "postgres") {
    const { database, url } = await openTestDatabase();
    await database.close();
    const owner = new pg.Client({ connectionString: url as string });
    await owner.connect();
    await owner.query(`CREATE ROLE ${role} LOGIN`);
    await owner.query(grants);
    const limited = new URL(url as string);
    limited.username = role;
    t = await startTestApp({}, await openDatabase({ kind: "postgres", url: limited.toString() }));
    asOwner = async (sql) => {
      await owner.query(sql);
    };
    cleanUp = async () => {
      await owner.query(`DROP OWNED BY ${role}`);
      await owner.end();
      const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
      await admin.connect();
      await admin.query(`DROP ROLE IF EXISTS ${role}`).finally(() => admin.end());
    };
  } else {
    // PGlite has one session: the app runs as the limited role from here on.
    t = await startTestApp();
    await t.app.db.sql.exec(`CREATE ROLE ${role}; ${grants} SET ROLE ${role};`);
    asOwner = (sql) => t.app.db.sql.exec(`RESET ROLE; ${sql}; SET ROLE ${role};`);
  }
});
afterAll(async () => {
  await t?.stop();
  await cleanUp();
});

/** Only one live platform agent may exist: each test starts with none. */
beforeEach(() => removeLivePlatformAgents(t));

/** Secret values unreadable for the app's role while fn runs. */
async function withSecretValuesRevoked<R>(fn: () => Promise<R>): Promise<R> {
  await asOwner(`REVOKE SELECT (value) ON "WorkspaceSecret" FROM ${role}`);
  try {
    return await fn();
  } finally {
    await asOwner(`GRANT SELECT (value) ON "WorkspaceSecret" TO ${role}`);
  }
}

const eventTypes = async (workspaceId: string) =>
  ok(await gql(t, ListEvents, { workspaceId, first: 100 })).workspaceEvents.edges.map((e) => [
    e.node.type,
    e.node.code ?? null,
  ]);

describe("a real SQL error while the provision checks read a secret", () => {
  it("the revoked privilege is real: reading a secret value fails in the database", async () => {
    const r = ok(await gql(t, CreateWorkspace, { input: { name: "probe", kind: "PLATFORM" } })).createWorkspace;
    const ws = expectSuccess(r, "CreateWorkspaceSuccess").workspace;
    const read = await withSecretValuesRevoked(() => t.app.domain.secrets.readWorkspaceSecret(ws.id, "MODEL"));
    expect(read.state).toBe("error");
    expect(String((read as { error: unknown }).error)).toMatch(/permission denied/i);
  });

  it("createWorkspace records FAILED with SECRET_UNREADABLE and answers it as data", async () => {
    const r = await withSecretValuesRevoked(() =>
      gql(t, CreateWorkspace, { input: { name: "concierge", kind: "PLATFORM" } }),
    );
    const ws = expectSuccess(ok(r).createWorkspace, "CreateWorkspaceSuccess").workspace;
    expect(ws).toMatchObject({ status: "FAILED", failure: { code: "SECRET_UNREADABLE" } });
    // Seeded nothing: the read failed, so nothing may be taken for unset.
    expect(ws.secrets).toEqual([]);
    const stored = ok(await gql(t, GetWorkspace, { id: ws.id })).workspace;
    expect(stored).toMatchObject({ status: "FAILED", failure: { code: "SECRET_UNREADABLE" }, secrets: [] });
    expect(await eventTypes(ws.id)).toEqual([
      ["WORKSPACE_PROVISIONING", null],
      ["WORKSPACE_PROVISION_FAILED", "SECRET_UNREADABLE"],
    ]);
  });

  it("restartWorkspace records FAILED with SECRET_UNREADABLE and revokes the live token", async () => {
    const created = ok(await gql(t, CreateWorkspace, { input: { name: "concierge", kind: "PLATFORM" } }));
    const ws = expectSuccess(created.createWorkspace, "CreateWorkspaceSuccess").workspace;
    const reg = ok(await gql(t, RegisterWorkspace, { input: { workspaceId: ws.id } }, { token: null }));
    const token = expectSuccess(reg.registerWorkspace, "RegisterWorkspaceSuccess").authToken as string;

    const r = await withSecretValuesRevoked(() => gql(t, RestartWorkspace, { id: ws.id }));
    const restarted = expectSuccess(ok(r).restartWorkspace, "WorkspaceSuccess").workspace;
    expect(restarted).toMatchObject({ status: "FAILED", failure: { code: "SECRET_UNREADABLE" } });

    expect(ok(await gql(t, GetWorkspace, { id: ws.id })).workspace).toMatchObject({
      status: "FAILED",
      failure: { code: "SECRET_UNREADABLE" },
    });
    // The old token died with the restart.
    expectRefusal(await gql(t, Heartbeat, { input: { workspaceId: ws.id } }, { token }), "UNAUTHENTICATED", 401);
    expect(await eventTypes(ws.id)).toEqual([
      ["WORKSPACE_PROVISIONING", null],
      ["WORKSPACE_ONLINE", null],
      ["WORKSPACE_PROVISIONING", null],
      ["WORKSPACE_PROVISION_FAILED", "SECRET_UNREADABLE"],
    ]);
  });
});
