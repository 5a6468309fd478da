import { afterAll, beforeAll } from "vitest";
import type { SqlDriver } from "../../src/db/database.js";
import { openTestDatabase, startTestApp, type TestApp } from "./harness.js";

/**
 * An app of its own, on a database whose group-commit statements are seen:
 * each run of the lone statement (`one`) or the group's (`many`) is recorded
 * with how many items it carried, and `failing` can make them fail.
 */
export function useObservedGroupCommit(one: string, many: string) {
  const observed = {
    app: {} as TestApp,
    statements: [] as { name: string; items: number }[],
    failing: (_name: string) => false,
  };
  beforeAll(async () => {
    const { database } = await openTestDatabase();
    const sql: SqlDriver = {
      ...database.sql,
      query: <T>(text: string, params?: unknown[], prepared?: string) => {
        if (prepared === one || prepared === many) {
          const items = prepared === many ? (JSON.parse(String(params?.[0])) as unknown[]).length : 1;
          observed.statements.push({ name: prepared, items });
          if (observed.failing(prepared)) return Promise.reject(new Error("injected: the statement failed"));
        }
        return database.sql.query<T>(text, params, prepared);
      },
    };
    Object.assign(observed.app, await startTestApp({}, { ...database, sql }));
  });
  afterAll(() => observed.app.app?.stop());
  return observed;
}

/** Holds a workspace's row lock in a transaction of the app's own driver (a change under way) until released. */
export async function holdWorkspaceRow(app: TestApp, workspaceId: string): Promise<() => Promise<void>> {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let locked!: () => void;
  const isLocked = new Promise<void>((r) => (locked = r));
  const holder = app.app.domain.sql.transaction(async (tx) => {
    await tx.query(`SELECT 1 FROM "Workspace" WHERE id = $1::uuid FOR UPDATE`, [workspaceId]);
    locked();
    await released;
  });
  await isLocked;
  return async () => {
    release();
    await holder;
  };
}
