import { randomBytes } from "node:crypto";
import fc from "fast-check";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { expectSuccess, gql, ok } from "../support/gql.js";
import { startTestApp, type TestApp } from "../support/harness.js";
import {
  CreateWorkspace,
  DeleteOrgSecret,
  DeleteWorkspaceSecret,
  Heartbeat,
  PreflightWorkspace,
  RegisterWorkspace,
  RemoveWorkspace,
  RestartWorkspace,
  SetOrgSecret,
  SetWorkspaceSecret,
} from "../support/operations.js";

// Generated inputs at every mutation through yoga.fetch: never a 5xx, never
// an unexpected error, and a rejected input writes nothing (row counts and
// last updates of every table are the same before and after it).

let t: TestApp;
/** Registered: has a live instance token. */
let online: string;
/** Created, never registered. */
let provisioning: string;
let removed: string;

beforeAll(async () => {
  t = await startTestApp();
  const create = async (name: string) =>
    expectSuccess(ok(await gql(t, CreateWorkspace, { input: { name } })).createWorkspace, "CreateWorkspaceSuccess")
      .workspace.id;
  online = await create("fuzz-online");
  provisioning = await create("fuzz-provisioning");
  removed = await create("fuzz-removed");
  const registered = ok(await gql(t, RegisterWorkspace, { input: { workspaceId: online } }, { token: null }));
  expectSuccess(registered.registerWorkspace, "RegisterWorkspaceSuccess");
  expectSuccess(ok(await gql(t, RemoveWorkspace, { id: removed })).removeWorkspace, "WorkspaceSuccess");
  ok(await gql(t, SetOrgSecret, { input: { key: "FUZZ_ORG", value: "v" } }));
});
afterAll(() => t.stop());

let seenLogs = 0;
afterEach(async () => {
  expect(await call("{ __typename }", undefined, null)).toMatchObject({ status: 200 });
  expect(await t.app.db.sql.query("SELECT 1 AS ok")).toEqual([{ ok: 1 }]);
  const fresh = t.logs.slice(seenLogs);
  seenLogs = t.logs.length;
  expect(fresh.filter((l) => l.includes('"level":"error"'))).toEqual([]);
});

/** Every table's row count and latest change, in one round trip. */
const snapshot = async () =>
  (
    await t.app.db.sql.query<{ s: string }>(`SELECT concat_ws(' ',
      (SELECT count(*) FROM "Workspace"), (SELECT max("updatedAt") FROM "Workspace"),
      (SELECT count(*) FROM "WorkspaceSecret"), (SELECT max("updatedAt") FROM "WorkspaceSecret"),
      (SELECT count(*) FROM "OrgSecret"), (SELECT max("updatedAt") FROM "OrgSecret"),
      (SELECT count(*) FROM "InstanceToken"), (SELECT count(*) FROM "InstanceToken" WHERE "revokedAt" IS NULL),
      (SELECT count(*) FROM "WorkspaceEvent")) AS s`)
  )[0]?.s;

type Result = {
  status: number;
  body: { data?: Record<string, { __typename?: string }> | null; errors?: unknown[] };
  raw: string;
};

async function call(query: string, variables: unknown, token: string | null, rawBody?: string): Promise<Result> {
  const res = await t.app.yoga.fetch("http://test/graphql", {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/graphql-response+json",
      ...(token !== null ? { authorization: `Bearer ${token}` } : {}),
    },
    body: rawBody ?? JSON.stringify({ query, variables }),
  });
  const raw = await res.text();
  let body: Result["body"] = {};
  try {
    body = JSON.parse(raw);
  } catch {
    // asserted below through raw
  }
  return { status: res.status, body, raw };
}

const SUCCESS = /Success$/;

/** Sends one generated input; a 5xx or an unexpected error fails, a refusal must leave every table as it was. */
async function attempt(doc: { toString(): string }, variables: unknown, token: string | null) {
  const before = await snapshot();
  const r = await call(doc.toString(), variables, token);
  const dump = `variables: ${JSON.stringify(variables)?.slice(0, 600)}\ntoken: ${token}\n${r.status} ${r.raw.slice(0, 600)}`;
  expect(r.status, dump).toBeLessThan(500);
  expect(r.raw, dump).not.toMatch(/INTERNAL_SERVER_ERROR|Unexpected error/);
  const results = Object.values(r.body.data ?? {});
  const accepted = !r.body.errors && results.length > 0 && results.every((v) => SUCCESS.test(v?.__typename ?? ""));
  if (!accepted) expect(await snapshot(), `a refused input wrote something\n${dump}`).toBe(before);
  return accepted;
}

// --- generators -----------------------------------------------------------

