import { randomUUID } from "node:crypto";
import {
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isScalarType,
} from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Role } from "../../src/auth/roles.js";
import { atLeast } from "../../src/auth/roles.js";
import { declaredAccess, rootFieldAccess } from "../../src/http/access-rules.js";
import { schema } from "../../src/schema/index.js";
import { expectRefusal, expectSuccess, type GqlResponse, gql, ok } from "../support/gql.js";
import { startTestApp, type TestApp } from "../support/harness.js";
import { CreateWorkspace, ListWorkspaces, RegisterWorkspace, RevokeApiToken } from "../support/operations.js";
import { apiToken } from "../support/roles.js";
import { connect, eventually, OnWorkspaceEvents } from "../support/ws.js";

// SPEC section 10: every root field declares the access it needs where it is
// declared; the pre-execution check reads those declarations. This file
// lists every root field with its level (a new field fails here until it is
// declared and listed), then sends every field as each role would.

const DECLARED = {
  query: {
    node: "viewer",
    workspace: "viewer",
    workspaces: "viewer",
    runtimes: "viewer",
    providers: "viewer",
    offeredModels: "viewer",
    preflightWorkspace: "viewer",
    orgSecrets: "viewer",
    workspaceEvents: "viewer",
    apiTokens: "admin",
    agentConfig: "agent",
  },
  mutation: {
    createWorkspace: "operator",
    updateWorkspace: "operator",
    restartWorkspace: "operator",
    removeWorkspace: "operator",
    setWorkspaceSecret: "operator",
    deleteWorkspaceSecret: "operator",
    setOrgSecret: "admin",
    deleteOrgSecret: "admin",
    createApiToken: "admin",
    revokeApiToken: "admin",
    registerWorkspace: "agent",
    heartbeat: "agent",
  },
  subscription: { workspaceEvents: "viewer", provisionFailures: "viewer" },
} as const;

type Kind = keyof typeof DECLARED;
const KINDS: Kind[] = ["query", "mutation", "subscription"];
const rootType = (kind: Kind) =>
  ({ query: schema.getQueryType(), mutation: schema.getMutationType(), subscription: schema.getSubscriptionType() })[
    kind
  ];

describe("declarations", () => {
  for (const kind of KINDS) {
    it(`every ${kind} field declares its access, as listed here`, () => {
      const fields = Object.values(rootType(kind)?.getFields() ?? {});
      const declared = Object.fromEntries(fields.map((f) => [f.name, declaredAccess(f)]));
      expect(declared, "declare `authScopes` on the new field, then list it in DECLARED").toEqual(DECLARED[kind]);
      // And the check reads the same thing.
      expect(Object.fromEntries(rootFieldAccess(schema)[kind])).toEqual(DECLARED[kind]);
    });
  }

  it("a field without a declaration, or with one that names no single level, needs admin", () => {
    const field = (authScopes: unknown) =>
      ({ extensions: { pothosOptions: { authScopes } } }) as unknown as GraphQLField<unknown, unknown>;
    expect(declaredAccess({ extensions: {} } as GraphQLField<unknown, unknown>)).toBeNull();
    expect(declaredAccess(field(undefined))).toBeNull();
    expect(declaredAccess(field({ viewer: true, admin: true }))).toBeNull();
    expect(declaredAccess(field({ viewer: false }))).toBeNull();
    expect(declaredAccess(field({ superuser: true }))).toBeNull();
    expect(declaredAccess(field(() => true))).toBeNull();
    expect(declaredAccess(field({ operator: true }))).toBe("operator");
  });
});

