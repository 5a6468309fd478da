import type { Workspace as WorkspaceRow } from "../generated/prisma/client.js";
import { heartbeat } from "../workspaces/heartbeat.js";
import { registerWorkspace } from "../workspaces/register.js";
import { builder } from "./builder.js";
import { DeliveryMode, WorkspaceKind } from "./enums.js";
import { resultUnion, successRef, toResult } from "./errors.js";
import { Workspace } from "./workspaces.js";

const RegisterWorkspaceInput = builder.inputType("RegisterWorkspaceInput", {
  fields: (t) => ({
    workspaceId: t.id({ required: true }),
    kind: t.field({ type: WorkspaceKind }),
    url: t.string(),
    deliveryMode: t.field({ type: DeliveryMode }),
    agentCard: t.field({ type: "JSON" }),
    mcpServerPresent: t.boolean(),
  }),
});
const HeartbeatInput = builder.inputType("HeartbeatInput", {
  fields: (t) => ({ workspaceId: t.id({ required: true }) }),
});

const RegisterWorkspaceSuccess = successRef<{
  workspace: WorkspaceRow;
  authToken: string | null;
  platformInboundSecret: string | null;
  deliveryMode: "PUSH" | "POLL";
}>("RegisterWorkspaceSuccess").implement({
  fields: (t) => ({
    workspace: t.field({ type: Workspace, resolve: (s) => s.workspace }),
    authToken: t.exposeString("authToken", { nullable: true }),
    platformInboundSecret: t.exposeString("platformInboundSecret", { nullable: true }),
    deliveryMode: t.expose("deliveryMode", { type: DeliveryMode }),
  }),
});
const HeartbeatSuccess = successRef<{ workspace: WorkspaceRow; platformInboundSecret: string | null }>(
  "HeartbeatSuccess",
).implement({
  fields: (t) => ({
    workspace: t.field({ type: Workspace, resolve: (s) => s.workspace }),
    platformInboundSecret: t.exposeString("platformInboundSecret", { nullable: true }),
  }),
});

const RegisterWorkspaceResult = resultUnion("RegisterWorkspaceResult", RegisterWorkspaceSuccess, "request");
const HeartbeatResult = resultUnion("HeartbeatResult", HeartbeatSuccess, "request");

builder.mutationFields((t) => ({
  registerWorkspace: t.field({
    authScopes: { agent: true },
    type: RegisterWorkspaceResult,
    args: { input: t.arg({ type: RegisterWorkspaceInput, required: true }) },
    resolve: async (_, { input }, ctx) =>
      toResult(
        "RegisterWorkspaceSuccess",
        await registerWorkspace({ domain: ctx.domain, admins: ctx.admins, bearer: ctx.bearer }, input),
      ),
  }),
  heartbeat: t.field({
    authScopes: { agent: true },
    type: HeartbeatResult,
    args: { input: t.arg({ type: HeartbeatInput, required: true }) },
    resolve: async (_, { input }, ctx) =>
      toResult(
        "HeartbeatSuccess",
        await heartbeat({ domain: ctx.domain, admins: ctx.admins, bearer: ctx.bearer }, input),
      ),
  }),
}));
