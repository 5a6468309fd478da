import type { Workspace as WorkspaceRow } from "../generated/prisma/client.js";
import type { Page } from "../pagination.js";
import { createWorkspace, preflightWorkspace } from "../workspaces/create.js";
import { removeWorkspace, restartWorkspace } from "../workspaces/lifecycle.js";
import { findWorkspace, listWorkspaces } from "../workspaces/read.js";
import { builder } from "./builder.js";
import { DeliveryMode, PageInfo, WorkspaceKind, WorkspaceStatus } from "./enums.js";
import { orThrow, resultUnion, successRef, toResult } from "./errors.js";
import { SecretInput, SecretKey } from "./secrets.js";

export const Node = builder.interfaceRef<{ id: string }>("Node").implement({
  fields: (t) => ({ id: t.exposeID("id") }),
});

const WorkspaceFailure = builder.objectRef<{ code: string; message: string; at: Date }>("WorkspaceFailure").implement({
  fields: (t) => ({
    code: t.exposeString("code"),
    message: t.exposeString("message"),
    at: t.expose("at", { type: "DateTime" }),
  }),
});

export const Workspace = builder.prismaObject("Workspace", {
  interfaces: [Node],
  isTypeOf: (v) => typeof v === "object" && v !== null && "runtime" in v && "kind" in v,
  fields: (t) => ({
    id: t.exposeID("id"),
    name: t.exposeString("name"),
    kind: t.expose("kind", { type: WorkspaceKind }),
    runtime: t.exposeString("runtime"),
    model: t.exposeString("model"),
    provider: t.exposeString("provider", { nullable: true }),
    platformBilled: t.exposeBoolean("platformBilled"),
    status: t.expose("status", { type: WorkspaceStatus }),
    failure: t.field({
      type: WorkspaceFailure,
      nullable: true,
      resolve: (w) =>
        w.status === "FAILED" && w.failureCode
          ? { code: w.failureCode, message: w.failureMessage ?? "", at: w.failedAt ?? w.updatedAt }
          : null,
    }),
    url: t.exposeString("url", { nullable: true }),
    deliveryMode: t.expose("deliveryMode", { type: DeliveryMode, nullable: true }),
    lastHeartbeatAt: t.expose("lastHeartbeatAt", { type: "DateTime", nullable: true }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    updatedAt: t.expose("updatedAt", { type: "DateTime" }),
    secrets: t.field({
      type: [SecretKey],
      resolve: (w, _, ctx) => ctx.loaders.secretsByWorkspace.load(w.id),
    }),
  }),
});

const WorkspaceEdge = builder.objectRef<{ cursor: string; node: WorkspaceRow }>("WorkspaceEdge").implement({
  fields: (t) => ({ cursor: t.exposeString("cursor"), node: t.field({ type: Workspace, resolve: (e) => e.node }) }),
});

const WorkspaceConnection = builder.objectRef<Page<WorkspaceRow>>("WorkspaceConnection").implement({
  fields: (t) => ({
    edges: t.field({ type: [WorkspaceEdge], resolve: (c) => c.edges }),
    pageInfo: t.field({ type: PageInfo, resolve: (c) => c.pageInfo }),
  }),
});

export const CreateWorkspaceInput = builder.inputType("CreateWorkspaceInput", {
  fields: (t) => ({
    name: t.string({ required: true }),
    runtime: t.string(),
    model: t.string(),
    kind: t.field({ type: WorkspaceKind }),
    secrets: t.field({ type: [SecretInput] }),
  }),
});

const CreateWorkspaceSuccess = successRef<{ workspace: WorkspaceRow }>("CreateWorkspaceSuccess").implement({
  fields: (t) => ({
    workspace: t.field({ type: Workspace, resolve: (s) => s.workspace }),
  }),
});
const PreflightWorkspaceSuccess = successRef<{
  runtime: string;
  model: string;
  provider: string | null;
  platformBilled: boolean;
}>("PreflightWorkspaceSuccess").implement({
  fields: (t) => ({
    runtime: t.exposeString("runtime"),
    model: t.exposeString("model"),
    // Null only if the gate failed open before deriving, which step 4 rules out.
    provider: t.string({ resolve: (s) => s.provider ?? "" }),
    platformBilled: t.exposeBoolean("platformBilled"),
  }),
});
export const WorkspaceSuccess = successRef<{ workspace: WorkspaceRow }>("WorkspaceSuccess").implement({
  fields: (t) => ({
    workspace: t.field({ type: Workspace, resolve: (s) => s.workspace }),
  }),
});

const CreateWorkspaceResult = resultUnion("CreateWorkspaceResult", CreateWorkspaceSuccess, "create");
const PreflightWorkspaceResult = resultUnion("PreflightWorkspaceResult", PreflightWorkspaceSuccess, "create");
const WorkspaceResult = resultUnion("WorkspaceResult", WorkspaceSuccess, "request");

const wrapWorkspace = <F extends object>(name: string, v: WorkspaceRow | F) =>
  toResult(name, "id" in v ? { workspace: v as WorkspaceRow } : (v as never));

builder.queryFields((t) => ({
  node: t.field({
    authScopes: { viewer: true },
    type: Node,
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_, { id }, ctx) => findWorkspace(ctx.domain, id),
  }),
  workspace: t.field({
    authScopes: { viewer: true },
    type: Workspace,
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_, { id }, ctx) => findWorkspace(ctx.domain, id),
  }),
  workspaces: t.field({
    authScopes: { viewer: true },
    type: WorkspaceConnection,
    args: { first: t.arg.int(), after: t.arg.string(), status: t.arg({ type: WorkspaceStatus }) },
    resolve: async (_, args, ctx) => orThrow(await listWorkspaces(ctx.domain, args)),
  }),
  preflightWorkspace: t.field({
    authScopes: { viewer: true },
    type: PreflightWorkspaceResult,
    args: { input: t.arg({ type: CreateWorkspaceInput, required: true }) },
    resolve: async (_, { input }, ctx) =>
      toResult("PreflightWorkspaceSuccess", await preflightWorkspace(ctx.domain, input)),
  }),
}));

builder.mutationFields((t) => ({
  createWorkspace: t.field({
    authScopes: { operator: true },
    type: CreateWorkspaceResult,
    args: { input: t.arg({ type: CreateWorkspaceInput, required: true }) },
    resolve: async (_, { input }, ctx) =>
      wrapWorkspace("CreateWorkspaceSuccess", await createWorkspace(ctx.domain, input)),
  }),
  restartWorkspace: t.field({
    authScopes: { operator: true },
    type: WorkspaceResult,
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_, { id }, ctx) => wrapWorkspace("WorkspaceSuccess", await restartWorkspace(ctx.domain, id)),
  }),
  removeWorkspace: t.field({
    authScopes: { operator: true },
    type: WorkspaceResult,
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_, { id }, ctx) => wrapWorkspace("WorkspaceSuccess", await removeWorkspace(ctx.domain, id)),
  }),
}));
