import { randomBytes } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import type { Workspace } from "../../src/generated/prisma/client.js";
import { nameContains, pageIds } from "../../src/workspaces/list.js";
import { graphql } from "../gql/gql.js";
import type {
  CanvasCountsQueryVariables,
  CanvasListQuery,
  CanvasListQueryVariables,
  WorkspaceOrderField,
  WorkspaceStatus,
} from "../gql/graphql.js";
import { expectSuccess, type GqlResponse, gql, ok } from "../support/gql.js";
import { useTestApp } from "../support/harness.js";
import { CreateWorkspace, RegisterWorkspace, RemoveWorkspace } from "../support/operations.js";

const CanvasList = graphql(`
  query CanvasList(
    $first: Int
    $after: String
    $status: WorkspaceStatus
    $statuses: [WorkspaceStatus!]
    $kind: WorkspaceKind
    $runtime: String
    $search: String
    $orderBy: WorkspaceOrder
  ) {
    workspaces(
      first: $first
      after: $after
      status: $status
      statuses: $statuses
      kind: $kind
      runtime: $runtime
      search: $search
      orderBy: $orderBy
    ) {
      edges { cursor node { id name status kind runtime createdAt lastHeartbeatAt } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }
`);

const CanvasCounts = graphql(`
  query CanvasCounts($statuses: [WorkspaceStatus!], $kind: WorkspaceKind, $runtime: String, $search: String) {
    workspaces(first: 0, statuses: $statuses, kind: $kind, runtime: $runtime, search: $search) {
      totalCount
      countsByStatus { status count }
    }
  }
`);

const CanvasWorkspace = graphql(`
  query CanvasWorkspace($id: ID!) {
    workspace(id: $id) { id runtime runtimeDisplayName provider providerDisplayName agentCard }
  }
`);

const CanvasRegistry = graphql(`
  query CanvasRegistry {
    runtimes { name displayName defaultModel providers { name displayName platform authEnv } }
    providers { name displayName platform authEnv }
    offeredModels(runtime: "claude-code") { model provider providerDisplayName }
  }
`);

const t = useTestApp();

type Node = CanvasListQuery["workspaces"]["edges"][number]["node"];
type Vars = CanvasListQueryVariables;
const prisma = () => t.app.domain.prisma;

async function create(name: string, input: { runtime?: string; model?: string } = {}) {
  const r = ok(await gql(t, CreateWorkspace, { input: { name, ...input } })).createWorkspace;
  return expectSuccess(r, "CreateWorkspaceSuccess").workspace;
}

/** Every node the list shows for these arguments, paged with `first`; checks each page's pageInfo. */
async function pageAll(vars: Vars, first: number): Promise<Node[]> {
  const nodes: Node[] = [];
  let after: string | null = null;
  for (let pages = 0; pages < 500; pages++) {
    const page: CanvasListQuery["workspaces"] = ok(await gql(t, CanvasList, { ...vars, first, after })).workspaces;
    expect(page.edges.length).toBeLessThanOrEqual(first);
    expect(page.pageInfo.hasPreviousPage).toBe(after !== null);
    expect(page.pageInfo.endCursor).toBe(page.edges.at(-1)?.cursor ?? null);
    nodes.push(...page.edges.map((e) => e.node));
    if (!page.pageInfo.hasNextPage) return nodes;
    expect(page.edges).toHaveLength(first);
    after = page.pageInfo.endCursor;
  }
  throw new Error("paging did not end");
}

function expectRefusal(r: GqlResponse<unknown>, field: string) {
  const dump = `request: ${r.request}\nresponse: ${r.raw}`;
  expect(r.status, dump).toBe(200);
  expect(r.errors?.[0]?.extensions?.code, dump).toBe("VALIDATION_FAILED");
  expect(r.errors?.[0]?.extensions?.field, dump).toBe(field);
}

const STATUS_ORDER: WorkspaceStatus[] = ["PROVISIONING", "ONLINE", "OFFLINE", "FAILED", "REMOVED"];

