import { randomBytes, randomUUID } from "node:crypto";
import { type GraphQLObjectType, getNamedType } from "graphql";
import { describe, expect, it } from "vitest";
import { schema } from "../../src/schema/index.js";
import { DecryptError } from "../../src/secrets/keyring.js";
import { expectError, expectRefusal, expectSuccess, type GqlResponse, gql, ok } from "../support/gql.js";
import { useTestApp } from "../support/harness.js";
import {
  CreateWorkspace,
  DeleteOrgSecret,
  DeleteWorkspaceSecret,
  GetWorkspace,
  OrgSecrets,
  RegisterWorkspace,
  RemoveWorkspace,
  SetOrgSecret,
  SetWorkspaceSecret,
} from "../support/operations.js";

const t = useTestApp();

/** A key no other test in this file uses (org secrets are shared by the whole file). */
const uniqueKey = (prefix: string) => `${prefix}_${randomBytes(4).toString("hex").toUpperCase()}`;
/** A value that cannot appear in a response by chance. */
const uniqueValue = () => `sv-${randomBytes(12).toString("hex")}`;

/** Secrets are write-only: each response's raw text is checked for every value sent so far. */
const sentValues: string[] = [];
function record<R>(r: GqlResponse<R>): GqlResponse<R> {
  for (const value of sentValues) expect(r.raw, `a secret value leaked into ${r.raw}`).not.toContain(value);
  return r;
}

async function createWorkspace(name = "secrets") {
  const r = ok(record(await gql(t, CreateWorkspace, { input: { name } }))).createWorkspace;
  return expectSuccess(r, "CreateWorkspaceSuccess").workspace;
}

async function setOrg(key: string, value: string) {
  sentValues.push(value);
  return ok(record(await gql(t, SetOrgSecret, { input: { key, value } }))).setOrgSecret;
}
async function setWs(workspaceId: string, key: string, value: string) {
  sentValues.push(value);
  return ok(record(await gql(t, SetWorkspaceSecret, { input: { workspaceId, key, value } }))).setWorkspaceSecret;
}
const orgSecrets = async () => ok(record(await gql(t, OrgSecrets))).orgSecrets;
const workspaceSecrets = async (id: string) => {
  const ws = ok(record(await gql(t, GetWorkspace, { id }))).workspace;
  expect(ws).not.toBeNull();
  return ws?.secrets ?? [];
};
/** Waits until the clock has moved past a timestamp, so an overwrite gets a later updatedAt. */
async function clockPast(iso: string) {
  while (Date.now() <= Date.parse(iso)) await new Promise((r) => setTimeout(r, 2));
}

describe("org secrets", () => {
  it("sets, lists (names and updatedAt only), overwrites and deletes", async () => {
    const key = uniqueKey("ORG");
    const first = expectSuccess(await setOrg(key, uniqueValue()), "SecretSuccess").secret;
    expect(Object.keys(first).sort()).toEqual(["key", "updatedAt"]);
    expect(first.key).toBe(key);

    const listed = (await orgSecrets()).find((s) => s.key === key);
    expect(listed).toEqual({ key, updatedAt: first.updatedAt });

    await clockPast(first.updatedAt);
    const second = expectSuccess(await setOrg(key, uniqueValue()), "SecretSuccess").secret;
    expect(Date.parse(second.updatedAt)).toBeGreaterThan(Date.parse(first.updatedAt));
    expect((await orgSecrets()).filter((s) => s.key === key)).toEqual([{ key, updatedAt: second.updatedAt }]);

    const deleted = ok(record(await gql(t, DeleteOrgSecret, { key }))).deleteOrgSecret;
    expect(expectSuccess(deleted, "DeleteSecretSuccess")).toMatchObject({ key, deleted: true });
    expect((await orgSecrets()).map((s) => s.key)).not.toContain(key);

    const again = ok(record(await gql(t, DeleteOrgSecret, { key }))).deleteOrgSecret;
    expect(expectSuccess(again, "DeleteSecretSuccess")).toMatchObject({ key, deleted: false });
  });

  it("lists org secrets sorted by name", async () => {
    const keys = [uniqueKey("SORT_C"), uniqueKey("SORT_A"), uniqueKey("SORT_B")];
    for (const key of keys) await setOrg(key, uniqueValue());
    const listed = (await orgSecrets()).map((s) => s.key).filter((k) => keys.includes(k));
    expect(listed).toEqual([...keys].sort());
  });

  it("stores org secret values encrypted", async () => {
    const key = uniqueKey("ORG_AT_REST");
    const value = uniqueValue();
    await setOrg(key, value);
    const row = await t.app.domain.prisma.orgSecret.findUniqueOrThrow({ where: { key } });
    expect(row.value).not.toContain(value);
    expect(row.value).toMatch(/^v1\./);
  });
});

