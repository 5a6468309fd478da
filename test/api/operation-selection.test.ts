import fc from "fast-check";
import { parse } from "graphql";
import { describe, expect, it } from "vitest";
import { operationNeeds } from "../../src/http/access-rules.js";
import { rootFields, selectOperation } from "../../src/http/operation.js";
import { schema } from "../../src/schema/index.js";
import { expectRefusal, expectSuccess, gql, ok } from "../support/gql.js";
import { useTestApp } from "../support/harness.js";
import { CreateWorkspace, RegisterWorkspace } from "../support/operations.js";

/**
 * SPEC section 2: the operation that runs is the one the access rules
 * judged, named by `operationName`, whatever was compiled from the same
 * text before. The breach this pins: an admin's `mutation Kill` compiled
 * first was replayed for a caller with no token who named `query Ping`.
 */

const t = useTestApp();

async function createWorkspace(name: string): Promise<string> {
  const r = ok(await gql(t, CreateWorkspace, { input: { name } }));
  return expectSuccess(r.createWorkspace, "CreateWorkspaceSuccess").workspace.id;
}

const statusOf = async (id: string) => {
  const r = await gql(t, "query S($id: ID!) { workspace(id: $id) { status } }", { id });
  return (ok(r) as { workspace: { status: string } | null }).workspace?.status;
};

const TWO_OPERATIONS = `
  mutation Kill($id: ID!) { removeWorkspace(id: $id) { __typename } }
  query Ping { __typename }
`;

