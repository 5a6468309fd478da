import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashToken } from "../../src/auth/tokens.js";
import { openDatabase } from "../../src/db/database.js";
import { expectSuccess, type GqlResponse, gql, ok } from "../support/gql.js";
import { backend, openTestDatabase, randomKey, startTestApp, type TestApp } from "../support/harness.js";
import { ListWorkspaces, RevokeApiToken } from "../support/operations.js";
import { apiToken } from "../support/roles.js";
import { eventually } from "../support/ws.js";

// SPEC section 10: a revoked token is refused on every instance within 1 s.
// Two app instances on one PostgreSQL, each with its own token cache. The
// 1 s is the spec's correctness bound, polled as a deadline, not a speed.

const WITHIN_MS = 1_000;

/** Polls until the token is refused on `t`; resolves to how long it took, or throws past the bound. */
async function refusedWithin(t: TestApp, token: string, since: number) {
  let last: GqlResponse<unknown> | undefined;
  while (Date.now() - since <= WITHIN_MS) {
    last = await gql(t, ListWorkspaces, {}, { token });
    if (last.status === 401) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`still accepted ${WITHIN_MS} ms after the revocation: ${last?.raw}`);
}

describe.runIf(backend === "postgres")("two instances on one PostgreSQL", () => {
  let a: TestApp;
  let b: TestApp;
  let url: string;
  const shared = `shared-admin-${randomKey()}`;

  beforeAll(async () => {
    const opened = await openTestDatabase();
    url = opened.url as string;
    a = await startTestApp({ ADMIN_TOKEN: shared }, opened.database);
    b = await startTestApp({ ADMIN_TOKEN: shared }, await openDatabase({ kind: "postgres", url }));
    // Both follow the NOTIFY channel, so both serve tokens from memory.
    await eventually(
      () => a.app.identities.apiTokens.trusted() && b.app.identities.apiTokens.trusted(),
      "both listening",
    );
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
  });

  it("a token revoked on one instance is refused on the other within 1 s, though the other had it cached", async () => {
    const v = await apiToken(a, "viewer", "revoked elsewhere");
    ok(await gql(b, ListWorkspaces, {}, { token: v.token }));
    ok(await gql(b, ListWorkspaces, {}, { token: v.token }));
    const since = Date.now();
    expectSuccess(ok(await gql(a, RevokeApiToken, { id: v.id })).revokeApiToken, "RevokeApiTokenSuccess");
    await refusedWithin(b, v.token, since);
  });

  it("an instance started with a new ADMIN_TOKEN: the replaced one is refused on the running instances within 1 s", async () => {
    ok(await gql(a, ListWorkspaces, {}, { token: shared }));
    ok(await gql(b, ListWorkspaces, {}, { token: shared }));
    // Polled from before the new instance starts, since the revocation commits during its start-up.
    const firstRefusal = async (t: TestApp) => {
      for (;;) {
        if ((await gql(t, ListWorkspaces, {}, { token: shared })).status === 401) return Date.now();
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const refusals = Promise.all([firstRefusal(a), firstRefusal(b)]);
    const next = `next-admin-${randomKey()}`;
    const c = await startTestApp({ ADMIN_TOKEN: next }, await openDatabase({ kind: "postgres", url }));
    try {
      const old = await c.app.domain.prisma.apiToken.findUniqueOrThrow({ where: { tokenHash: hashToken(shared) } });
      const revokedAt = (old.revokedAt as Date).getTime();
      for (const refusedAt of await refusals) expect(refusedAt - revokedAt).toBeLessThanOrEqual(WITHIN_MS);
      ok(await gql(a, ListWorkspaces, {}, { token: next }));
    } finally {
      await c.stop();
    }
  });
});
