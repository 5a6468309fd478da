import type { Workspace as WorkspaceRow } from "../generated/prisma/client.js";
import { providerDisplayName, runtimeDisplayName } from "../registry/registry.js";
import { createWorkspace, type Preflight, preflightWorkspace } from "../workspaces/create.js";
import { removeWorkspace, restartWorkspace } from "../workspaces/lifecycle.js";
import { listWorkspaces, type WorkspaceList } from "../workspaces/list.js";
import { findWorkspace } from "../workspaces/read.js";
import { updateWorkspace } from "../workspaces/update.js";
import { builder } from "./builder.js";
import { DeliveryMode, WorkspaceKind, WorkspaceStatus } from "./enums.js";
import { orThrow, resultUnion, successRef } from "./errors.js";
import { PageInfo } from "./pagination.js";
import { SecretInput, SecretKey } from "./secrets.js";

export const Node = builder.interfaceRef<{ id: string }>("Node").implement({
  description: "An object with a global id, readable with `node(id)`.",
  fields: (t) => ({ id: t.exposeID("id", { description: "The object's id." }) }),
});

const WorkspaceFailure = builder.objectRef<{ code: string; message: string; at: Date }>("WorkspaceFailure").implement({
  description: "Why a workspace failed.",
  fields: (t) => ({
    code: t.exposeString("code", {
      description:
        "Machine-readable: PLATFORM_AGENT_IDENTITY_GATE, MISSING_BYOK_CREDENTIAL, UNREGISTERED_MODEL_FOR_RUNTIME, SECRET_UNREADABLE or PROVISION_TIMEOUT.",
    }),
    message: t.exposeString("message", { description: "What failed, for people." }),
    at: t.expose("at", { type: "DateTime", description: "When it failed." }),
  }),
});

export const Workspace = builder.prismaObject("Workspace", {
  description: "A workspace: the record of an agent runtime, its model and its state.",
  interfaces: [Node],
  isTypeOf: (v) => typeof v === "object" && v !== null && "runtime" in v && "kind" in v,
  fields: (t) => ({
    id: t.exposeID("id", { description: "The workspace's id (a UUID)." }),
    name: t.exposeString("name", { description: "Its name for people (1 to 128 characters)." }),
    kind: t.expose("kind", { type: WorkspaceKind, description: "WORKSPACE, or PLATFORM for the platform agent." }),
    runtime: t.exposeString("runtime", { description: "The agent runtime's name in the registry." }),
    runtimeDisplayName: t.string({
      description: "The runtime's name for people (as `Runtime.displayName`).",
      resolve: (w, _, ctx) => runtimeDisplayName(ctx.domain.registry, w.runtime),
    }),
    model: t.exposeString("model", { description: "The model its agent serves with." }),
    provider: t.exposeString("provider", {
      nullable: true,
      description:
        "The provider the credential gate settled on at create, refreshed by each run of the provision checks.",
    }),
    providerDisplayName: t.string({
      nullable: true,
      description: "That provider's name for people; null when `provider` is.",
      resolve: (w, _, ctx) => (w.provider === null ? null : providerDisplayName(ctx.domain.registry, w.provider)),
    }),
    platformBilled: t.exposeBoolean("platformBilled", { description: "Billed by the platform: needs no key." }),
    status: t.expose("status", { type: WorkspaceStatus, description: "Where the workspace is in its life." }),
    failure: t.field({
      type: WorkspaceFailure,
      nullable: true,
      description: "Why the workspace last failed; null unless status is FAILED.",
      resolve: (w) =>
        w.status === "FAILED" && w.failureCode
          ? { code: w.failureCode, message: w.failureMessage ?? "", at: w.failedAt ?? w.updatedAt }
          : null,
    }),
    url: t.exposeString("url", { nullable: true, description: "Where its agent takes work (PUSH), as it registered." }),
    deliveryMode: t.expose("deliveryMode", {
      type: DeliveryMode,
      nullable: true,
      description: "How its agent takes work, as it registered; null before it did.",
    }),
    agentCard: t.expose("agentCard", {
      type: "JSON",
      nullable: true,
      description: "The agent card its agent registered with (at most 64 KiB of JSON); null before it did.",
    }),
    lastHeartbeatAt: t.expose("lastHeartbeatAt", {
      type: "DateTime",
      nullable: true,
      description: "When its agent last registered or heartbeated.",
    }),
    createdAt: t.expose("createdAt", { type: "DateTime", description: "When it was created." }),
    updatedAt: t.expose("updatedAt", { type: "DateTime", description: "When its record last changed." }),
    secrets: t.field({
      type: [SecretKey],
      description: "The workspace's secrets, by name. Values are never returned.",
      resolve: (w, _, ctx) => ctx.loaders.secretsByWorkspace.load(w.id),
    }),
  }),
});

