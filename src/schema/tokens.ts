import { readActor } from "../auth/actor.js";
import type { ApiTokenRow } from "../auth/api-tokens.js";
import { type CreatedApiToken, createApiToken, listApiTokens, revokeApiToken } from "../auth/manage-tokens.js";
import type { Page } from "../pagination.js";
import { Actor } from "./actors.js";
import { builder } from "./builder.js";
import { orThrow, resultUnion, successRef } from "./errors.js";
import { PageInfo } from "./pagination.js";

export const Role = builder.enumType("Role", {
  description: "What a person or program may do (SPEC section 10). Agents have no role.",
  values: {
    VIEWER: { description: "Every query and subscription; no mutation.", value: "viewer" },
    OPERATOR: {
      description: "A viewer who may also create, restart and remove workspaces and set their secrets.",
      value: "operator",
    },
    ADMIN: { description: "Everything, including org secrets and API tokens.", value: "admin" },
  } as const,
});

const ApiToken = builder.objectRef<ApiTokenRow>("ApiToken").implement({
  description: "A bearer token of a person or program. The token itself is shown once, when it is created.",
  fields: (t) => ({
    id: t.exposeID("id", { description: "What `revokeApiToken` takes, and what actors name it by." }),
    label: t.exposeString("label", { description: "What it is for; ADMIN_TOKEN's is `env`." }),
    role: t.field({ type: Role, description: "What it may do.", resolve: (r) => r.role.toLowerCase() as "viewer" }),
    createdAt: t.expose("createdAt", { type: "DateTime", description: "When it was created." }),
    expiresAt: t.expose("expiresAt", {
      type: "DateTime",
      nullable: true,
      description: "Past this it is refused (UNAUTHENTICATED); null: until revoked.",
    }),
    lastUsedAt: t.expose("lastUsedAt", {
      type: "DateTime",
      nullable: true,
      description: "When it was last presented, to within two minutes (it is written at most once a minute).",
    }),
    revokedAt: t.expose("revokedAt", {
      type: "DateTime",
      nullable: true,
      description: "When it was revoked (then it is refused, UNAUTHENTICATED); null while it is not.",
    }),
    createdBy: t.field({
      type: Actor,
      nullable: true,
      description: "Who created it; null for tokens made before this was recorded.",
      resolve: (r) => readActor(r.createdBy),
    }),
  }),
});

const ApiTokenEdge = builder.objectRef<{ cursor: string; node: ApiTokenRow }>("ApiTokenEdge").implement({
  description: "One API token of a page.",
  fields: (t) => ({
    cursor: t.exposeString("cursor", { description: "Opaque: pass it as `after` for the tokens past this one." }),
    node: t.field({ type: ApiToken, description: "The token's record.", resolve: (e) => e.node }),
  }),
});

const ApiTokenConnection = builder.objectRef<Page<ApiTokenRow>>("ApiTokenConnection").implement({
  description: "API tokens, newest first.",
  fields: (t) => ({
    edges: t.field({ type: [ApiTokenEdge], description: "This page's tokens.", resolve: (c) => c.edges }),
    pageInfo: t.field({ type: PageInfo, description: "Where this page lies.", resolve: (c) => c.pageInfo }),
  }),
});

const CreateApiTokenInput = builder.inputType("CreateApiTokenInput", {
  description: "A new API token: what it is for, its role, and when it stops working.",
  fields: (t) => ({
    label: t.string({ required: true, description: "1 to 128 characters, no control characters." }),
    role: t.field({ type: Role, required: true, description: "What it may do." }),
    expiresAt: t.field({ type: "DateTime", description: "In the future, within ten years; omitted: until revoked." }),
  }),
});

const CreateApiTokenSuccess = successRef<CreatedApiToken>("CreateApiTokenSuccess").implement({
  description: "The token, shown once, and what is kept of it.",
  fields: (t) => ({
    token: t.string({
      description: "The bearer token (`Authorization: Bearer <token>`). Shown only here: it is stored as a hash.",
      resolve: (s) => s.value.token,
    }),
    apiToken: t.field({ type: ApiToken, description: "What is kept of it.", resolve: (s) => s.value.apiToken }),
  }),
});
const RevokeApiTokenSuccess = successRef<ApiTokenRow>("RevokeApiTokenSuccess").implement({
  description: "The revoked token, with the time it was revoked.",
  fields: (t) => ({
    apiToken: t.field({ type: ApiToken, description: "The token's record, now revoked.", resolve: (s) => s.value }),
  }),
});

const CreateApiTokenResult = resultUnion(
  "CreateApiTokenResult",
  CreateApiTokenSuccess,
  "request",
  "What createApiToken answers: the token once, or why not.",
);
const RevokeApiTokenResult = resultUnion(
  "RevokeApiTokenResult",
  RevokeApiTokenSuccess,
  "request",
  "What revokeApiToken answers: the revoked token, or why not.",
);

builder.queryFields((t) => ({
  apiTokens: t.field({
    authScopes: { admin: true },
    description: "API tokens, newest first: label, role, creation, expiry, last use and creator, never the token.",
    type: ApiTokenConnection,
    args: {
      first: t.arg.int({ description: "At most 100; 20 when omitted." }),
      after: t.arg.string({ description: "A cursor from an earlier page." }),
      includeRevoked: t.arg.boolean({ defaultValue: false, description: "Also list revoked tokens." }),
    },
    resolve: async (_, args, ctx) => orThrow(await listApiTokens(ctx.identities.apiTokens, args)),
  }),
}));

builder.mutationFields((t) => ({
  createApiToken: t.field({
    authScopes: { admin: true },
    description: "A new API token of a role. The answer is the only place the token is ever shown.",
    type: CreateApiTokenResult,
    args: { input: t.arg({ type: CreateApiTokenInput, required: true, description: "The token to make." }) },
    resolve: (_, { input }, ctx) => createApiToken(ctx.identities.apiTokens, input, ctx.domain.actor),
  }),
  revokeApiToken: t.field({
    authScopes: { admin: true },
    description: "Refused from now on, on every instance within a second. Revoking a revoked token answers it.",
    type: RevokeApiTokenResult,
    args: { id: t.arg.id({ required: true, description: "The token's id (not the token)." }) },
    resolve: (_, { id }, ctx) => revokeApiToken(ctx.identities.apiTokens, id),
  }),
}));
