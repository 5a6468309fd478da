import { describe, expect, it } from "vitest";
import { ApiTokenStore } from "../../src/auth/api-tokens.js";
import type { PrismaClient } from "../../src/generated/prisma/client.js";

// The per-instance cache of API tokens: its failure modes, with the database
// replaced by a counter. (Across instances: test/api/revocation-instances.test.ts.)

type Row = { id: string; label: string; role: string; expiresAt: Date | null; revokedAt: Date | null };

function fakeDatabase(row: () => Row | null) {
  const db = { lookups: 0, pending: [] as (() => void)[], hold: false };
  const prisma = {
    $queryRaw: async () => {
      db.lookups++;
      if (db.hold) await new Promise<void>((resolve) => db.pending.push(resolve));
      const r = row();
      return r ? [r] : [];
    },
  } as unknown as PrismaClient;
  return { db, prisma };
}

const live: Row = { id: "t1", label: "ci", role: "VIEWER", expiresAt: null, revokedAt: null };

describe("ApiTokenStore", () => {
  it("serves a live token from memory until a revocation is heard", async () => {
    let row: Row | null = live;
    const { db, prisma } = fakeDatabase(() => row);
    const store = new ApiTokenStore(prisma);
    expect(await store.find("h")).toMatchObject({ id: "t1", role: "viewer" });
    expect(await store.find("h")).toMatchObject({ id: "t1" });
    expect(db.lookups).toBe(1);
    row = { ...live, revokedAt: new Date() };
    store.heard("another instance");
    expect(await store.find("h")).toBeNull();
    // Its own NOTIFY's echo needs no second invalidation.
    row = live;
    await store.find("h");
    store.heard(store.origin);
    await store.find("h");
    expect(db.lookups).toBe(3);
  });

  it("serves nothing from memory while the NOTIFY connection is down", async () => {
    let trusted = true;
    const { db, prisma } = fakeDatabase(() => live);
    const store = new ApiTokenStore(prisma, () => trusted);
    await store.find("h");
    trusted = false;
    await store.find("h");
    await store.find("h");
    expect(db.lookups).toBe(3);
    trusted = true;
    await store.find("h");
    await store.find("h");
    expect(db.lookups).toBe(4);
  });

  it("keeps nothing from a lookup that a revocation overtook", async () => {
    let row: Row | null = live;
    const { db, prisma } = fakeDatabase(() => row);
    const store = new ApiTokenStore(prisma);
    db.hold = true;
    const slow = store.find("h");
    await new Promise((r) => setImmediate(r));
    store.heard("another instance"); // the revocation committed while the old row was on its way
    db.pending.splice(0).forEach((release) => void release());
    expect(await slow).toMatchObject({ id: "t1" }); // read before the revocation: answered as read
    db.hold = false;
    row = { ...live, revokedAt: new Date() };
    expect(await store.find("h")).toBeNull(); // but not kept
  });

  it("a revoked or unknown token is never cached", async () => {
    let row: Row | null = null;
    const { db, prisma } = fakeDatabase(() => row);
    const store = new ApiTokenStore(prisma);
    expect(await store.find("h")).toBeNull();
    row = { ...live, revokedAt: new Date() };
    expect(await store.find("h")).toBeNull();
    row = live;
    expect(await store.find("h")).toMatchObject({ id: "t1" });
    expect(db.lookups).toBe(3);
  });

  it("isAdmin (is this an API token, of any role, so no agent's): an expired token is not", async () => {
    let row: Row | null = { ...live, expiresAt: new Date(Date.now() - 1) };
    const { prisma } = fakeDatabase(() => row);
    const store = new ApiTokenStore(prisma);
    expect(await store.isAdmin("h")).toBe(false);
    row = { ...live, role: "VIEWER" };
    store.invalidate();
    expect(await store.isAdmin("h")).toBe(true);
  });

  it("shares one lookup among callers who ask while it is under way", async () => {
    const { db, prisma } = fakeDatabase(() => live);
    const store = new ApiTokenStore(prisma);
    db.hold = true;
    const many = Array.from({ length: 1_000 }, () => store.find("h"));
    await new Promise((r) => setImmediate(r));
    expect(db.lookups).toBe(1);
    db.pending.splice(0).forEach((release) => void release());
    for (const answer of await Promise.all(many)) expect(answer).toMatchObject({ id: "t1" });
    // Another digest is a lookup of its own.
    db.hold = false;
    await store.find("other");
    expect(db.lookups).toBe(2);
  });

  it("after a revocation is heard, a caller does not join a lookup begun before it", async () => {
    let row: Row | null = live;
    const { db, prisma } = fakeDatabase(() => row);
    const store = new ApiTokenStore(prisma);
    db.hold = true;
    const before = store.find("h");
    await new Promise((r) => setImmediate(r));
    row = { ...live, revokedAt: new Date() };
    store.heard("another instance");
    const after = store.find("h");
    await new Promise((r) => setImmediate(r));
    expect(db.lookups).toBe(2);
    db.pending.splice(0).forEach((release) => void release());
    // The first read its row when it ran (here after the change, through the fake); the second is its own lookup.
    await before;
    expect(await after).toBeNull();
  });

  it("a failed shared lookup fails every caller who joined it, and the next caller looks again", async () => {
    let fail = true;
    const prisma = {
      $queryRaw: async () => {
        await new Promise((r) => setImmediate(r));
        if (fail) throw new Error("database down");
        return [live];
      },
    } as unknown as PrismaClient;
    const store = new ApiTokenStore(prisma);
    const joined = await Promise.allSettled([store.find("h"), store.find("h")]);
    expect(joined.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    fail = false;
    expect(await store.find("h")).toMatchObject({ id: "t1" });
  });
});
