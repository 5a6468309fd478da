import { afterAll, describe, expect, it } from "vitest";
import { type Database, openDatabase } from "../../src/db/database.js";
import { expectError, expectSuccess, gql, ok } from "../support/gql.js";
import { backend, openTestDatabase, randomKey, startTestApp, type TestApp } from "../support/harness.js";
import { CreateWorkspace, ListEvents, RegisterWorkspace, RestartWorkspace } from "../support/operations.js";

// SECRETS_ENCRYPTION_KEY rotation (SPEC sections 1 and 6): three instances
// started one after the other on the same data, each with its own key ring.

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

/**
 * The same data for each instance. app.stop() closes the handle it was given:
 * PostgreSQL is simply opened again by URL; PGlite (seconds to reopen on a
 * loaded machine) keeps one handle whose close is deferred to the end, since
 * what changes between instances is the key ring, not the connection.
 */
async function sharedData(): Promise<() => Promise<Database>> {
  const { database, url } = await openTestDatabase();
  if (backend === "postgres") {
    await database.close();
    return () => openDatabase({ kind: "postgres", url: url as string });
  }
  cleanups.push(() => database.close());
  return async () => ({ ...database, close: async () => {} });
}

async function instance(open: () => Promise<Database>, env: Record<string, string>): Promise<TestApp> {
  const t = await startTestApp(env, await open());
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await t.stop();
  };
  cleanups.push(stop);
  return { ...t, stop };
}

const secretRows = (t: TestApp, workspaceId: string) =>
  t.app.domain.prisma.workspaceSecret.findMany({ where: { workspaceId }, orderBy: { key: "asc" } });

describe("encryption key rotation", () => {
  it("fails closed under an unknown key, leaves the rows as they are, and recovers with the old key listed", async () => {
    const keyA = randomKey();
    const keyB = randomKey();
    const open = await sharedData();

    const a = await instance(open, { SECRETS_ENCRYPTION_KEY: keyA });
    const created = ok(
      await gql(a, CreateWorkspace, { input: { name: "concierge", kind: "PLATFORM" } }),
    ).createWorkspace;
    const ws = expectSuccess(created, "CreateWorkspaceSuccess").workspace;
    expect(ws.status).toBe("PROVISIONING");
    const first = expectSuccess(
      ok(await gql(a, RegisterWorkspace, { input: { workspaceId: ws.id } }, { token: null })).registerWorkspace,
      "RegisterWorkspaceSuccess",
    );
    expect(first.platformInboundSecret).toBeTruthy();
    const sealed = await secretRows(a, ws.id);
    expect(sealed.map((r) => r.key)).toEqual(["LLM_PROVIDER", "MODEL"]);
    await a.stop();

    // Key B only: every value sealed with A is unreadable, and that is never "unset".
    const b = await instance(open, { SECRETS_ENCRYPTION_KEY: keyB });
    const failed = ok(await gql(b, RestartWorkspace, { id: ws.id })).restartWorkspace;
    const failedWs = expectSuccess(failed, "WorkspaceSuccess").workspace;
    expect(failedWs.status).toBe("FAILED");
    expect(failedWs.failure?.code).toBe("SECRET_UNREADABLE");
    expect(await secretRows(b, ws.id)).toEqual(sealed);
    const events = ok(await gql(b, ListEvents, { workspaceId: ws.id, first: 100 })).workspaceEvents.edges;
    expect(events.map((e) => [e.node.type, e.node.code])).toEqual([
      ["WORKSPACE_PROVISIONING", null],
      ["WORKSPACE_ONLINE", null],
      ["WORKSPACE_PROVISIONING", null],
      ["WORKSPACE_PROVISION_FAILED", "SECRET_UNREADABLE"],
    ]);
    expectError(
      ok(await gql(b, RegisterWorkspace, { input: { workspaceId: ws.id } }, { token: null })).registerWorkspace,
      "RequestError",
      "WORKSPACE_FAILED",
    );
    await b.stop();

    // Key B with A listed as old: A's values open again.
    const c = await instance(open, { SECRETS_ENCRYPTION_KEY: keyB, SECRETS_ENCRYPTION_KEYS_OLD: keyA });
    const healthy = ok(await gql(c, RestartWorkspace, { id: ws.id })).restartWorkspace;
    expect(expectSuccess(healthy, "WorkspaceSuccess").workspace).toMatchObject({
      status: "PROVISIONING",
      failure: null,
    });
    expect(await secretRows(c, ws.id)).toEqual(sealed);
    expect(await c.app.domain.secrets.readWorkspaceSecret(ws.id, "MODEL")).toEqual({
      state: "value",
      value: "moonshot/kimi-k2.6",
    });
    const registered = expectSuccess(
      ok(await gql(c, RegisterWorkspace, { input: { workspaceId: ws.id } }, { token: null })).registerWorkspace,
      "RegisterWorkspaceSuccess",
    );
    expect(registered.authToken).toBeTruthy();
    expect(registered.workspace.status).toBe("ONLINE");
    expect(registered.platformInboundSecret).toBe(first.platformInboundSecret);
  });
});
