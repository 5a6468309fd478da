import type { Workspace as WorkspaceRow } from "../generated/prisma/client.js";
import { heartbeat } from "../workspaces/heartbeat.js";
import { registerWorkspace } from "../workspaces/register.js";
import { builder } from "./builder.js";
import { DeliveryMode, WorkspaceKind } from "./enums.js";
import { resultUnion, successRef, toResult } from "./errors.js";
import { Workspace } from "./workspaces.js";

const RegisterWorkspaceInput = builder.inputType("RegisterWorkspaceInput", {
  description: "What an agent runtime tells the control plane when it comes up.",
  fields: (t) => ({
    workspaceId: t.id({ required: true, description: "The workspace it serves." }),
    kind: t.field({ type: WorkspaceKind, description: "Omitted: the workspace's own kind." }),
    url: t.string({ description: "Where it takes work (http or https, at most 2048 characters); needed for PUSH." }),
    deliveryMode: t.field({ type: DeliveryMode, description: "Omitted: PUSH when url is given, else POLL." }),
    agentCard: t.field({ type: "JSON", description: "Its agent card (at most 64 KiB of JSON)." }),
    mcpServerPresent: t.boolean({ description: "A platform agent that reports false here is refused online." }),
  }),
});
const HeartbeatInput = builder.inputType("HeartbeatInput", {
  description: "An agent runtime's periodic sign of life.",
  fields: (t) => ({ workspaceId: t.id({ required: true, description: "The workspace it serves." }) }),
});

const RegisterWorkspaceSuccess = successRef<{
  workspace: WorkspaceRow;
  authToken: string | null;
  platformInboundSecret: string | null;
  deliveryMode: "PUSH" | "POLL";
}>("RegisterWorkspaceSuccess").implement({
  description: "The runtime is registered: the workspace is ONLINE.",
  fields: (t) => ({
    workspace: t.field({
      type: Workspace,
      description: "The workspace after the register.",
      resolve: (s) => s.workspace,
    }),
    authToken: t.exposeString("authToken", {
      nullable: true,
      description:
        "A new instance token, returned once: only when this register bootstrapped (no live instance token existed).",
    }),
    platformInboundSecret: t.exposeString("platformInboundSecret", {
      nullable: true,
      description: "Returned on every register; null only where the workspace has none.",
    }),
    deliveryMode: t.expose("deliveryMode", { type: DeliveryMode, description: "The delivery mode now in force." }),
  }),
});
const HeartbeatSuccess = successRef<{ workspace: WorkspaceRow; platformInboundSecret: string | null }>(
  "HeartbeatSuccess",
).implement({
  description: "The heartbeat was recorded.",
  fields: (t) => ({
    workspace: t.field({
      type: Workspace,
      description: "The workspace after the heartbeat.",
      resolve: (s) => s.workspace,
    }),
    platformInboundSecret: t.exposeString("platformInboundSecret", {
      nullable: true,
      description: "As registerWorkspace returns it.",
    }),
  }),
});

const RegisterWorkspaceResult = resultUnion("RegisterWorkspaceResult", RegisterWorkspaceSuccess, "request");
const HeartbeatResult = resultUnion("HeartbeatResult", HeartbeatSuccess, "request");

builder.mutationFields((t) => ({
  registerWorkspace: t.field({
    type: RegisterWorkspaceResult,
    description: "An agent runtime registers its workspace (SPEC section 5); the first register bootstraps a token.",
    args: { input: t.arg({ type: RegisterWorkspaceInput, required: true, description: "What the runtime reports." }) },
    resolve: async (_, { input }, ctx) =>
      toResult(
        "RegisterWorkspaceSuccess",
        await registerWorkspace({ domain: ctx.domain, admins: ctx.admins, bearer: ctx.bearer }, input),
      ),
  }),
  heartbeat: t.field({
    type: HeartbeatResult,
    description: "An agent runtime's sign of life, with its live instance token.",
    args: { input: t.arg({ type: HeartbeatInput, required: true, description: "What the runtime reports." }) },
    resolve: async (_, { input }, ctx) =>
      toResult(
        "HeartbeatSuccess",
        await heartbeat({ domain: ctx.domain, admins: ctx.admins, bearer: ctx.bearer }, input),
      ),
  }),
}));
