import { describe, expect, it } from "vitest";
import { expectRefusal, expectSuccess, gql, ok } from "../support/gql.js";
import { holdWorkspaceRow, useObservedGroupCommit } from "../support/group-commit.js";
import { backend } from "../support/harness.js";
import { CreateWorkspace, RegisterWorkspace } from "../support/operations.js";

// The common register (ONLINE, its own live token) goes in a group commit:
// registers that wait beside each other share one statement and its durable
// commit. A group must answer each register exactly as it would be answered
// alone, and write exactly what the registers alone would write.

// Its own app, on a database whose register statements are seen (and can be made to fail).
const observed = useObservedGroupCommit("register_while_online", "registers_while_online");
const g = observed.app;
const { statements } = observed;
// PGlite's groups are certain (one thread, no I/O between registers that arrive together);
// PostgreSQL's depend on timing, so the group's make-up is checked on PGlite.
const grouped = () => backend === "pglite";

type Payload = { url?: string; agentCard?: unknown; kind?: "PLATFORM" };
const call = (workspaceId: string, token: string | null, payload: Payload = {}) =>
  gql(g, RegisterWorkspace, { input: { workspaceId, ...payload } }, { token });

async function online(name: string) {
  const c = ok(await gql(g, CreateWorkspace, { input: { name } })).createWorkspace;
  const { id } = expectSuccess(c, "CreateWorkspaceSuccess").workspace;
  const r = ok(await call(id, null)).registerWorkspace;
  return { id, token: expectSuccess(r, "RegisterWorkspaceSuccess").authToken as string };
}
const revoke = (workspaceId: string) =>
  g.app.domain.prisma.instanceToken.updateMany({ where: { workspaceId }, data: { revokedAt: new Date() } });
const row = (id: string) => g.app.domain.prisma.workspace.findUniqueOrThrow({ where: { id } });

/** Every kind of register, on fresh workspaces: what each call is, by name. */
async function mix() {
  const [a, b, revoked, offline, failedWs, twice, fresh] = await Promise.all([
    online("reg mix a"),
    online("reg mix b"),
    online("reg mix revoked"),
    online("reg mix offline"),
    online("reg mix failed"),
    online("reg mix twice"),
    online("reg mix fresh"),
  ]);
  // One revoked token beside the live one minted after it; and a workspace with none live at all.
  await revoke(revoked.id);
  const again = ok(await call(revoked.id, null)).registerWorkspace;
  const live = expectSuccess(again, "RegisterWorkspaceSuccess").authToken as string;
  await revoke(fresh.id);
  await g.app.domain.prisma.workspace.update({ where: { id: offline.id }, data: { status: "OFFLINE" } });
  await g.app.domain.prisma.workspace.update({
    where: { id: failedWs.id },
    data: { status: "FAILED", failureCode: "SECRET_UNREADABLE", failureMessage: "x", failedAt: new Date() },
  });
  const names = new Map(Object.entries({ a, b, revoked, offline, failedWs, twice, fresh }).map(([n, w]) => [w.id, n]));
  const card = { name: "agent a", skills: [{ id: "s1" }] };
  const calls: Record<string, () => ReturnType<typeof call>> = {
    valid: () => call(a.id, a.token, { url: "https://a.example/a2a", agentCard: card }),
    "valid, the same again": () => call(a.id, a.token, { url: "https://a.example/a2a", agentCard: card }),
    "another workspace's token": () => call(b.id, a.token, { url: "https://evil.example/a2a" }),
    "b's own": () => call(b.id, b.token, { url: "https://b.example/a2a" }),
    "b's own, POLL": () => call(b.id, b.token),
    "revoked token beside the live one": () => call(revoked.id, revoked.token, { url: "https://stale.example/a2a" }),
    "the live one beside it": () => call(revoked.id, live, { url: "https://live.example/a2a" }),
    "no token while one is live": () => call(twice.id, null, { url: "https://nobody.example/a2a" }),
    "a made-up token": () => call(twice.id, "not-a-token", { url: "https://nobody.example/a2a" }),
    "twice's own": () => call(twice.id, twice.token, { url: "https://twice.example/1" }),
    "twice's own, another url": () => call(twice.id, twice.token, { url: "https://twice.example/2" }),
    "OFFLINE workspace": () => call(offline.id, offline.token, { url: "https://offline.example/a2a" }),
    "FAILED workspace": () => call(failedWs.id, failedWs.token),
    "claims PLATFORM": () => call(a.id, a.token, { kind: "PLATFORM" }),
    "a stale token, none live: bootstraps": () => call(fresh.id, fresh.token, { url: "https://fresh.example/a2a" }),
  };
  return { calls, names };
}