const WorkspaceEdge = builder.objectRef<{ cursor: string; node: WorkspaceRow }>("WorkspaceEdge").implement({
  description: "A workspace in a list.",
  fields: (t) => ({
    cursor: t.exposeString("cursor", {
      description: "Opaque: pass it as `after` (with the same orderBy) to read on from here.",
    }),
    node: t.field({ type: Workspace, description: "The workspace.", resolve: (e) => e.node }),
  }),
});

const WorkspaceStatusCount = builder
  .objectRef<{ status: WorkspaceRow["status"]; count: number }>("WorkspaceStatusCount")
  .implement({
    description: "How many workspaces have one status.",
    fields: (t) => ({
      status: t.expose("status", { type: WorkspaceStatus, description: "The status." }),
      count: t.exposeInt("count", { description: "How many workspaces have it." }),
    }),
  });

const WorkspaceConnection = builder.objectRef<WorkspaceList>("WorkspaceConnection").implement({
  description: "A page of workspaces.",
  fields: (t) => ({
    edges: t.field({
      type: [WorkspaceEdge],
      description: "The workspaces of this page, in order.",
      resolve: (c) => c.edges,
    }),
    pageInfo: t.field({ type: PageInfo, description: "Where this page lies.", resolve: (c) => c.pageInfo }),
    totalCount: t.int({
      description: "How many workspaces the whole filter lists, on every page.",
      resolve: async (c) => (await c.counts()).total,
    }),
    countsByStatus: t.field({
      type: [WorkspaceStatusCount],
      description:
        "How many workspaces each status has under every filter but the status one (kind, runtime, search), so a status picker can show what each choice would list. Every status, REMOVED included, in the enum's order.",
      resolve: async (c) => (await c.counts()).byStatus,
    }),
    headCursor: t.exposeString("headCursor", {
      description:
        "The newest recorded event when this page was read, read in the same database snapshot as the page: subscribe to workspaceEvents with `after` set to it, and every change after this page arrives, once.",
    }),
  }),
});

const WorkspaceOrderField = builder.enumType("WorkspaceOrderField", {
  description: "What a list of workspaces is ordered by; ties go by id.",
  values: {
    NAME: { description: "The name, case-insensitively." },
    CREATED_AT: { description: "When it was created (the default)." },
    STATUS: { description: "The status, in the enum's order, then when it was created." },
    LAST_HEARTBEAT_AT: { description: "When its agent last heartbeated; never sorts as the oldest." },
  } as const,
});

const OrderDirection = builder.enumType("OrderDirection", {
  description: "Which way an order goes.",
  values: { ASC: { description: "Smallest first." }, DESC: { description: "Largest first." } } as const,
});

const WorkspaceOrder = builder.inputType("WorkspaceOrder", {
  description: "How to order a list of workspaces.",
  fields: (t) => ({
    field: t.field({ type: WorkspaceOrderField, required: true, description: "What to order by." }),
    direction: t.field({ type: OrderDirection, required: true, description: "Which way." }),
  }),
});