describe("workspace secrets", () => {
  it("sets, lists on Workspace.secrets (names and updatedAt only), overwrites and deletes", async () => {
    const ws = await createWorkspace();
    const key = uniqueKey("WS");
    const first = expectSuccess(await setWs(ws.id, key, uniqueValue()), "SecretSuccess").secret;
    expect(first.key).toBe(key);
    expect(await workspaceSecrets(ws.id)).toEqual([{ key, updatedAt: first.updatedAt }]);

    await clockPast(first.updatedAt);
    const second = expectSuccess(await setWs(ws.id, key, uniqueValue()), "SecretSuccess").secret;
    expect(Date.parse(second.updatedAt)).toBeGreaterThan(Date.parse(first.updatedAt));
    expect(await workspaceSecrets(ws.id)).toEqual([{ key, updatedAt: second.updatedAt }]);

    const other = uniqueKey("A_WS");
    await setWs(ws.id, other, uniqueValue());
    expect((await workspaceSecrets(ws.id)).map((s) => s.key)).toEqual([other, key].sort());

    const del = (k: string) => gql(t, DeleteWorkspaceSecret, { input: { workspaceId: ws.id, key: k } });
    const deleted = ok(record(await del(key))).deleteWorkspaceSecret;
    expect(expectSuccess(deleted, "DeleteSecretSuccess")).toMatchObject({ key, deleted: true });
    expect((await workspaceSecrets(ws.id)).map((s) => s.key)).toEqual([other]);
    const again = ok(record(await del(key))).deleteWorkspaceSecret;
    expect(expectSuccess(again, "DeleteSecretSuccess")).toMatchObject({ key, deleted: false });
  });

  it("keeps workspaces' secrets apart", async () => {
    const a = await createWorkspace("a");
    const b = await createWorkspace("b");
    const key = uniqueKey("SHARED_NAME");
    await setWs(a.id, key, uniqueValue());
    expect((await workspaceSecrets(a.id)).map((s) => s.key)).toEqual([key]);
    expect(await workspaceSecrets(b.id)).toEqual([]);
    const del = ok(record(await gql(t, DeleteWorkspaceSecret, { input: { workspaceId: b.id, key } })));
    expect(expectSuccess(del.deleteWorkspaceSecret, "DeleteSecretSuccess").deleted).toBe(false);
    expect((await workspaceSecrets(a.id)).map((s) => s.key)).toEqual([key]);
  });

  it("exposes no field on SecretKey but key, updatedAt and who set it (updatedBy)", () => {
    const secretKey = schema.getType("SecretKey") as GraphQLObjectType;
    expect(Object.keys(secretKey.getFields()).sort()).toEqual(["key", "updatedAt", "updatedBy"]);
    const actor = schema.getType("Actor") as GraphQLObjectType;
    expect(Object.keys(actor.getFields()).sort()).toEqual(["id", "kind", "label"]);
    const workspace = schema.getType("Workspace") as GraphQLObjectType;
    expect(getNamedType(workspace.getFields().secrets?.type)?.name).toBe("SecretKey");
  });

  it("stores values encrypted, bound to their row: a ciphertext copied to another workspace does not open", async () => {
    const a = await createWorkspace("copy-from");
    const b = await createWorkspace("copy-to");
    const key = uniqueKey("COPIED");
    const value = uniqueValue();
    await setWs(a.id, key, value);
    await setWs(b.id, key, uniqueValue());

    const prisma = t.app.domain.prisma;
    const rowA = await prisma.workspaceSecret.findUniqueOrThrow({
      where: { workspaceId_key: { workspaceId: a.id, key } },
    });
    expect(rowA.value).not.toContain(value);
    expect(Buffer.from(rowA.value).toString("base64")).not.toContain(Buffer.from(value).toString("base64"));
    expect(await t.app.domain.secrets.readWorkspaceSecret(a.id, key)).toEqual({ state: "value", value });

    await prisma.workspaceSecret.update({
      where: { workspaceId_key: { workspaceId: b.id, key } },
      data: { value: rowA.value },
    });
    const read = await t.app.domain.secrets.readWorkspaceSecret(b.id, key);
    expect(read.state).toBe("error");
    expect(read.state === "error" && read.error).toBeInstanceOf(DecryptError);

    // And the three states stay apart: a missing row is unset, never an error.
    expect(await t.app.domain.secrets.readWorkspaceSecret(b.id, uniqueKey("ABSENT"))).toEqual({ state: "unset" });
  });
});