const special = fc.constantFrom(
  "\u0000",
  "\u0007",
  "\t",
  "\n",
  "\r",
  "\u001b",
  "\u007f",
  "\u0085",
  "\u200b",
  "\u202e",
  "\ufeff",
  "\ud800",
  "\udfff",
  "\u{1F4A5}",
  "e\u0301",
  "\\",
  '"',
  "'",
  "%s",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal text is the input
  "${x}",
  "<script>",
  '\'; DROP TABLE "Workspace"; --',
);
const nasty = fc.string({
  unit: fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom("a", "Z", "_", "0", "-", " ", "/", ".", ":") },
    { weight: 2, arbitrary: special },
    { weight: 2, arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 1 }) },
  ),
  maxLength: 40,
});
const huge = fc.constantFrom(129, 257, 2_049, 65_537, 200_000).map((n) => "x".repeat(n));
const text = fc.oneof(
  { weight: 8, arbitrary: nasty },
  { weight: 1, arbitrary: huge },
  { weight: 1, arbitrary: fc.constantFrom("", " ", "  \t ") },
);
const wrongType = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
);
const anyValue = fc.oneof({ weight: 5, arbitrary: text }, { weight: 1, arbitrary: wrongType });
const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 3 });

/** Mostly unknown or malformed ids, sometimes one of the fixtures. */
const id = () =>
  fc.oneof(
    { weight: 3, arbitrary: fc.uuid() },
    { weight: 3, arbitrary: anyValue },
    { weight: 2, arbitrary: fc.constantFrom(online, provisioning, removed) },
    { weight: 1, arbitrary: fc.constantFrom("00000000-0000-0000-0000-000000000000", "V29ya3NwYWNlOjE=", " ") },
  );
const secretKey = fc.oneof(
  { weight: 2, arbitrary: fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,20}$/) },
  { weight: 3, arbitrary: anyValue },
  { weight: 1, arbitrary: fc.constantFrom("A".repeat(128), "A".repeat(129), "lower", "1ABC", "MODEL") },
);
const secretValue = fc.oneof(
  { weight: 4, arbitrary: text },
  { weight: 1, arbitrary: fc.constantFrom("", "v".repeat(64 * 1024), "v".repeat(64 * 1024 + 1), "é".repeat(32_769)) },
  { weight: 1, arbitrary: wrongType },
);
const secrets = fc.oneof(
  { weight: 4, arbitrary: fc.array(fc.record({ key: secretKey, value: secretValue }), { maxLength: 4 }) },
  { weight: 1, arbitrary: wrongType },
  {
    weight: 1,
    arbitrary: fc.constant(Array.from({ length: 101 }, (_, i) => ({ key: `K${i}`, value: "v" }))),
  },
  {
    weight: 1,
    arbitrary: fc.constant([
      { key: "DUP", value: "a" },
      { key: "DUP", value: "b" },
    ]),
  },
);
const knownModel = fc.constantFrom("moonshot/kimi-k2.6", "claude-sonnet-4-5", "gpt-5", "claude-code", "claude-");
const createInput = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record(
      {
        name: anyValue,
        runtime: optional(fc.oneof(anyValue, fc.constantFrom("claude-code", "codex"))),
        model: optional(
          fc.oneof(
            anyValue,
            knownModel,
            knownModel.chain((m) => nasty.map((s) => m + s)),
          ),
        ),
        kind: optional(fc.oneof(fc.constantFrom("WORKSPACE", "PLATFORM", "platform", "NOPE"), wrongType)),
        secrets: optional(secrets),
      },
      { requiredKeys: [] },
    ),
  },
  { weight: 1, arbitrary: wrongType },
);
/** JSON of every shape, with strings that include NUL and lone surrogates. */
const json = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 4, stringUnit: "binary" }) },
  { weight: 2, arbitrary: fc.dictionary(nasty, fc.oneof(nasty, fc.integer(), fc.boolean()), { maxKeys: 4 }) },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 60, max: 300 }).map((n) => JSON.parse(`${"[".repeat(n)}${"]".repeat(n)}`)),
  },
  { weight: 1, arbitrary: fc.constantFrom({ blob: "x".repeat(70_000) }, "x".repeat(70_000), 1e308, -0) },
);
const registerInput = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record(
      {
        workspaceId: id(),
        kind: optional(fc.oneof(fc.constantFrom("WORKSPACE", "PLATFORM"), anyValue)),
        url: optional(
          fc.oneof(
            fc.webUrl(),
            text,
            nasty.map((s) => `https://agent.example/${s}`),
            fc.constant(`https://a/${"p".repeat(2100)}`),
          ),
        ),
        deliveryMode: optional(fc.oneof(fc.constantFrom("PUSH", "POLL"), anyValue)),
        agentCard: optional(json),
        mcpServerPresent: optional(fc.oneof(fc.boolean(), wrongType)),
      },
      { requiredKeys: [] },
    ),
  },
  { weight: 1, arbitrary: wrongType },
);
/** No bearer, a malformed one, or a well-formed token nobody was given. */
const token = fc.oneof(
  fc.constant(null),
  fc.stringMatching(/^[\x21-\x7e]{0,80}$/),
  fc.constant(null).map(() => randomBytes(32).toString("base64url")),
);

// Runs per property: about 2,000 inputs in all, within the file's budget on PGlite.
const runs = (numRuns: number) => ({ numRuns, endOnFailure: true });