/** A literal of the input type: the least a request needs to be valid. */
function literal(type: GraphQLInputType, id: string): string {
  if (isNonNullType(type)) return literal(type.ofType, id);
  if (isListType(type)) return "[]";
  if (isEnumType(type)) return type.getValues()[0]?.name ?? "";
  if (isInputObjectType(type)) {
    const required = Object.values(type.getFields()).filter(
      (f) => isNonNullType(f.type) && f.defaultValue === undefined,
    );
    return `{ ${required.map((f) => `${f.name}: ${literal(f.type, id)}`).join(", ")} }`;
  }
  if (isScalarType(type)) {
    const values: Record<string, string> = {
      ID: JSON.stringify(id),
      Int: "1",
      Float: "1",
      Boolean: "false",
      DateTime: JSON.stringify("2099-01-01T00:00:00Z"),
      JSON: "{}",
    };
    return values[type.name] ?? JSON.stringify(`matrix-${randomUUID().slice(0, 8)}`);
  }
  throw new Error(`no literal for ${String(type)}`);
}

/** `kind { field(required args) { __typename } }`, built from the schema alone; every ID is `id`. */
function documentFor(kind: Kind, field: GraphQLField<unknown, unknown>, id: string = randomUUID()): string {
  const args = field.args.filter((a: GraphQLArgument) => isNonNullType(a.type) && a.defaultValue === undefined);
  const argText = args.length ? `(${args.map((a) => `${a.name}: ${literal(a.type, id)}`).join(", ")})` : "";
  const selection = isLeafType(getNamedType(field.type)) ? "" : " { __typename }";
  return `${kind} Matrix { ${field.name}${argText}${selection} }`;
}

const REFUSALS = new Set(["UNAUTHENTICATED", "FORBIDDEN", "SERVICE_UNAVAILABLE"]);

/** The request ran: no refusal and no request error (a domain outcome or a field error is fine). */
function expectAllowed(r: GqlResponse<unknown>, label: string) {
  expect(r.status, `${label}: ${r.raw}`).toBe(200);
  const codes = (r.errors ?? []).map((e) => e.extensions?.code);
  expect(
    codes.filter((c) => REFUSALS.has(String(c)) || String(c).startsWith("GRAPHQL_")),
    `${label}: ${r.raw}`,
  ).toEqual([]);
}

/** Over SSE through yoga: the status, and the first frame. Aborted after it. */
async function sse(t: TestApp, query: string, token: string | null) {
  const controller = new AbortController();
  const res = await t.app.yoga.fetch("http://test/graphql", {
    method: "POST",
    headers: {
      accept: "text/event-stream",
      "content-type": "application/json",
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query }),
    signal: controller.signal,
  });
  const status = res.status;
  let first = "";
  if (status !== 200) first = await res.text();
  controller.abort();
  await res.body?.cancel().catch(() => {});
  return { status, first };
}

