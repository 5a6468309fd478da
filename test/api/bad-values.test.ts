import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { QUERY_LIMITS } from "../../src/http/limits.js";
import { expectError, expectSuccess, gql, ok } from "../support/gql.js";
import { startTestApp } from "../support/harness.js";
import { CreateWorkspace, ListEvents, RegisterWorkspace } from "../support/operations.js";
import { errorsOf, expectClientError, useRawHttp } from "../support/raw-http.js";
import { connect, OnWorkspaceEvents } from "../support/ws.js";

// Bad values in well-formed requests (oversized, hostile, out of range,
// invisible): each is refused as the error it is, never a 5xx, and the
// server stays up. Bad requests themselves are in bad-input.test.ts.

const http = useRawHttp();
const { t, postJson, admin } = http;

describe("oversized and hostile values", () => {
  it("a 10,000-character name is VALIDATION_FAILED and writes nothing", async () => {
    const before = await t.app.domain.prisma.workspace.count();
    const r = ok(await gql(t, CreateWorkspace, { input: { name: "n".repeat(10_000) } })).createWorkspace;
    expect(expectError(r, "RequestError", "VALIDATION_FAILED").field).toBe("input.name");
    expect(await t.app.domain.prisma.workspace.count()).toBe(before);
  });

  it("a 10 MB agentCard is refused as a body over 1 MiB (413)", async () => {
    const body = JSON.stringify({
      query: "mutation($input: RegisterWorkspaceInput!) { registerWorkspace(input: $input) { __typename } }",
      variables: { input: { workspaceId: randomUUID(), agentCard: { blob: "x".repeat(10 * 1024 * 1024) } } },
    });
    const r = await postJson(body);
    expectClientError(r, 413);
    expect(errorsOf(r)?.[0]?.extensions?.code).toBe("PAYLOAD_TOO_LARGE");
  });

  it("a deeply nested agentCard is VALIDATION_FAILED, stores nothing, and the workspace still registers", async () => {
    const created = ok(await gql(t, CreateWorkspace, { input: { name: "deep-card" } })).createWorkspace;
    const id = expectSuccess(created, "CreateWorkspaceSuccess").workspace.id;
    // Arrays and objects 100,000 deep: under 1 MiB, far past any stack.
    for (const [open, close] of [
      ["[", "]"],
      ['{"a":', "}"],
    ] as const) {
      const card = `${open.repeat(100_000)}1${close.repeat(100_000)}`;
      const body = `{"query":${JSON.stringify(RegisterWorkspace.toString())},"variables":{"input":{"workspaceId":"${id}","agentCard":${card}}}}`;
      expect(body.length).toBeLessThan(1024 * 1024);
      const r = await postJson(body);
      expect(r.status, r.text.slice(0, 300)).toBe(200);
      const result = (r.json as { data: { registerWorkspace: { code?: string; field?: string } } }).data
        .registerWorkspace;
      expect(result).toMatchObject({ code: "VALIDATION_FAILED", field: "input.agentCard" });
    }
    expect(await t.app.domain.prisma.instanceToken.count({ where: { workspaceId: id } })).toBe(0);
    // Moderately nested cards are fine.
    const nested = JSON.parse(`${"[".repeat(30)}1${"]".repeat(30)}`);
    const r = ok(await gql(t, RegisterWorkspace, { input: { workspaceId: id, agentCard: nested } }, { token: null }));
    expectSuccess(r.registerWorkspace, "RegisterWorkspaceSuccess");
  });

  it("a deeply nested JSON literal in the document stops at the token limit", async () => {
    const literal = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
    const query = `mutation { registerWorkspace(input: { workspaceId: "${randomUUID()}", agentCard: ${literal} }) { __typename } }`;
    const r = await postJson(JSON.stringify({ query }));
    expectClientError(r, 400);
    expect(errorsOf(r)?.[0]?.message).toContain(`Token limit of ${QUERY_LIMITS.maxTokens} exceeded`);
  });

  it("deeply nested variables of a non-JSON type are a variable coercion error", async () => {
    const deep = `${'{"a":'.repeat(100_000)}1${"}".repeat(100_000)}`;
    const body = `{"query":${JSON.stringify(CreateWorkspace.toString())},"variables":{"input":{"name":${deep}}}}`;
    const r = await postJson(body, admin());
    expectClientError(r, 400);
  });
});

