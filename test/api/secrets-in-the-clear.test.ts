import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { openDatabase } from "../../src/db/database.js";
import { type CallOptions, type Doc, expectSuccess, type GqlResponse, gql, ok } from "../support/gql.js";
import { backend, startTestApp, type TestApp } from "../support/harness.js";
import {
  CreateApiToken,
  CreateWorkspace,
  GetWorkspace,
  Heartbeat,
  ListApiTokens,
  ListEvents,
  ListWorkspaces,
  OrgSecrets,
  RegisterWorkspace,
  RemoveWorkspace,
  RestartWorkspace,
  RevokeApiToken,
  SetOrgSecret,
  SetWorkspaceSecret,
} from "../support/operations.js";

// SPEC 6: no token or secret value in the database in the clear, in a log
// line, or in any API response. Every value below is distinctive, so finding
// it anywhere (or its base64 or hex) is a leak.

const distinct = (label: string) => `S3CRET-${label}-${randomBytes(12).toString("hex")}`;
const secrets = {
  org: distinct("org"),
  atCreate: distinct("create"),
  extraAtCreate: distinct("extra"),
  set: distinct("set"),
  model: distinct("model"),
  failing: distinct("failing"),
};

let t: TestApp;
let dataDir: string | null = null;
/** Bodies of responses that deliver nothing secret, and of those meant to carry a token or inbound secret. */
const plain: string[] = [];
const delivering: string[] = [];
const delivered: string[] = [];

async function call<R, V>(doc: Doc<R, V>, variables?: V, opts?: CallOptions): Promise<GqlResponse<R>> {
  const r = await gql(t, doc, variables, opts);
  const op = doc.toString();
  (/registerWorkspace|heartbeat/.test(op) ? delivering : plain).push(r.raw);
  return r;
}

const encodings = (value: string) => {
  const b = Buffer.from(value, "utf8");
  return [value, b.toString("base64"), b.toString("base64url"), b.toString("hex")];
};

/** Every needle not found in the haystack (by value or a plain encoding of it). */
const found = (haystack: string, needles: string[]) =>
  needles.flatMap((n) =>
    encodings(n)
      .filter((e) => haystack.includes(e))
      .map(() => n),
  );