export const CreateWorkspaceInput = builder.inputType("CreateWorkspaceInput", {
  description: "What createWorkspace and preflightWorkspace take.",
  fields: (t) => ({
    name: t.string({ required: true, description: "1 to 128 characters after trimming, no control characters." }),
    runtime: t.string({ description: "Defaults to the registry's default runtime." }),
    model: t.string({ description: "Defaults to the runtime's default model." }),
    kind: t.field({ type: WorkspaceKind, description: "Defaults to WORKSPACE." }),
    secrets: t.field({
      type: [SecretInput],
      description: "Workspace-scope secrets stored with the workspace; they count for the credential gate.",
    }),
  }),
});

const CreateWorkspaceSuccess = successRef<WorkspaceRow>("CreateWorkspaceSuccess").implement({
  description: "The workspace was created; the provision checks already ran.",
  fields: (t) => ({
    workspace: t.field({
      type: Workspace,
      description: "The workspace as the checks left it.",
      resolve: (s) => s.value,
    }),
  }),
});
const PreflightWorkspaceSuccess = successRef<Preflight>("PreflightWorkspaceSuccess").implement({
  description: "createWorkspace would pass its checks with this input.",
  fields: (t) => ({
    runtime: t.string({
      description: "The runtime create would use (the default when omitted).",
      resolve: (s) => s.value.runtime,
    }),
    model: t.string({
      description: "The model create would use (the default when omitted).",
      resolve: (s) => s.value.model,
    }),
    // Null only if the gate failed open before deriving, which step 4 rules out.
    provider: t.string({
      description: "The provider the credential gate settles on.",
      resolve: (s) => s.value.provider ?? "",
    }),
    platformBilled: t.boolean({
      description: "Billed by the platform: needs no key.",
      resolve: (s) => s.value.platformBilled,
    }),
  }),
});
export const WorkspaceSuccess = successRef<WorkspaceRow>("WorkspaceSuccess").implement({
  description: "The change was made.",
  fields: (t) => ({
    workspace: t.field({ type: Workspace, description: "The workspace after it.", resolve: (s) => s.value }),
  }),
});

const UpdateWorkspaceInput = builder.inputType("UpdateWorkspaceInput", {
  description: "What updateWorkspace changes; what is omitted stays as it is.",
  fields: (t) => ({
    id: t.id({ required: true, description: "The workspace's id." }),
    name: t.string({ description: "A new name: 1 to 128 characters after trimming, no control characters." }),
    model: t.string({
      description:
        "A new model for the workspace's runtime: checked as createWorkspace checks it (registered, then the credential gate with the workspace's secrets) before anything is written. It takes effect at the runtime's next start.",
    }),
  }),
});
const UpdateWorkspaceSuccess = successRef<WorkspaceRow>("UpdateWorkspaceSuccess").implement({
  description: "The workspace was changed.",
  fields: (t) => ({
    workspace: t.field({
      type: Workspace,
      description: "The workspace after the change, with the provider and billing of its model.",
      resolve: (s) => s.value,
    }),
  }),
});

const CreateWorkspaceResult = resultUnion("CreateWorkspaceResult", CreateWorkspaceSuccess, "create");
const UpdateWorkspaceResult = resultUnion(
  "UpdateWorkspaceResult",
  UpdateWorkspaceSuccess,
  "create",
  "The changed workspace, or why nothing was changed: the errors createWorkspace gives for the same input.",
);
const PreflightWorkspaceResult = resultUnion("PreflightWorkspaceResult", PreflightWorkspaceSuccess, "create");
const WorkspaceResult = resultUnion("WorkspaceResult", WorkspaceSuccess, "request");