describe("validation", () => {
  const badKeys = [
    ["lowercase", "openai_api_key"],
    ["leading digit", "1PASSWORD"],
    ["129 characters", `K${"_".repeat(128)}`],
    ["empty", ""],
    ["a dash", "OPENAI-API-KEY"],
  ] as const;

  it.each(badKeys)("refuses a key with %s on every secret mutation", async (_, key) => {
    const ws = await createWorkspace();
    const org = ok(record(await gql(t, SetOrgSecret, { input: { key, value: "v" } }))).setOrgSecret;
    expect(expectError(org, "RequestError", "VALIDATION_FAILED").field).toBe("input.key");
    const delOrg = ok(record(await gql(t, DeleteOrgSecret, { key }))).deleteOrgSecret;
    expect(expectError(delOrg, "RequestError", "VALIDATION_FAILED").field).toBe("key");
    const set = ok(record(await gql(t, SetWorkspaceSecret, { input: { workspaceId: ws.id, key, value: "v" } })));
    expect(expectError(set.setWorkspaceSecret, "RequestError", "VALIDATION_FAILED").field).toBe("input.key");
    const del = ok(record(await gql(t, DeleteWorkspaceSecret, { input: { workspaceId: ws.id, key } })));
    expect(expectError(del.deleteWorkspaceSecret, "RequestError", "VALIDATION_FAILED").field).toBe("input.key");
    expect(await workspaceSecrets(ws.id)).toEqual([]);
  });

  it("accepts keys at the edges of the pattern", async () => {
    const ws = await createWorkspace();
    for (const key of [`K${"_".repeat(127)}`, "_", "_1", "A"]) {
      expectSuccess(await setWs(ws.id, key, uniqueValue()), "SecretSuccess");
    }
    expect(await workspaceSecrets(ws.id)).toHaveLength(4);
  });

  const badValues = [
    ["empty", ""],
    ["65537 bytes", "x".repeat(64 * 1024 + 1)],
    // 32769 characters of 2 bytes each: under 64 Ki characters, over 64 KiB.
    ["multi-byte UTF-8 over 64 KiB", "é".repeat(32 * 1024 + 1)],
    ["3-byte UTF-8 over 64 KiB", "€".repeat(21_846)],
  ] as const;

  it.each(badValues)("refuses a value that is %s, on both scopes, and writes nothing", async (_, value) => {
    const ws = await createWorkspace();
    const key = uniqueKey("TOO_BIG");
    const org = ok(record(await gql(t, SetOrgSecret, { input: { key, value } }))).setOrgSecret;
    expect(expectError(org, "RequestError", "VALIDATION_FAILED").field).toBe("input.value");
    const set = ok(record(await gql(t, SetWorkspaceSecret, { input: { workspaceId: ws.id, key, value } })));
    expect(expectError(set.setWorkspaceSecret, "RequestError", "VALIDATION_FAILED").field).toBe("input.value");
    expect((await orgSecrets()).map((s) => s.key)).not.toContain(key);
    expect(await workspaceSecrets(ws.id)).toEqual([]);
  });

  it("accepts values of exactly 64 KiB, in one-byte and in multi-byte characters", async () => {
    const ws = await createWorkspace();
    const values = ["x".repeat(64 * 1024), "é".repeat(32 * 1024), "\u{1F511}".repeat(16 * 1024)];
    for (const value of values) {
      expect(Buffer.byteLength(value)).toBe(64 * 1024);
      const key = uniqueKey("EDGE");
      expectSuccess(await setWs(ws.id, key, value), "SecretSuccess");
      expect(await t.app.domain.secrets.readWorkspaceSecret(ws.id, key)).toEqual({ state: "value", value });
    }
  });
});