/** What a client can tell of an answer; the workspace by its name in the mix, times and tokens left out. */
function seen(r: Awaited<ReturnType<typeof call>>, names: Map<string, string>) {
  const reg = r.data?.registerWorkspace;
  const s = reg?.__typename === "RegisterWorkspaceSuccess" ? reg : null;
  return {
    status: r.status,
    errors: r.errors?.map((e) => e.extensions?.code),
    typename: reg?.__typename,
    code: reg?.__typename === "RequestError" ? [reg.code, reg.field] : undefined,
    minted: s ? s.authToken !== null : undefined,
    workspace: s && {
      name: names.get(s.workspace.id),
      status: s.workspace.status,
      url: s.workspace.url,
      deliveryMode: s.workspace.deliveryMode,
    },
  };
}

/** What the calls left in the database, by workspace name: url, mode, card, live tokens, event types. */
async function written(names: Map<string, string>) {
  const out: Record<string, unknown> = {};
  for (const [id, name] of names) {
    const ws = await row(id);
    const tokens = await g.app.domain.prisma.instanceToken.count({ where: { workspaceId: id, revokedAt: null } });
    const events = await g.app.domain.prisma.workspaceEvent.findMany({
      where: { workspaceId: id },
      orderBy: { seq: "asc" },
    });
    out[name] = {
      status: ws.status,
      // Two registers of one workspace with other payloads run one after the other, in either order.
      url: name === "twice" || name === "b" ? "(either)" : ws.url,
      deliveryMode: name === "b" ? "(either)" : ws.deliveryMode,
      agentCard: ws.agentCard,
      liveTokens: tokens,
      events: events.map((e) => e.type),
    };
  }
  return out;
}

