import { PGlite } from "@electric-sql/pglite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pglitePrepared } from "../../src/db/pglite-prepared.js";

// The heartbeat's statement runs prepared on PGlite, outside PGlite's
// query(): these are the ways that path could differ from query() or break
// the session for the statements after it.

let db: PGlite;
let prepared: ReturnType<typeof pglitePrepared>;
beforeAll(async () => {
  db = await PGlite.create();
  await db.exec(`
    CREATE TABLE t (id uuid PRIMARY KEY, at timestamptz, doc jsonb, flag boolean, n int, label text);
    INSERT INTO t VALUES ('00000000-0000-4000-8000-000000000001', '2026-11-27T10:00:00.123Z',
      '{"a": [1, "x", null], "b": {"c": true}}', true, 7, NULL);`);
  prepared = pglitePrepared(db);
});
afterAll(() => db.close());

const SELECT_ROW = "SELECT id, at, doc, flag, n, label FROM t WHERE id = $1::uuid AND n >= $2";
const ID = "00000000-0000-4000-8000-000000000001";

describe("pglitePrepared", () => {
  it("answers the rows query() answers, every type as query() parses it", async () => {
    const viaQuery = (await db.query(SELECT_ROW, [ID, 1])).rows;
    const viaPrepared = await prepared("select_row", SELECT_ROW, [ID, 1]);
    expect(viaPrepared).toEqual(viaQuery);
    expect(viaPrepared[0]).toMatchObject({ flag: true, n: 7, label: null, doc: { b: { c: true } } });
    expect((viaPrepared[0] as { at: unknown }).at).toBeInstanceOf(Date);
    // Again, now from the statement parsed on the first call.
    expect(await prepared("select_row", SELECT_ROW, [ID, 8])).toEqual([]);
  });

  it("serialises parameters by the statement's types (jsonb, boolean, null)", async () => {
    const update =
      "UPDATE t SET doc = COALESCE($2::text::jsonb, doc), flag = $3 WHERE id = $1::uuid RETURNING doc, flag";
    const rows = await prepared("update_row", update, [ID, JSON.stringify({ z: 1 }), false]);
    expect(rows).toEqual([{ doc: { z: 1 }, flag: false }]);
    expect(await prepared("update_row", update, [ID, null, true])).toEqual([{ doc: { z: 1 }, flag: true }]);
  });

  it("refuses another text under a name already prepared", async () => {
    await prepared("one_text", "SELECT 1 AS one");
    await expect(prepared("one_text", "SELECT 2 AS two")).rejects.toThrow(/another text/);
  });

  it("throws the database's error and leaves the session ready for the next statement", async () => {
    await expect(prepared("select_row", SELECT_ROW, ["not-a-uuid", 1])).rejects.toThrow(/uuid/);
    expect(await prepared("select_row", SELECT_ROW, [ID, 1])).toHaveLength(1);
    expect((await db.query("SELECT 1 AS ok")).rows).toEqual([{ ok: 1 }]);
  });

  it("does not keep a statement that failed to parse: the name can be prepared again", async () => {
    await expect(prepared("broken", "SELEC 1")).rejects.toThrow(/syntax/);
    expect(await prepared("broken", "SELECT 1 AS fixed")).toEqual([{ fixed: 1 }]);
  });

  it("waits for an open transaction instead of running inside it", async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    const order: string[] = [];
    const tx = db.transaction(async (t) => {
      await t.query("UPDATE t SET n = 100 WHERE id = $1::uuid", [ID]);
      await held;
      await t.query("UPDATE t SET n = 8 WHERE id = $1::uuid", [ID]);
      order.push("commit");
    });
    const read = prepared<{ n: number }>("read_n", "SELECT n FROM t WHERE id = $1::uuid", [ID]).then((rows) => {
      order.push(`read ${rows[0]?.n}`);
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(order).toEqual([]);
    release();
    await Promise.all([tx, read]);
    expect(order).toEqual(["commit", "read 8"]);
  });
});
