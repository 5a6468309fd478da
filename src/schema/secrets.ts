import { readActor } from "../auth/actor.js";
import { deleteOrgSecret, setOrgSecret } from "../secrets/org-secrets.js";
import type { SecretDeletion, SecretKeyRow } from "../secrets/store.js";
import { deleteWorkspaceSecret, setWorkspaceSecret } from "../workspaces/secrets.js";
import { Actor } from "./actors.js";
import { builder } from "./builder.js";
import { resultUnion, successRef } from "./errors.js";

export const SecretKey = builder.objectRef<SecretKeyRow>("SecretKey").implement({
  description: "A secret's name. Its value is write-only.",
  fields: (t) => ({
    key: t.exposeString("key", { description: "The secret's name (an environment variable name)." }),
    updatedAt: t.expose("updatedAt", { type: "DateTime", description: "When its value was last set." }),
    updatedBy: t.field({
      type: Actor,
      nullable: true,
      description: "Who set the current value; null for values set before this was recorded.",
      resolve: (s) => readActor(s.updatedBy),
    }),
  }),
});

export const SecretInput = builder.inputType("SecretInput", {
  description: "A secret to store.",
  fields: (t) => ({
    key: t.string({ required: true, description: "The name: `^[A-Z_][A-Z0-9_]{0,127}$`." }),
    value: t.string({ required: true, description: "The value: 1 byte to 64 KiB of UTF-8; never returned." }),
  }),
});

const SetWorkspaceSecretInput = builder.inputType("SetWorkspaceSecretInput", {
  fields: (t) => ({
    workspaceId: t.id({ required: true }),
    key: t.string({ required: true }),
    value: t.string({ required: true }),
  }),
});
const DeleteWorkspaceSecretInput = builder.inputType("DeleteWorkspaceSecretInput", {
  fields: (t) => ({ workspaceId: t.id({ required: true }), key: t.string({ required: true }) }),
});
const SetOrgSecretInput = builder.inputType("SetOrgSecretInput", {
  fields: (t) => ({ key: t.string({ required: true }), value: t.string({ required: true }) }),
});

const SecretSuccess = successRef<SecretKeyRow>("SecretSuccess").implement({
  fields: (t) => ({
    secret: t.field({ type: SecretKey, resolve: (s) => s.value }),
  }),
});
const DeleteSecretSuccess = successRef<SecretDeletion>("DeleteSecretSuccess").implement({
  fields: (t) => ({
    key: t.string({ description: "The secret's name.", resolve: (s) => s.value.key }),
    deleted: t.boolean({ description: "False when no such secret existed.", resolve: (s) => s.value.deleted }),
  }),
});
const SecretResult = resultUnion("SecretResult", SecretSuccess, "request");
const DeleteSecretResult = resultUnion("DeleteSecretResult", DeleteSecretSuccess, "request");

builder.queryFields((t) => ({
  orgSecrets: t.field({
    authScopes: { viewer: true },
    type: [SecretKey],
    resolve: (_, __, ctx) => ctx.domain.secrets.listOrgSecrets(),
  }),
}));

builder.mutationFields((t) => ({
  setWorkspaceSecret: t.field({
    authScopes: { operator: true },
    type: SecretResult,
    args: { input: t.arg({ type: SetWorkspaceSecretInput, required: true }) },
    resolve: (_, { input }, ctx) => setWorkspaceSecret(ctx.domain, input),
  }),
  deleteWorkspaceSecret: t.field({
    authScopes: { operator: true },
    type: DeleteSecretResult,
    args: { input: t.arg({ type: DeleteWorkspaceSecretInput, required: true }) },
    resolve: (_, { input }, ctx) => deleteWorkspaceSecret(ctx.domain, input),
  }),
  setOrgSecret: t.field({
    authScopes: { admin: true },
    type: SecretResult,
    args: { input: t.arg({ type: SetOrgSecretInput, required: true }) },
    resolve: (_, { input }, ctx) => setOrgSecret(ctx.domain, input),
  }),
  deleteOrgSecret: t.field({
    authScopes: { admin: true },
    type: DeleteSecretResult,
    args: { key: t.arg.string({ required: true }) },
    resolve: (_, { key }, ctx) => deleteOrgSecret(ctx.domain, key),
  }),
}));