/** The order the API promises, computed here from the stored rows (ASCII names: lower() agrees with JS). */
function sortKey(field: WorkspaceOrderField, w: Workspace): (string | number)[] {
  switch (field) {
    case "NAME":
      return [w.name.toLowerCase()];
    case "CREATED_AT":
      return [w.createdAt.getTime()];
    case "STATUS":
      return [STATUS_ORDER.indexOf(w.status), w.createdAt.getTime()];
    case "LAST_HEARTBEAT_AT":
      return [w.lastHeartbeatAt?.getTime() ?? Number.NEGATIVE_INFINITY];
  }
}
function expectedOrder(rows: Workspace[], field: WorkspaceOrderField, direction: "ASC" | "DESC"): string[] {
  const cmp = (a: Workspace, b: Workspace) => {
    const [x, y] = [
      [...sortKey(field, a), a.id],
      [...sortKey(field, b), b.id],
    ];
    for (let i = 0; i < x.length; i++) {
      if (x[i] === y[i]) continue;
      return (x[i] as string | number) < (y[i] as string | number) ? -1 : 1;
    }
    return 0;
  };
  const sorted = [...rows].sort(cmp).map((w) => w.id);
  return direction === "ASC" ? sorted : sorted.reverse();
}

describe("workspaces ordered, both ways, across pages with ties", () => {
  const tag = `ord-${randomBytes(3).toString("hex")}`;
  let rows: Workspace[] = [];

  beforeAll(async () => {
    // Names that tie case-insensitively, instants shared by several, heartbeats
    // missing on some, statuses shared: every order has ties for the id to break.
    const names = ["b", "B", "a", "C", "b", "c", "A", "d", "D", "a", "e", "B"];
    const ids: string[] = [];
    for (const [i, n] of names.entries()) ids.push((await create(`${tag}-${n}-${i % 2 ? "x" : "X"}`)).id);
    const instants = [new Date("2026-01-01T00:00:00.000Z"), new Date("2026-01-02T00:00:00.000Z")];
    const statuses: WorkspaceStatus[] = ["ONLINE", "OFFLINE", "FAILED", "PROVISIONING"];
    for (const [i, id] of ids.entries()) {
      await prisma().workspace.update({
        where: { id },
        data: {
          createdAt: instants[i % 2],
          lastHeartbeatAt: i % 3 === 0 ? null : instants[i % 2],
          status: statuses[i % 4],
          ...(i % 4 === 2 ? { failureCode: "PROVISION_TIMEOUT", failureMessage: "x", failedAt: new Date() } : {}),
        },
      });
    }
    rows = await prisma().workspace.findMany({ where: { id: { in: ids } } });
  });

  for (const field of ["NAME", "CREATED_AT", "STATUS", "LAST_HEARTBEAT_AT"] as const) {
    for (const direction of ["ASC", "DESC"] as const) {
      it(`${field} ${direction}`, async () => {
        const expected = expectedOrder(rows, field, direction);
        const vars = { search: tag, orderBy: { field, direction } };
        for (const first of [1, 5, 12, 100]) {
          expect(
            (await pageAll(vars, first)).map((n) => n.id),
            `first: ${first}`,
          ).toEqual(expected);
        }
      });
    }
  }

  // The order by last heartbeat reads each listed status's range of its own index and merges them:
  // every subset of statuses, where ranges are empty, hold ties or hold the cursor's row.
  const subsets: WorkspaceStatus[][] = [["FAILED"], ["ONLINE", "FAILED"], ["PROVISIONING", "OFFLINE", "ONLINE"]];
  for (const statuses of subsets) {
    for (const direction of ["ASC", "DESC"] as const) {
      it(`LAST_HEARTBEAT_AT ${direction} of ${statuses.join(", ")}`, async () => {
        const listed = rows.filter((w) => statuses.includes(w.status));
        const expected = expectedOrder(listed, "LAST_HEARTBEAT_AT", direction);
        const vars = { search: tag, statuses, orderBy: { field: "LAST_HEARTBEAT_AT", direction } } as const;
        for (const first of [1, 2, 5, 100]) {
          expect(
            (await pageAll(vars, first)).map((n) => n.id),
            `first: ${first}`,
          ).toEqual(expected);
        }
      });
    }
  }

  it("the order by last heartbeat reads index ranges and sorts no rows, before and after a cursor", async () => {
    const filter = { statuses: ["ONLINE", "FAILED"] as WorkspaceStatus[], kind: null, runtime: null, search: null };
    const order = { field: "LAST_HEARTBEAT_AT", direction: "DESC" } as const;
    const cursor = { id: rows[0]?.id as string, name: "", createdAt: new Date(0), status: "ONLINE" as const };
    for (const after of [null, { order, row: { ...cursor, lastHeartbeatAt: new Date() } }]) {
      const page = pageIds({ order, filter, after, take: 50 });
      const plan = await t.app.db.sql.transaction(async (tx) => {
        // Whatever the planner would choose on this small table: can the index serve it without a sort?
        await tx.exec("SET LOCAL enable_seqscan = off; SET LOCAL enable_sort = off");
        const lines = await tx.query<Record<string, string>>(`EXPLAIN ${page.text}`, page.values);
        return lines.map((r) => Object.values(r)[0]).join("\n");
      });
      expect(plan).toContain("Merge Append");
      expect(plan.match(/WorkspaceLastBeat_status_at_workspaceId_idx/g)?.length, plan).toBe(2);
      expect(plan, plan).not.toMatch(/(^|-> +)Sort {2}\(/m);
    }
  });

  it("keeps a cursor valid when its row changes or goes: it resumes where the row stood", async () => {
    const vars = { search: tag, orderBy: { field: "NAME", direction: "ASC" } } as const;
    const all = await pageAll(vars, 100);
    const page = ok(await gql(t, CanvasList, { ...vars, first: 4 })).workspaces;
    const cursorRow = page.edges[3]?.node as Node;
    await prisma().workspace.update({ where: { id: cursorRow.id }, data: { name: `${tag}-zzz-renamed` } });
    const rest = ok(await gql(t, CanvasList, { ...vars, first: 100, after: page.pageInfo.endCursor })).workspaces;
    const expected = all.slice(4).map((n) => n.id);
    // The renamed row now sorts last: after the rest, seen once more as it moved past the cursor.
    expect(rest.edges.map((e) => e.node.id)).toEqual([...expected, cursorRow.id]);
    await prisma().workspace.update({ where: { id: cursorRow.id }, data: { name: cursorRow.name } });
  });

  it("refuses a cursor of another order, and of another direction", async () => {
    const byName = ok(await gql(t, CanvasList, { search: tag, first: 1, orderBy: { field: "NAME", direction: "ASC" } }))
      .workspaces.pageInfo.endCursor;
    for (const orderBy of [
      { field: "CREATED_AT", direction: "ASC" },
      { field: "NAME", direction: "DESC" },
      undefined,
    ] as const) {
      expectRefusal(await gql(t, CanvasList, { search: tag, after: byName, orderBy }), "after");
    }
  });
});

describe("workspaces filtered", () => {
  const tag = `flt-${randomBytes(3).toString("hex")}`;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    ids.codexOnline = (await create(`${tag} Alpha`, { runtime: "codex" })).id;
    ids.hermes = (await create(`${tag} beta`, { runtime: "hermes" })).id;
    ids.percent = (await create(`${tag} 100% done`)).id;
    ids.underscore = (await create(`${tag} snake_case`)).id;
    ids.backslash = (await create(`${tag} back\\slash`)).id;
    ids.removed = (await create(`${tag} gone`)).id;
    const r = ok(await gql(t, RegisterWorkspace, { input: { workspaceId: ids.codexOnline } }, { token: null }));
    expectSuccess(r.registerWorkspace, "RegisterWorkspaceSuccess");
    await prisma().workspace.update({ where: { id: ids.hermes }, data: { status: "OFFLINE" } });
    ok(await gql(t, RemoveWorkspace, { id: ids.removed }));
  });

  const listed = async (vars: Vars) => (await pageAll(vars, 100)).map((n) => n.id).sort();
  const of = (...keys: string[]) => keys.map((k) => ids[k] as string).sort();

  it("by several statuses; REMOVED only when asked for", async () => {
    expect(await listed({ search: tag })).toEqual(of("codexOnline", "hermes", "percent", "underscore", "backslash"));
    expect(await listed({ search: tag, statuses: [] })).toEqual(await listed({ search: tag }));
    expect(await listed({ search: tag, statuses: ["ONLINE", "OFFLINE"] })).toEqual(of("codexOnline", "hermes"));
    expect(await listed({ search: tag, statuses: ["REMOVED", "ONLINE"] })).toEqual(of("codexOnline", "removed"));
    expect(await listed({ search: tag, status: "REMOVED" })).toEqual(of("removed"));
  });

  it("by kind and by runtime", async () => {
    expect(await listed({ search: tag, runtime: "codex" })).toEqual(of("codexOnline"));
    expect(await listed({ search: tag, runtime: "hermes", statuses: ["ONLINE"] })).toEqual([]);
    expect(await listed({ search: tag, runtime: "no-such-runtime" })).toEqual([]);
    expect(await listed({ search: tag, kind: "PLATFORM" })).toEqual([]);
    expect((await listed({ search: tag, kind: "WORKSPACE" })).length).toBe(5);
  });

  it("by a name search: a case-insensitive substring, with LIKE's wildcards taken literally", async () => {
    expect(await listed({ search: `${tag} ALPHA` })).toEqual(of("codexOnline"));
    expect(await listed({ search: `${tag} Be` })).toEqual(of("hermes"));
    expect(await listed({ search: `${tag} 100%` })).toEqual(of("percent"));
    expect(await listed({ search: "% done" })).toEqual(of("percent"));
    expect(await listed({ search: "_case" })).toEqual(of("underscore"));
    expect(await listed({ search: `${tag} snake%` })).toEqual([]);
    expect(await listed({ search: `${tag} a_pha` })).toEqual([]);
    expect(await listed({ search: "back\\slash" })).toEqual(of("backslash"));
    expect(await listed({ search: `${tag} back\\` })).toEqual(of("backslash"));
  });

  it("by a search of 1 or 2 characters, which has no trigram for the index: still every match, wildcards literal", async () => {
    // No other name of this file's database holds %, _ or \.
    expect(await listed({ search: "%" })).toEqual(of("percent"));
    expect(await listed({ search: "_" })).toEqual(of("underscore"));
    expect(await listed({ search: "\\" })).toEqual(of("backslash"));
    expect(await listed({ search: "% " })).toEqual(of("percent"));
    expect(await listed({ search: "lP" })).toEqual(of("codexOnline"));
    expect(await listed({ search: "e_" })).toEqual(of("underscore"));
  });

  it("the name search's predicate, exactly as the list sends it, is one the trigram index serves", async () => {
    const plan = await t.app.db.sql.transaction(async (tx) => {
      // Whatever the planner would choose on this small table: can the index serve it?
      await tx.exec("SET LOCAL enable_seqscan = off");
      const where = nameContains(`${tag} 100%`);
      const rows = await tx.query<Record<string, string>>(
        `EXPLAIN SELECT w.id FROM "Workspace" AS w WHERE ${where.text}`,
        where.values,
      );
      return rows.map((r) => Object.values(r)[0]).join("\n");
    });
    expect(plan).toContain("Workspace_name_trgm_idx");
  });

  it("refuses status with statuses, and a search or runtime over its bound or with control characters", async () => {
    expectRefusal(await gql(t, CanvasList, { status: "ONLINE", statuses: ["OFFLINE"] }), "statuses");
    expectRefusal(await gql(t, CanvasList, { search: "x".repeat(129) }), "search");
    expectRefusal(await gql(t, CanvasList, { search: "a\u0000b" }), "search");
    expectRefusal(await gql(t, CanvasList, { runtime: "x".repeat(257) }), "runtime");
    expectRefusal(await gql(t, CanvasList, { runtime: "\u0000" }), "runtime");
    expect(ok(await gql(t, CanvasList, { search: "x".repeat(128) })).workspaces.edges).toEqual([]);
  });

  it("counts the whole filter (totalCount) and each status under every other filter (countsByStatus)", async () => {
    const counts = async (vars: CanvasCountsQueryVariables) => ok(await gql(t, CanvasCounts, vars)).workspaces;
    const all = await counts({ search: tag });
    expect(all.totalCount).toBe(5);
    expect(all.countsByStatus).toEqual([
      { status: "PROVISIONING", count: 3 },
      { status: "ONLINE", count: 1 },
      { status: "OFFLINE", count: 1 },
      { status: "FAILED", count: 0 },
      { status: "REMOVED", count: 1 },
    ]);
    const some = await counts({ search: tag, statuses: ["ONLINE", "REMOVED"] });
    expect(some.totalCount).toBe(2);
    expect(some.countsByStatus).toEqual(all.countsByStatus);
    const codex = await counts({ search: tag, runtime: "codex" });
    expect(codex.totalCount).toBe(1);
    expect(codex.countsByStatus.filter((c) => c.count > 0)).toEqual([{ status: "ONLINE", count: 1 }]);
  });
});