describe("every role × every root field", () => {
  let t: TestApp;
  const tokens = {} as Record<Role, string>;
  let instanceToken: string;
  /** A workspace whose agent registered: agents' calls name it, so the token check is reached. */
  let workspaceId: string;

  beforeAll(async () => {
    t = await startTestApp();
    for (const role of ["viewer", "operator", "admin"] as const) tokens[role] = (await apiToken(t, role)).token;
    const ws = expectSuccess(
      ok(await gql(t, CreateWorkspace, { input: { name: "agent", model: "moonshot/kimi-k2.6" } })).createWorkspace,
      "CreateWorkspaceSuccess",
    ).workspace;
    workspaceId = ws.id;
    const reg = ok(await gql(t, RegisterWorkspace, { input: { workspaceId: ws.id } }, { token: null }));
    instanceToken = expectSuccess(reg.registerWorkspace, "RegisterWorkspaceSuccess").authToken as string;
  });
  afterAll(() => t?.stop());

  for (const kind of ["query", "mutation"] as const) {
    for (const field of Object.values(rootType(kind)?.getFields() ?? {})) {
      const access = declaredAccess(field) ?? "admin";
      it(`${kind} ${field.name} (${access})`, async () => {
        const doc = documentFor(kind, field, access === "agent" ? workspaceId : undefined);
        if (access === "agent") {
          // Agents are not roles: a person's or program's token is never an agent's.
          for (const role of ["viewer", "operator", "admin"] as const) {
            expectRefusal(await gql(t, doc, {}, { token: tokens[role] }), "FORBIDDEN", 403);
          }
          expectRefusal(await gql(t, doc, {}, { token: t.adminToken }), "FORBIDDEN", 403);
          return;
        }
        if (access === "public") throw new Error("no root field is public");
        expectRefusal(await gql(t, doc, {}, { token: null }), "UNAUTHENTICATED", 401);
        expectRefusal(await gql(t, doc, {}, { token: "not-a-token-anyone-issued" }), "UNAUTHENTICATED", 401);
        expectRefusal(await gql(t, doc, {}, { token: instanceToken }), "FORBIDDEN", 403);
        for (const role of ["viewer", "operator", "admin"] as const) {
          const r = await gql(t, doc, {}, { token: tokens[role] });
          if (atLeast(role, access)) expectAllowed(r, `${role} on ${field.name}`);
          else expectRefusal(r, "FORBIDDEN", 403);
        }
        // ADMIN_TOKEN is an admin API token: it does everything an admin does.
        expectAllowed(await gql(t, doc, {}, { token: t.adminToken }), `ADMIN_TOKEN on ${field.name}`);
      });
    }
  }

  for (const field of Object.values(rootType("subscription")?.getFields() ?? {})) {
    it(`subscription ${field.name} over SSE (${declaredAccess(field)})`, async () => {
      const doc = documentFor("subscription", field);
      expect((await sse(t, doc, null)).status).toBe(401);
      expect((await sse(t, doc, instanceToken)).status).toBe(403);
      for (const role of ["viewer", "operator", "admin"] as const) {
        expect((await sse(t, doc, tokens[role])).status, role).toBe(200);
      }
    });
  }

  it("a role below a mutation is refused before anything runs: nothing is written", async () => {
    const name = `never-${randomUUID()}`;
    const r = await gql(t, CreateWorkspace, { input: { name } }, { token: tokens.viewer });
    expectRefusal(r, "FORBIDDEN", 403);
    const all = ok(await gql(t, ListWorkspaces, { first: 100 })).workspaces.edges.map((e) => e.node.name);
    expect(all).not.toContain(name);
  });

  it("a document mixing a viewer field with an operator field needs operator", async () => {
    const doc = `mutation Mixed { a: createWorkspace(input: { name: "mixed" }) { __typename } }`;
    expectRefusal(
      await gql(t, `query Q { runtimes { name } } ${doc}`, {}, { token: tokens.viewer, operationName: "Mixed" }),
      "FORBIDDEN",
      403,
    );
    expectAllowed(
      await gql(t, `query Q { runtimes { name } } ${doc}`, {}, { token: tokens.viewer, operationName: "Q" }),
      "viewer query",
    );
  });

  it("graphql-ws: a viewer token connects and receives events; no credential, a wrong one or an agent's is closed 4403", async () => {
    const base = t.url ?? (await t.listen());
    for (const token of [null, "not-a-token-anyone-issued", instanceToken]) {
      const refused = connect(base, token);
      expect((await refused.closed).code, String(token)).toBe(4403);
    }
    const viewer = connect(base, tokens.viewer);
    await viewer.connected;
    const sub = viewer.subscribe(OnWorkspaceEvents, {});
    await new Promise((r) => setTimeout(r, 100)); // the subscription is in place before the event
    const created = expectSuccess(
      ok(await gql(t, CreateWorkspace, { input: { name: "watched" } }, { token: tokens.operator })).createWorkspace,
      "CreateWorkspaceSuccess",
    ).workspace;
    await sub.waitFor((events) => events.some((e) => e.workspaceEvents.workspaceId === created.id));
    await viewer.dispose();
  });

  it("graphql-ws: a token revoked while its socket is open ends its streams at their next event (4403), with no data", async () => {
    const base = t.url ?? (await t.listen());
    const doomed = await apiToken(t, "viewer", "revoked while subscribed");
    const socket = connect(base, doomed.token);
    await socket.connected;
    const sub = socket.subscribe(OnWorkspaceEvents, {});
    await new Promise((r) => setTimeout(r, 100)); // the subscription is in place before the event
    const create = async (name: string) =>
      expectSuccess(
        ok(await gql(t, CreateWorkspace, { input: { name } }, { token: tokens.operator })).createWorkspace,
        "CreateWorkspaceSuccess",
      ).workspace;
    const before = await create("seen before the revocation");
    await sub.waitFor((events) => events.some((e) => e.workspaceEvents.workspaceId === before.id));
    expectSuccess(ok(await gql(t, RevokeApiToken, { id: doomed.id })).revokeApiToken, "RevokeApiTokenSuccess");
    const after = await create("not seen after it");
    expect((await socket.closed).code).toBe(4403);
    expect(sub.events.some((e) => e.workspaceEvents.workspaceId === after.id)).toBe(false);
  });

  it("graphql-ws: viewers with one document share each event's answer, and a revoked one is refused its share", async () => {
    const base = t.url ?? (await t.listen());
    const doomed = await apiToken(t, "viewer", "revoked while sharing");
    const [kept, gone] = [connect(base, tokens.viewer), connect(base, doomed.token)];
    await Promise.all([kept.connected, gone.connected]);
    // The same text and variables, and the same role: one execution answers both (src/http/subscription-execution.ts).
    const [keptSub, goneSub] = [kept.subscribe(OnWorkspaceEvents, {}), gone.subscribe(OnWorkspaceEvents, {})];
    await new Promise((r) => setTimeout(r, 100)); // the subscriptions are in place before the event
    const create = async (name: string) =>
      expectSuccess(
        ok(await gql(t, CreateWorkspace, { input: { name } }, { token: tokens.operator })).createWorkspace,
        "CreateWorkspaceSuccess",
      ).workspace;
    const before = await create("seen by both");
    for (const sub of [keptSub, goneSub]) {
      await sub.waitFor((events) => events.some((e) => e.workspaceEvents.workspaceId === before.id));
    }
    expectSuccess(ok(await gql(t, RevokeApiToken, { id: doomed.id })).revokeApiToken, "RevokeApiTokenSuccess");
    const after = await create("seen by the one still allowed");
    await keptSub.waitFor((events) => events.some((e) => e.workspaceEvents.workspaceId === after.id));
    expect((await gone.closed).code).toBe(4403);
    expect(goneSub.events.some((e) => e.workspaceEvents.workspaceId === after.id)).toBe(false);
    await kept.dispose();
  });

  it("SSE: a token revoked while its stream is open ends the stream at its next event, with the refusal and no data", async () => {
    const base = t.url ?? (await t.listen());
    const doomed = await apiToken(t, "viewer", "revoked while streaming");
    const res = await fetch(`${base}/graphql`, {
      method: "POST",
      headers: {
        accept: "text/event-stream",
        "content-type": "application/json",
        authorization: `Bearer ${doomed.token}`,
      },
      body: JSON.stringify({ query: OnWorkspaceEvents.toString() }),
    });
    expect(res.status).toBe(200);
    let text = "";
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    const read = (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        text += decoder.decode(value, { stream: true });
      }
    })();
    const create = async (name: string) =>
      expectSuccess(
        ok(await gql(t, CreateWorkspace, { input: { name } }, { token: tokens.operator })).createWorkspace,
        "CreateWorkspaceSuccess",
      ).workspace;
    await new Promise((r) => setTimeout(r, 100)); // the subscription is in place before the event
    const before = await create("streamed before the revocation");
    await eventually(() => text.includes(before.id), "the first event streamed");
    expectSuccess(ok(await gql(t, RevokeApiToken, { id: doomed.id })).revokeApiToken, "RevokeApiTokenSuccess");
    const after = await create("not streamed after it");
    await read; // the stream ended by itself
    expect(text).not.toContain(after.id);
    expect(text).toContain("UNAUTHENTICATED");
    expect(text).toMatch(/event: complete/);
  });
});
