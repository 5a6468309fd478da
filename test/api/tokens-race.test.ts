import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { hashToken, mintToken } from "../../src/auth/tokens.js";
import { violatedUniqueIndex } from "../../src/db/errors.js";
import { expectRefusal, expectSuccess, type GqlResponse, gql, ok } from "../support/gql.js";
import { backend, useTestApp } from "../support/harness.js";
import { CreateWorkspace, Heartbeat, RegisterWorkspace, RestartWorkspace } from "../support/operations.js";

// PGlite runs one statement at a time, so these races are only real on the
// PostgreSQL project; they run on both.

const t = useTestApp();

async function createWorkspace(name = "agent") {
  const r = ok(await gql(t, CreateWorkspace, { input: { name } })).createWorkspace;
  return expectSuccess(r, "CreateWorkspaceSuccess").workspace;
}

const register = (workspaceId: string, token: string | null) =>
  gql(t, RegisterWorkspace, { input: { workspaceId } }, { token });

const liveTokens = (workspaceId: string) =>
  t.app.domain.prisma.instanceToken.findMany({ where: { workspaceId, revokedAt: null } });

type RegisterResponse = Awaited<ReturnType<typeof register>>;

/** Each response is either a success that minted a token or a 401; returns the minted tokens. */
function mintedTokens(responses: RegisterResponse[]): string[] {
  const minted: string[] = [];
  for (const r of responses) {
    if (r.status === 200 && !r.errors) {
      const s = expectSuccess(ok(r).registerWorkspace, "RegisterWorkspaceSuccess");
      expect(s.authToken).toBeTruthy();
      minted.push(s.authToken as string);
    } else expectRefusal(r as GqlResponse<unknown>, "UNAUTHENTICATED", 401);
  }
  return minted;
}

describe(`instance token races (${backend})`, () => {
  it("16 concurrent bootstraps of one workspace: one wins with a working token, the other 15 get 401", async () => {
    const ws = await createWorkspace();
    const responses = await Promise.all(Array.from({ length: 16 }, () => register(ws.id, null)));
    const minted = mintedTokens(responses);
    expect(minted).toHaveLength(1);
    const winner = minted[0] as string;

    const live = await liveTokens(ws.id);
    expect(live.map((l) => l.tokenHash)).toEqual([hashToken(winner)]);
    expect(await t.app.domain.prisma.instanceToken.count({ where: { workspaceId: ws.id } })).toBe(1);
    const hb = ok(await gql(t, Heartbeat, { input: { workspaceId: ws.id } }, { token: winner })).heartbeat;
    expect(expectSuccess(hb, "HeartbeatSuccess").workspace.status).toBe("ONLINE");
    const online = await t.app.domain.prisma.workspaceEvent.count({
      where: { workspaceId: ws.id, type: "WORKSPACE_ONLINE" },
    });
    expect(online).toBe(1);
  });

  it("16 concurrent registers with stale bearers after a restart: still exactly one live token", async () => {
    const ws = await createWorkspace();
    const first = expectSuccess(ok(await register(ws.id, null)).registerWorkspace, "RegisterWorkspaceSuccess");
    ok(await gql(t, RestartWorkspace, { id: ws.id }));
    const bearers = [first.authToken, ...Array.from({ length: 15 }, () => mintToken())];
    const minted = mintedTokens(await Promise.all(bearers.map((b) => register(ws.id, b))));
    expect(minted).toHaveLength(1);
    expect((await liveTokens(ws.id)).map((l) => l.tokenHash)).toEqual([hashToken(minted[0] as string)]);
  });

  it("two racing restart-then-register sequences never leave two live tokens", async () => {
    const ws = await createWorkspace();
    const sequence = async () => {
      const restarted = ok(await gql(t, RestartWorkspace, { id: ws.id })).restartWorkspace;
      expectSuccess(restarted, "WorkspaceSuccess");
      return register(ws.id, null);
    };
    for (let round = 0; round < 5; round++) {
      const minted = mintedTokens(await Promise.all([sequence(), sequence()]));
      // The last register of a round always follows its own restart: it
      // either bootstraps or finds the other's token live.
      expect(minted.length).toBeGreaterThanOrEqual(1);
      const live = await liveTokens(ws.id);
      expect(live).toHaveLength(1);
      expect(minted.map(hashToken)).toContain(live[0]?.tokenHash);
    }
  });

  it("the partial unique index refuses a second live token row for a workspace", async () => {
    const ws = await createWorkspace();
    const prisma = t.app.domain.prisma;
    await prisma.instanceToken.create({
      data: { id: randomUUID(), workspaceId: ws.id, tokenHash: hashToken(mintToken()), revokedAt: new Date() },
    });
    await prisma.instanceToken.create({
      data: { id: randomUUID(), workspaceId: ws.id, tokenHash: hashToken(mintToken()) },
    });
    const second = prisma.instanceToken.create({
      data: { id: randomUUID(), workspaceId: ws.id, tokenHash: hashToken(mintToken()) },
    });
    const err = await second.then(
      () => null,
      (e: unknown) => e,
    );
    expect(err, "a second live token was accepted").not.toBeNull();
    expect(violatedUniqueIndex(err)).toBe("InstanceToken_one_live_per_workspace");
    expect(await liveTokens(ws.id)).toHaveLength(1);
    const indexes = await t.app.db.sql.query<{ indexdef: string }>(
      `SELECT indexdef FROM pg_indexes WHERE indexname = 'InstanceToken_one_live_per_workspace'`,
    );
    expect(indexes[0]?.indexdef).toMatch(/UNIQUE INDEX .*\("workspaceId"\) WHERE \("revokedAt" IS NULL\)/);
  });
});