builder.queryFields((t) => ({
  node: t.field({
    authScopes: { viewer: true },
    type: Node,
    nullable: true,
    description: "The object with this id; null when the id is malformed or unknown.",
    args: { id: t.arg.id({ required: true, description: "The object's id." }) },
    resolve: (_, { id }, ctx) => findWorkspace(ctx.domain, id),
  }),
  workspace: t.field({
    authScopes: { viewer: true },
    type: Workspace,
    nullable: true,
    description: "The workspace with this id, REMOVED ones included; null when the id is malformed or unknown.",
    args: { id: t.arg.id({ required: true, description: "The workspace's id." }) },
    resolve: (_, { id }, ctx) => findWorkspace(ctx.domain, id),
  }),
  workspaces: t.field({
    authScopes: { viewer: true },
    type: WorkspaceConnection,
    description:
      "Workspaces, filtered and ordered; REMOVED ones only when a status filter asks for them. The filters combine (all must hold).",
    args: {
      first: t.arg.int({ description: "Page size: 20 when omitted, at most 100." }),
      after: t.arg.string({ description: "An edge's cursor from a list with the same orderBy: the page after it." }),
      status: t.arg({ type: WorkspaceStatus, description: "Only workspaces with this status." }),
      statuses: t.arg({
        type: [WorkspaceStatus],
        description:
          "Only workspaces with one of these statuses (not with `status`). Omitted or empty: every status but REMOVED.",
      }),
      kind: t.arg({ type: WorkspaceKind, description: "Only workspaces of this kind." }),
      runtime: t.arg.string({ description: "Only workspaces of this runtime (its exact name)." }),
      search: t.arg.string({
        description:
          "Only workspaces whose name contains this text, case-insensitively; `%` and `_` are plain characters (at most 128).",
      }),
      orderBy: t.arg({ type: WorkspaceOrder, description: "Omitted: by creation, oldest first." }),
    },
    resolve: async (_, args, ctx) => orThrow(await listWorkspaces(ctx.domain, args)),
  }),
  preflightWorkspace: t.field({
    authScopes: { viewer: true },
    type: PreflightWorkspaceResult,
    description: "The verdict createWorkspace would give for this input, without creating anything.",
    args: { input: t.arg({ type: CreateWorkspaceInput, required: true, description: "As createWorkspace takes it." }) },
    resolve: (_, { input }, ctx) => preflightWorkspace(ctx.domain, input),
  }),
}));

builder.mutationFields((t) => ({
  createWorkspace: t.field({
    authScopes: { operator: true },
    type: CreateWorkspaceResult,
    description: "Creates a workspace once every check passed, then runs the provision checks before answering.",
    args: { input: t.arg({ type: CreateWorkspaceInput, required: true, description: "The workspace to create." }) },
    resolve: (_, { input }, ctx) => createWorkspace(ctx.domain, input),
  }),
  updateWorkspace: t.field({
    authScopes: { operator: true },
    type: UpdateWorkspaceResult,
    description:
      "Renames a workspace or changes its model (not REMOVED ones: NOT_FOUND). Records no event: only status changes and the listed kinds are events.",
    args: { input: t.arg({ type: UpdateWorkspaceInput, required: true, description: "What to change." }) },
    resolve: (_, { input }, ctx) => updateWorkspace(ctx.domain, input),
  }),
  restartWorkspace: t.field({
    authScopes: { operator: true },
    type: WorkspaceResult,
    description: "Back to PROVISIONING: revokes every instance token and runs the provision checks again.",
    args: { id: t.arg.id({ required: true, description: "The workspace's id." }) },
    resolve: (_, { id }, ctx) => restartWorkspace(ctx.domain, id),
  }),
  removeWorkspace: t.field({
    authScopes: { operator: true },
    type: WorkspaceResult,
    description: "Removes a workspace for good: its tokens are revoked and its secrets deleted.",
    args: { id: t.arg.id({ required: true, description: "The workspace's id." }) },
    resolve: (_, { id }, ctx) => removeWorkspace(ctx.domain, id),
  }),
}));