describe("event cursors out of range or past the newest event (SPEC 7a)", () => {
  // Positions are `txid:seq`; the form without the transaction part is the one issued before it (see cursor.ts).
  const cursor = (position: string) => Buffer.from(`ev:${position}`).toString("base64url");
  const newest = async () =>
    (await t.app.domain.prisma.workspaceEvent.findFirst({
      orderBy: [{ txid: "desc" }, { seq: "desc" }],
      select: { seq: true, txid: true },
    })) ?? { txid: 0n, seq: 0n };

  async function withEvents() {
    const created = ok(await gql(t, CreateWorkspace, { input: { name: "cursor-range" } })).createWorkspace;
    expectSuccess(created, "CreateWorkspaceSuccess");
    expect((await newest()).seq).toBeGreaterThan(0n);
  }

  const cases = async () => [
    ["above int8", cursor("9223372036854775808")],
    ["the largest 19 digits", cursor("9999999999999999999")],
    ["a transaction part above int8", cursor("9223372036854775808:1")],
    ["past the newest event", cursor(`${(await newest()).txid}:${(await newest()).seq + 1000n}`)],
    ["a transaction past the newest event's", cursor(`${(await newest()).txid + 1000n}:1`)],
  ];

  it("a query is VALIDATION_FAILED on `after`, never a 500", async () => {
    await withEvents();
    for (const [what, after] of await cases()) {
      const r = await gql(t, ListEvents, { after });
      expect(r.errors?.[0]?.extensions, `${what}: ${r.raw}`).toMatchObject({
        code: "VALIDATION_FAILED",
        field: "after",
      });
      expect(r.raw).not.toMatch(/INTERNAL_SERVER_ERROR|Unexpected error/);
    }
    // The newest event's own cursor is no error: an empty page.
    const n = await newest();
    const atNewest = ok(await gql(t, ListEvents, { after: cursor(`${n.txid}:${n.seq}`) }));
    expect(atNewest.workspaceEvents.edges).toEqual([]);
  });

  it("a graphql-ws subscription ends with VALIDATION_FAILED instead of an error frame or a wait for ever", async () => {
    await withEvents();
    const conn = connect(http.base, t.adminToken);
    try {
      await conn.connected;
      for (const [what, after] of await cases()) {
        const sub = conn.subscribe(OnWorkspaceEvents, { after });
        await sub.ended(5_000);
        expect(sub.events, what).toEqual([]);
        expect(sub.errors, what).toEqual([
          expect.objectContaining({ extensions: expect.objectContaining({ code: "VALIDATION_FAILED" }) }),
        ]);
      }
      // The newest cursor still subscribes: the next event arrives.
      const n = await newest();
      const live = conn.subscribe(OnWorkspaceEvents, { after: cursor(`${n.txid}:${n.seq}`) });
      const created = ok(await gql(t, CreateWorkspace, { input: { name: "after-newest" } })).createWorkspace;
      const id = expectSuccess(created, "CreateWorkspaceSuccess").workspace.id;
      await live.waitFor((events) => events.some((e) => e.workspaceEvents.workspaceId === id));
      live.unsubscribe();
    } finally {
      await conn.dispose();
    }
  });
});

describe("names that show nothing or read as another", () => {
  const refused: [string, string][] = [
    ["zero width space", "\u200b"],
    ["word joiner", "\u2060\u2060"],
    ["byte order mark", "\ufeff"],
    ["Hangul filler", "\u3164"],
    ["Hangul choseong filler", "\u115f"],
    ["combining marks alone", "\u0301\u0308\u0327"],
    ["invisible mix", "\u200b \u2060\u00a0\ufeff"],
    ["right-to-left override", "invoice\u202eexe.pdf"],
    ["left-to-right embedding", "\u202aname"],
    ["pop directional formatting", "name\u202c"],
    ["first strong isolate", "a\u2068b\u2069"],
    ["right-to-left isolate", "\u2067abc"],
  ];

  it.each(refused)("%s is VALIDATION_FAILED on input.name and writes nothing", async (_what, name) => {
    const before = await t.app.domain.prisma.workspace.count();
    const r = ok(await gql(t, CreateWorkspace, { input: { name } })).createWorkspace;
    expect(expectError(r, "RequestError", "VALIDATION_FAILED").field).toBe("input.name");
    expect(await t.app.domain.prisma.workspace.count()).toBe(before);
  });

  it("letters with their combining marks, other scripts and emoji are names", async () => {
    for (const name of ["Cafe\u0301", "名前", "مساحة عمل", "🙂", "a\u200db"]) {
      expectSuccess(ok(await gql(t, CreateWorkspace, { input: { name } })).createWorkspace, "CreateWorkspaceSuccess");
    }
  });
});

describe("suggestions follow INTROSPECTION", () => {
  const typo = "{ workspaces { edges { node { nmae } } } }";
  const badInput = "mutation($i: CreateWorkspaceInput!) { createWorkspace(input: $i) { __typename } }";

  it("with introspection on, graphql-js's 'Did you mean' helps the caller", async () => {
    const r = await gql(t, typo);
    expect(r.errors?.[0]?.message).toContain('Did you mean "name"?');
  });

  it("with introspection off, no error names a field the caller did not send", async () => {
    const closed = await startTestApp({ INTROSPECTION: "false" });
    try {
      const field = await gql(closed, typo);
      expect(field.status).toBe(400);
      expect(field.errors?.[0]?.message).toBe('Cannot query field "nmae" on type "Workspace".');
      const variable = await gql(closed, badInput, { i: { name: "ok", nmae: "x" } });
      expect(variable.errors?.[0]?.message).toBe(
        'Variable "$i" got invalid value (not shown); Field "nmae" is not defined by type "CreateWorkspaceInput".',
      );
      for (const r of [field, variable]) {
        expect(r.raw).not.toContain("Did you mean");
        expect(r.raw).not.toMatch(/"name"/);
      }
      const over = connect(await closed.listen(), closed.adminToken);
      try {
        await over.connected;
        const sub = over.subscribe(`subscription { workspaceEvents { cursr } }`);
        await sub.ended(5_000);
        expect(sub.errors.map((e) => (e as { message: string }).message)).toEqual([
          'Cannot query field "cursr" on type "WorkspaceEvent".',
        ]);
      } finally {
        await over.dispose();
      }
    } finally {
      await closed.stop();
    }
  });
});