describe("fuzzing every mutation", () => {
  it("createWorkspace", async () => {
    await fc.assert(
      fc.asyncProperty(createInput, async (input) => {
        await attempt(CreateWorkspace, { input }, t.adminToken);
      }),
      runs(300),
    );
  });

  it("preflightWorkspace", async () => {
    await fc.assert(
      fc.asyncProperty(createInput, async (input) => {
        const before = await snapshot();
        await attempt(PreflightWorkspace, { input }, t.adminToken);
        expect(await snapshot()).toBe(before);
      }),
      runs(200),
    );
  });

  it("registerWorkspace", async () => {
    await fc.assert(
      fc.asyncProperty(registerInput, token, async (input, bearer) => {
        await attempt(RegisterWorkspace, { input }, bearer);
      }),
      runs(200),
    );
  });

  it("registerWorkspace as a bootstrap, so the input reaches the write", async () => {
    await fc.assert(
      fc.asyncProperty(registerInput, async (generated) => {
        const created = ok(await gql(t, CreateWorkspace, { input: { name: "fuzz-bootstrap" } })).createWorkspace;
        const workspaceId = expectSuccess(created, "CreateWorkspaceSuccess").workspace.id;
        const input = typeof generated === "object" && generated !== null ? { ...generated, workspaceId } : generated;
        await attempt(RegisterWorkspace, { input }, null);
      }),
      runs(150),
    );
  });

  it("heartbeat", async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.record({ workspaceId: id() }), wrongType), token, async (input, bearer) => {
        // No generated bearer is a live token, so every heartbeat is refused.
        expect(await attempt(Heartbeat, { input }, bearer)).toBe(false);
      }),
      runs(200),
    );
  });

  it("restartWorkspace and removeWorkspace", async () => {
    const unknown = fc.oneof(fc.uuid(), anyValue, fc.constant(removed));
    await fc.assert(
      fc.asyncProperty(unknown, fc.boolean(), async (target, restart) => {
        await attempt(restart ? RestartWorkspace : RemoveWorkspace, { id: target }, t.adminToken);
      }),
      runs(200),
    );
  });

  it("setWorkspaceSecret and deleteWorkspaceSecret", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({ workspaceId: id(), key: secretKey, value: secretValue }),
        fc.boolean(),
        async ({ workspaceId, key, value }, set) => {
          if (set) await attempt(SetWorkspaceSecret, { input: { workspaceId, key, value } }, t.adminToken);
          else await attempt(DeleteWorkspaceSecret, { input: { workspaceId, key } }, t.adminToken);
        },
      ),
      runs(250),
    );
  });

  it("setOrgSecret and deleteOrgSecret", async () => {
    await fc.assert(
      fc.asyncProperty(secretKey, secretValue, fc.boolean(), async (key, value, set) => {
        if (set) await attempt(SetOrgSecret, { input: { key, value } }, t.adminToken);
        else await attempt(DeleteOrgSecret, { key }, t.adminToken);
      }),
      runs(250),
    );
  });

  it("mutations without the admin token are refused and write nothing", async () => {
    const adminOnly = fc.constantFrom(
      [CreateWorkspace, { input: { name: "x" } }],
      [RestartWorkspace, { id: online }],
      [RemoveWorkspace, { id: online }],
      [SetOrgSecret, { input: { key: "K", value: "v" } }],
      [DeleteOrgSecret, { key: "FUZZ_ORG" }],
      [SetWorkspaceSecret, { input: { workspaceId: online, key: "K", value: "v" } }],
      [DeleteWorkspaceSecret, { input: { workspaceId: online, key: "K" } }],
    );
    await fc.assert(
      fc.asyncProperty(adminOnly, token, async ([doc, variables], bearer) => {
        expect(await attempt(doc, variables, bearer)).toBe(false);
      }),
      runs(150),
    );
  });

  it("random request bodies", async () => {
    const body = fc.oneof(
      fc.json({ maxDepth: 3 }),
      fc.string({ unit: "binary", maxLength: 200 }),
      fc
        .record({ query: text, variables: optional(fc.jsonValue({ maxDepth: 2 })), operationName: optional(anyValue) })
        .map((b) => JSON.stringify(b)),
      fc
        .record({ query: fc.constantFrom(CreateWorkspace.toString(), RegisterWorkspace.toString()), variables: json })
        .map((b) => JSON.stringify(b)),
    );
    await fc.assert(
      fc.asyncProperty(body, token, async (raw, bearer) => {
        const before = await snapshot();
        const r = await call("", undefined, bearer, raw);
        expect(r.status, `${raw.slice(0, 300)}\n${r.raw.slice(0, 300)}`).toBeLessThan(500);
        expect(r.raw).not.toMatch(/INTERNAL_SERVER_ERROR|Unexpected error/);
        if (r.status !== 200 || r.body.errors) expect(await snapshot()).toBe(before);
      }),
      runs(300),
    );
  });
});