beforeAll(async () => {
  if (backend === "pglite") {
    // A PGlite with a data directory, to read its files after a clean stop.
    dataDir = await mkdtemp(path.join(os.tmpdir(), "cp-clear-"));
    await promisify(execFile)("tar", ["xzf", inject("pgliteTemplate"), "-C", dataDir]);
    t = await startTestApp({}, await openDatabase({ kind: "pglite", dataDir }));
  } else {
    t = await startTestApp();
  }
});
let stopped = false;
const stop = async () => {
  if (!stopped) await t.stop();
  stopped = true;
};
afterAll(async () => {
  await stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe("secrets never appear in the clear", () => {
  it("runs the scenario: org secret, workspace secrets, PLATFORM, register, heartbeat, restart, remove", async () => {
    ok(await call(SetOrgSecret, { input: { key: "ANTHROPIC_API_KEY", value: secrets.org } }));
    const byok = expectSuccess(
      ok(
        await call(CreateWorkspace, {
          input: {
            name: "byok",
            runtime: "claude-code",
            model: "claude-sonnet-4-5",
            secrets: [
              { key: "ANTHROPIC_API_KEY", value: secrets.atCreate },
              { key: "EXTRA_TOOL_KEY", value: secrets.extraAtCreate },
            ],
          },
        }),
      ).createWorkspace,
      "CreateWorkspaceSuccess",
    ).workspace;
    ok(await call(SetWorkspaceSecret, { input: { workspaceId: byok.id, key: "SEARCH_API_KEY", value: secrets.set } }));
    const platform = expectSuccess(
      ok(
        await call(CreateWorkspace, {
          input: { name: "concierge", kind: "PLATFORM", secrets: [{ key: "MODEL", value: secrets.model }] },
        }),
      ).createWorkspace,
      "CreateWorkspaceSuccess",
    ).workspace;

    for (const ws of [byok, platform]) {
      const reg = expectSuccess(
        ok(
          await call(
            RegisterWorkspace,
            { input: { workspaceId: ws.id, url: "https://agent.example/a2a", mcpServerPresent: true } },
            { token: null },
          ),
        ).registerWorkspace,
        "RegisterWorkspaceSuccess",
      );
      const token = reg.authToken as string;
      expect(token).toBeTruthy();
      expect(reg.platformInboundSecret).toBeTruthy();
      delivered.push(token, reg.platformInboundSecret as string);
      const hb = expectSuccess(
        ok(await call(Heartbeat, { input: { workspaceId: ws.id } }, { token })).heartbeat,
        "HeartbeatSuccess",
      );
      delivered.push(hb.platformInboundSecret as string);
      expectSuccess(ok(await call(RestartWorkspace, { id: ws.id })).restartWorkspace, "WorkspaceSuccess");
      const again = expectSuccess(
        ok(await call(RegisterWorkspace, { input: { workspaceId: ws.id } }, { token: null })).registerWorkspace,
        "RegisterWorkspaceSuccess",
      );
      delivered.push(again.authToken as string, again.platformInboundSecret as string);
    }
    for (const ws of [byok, platform]) {
      ok(await call(GetWorkspace, { id: ws.id }));
      ok(await call(ListEvents, { workspaceId: ws.id }));
    }
    ok(await call(ListWorkspaces, { first: 10 }));
    ok(await call(OrgSecrets));
    // An API token, made (the one answer that shows it, so not among the answers searched), used,
    // listed and revoked: stored only as its hash, never in a log line or another answer.
    const made = expectSuccess(
      ok(await gql(t, CreateApiToken, { input: { label: "scenario", role: "VIEWER" } })).createApiToken,
      "CreateApiTokenSuccess",
    );
    delivered.push(made.token);
    ok(await call(ListWorkspaces, { first: 1 }, { token: made.token }));
    ok(await call(ListApiTokens, { first: 10 }));
    ok(await call(RevokeApiToken, { id: made.apiToken.id }));
    expectSuccess(ok(await call(RemoveWorkspace, { id: byok.id })).removeWorkspace, "WorkspaceSuccess");
    ok(await call(GetWorkspace, { id: byok.id }));
  });

  it("masks an unexpected database error: no stack, no SQL, no secret in the answer or the log", async () => {
    const ws = expectSuccess(
      ok(await call(CreateWorkspace, { input: { name: "will-fail" } })).createWorkspace,
      "CreateWorkspaceSuccess",
    ).workspace;
    // A real failing query, raised by the database with the row (sealed value included) in its message.
    await t.app.db.sql.exec(`
      CREATE FUNCTION cp_test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'injected failure: % %', NEW.key, NEW.value; END $$;
      CREATE TRIGGER cp_test_refuse BEFORE INSERT OR UPDATE ON "WorkspaceSecret"
        FOR EACH ROW EXECUTE FUNCTION cp_test_refuse();`);
    const logsBefore = t.logs.length;
    try {
      const r = await call(
        SetWorkspaceSecret,
        { input: { workspaceId: ws.id, key: "DOOMED_KEY", value: secrets.failing } },
        { headers: { "x-request-id": "masked-1" } },
      );
      expect(r.errors, r.raw).toHaveLength(1);
      expect(r.errors?.[0]).toMatchObject({
        message: "Unexpected error.",
        extensions: { code: "INTERNAL_SERVER_ERROR" },
      });
      for (const leak of [
        "injected",
        "INSERT",
        "UPDATE",
        "plpgsql",
        "prisma",
        "store.ts",
        "    at ",
        "DOOMED",
        "S3CRET",
      ]) {
        expect(r.raw).not.toContain(leak);
      }
    } finally {
      await t.app.db.sql.exec(`DROP TRIGGER cp_test_refuse ON "WorkspaceSecret"; DROP FUNCTION cp_test_refuse();`);
    }
    const fresh = t.logs.slice(logsBefore).map((l) => JSON.parse(l) as Record<string, unknown>);
    // Logged for the operator (the cause is kept), with the request's line carrying its id and code.
    expect(fresh.find((l) => l.msg === "unexpected error")?.err).toMatchObject({
      message: expect.stringContaining("injected failure"),
    });
    expect(fresh.find((l) => l.msg === "request")).toMatchObject({
      requestId: "masked-1",
      errors: ["INTERNAL_SERVER_ERROR"],
    });
    expect(found(t.logs.slice(logsBefore).join(""), [secrets.failing])).toEqual([]);
  });

  it("refuses a malformed input without quoting the secret beside the mistake", async () => {
    // Plain strings: these variables are deliberately not what the documents' types allow.
    const cases: [string, unknown, RegExp][] = [
      [`${SetOrgSecret}`, { input: { key: "K", value: secrets.org, extra: 1 } }, /Field "extra" is not defined/],
      [`${SetOrgSecret}`, { input: { value: secrets.org } }, /Field "key" of required type "String!" was not provided/],
      [
        `${CreateWorkspace}`,
        { input: { name: "x", secrets: [{ key: "A", value: `${secrets.atCreate}; at "input.x"; `, bogus: true }] } },
        /at "input.secrets\[0\]"; Field "bogus" is not defined by type "SecretInput"/,
      ],
      [`${SetWorkspaceSecret}`, { input: { workspaceId: "w", key: secrets.set, value: 5 } }, /String cannot represent/],
    ];
    for (const [doc, variables, why] of cases) {
      const r = await call(doc, variables);
      expect(r.status, r.raw).toBe(400);
      expect(r.errors?.[0]?.message, r.raw).toMatch(/^Variable "\$input" got invalid value \(not shown\)/);
      expect(r.errors?.[0]?.message).toMatch(why);
      expect(found(r.raw, Object.values(secrets))).toEqual([]);
    }
  });

  it("no secret value in any response; tokens and inbound secrets only in the answers that deliver them", () => {
    const values = Object.values(secrets);
    expect(plain.length).toBeGreaterThan(10);
    expect(found(plain.join("\n"), [...values, ...delivered, t.adminToken])).toEqual([]);
    expect(found(delivering.join("\n"), [...values, t.adminToken])).toEqual([]);
  });

  it("no secret value, token or inbound secret in any log line", () => {
    expect(t.logs.length).toBeGreaterThan(10);
    expect(found(t.logs.join(""), [...Object.values(secrets), ...delivered, t.adminToken])).toEqual([]);
  });

  it("no secret value, token or inbound secret in any row of any table", async () => {
    const tables = await t.app.db.sql.query<{ name: string }>(
      `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
    );
    expect(tables.map((x) => x.name)).toEqual(
      expect.arrayContaining([
        "Workspace",
        "WorkspaceSecret",
        "OrgSecret",
        "InstanceToken",
        "ApiToken",
        "WorkspaceEvent",
      ]),
    );
    let dump = "";
    for (const { name } of tables) {
      const rows = await t.app.db.sql.query<{ row: string }>(`SELECT row_to_json(x)::text AS row FROM "${name}" x`);
      dump += rows.map((r) => r.row).join("\n");
    }
    // The search sees the scenario's rows: names are stored in the clear.
    expect(dump).toContain("concierge");
    expect(found(dump, [...Object.values(secrets), ...delivered, t.adminToken])).toEqual([]);
  });

  it.skipIf(backend !== "pglite")("none in PGlite's data files after a clean stop", async () => {
    await stop();
    const dir = dataDir as string;
    const entries = await readdir(dir, { withFileTypes: true, recursive: true });
    const files = entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
    expect(files.length).toBeGreaterThan(100);
    const needles = [...Object.values(secrets), ...delivered, t.adminToken].flatMap((n) =>
      encodings(n).map((e) => ({ n, bytes: Buffer.from(e, "latin1") })),
    );
    // The scenario's rows are in there: a name written in the clear proves the search sees the data.
    let sawName = false;
    const leaks: string[] = [];
    for (const file of files) {
      const bytes = await readFile(file);
      if (bytes.includes("concierge")) sawName = true;
      for (const { n, bytes: b } of needles) if (bytes.includes(b)) leaks.push(`${path.relative(dir, file)}: ${n}`);
    }
    expect(sawName).toBe(true);
    expect(leaks).toEqual([]);
  });
});
