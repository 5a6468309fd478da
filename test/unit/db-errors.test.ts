import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../src/db/database.js";
import { isRowNotFound, onUniqueViolation, violatedUniqueIndex } from "../../src/db/errors.js";
import { openTestDatabase } from "../support/harness.js";

// Database errors are told apart in one place, by the constraint they name:
// the same violation raised through Prisma, Prisma's raw SQL and the plain
// driver, on this run's backend (PGlite's adapter reports no index name,
// PostgreSQL's does).

let db: Database;
let workspaceId: string;
beforeAll(async () => {
  db = (await openTestDatabase()).database;
  workspaceId = randomUUID();
  await db.prisma.workspace.create({ data: { id: workspaceId, name: "w", runtime: "hermes", model: "m" } });
  await db.prisma.instanceToken.create({ data: { id: randomUUID(), workspaceId, tokenHash: "a".repeat(64) } });
});
afterAll(() => db.close());

const rejection = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error("expected the database to refuse");
    },
    (err: unknown) => err,
  );

describe("violatedUniqueIndex", () => {
  it("names a plain unique index, through Prisma", async () => {
    const err = await rejection(
      db.prisma.instanceToken.create({ data: { id: randomUUID(), workspaceId, tokenHash: "a".repeat(64) } }),
    );
    // Both indexes would refuse this row; PostgreSQL checks them in its own order, so either may be named.
    expect(["InstanceToken_tokenHash_key", "InstanceToken_one_live_per_workspace"]).toContain(violatedUniqueIndex(err));
  });

  it("names a partial unique index, through Prisma, Prisma's raw SQL and the driver", async () => {
    const row = () => ({ id: randomUUID(), workspaceId, tokenHash: randomUUID() });
    const viaPrisma = await rejection(db.prisma.instanceToken.create({ data: row() }));
    const r = row();
    const viaRaw = await rejection(
      db.prisma
        .$executeRaw`INSERT INTO "InstanceToken" (id, "workspaceId", "tokenHash") VALUES (${r.id}::uuid, ${r.workspaceId}::uuid, ${r.tokenHash})`,
    );
    const d = row();
    const viaDriver = await rejection(
      db.sql.query(`INSERT INTO "InstanceToken" (id, "workspaceId", "tokenHash") VALUES ($1::uuid, $2::uuid, $3)`, [
        d.id,
        d.workspaceId,
        d.tokenHash,
      ]),
    );
    for (const err of [viaPrisma, viaRaw, viaDriver]) {
      expect(violatedUniqueIndex(err)).toBe("InstanceToken_one_live_per_workspace");
    }
  });

  it("is null for errors that are no unique violation", async () => {
    const missingParent = await rejection(
      db.prisma.instanceToken.create({ data: { id: randomUUID(), workspaceId: randomUUID(), tokenHash: "b" } }),
    );
    expect(violatedUniqueIndex(missingParent)).toBeNull();
    expect(violatedUniqueIndex(new Error("duplicate key value violates unique constraint"))).toBeNull();
    expect(violatedUniqueIndex(undefined)).toBeNull();
  });
});

describe("onUniqueViolation", () => {
  const duplicate = () =>
    db.prisma.instanceToken.create({ data: { id: randomUUID(), workspaceId, tokenHash: randomUUID() } });

  it("answers for the index it expects", async () => {
    expect(await onUniqueViolation("InstanceToken_one_live_per_workspace", duplicate, () => "taken")).toBe("taken");
  });

  it("rethrows another index's violation, and any other error", async () => {
    await expect(onUniqueViolation("Workspace_one_live_platform", duplicate, () => "taken")).rejects.toSatisfy(
      (err) => violatedUniqueIndex(err) === "InstanceToken_one_live_per_workspace",
    );
    await expect(
      onUniqueViolation(
        "InstanceToken_one_live_per_workspace",
        () => Promise.reject(new Error("boom")),
        () => "taken",
      ),
    ).rejects.toThrow("boom");
  });
});

describe("isRowNotFound", () => {
  it("is Prisma's update of a row the where did not match, and nothing else", async () => {
    const err = await rejection(db.prisma.workspace.update({ where: { id: randomUUID() }, data: { name: "x" } }));
    expect(isRowNotFound(err)).toBe(true);
    expect(isRowNotFound(new Error("not found"))).toBe(false);
  });
});