describe("what a workspace shows a canvas", () => {
  it("its agent card, as its agent registered it", async () => {
    const ws = await create(`card-${randomBytes(3).toString("hex")}`);
    expect(ok(await gql(t, CanvasWorkspace, { id: ws.id })).workspace?.agentCard).toBeNull();
    const card = {
      name: "agent",
      skills: [{ id: "s", tags: ["a"] }],
      version: "1.2.3",
      nested: { n: 1.5, none: null },
    };
    const r = ok(await gql(t, RegisterWorkspace, { input: { workspaceId: ws.id, agentCard: card } }, { token: null }));
    expectSuccess(r.registerWorkspace, "RegisterWorkspaceSuccess");
    expect(ok(await gql(t, CanvasWorkspace, { id: ws.id })).workspace?.agentCard).toEqual(card);
  });

  it("display names of its runtime and provider, of every runtime and provider, and of offered models' providers", async () => {
    const ws = await create(`names-${randomBytes(3).toString("hex")}`, { model: "moonshot/kimi-k2.6" });
    expect(ok(await gql(t, CanvasWorkspace, { id: ws.id })).workspace).toMatchObject({
      runtime: "claude-code",
      runtimeDisplayName: "Claude Code",
      provider: "platform",
      providerDisplayName: "Platform",
    });
    const { runtimes, providers, offeredModels } = ok(await gql(t, CanvasRegistry, {}));
    expect(runtimes.map((r) => [r.name, r.displayName])).toEqual([
      ["claude-code", "Claude Code"],
      ["hermes", "Hermes"],
      ["codex", "Codex"],
      ["openclaw", "Openclaw"],
      ["google-adk", "Google Adk"],
    ]);
    expect(providers.find((p) => p.name === "anthropic-oauth")).toEqual({
      name: "anthropic-oauth",
      displayName: "Claude Code subscription",
      platform: false,
      authEnv: ["CLAUDE_CODE_OAUTH_TOKEN"],
    });
    expect(providers.filter((p) => p.platform).map((p) => p.name)).toEqual(["platform"]);
    expect(runtimes[0]?.providers.map((p) => p.name).slice(0, 2)).toEqual(["anthropic-oauth", "anthropic-api"]);
    const byName = new Map(providers.map((p) => [p.name, p.displayName]));
    expect(offeredModels.length).toBeGreaterThan(1);
    for (const m of offeredModels) expect(m.providerDisplayName).toBe(byName.get(m.provider));
  });

  it("a provider or runtime the registry no longer has by its name, derived", async () => {
    const ws = await create(`gone-${randomBytes(3).toString("hex")}`);
    await prisma().workspace.update({ where: { id: ws.id }, data: { runtime: "retired-runtime", provider: "old-co" } });
    expect(ok(await gql(t, CanvasWorkspace, { id: ws.id })).workspace).toMatchObject({
      runtimeDisplayName: "Retired Runtime",
      providerDisplayName: "old-co",
    });
  });
});