describe("registerWorkspace: concurrent registers (their group commit)", () => {
  it("each register of a group gets exactly the answer it gets alone, and writes what it writes alone", async () => {
    const alone = await mix();
    const expected: Record<string, unknown> = {};
    for (const [name, c] of Object.entries(alone.calls)) expected[name] = seen(await c(), alone.names);
    const expectedRows = await written(alone.names);

    const together = await mix();
    statements.length = 0;
    const answers = await Promise.all(Object.values(together.calls).map((c) => c()));
    const got = Object.fromEntries(
      Object.keys(together.calls).map((n, i) => [n, seen(answers[i] as never, together.names)]),
    );
    expect(got).toEqual(expected);
    expect(await written(together.names)).toEqual(expectedRows);
    // The answers alone, spelled out for the ones that matter most.
    expect(got.valid).toMatchObject({ typename: "RegisterWorkspaceSuccess", minted: false });
    expect(got["another workspace's token"]).toMatchObject({ status: 403, errors: ["FORBIDDEN"] });
    expect(got["revoked token beside the live one"]).toMatchObject({ status: 401, errors: ["UNAUTHENTICATED"] });
    expect(got["the live one beside it"]).toMatchObject({ workspace: { url: "https://live.example/a2a" } });
    expect(got["no token while one is live"]).toMatchObject({ status: 401, errors: ["UNAUTHENTICATED"] });
    // Two registers of one workspace with other urls: each answered with its own, as one after the other.
    expect(got["twice's own"]).toMatchObject({ workspace: { url: "https://twice.example/1" } });
    expect(got["twice's own, another url"]).toMatchObject({ workspace: { url: "https://twice.example/2" } });
    expect(got["b's own, POLL"]).toMatchObject({ workspace: { url: null, deliveryMode: "POLL" } });
    expect(got["OFFLINE workspace"]).toMatchObject({ workspace: { status: "ONLINE" } });
    expect(got["a stale token, none live: bootstraps"]).toMatchObject({ minted: true });
    // The stale runtime's url was never written, nor the one presented with another workspace's token.
    const byName = Object.fromEntries([...together.names].map(([id, n]) => [n, id]));
    expect((await row(byName.revoked as string)).url).toBe("https://live.example/a2a");
    expect(["https://b.example/a2a", null]).toContain((await row(byName.b as string)).url);
    if (grouped()) {
      const largest = Math.max(...statements.map((s) => s.items));
      expect(largest, JSON.stringify(statements)).toBeGreaterThan(1);
    }
  });

  it("a failing group statement: each register is run again alone and gets its own answer", async () => {
    const agents = await Promise.all([0, 1, 2, 3].map((i) => online(`reg retried ${i}`)));
    const revoked = await online("reg retried, revoked");
    await revoke(revoked.id);
    let failed = 0;
    observed.failing = (name) => name === "registers_while_online" && failed++ === 0;
    statements.length = 0;
    try {
      const answers = await Promise.all([
        ...agents.map((a, i) => call(a.id, a.token, { url: `https://retried.example/${i}` })),
        call(revoked.id, revoked.token),
      ]);
      answers.slice(0, 4).forEach((r, i) => {
        const s = expectSuccess(ok(r).registerWorkspace, "RegisterWorkspaceSuccess");
        expect(s.workspace.url).toBe(`https://retried.example/${i}`);
      });
      // No token is live for it: the full path bootstraps, as alone.
      const last = answers[4];
      if (!last) throw new Error("five answers were expected");
      expectSuccess(ok(last).registerWorkspace, "RegisterWorkspaceSuccess");
    } finally {
      observed.failing = () => false;
    }
    if (grouped()) {
      expect(failed, JSON.stringify(statements)).toBe(1);
      // The group (failed), then each of its five registers alone.
      expect(statements.filter((s) => s.name === "register_while_online")).toHaveLength(5);
    }
    for (const [i, a] of agents.entries()) expect((await row(a.id)).url).toBe(`https://retried.example/${i}`);
  });

  it.runIf(backend === "postgres")(
    "a row another transaction holds stalls only its own register: the group skips it, and the others are answered",
    async () => {
      const [held, free] = await Promise.all([online("reg held by a change"), online("reg registering freely")]);
      const release = await holdWorkspaceRow(g, held.id);
      const heldRegister = call(held.id, held.token, { url: "https://held.example/a2a" });
      // Answered while the other row is still held: had the group waited on that lock, this would not return.
      const answers = await Promise.all(
        [1, 2, 3].map((i) => call(free.id, free.token, { url: `https://f.example/${i}` })),
      );
      for (const r of answers) expectSuccess(ok(r).registerWorkspace, "RegisterWorkspaceSuccess");
      await release();
      const s = expectSuccess(ok(await heldRegister).registerWorkspace, "RegisterWorkspaceSuccess");
      expect(s.workspace.url).toBe("https://held.example/a2a");
    },
  );

  it("a database that keeps failing: every register of the group gets 503, never 401", async () => {
    const agents = await Promise.all([0, 1, 2].map((i) => online(`reg unavailable ${i}`)));
    observed.failing = () => true;
    try {
      const answers = await Promise.all([...agents, ...agents].map((a) => call(a.id, a.token)));
      for (const r of answers) expectRefusal(r, "SERVICE_UNAVAILABLE", 503);
    } finally {
      observed.failing = () => false;
    }
    for (const a of agents) expectSuccess(ok(await call(a.id, a.token)).registerWorkspace, "RegisterWorkspaceSuccess");
  });
});