async function get(query: string, variables: Record<string, unknown>, operationName: string, token: string | null) {
  const u = new URL("http://test/graphql");
  u.searchParams.set("query", query);
  u.searchParams.set("variables", JSON.stringify(variables));
  u.searchParams.set("operationName", operationName);
  const res = await t.app.yoga.fetch(u, {
    headers: { accept: "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
  });
  return { status: res.status, body: (await res.json()) as { data?: unknown; errors?: { message: string }[] } };
}

describe("a document with several operations", () => {
  it("over POST, a caller without a token runs the query it named, not the admin's mutation compiled first", async () => {
    const adminTarget = await createWorkspace("admin-target");
    const victim = await createWorkspace("victim");
    const kill = await gql(t, TWO_OPERATIONS, { id: adminTarget }, { operationName: "Kill" });
    expect(ok(kill)).toEqual({ removeWorkspace: { __typename: "WorkspaceSuccess" } });

    const ping = await gql(t, TWO_OPERATIONS, { id: victim }, { operationName: "Ping", token: null });
    expect(ok(ping)).toEqual({ __typename: "Query" });
    expect(await statusOf(victim)).toBe("PROVISIONING");
  });

  it("over GET too (where mutations are refused), with the same text", async () => {
    const adminTarget = await createWorkspace("admin-target-get");
    const victim = await createWorkspace("victim-get");
    ok(await gql(t, TWO_OPERATIONS, { id: adminTarget }, { operationName: "Kill" }));

    const ping = await get(TWO_OPERATIONS, { id: victim }, "Ping", null);
    expect(ping.body).toEqual({ data: { __typename: "Query" } });
    const kill = await get(TWO_OPERATIONS, { id: victim }, "Kill", t.adminToken);
    expect(kill.status).toBe(405);
    expect(await statusOf(victim)).toBe("PROVISIONING");
  });

  it("the other way round: the open query compiled first does not stand in for the admin's mutation", async () => {
    const target = await createWorkspace("reverse");
    const text = `query Ping2 { __typename } mutation Kill2($id: ID!) { removeWorkspace(id: $id) { __typename } }`;
    expect(ok(await gql(t, text, {}, { operationName: "Ping2", token: null }))).toEqual({ __typename: "Query" });
    const refused = await gql(t, text, { id: target }, { operationName: "Kill2", token: null });
    expectRefusal(refused, "UNAUTHENTICATED", 401);
    expect(await statusOf(target)).toBe("PROVISIONING");
    const kill = await gql(t, text, { id: target }, { operationName: "Kill2" });
    expect(ok(kill)).toEqual({ removeWorkspace: { __typename: "WorkspaceSuccess" } });
    expect(await statusOf(target)).toBe("REMOVED");
  });

  it("the request log names the operation that ran", async () => {
    const text = `query LogA { __typename } query LogB { b: __typename }`;
    ok(await gql(t, text, {}, { operationName: "LogA", token: null }));
    const r = await gql(
      t,
      text,
      {},
      { operationName: "LogB", token: null, headers: { "x-request-id": "op-sel-logb" } },
    );
    expect(ok(r)).toEqual({ b: "Query" });
    const line = t.logs.map((l) => JSON.parse(l)).find((l) => l.msg === "request" && l.requestId === "op-sel-logb");
    expect(line?.operation).toBe("LogB");
    expect(line?.operationType).toBe("query");
  });
});

describe("root fields at any fragment depth", () => {
  /** `workspaces` selected `levels` fragment spreads (or inline fragments) below the root. */
  const nested = (levels: number, inline: boolean) => {
    if (inline)
      return `query Deep { ${"... on Query { ".repeat(levels)}workspaces { pageInfo { hasNextPage } }${" }".repeat(levels)} }`;
    const fragments = Array.from({ length: levels }, (_, i) =>
      i === levels - 1
        ? `fragment F${i} on Query { workspaces { pageInfo { hasNextPage } } }`
        : `fragment F${i} on Query { ...F${i + 1} }`,
    );
    return `query Deep { ...F0 } ${fragments.join(" ")}`;
  };

  for (const inline of [false, true]) {
    it(`finds a field 60 ${inline ? "inline fragments" : "fragment spreads"} down (past any depth limit)`, () => {
      const document = parse(nested(60, inline));
      const op = selectOperation(document, "Deep");
      if (!op) throw new Error("no operation");
      expect(rootFields(document, op).map((f) => f.name.value)).toEqual(["workspaces"]);
      expect(operationNeeds(schema, document, "Deep")).toEqual({ role: "viewer", agent: false });
    });
  }

  it("a spread cycle ends the walk instead of looping", () => {
    const document = parse(`query C { ...A } fragment A on Query { __typename ...B } fragment B on Query { ...A }`);
    expect(operationNeeds(schema, document, "C")).toEqual({ role: null, agent: false });
  });
});

/**
 * Random documents of several operations, sent in random order with random
 * credentials. Each operation selects aliases of its own, so the answer
 * shows which one ran; admin-only ones are mutations that rename a canary
 * workspace, so one that ran without being allowed leaves a trace.
 */
describe("property: the named operation, and only an allowed one, runs", () => {
  it("holds for random documents, orders and tokens", async () => {
    const canary = await createWorkspace("canary");
    const bootstrap = await createWorkspace("agent");
    const reg = ok(await gql(t, RegisterWorkspace, { input: { workspaceId: bootstrap } }, { token: null }));
    const instanceToken = expectSuccess(reg.registerWorkspace, "RegisterWorkspaceSuccess").authToken as string;
    const tokens = { admin: t.adminToken, none: null, wrong: "not-a-real-token-0123456789", instance: instanceToken };

    type Op = { name: string; admin: boolean; kind: "query" | "mutation"; alias: string; text: string };
    // Admin-only mutations remove a workspace; admin-only queries list; open ones read __typename.
    const makeOp = (i: number, admin: boolean, kind: "query" | "mutation"): Op => {
      const alias = `r${i}`;
      const name = `Op${i}`;
      const field = !admin
        ? `${alias}: __typename`
        : kind === "mutation"
          ? `${alias}: removeWorkspace(id: $id) { __typename }`
          : `${alias}: workspaces(first: 1) { pageInfo { hasNextPage } }`;
      const vars = admin && kind === "mutation" ? "($id: ID!)" : "";
      return { name, admin, kind, alias, text: `${kind} ${name}${vars} { ${field} }` };
    };

    const arbDoc = fc.array(fc.record({ admin: fc.boolean(), kind: fc.constantFrom("query", "mutation") }), {
      minLength: 2,
      maxLength: 5,
    });
    const arbRun = fc.record({
      ops: arbDoc,
      calls: fc.array(fc.record({ pick: fc.nat(), token: fc.constantFrom("admin", "none", "wrong", "instance") }), {
        minLength: 1,
        maxLength: 6,
      }),
    });

    let runs = 0;
    await fc.assert(
      fc.asyncProperty(arbRun, async ({ ops, calls }) => {
        runs++;
        const defs = ops.map((o, i) => makeOp(runs * 10 + i, o.admin, o.kind as "query" | "mutation"));
        const text = defs.map((d) => d.text).join("\n");
        for (const call of calls) {
          const d = defs[call.pick % defs.length] as Op;
          const token = tokens[call.token as keyof typeof tokens];
          const destructive = d.admin && d.kind === "mutation";
          // A destructive run by an admin targets a throwaway workspace, everyone else aims at the canary.
          const target = destructive && call.token === "admin" ? await createWorkspace(`throwaway-${runs}`) : canary;
          const r = await gql(t, text, destructive ? { id: target } : {}, { operationName: d.name, token });
          const allowed = !d.admin || call.token === "admin";
          if (allowed) {
            expect(Object.keys(ok(r) as object), r.raw).toEqual([d.alias]);
          } else {
            expect(r.data ?? null, r.raw).toBeNull();
            expect([401, 403]).toContain(r.status);
          }
          expect(await statusOf(canary)).toBe("PROVISIONING");
        }
      }),
      { numRuns: 40, seed: Number(process.env.PROPERTY_SEED ?? Date.now() % 2 ** 31) },
    );
  });
});