describe("NOT_FOUND", () => {
  it("answers NOT_FOUND for a malformed id, an unknown UUID and a REMOVED workspace", async () => {
    const removed = await createWorkspace("to-remove");
    expectSuccess(ok(record(await gql(t, RemoveWorkspace, { id: removed.id }))).removeWorkspace, "WorkspaceSuccess");
    const before = await t.app.domain.prisma.workspaceSecret.count();

    for (const workspaceId of ["not-a-uuid", "", "'; DROP TABLE workspace; --", randomUUID(), removed.id]) {
      const key = uniqueKey("NF");
      const set = ok(record(await gql(t, SetWorkspaceSecret, { input: { workspaceId, key, value: "v" } })));
      expect(expectError(set.setWorkspaceSecret, "RequestError", "NOT_FOUND").field).toBe("input.workspaceId");
      const del = ok(record(await gql(t, DeleteWorkspaceSecret, { input: { workspaceId, key } })));
      expect(expectError(del.deleteWorkspaceSecret, "RequestError", "NOT_FOUND").field).toBe("input.workspaceId");
    }
    expect(await t.app.domain.prisma.workspaceSecret.count()).toBe(before);
  });
});

describe("who may manage secrets", () => {
  it("refuses an instance token (403) and no token (401), and writes nothing", async () => {
    const ws = await createWorkspace("agent");
    const reg = ok(
      await gql(t, RegisterWorkspace, { input: { workspaceId: ws.id, deliveryMode: "POLL" } }, { token: null }),
    ).registerWorkspace;
    const instanceToken = expectSuccess(reg, "RegisterWorkspaceSuccess").authToken;
    expect(instanceToken).toBeTruthy();

    const orgKey = uniqueKey("REFUSED_ORG");
    const existing = uniqueKey("EXISTING_ORG");
    await setOrg(existing, uniqueValue());
    const wsKey = uniqueKey("REFUSED_WS");
    await setWs(ws.id, wsKey, uniqueValue());

    for (const [token, code, status] of [
      [instanceToken, "FORBIDDEN", 403],
      [null, "UNAUTHENTICATED", 401],
      ["not-a-token-this-service-issued", "UNAUTHENTICATED", 401],
    ] as const) {
      const opts = { token };
      const value = uniqueValue();
      sentValues.push(value);
      const calls: GqlResponse<unknown>[] = [
        await gql(t, SetOrgSecret, { input: { key: orgKey, value } }, opts),
        await gql(t, DeleteOrgSecret, { key: existing }, opts),
        await gql(t, SetWorkspaceSecret, { input: { workspaceId: ws.id, key: orgKey, value } }, opts),
        await gql(t, DeleteWorkspaceSecret, { input: { workspaceId: ws.id, key: wsKey } }, opts),
        await gql(t, OrgSecrets, undefined, opts),
      ];
      for (const r of calls) {
        record(r);
        expectRefusal(r, code, status);
        expect(r.data ?? null).toBeNull();
      }
    }

    const keys = (await orgSecrets()).map((s) => s.key);
    expect(keys).toContain(existing);
    expect(keys).not.toContain(orgKey);
    expect((await workspaceSecrets(ws.id)).map((s) => s.key)).toEqual([wsKey]);
  });
});
