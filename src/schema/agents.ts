import { type Heartbeat, heartbeat } from "../workspaces/heartbeat.js";
import { type Registered, registerWorkspace } from "../workspaces/register.js";
import {
  MAX_ACTIVE_TASKS,
  MAX_CURRENT_TASK,
  MAX_DEGRADED_REASON,
  MAX_VERSION,
  type RuntimeState as RuntimeStateRow,
  readRuntimeState,
} from "../workspaces/runtime-state.js";
import { builder } from "./builder.js";
import { DeliveryMode, WorkspaceKind } from "./enums.js";
import { resultUnion, successRef } from "./errors.js";
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
const RuntimeHealth = builder.enumType("RuntimeHealth", {
  description: "How a runtime reports itself.",
  values: {
    HEALTHY: { description: "Working as it should." },
    DEGRADED: { description: "Working, but not as it should; it says why." },
  } as const,
});

const RuntimeStateInput = builder.inputType("RuntimeStateInput", {
  description:
    "A runtime's own state, as it reports it with a heartbeat. The last report replaces the one before, whole.",
  fields: (t) => ({
    activeTasks: t.int({ description: `Tasks it is working on now (0 to ${MAX_ACTIVE_TASKS}).` }),
    currentTask: t.string({ description: `What it is working on, for people (1 to ${MAX_CURRENT_TASK} characters).` }),
    errorRate: t.float({ description: "The share of its recent tasks that failed, from 0 to 1." }),
    health: t.field({
      type: RuntimeHealth,
      description: "Omitted: HEALTHY. A change into or out of DEGRADED is an event.",
    }),
    degradedReason: t.string({
      description: `Why it is DEGRADED (1 to ${MAX_DEGRADED_REASON} characters): required with DEGRADED, refused otherwise.`,
    }),
    version: t.string({ description: `The runtime's version (1 to ${MAX_VERSION} characters).` }),
  }),
});

const RuntimeState = builder.objectRef<RuntimeStateRow>("RuntimeState").implement({
  description: "A runtime's own state, as its last heartbeat that carried one reported it.",
  fields: (t) => ({
    activeTasks: t.exposeInt("activeTasks", { nullable: true, description: "Tasks it was working on." }),
    currentTask: t.exposeString("currentTask", { nullable: true, description: "What it was working on." }),
    errorRate: t.exposeFloat("errorRate", {
      nullable: true,
      description: "The share of its recent tasks that failed.",
    }),
    health: t.expose("health", { type: RuntimeHealth, description: "HEALTHY or DEGRADED." }),
    degradedReason: t.exposeString("degradedReason", { nullable: true, description: "Why it was DEGRADED." }),
    version: t.exposeString("version", { nullable: true, description: "The runtime's version." }),
    reportedAt: t.expose("reportedAt", {
      type: "DateTime",
      description: "When the heartbeat that carried it arrived.",
    }),
  }),
});

builder.prismaObjectField("Workspace", "runtimeState", (t) =>
  t.field({
    type: RuntimeState,
    nullable: true,
    description:
      "Its runtime's own state, as the last heartbeat that carried one reported it (kept until the next report); null if none did.",
    resolve: (w) => readRuntimeState(w.runtimeState),
  }),
);

const HeartbeatInput = builder.inputType("HeartbeatInput", {
  description: "An agent runtime's periodic sign of life.",
  fields: (t) => ({
    workspaceId: t.id({ required: true, description: "The workspace it serves." }),
    state: t.field({ type: RuntimeStateInput, description: "Its own state; omitted: the last report stands." }),
  }),
});

const RegisterWorkspaceSuccess = successRef<Registered>("RegisterWorkspaceSuccess").implement({
  description: "The runtime is registered: the workspace is ONLINE.",
  fields: (t) => ({
    workspace: t.field({
      type: Workspace,
      description: "The workspace after the register.",
      resolve: (s) => s.value.workspace,
    }),
    authToken: t.string({
      nullable: true,
      description:
        "A new instance token, returned once: only when this register bootstrapped (no live instance token existed).",
      resolve: (s) => s.value.authToken,
    }),
    platformInboundSecret: t.string({
      nullable: true,
      description: "Returned on every register; null only where the workspace has none.",
      resolve: (s) => s.value.platformInboundSecret,
    }),
    deliveryMode: t.field({
      type: DeliveryMode,
      description: "The delivery mode now in force.",
      resolve: (s) => s.value.deliveryMode,
    }),
  }),
});
const HeartbeatSuccess = successRef<Heartbeat>("HeartbeatSuccess").implement({
  description: "The heartbeat was recorded.",
  fields: (t) => ({
    workspace: t.field({
      type: Workspace,
      description: "The workspace after the heartbeat.",
      resolve: (s) => s.value.workspace,
    }),
    platformInboundSecret: t.string({
      nullable: true,
      description: "As registerWorkspace returns it.",
      resolve: (s) => s.value.platformInboundSecret,
    }),
  }),
});

const RegisterWorkspaceResult = resultUnion("RegisterWorkspaceResult", RegisterWorkspaceSuccess, "request");
const HeartbeatResult = resultUnion("HeartbeatResult", HeartbeatSuccess, "request");

builder.mutationFields((t) => ({
  registerWorkspace: t.field({
    authScopes: { agent: true },
    type: RegisterWorkspaceResult,
    description: "An agent runtime registers its workspace (SPEC section 5); the first register bootstraps a token.",
    args: { input: t.arg({ type: RegisterWorkspaceInput, required: true, description: "What the runtime reports." }) },
    resolve: (_, { input }, ctx) =>
      registerWorkspace({ domain: ctx.domain, admins: ctx.admins, bearer: ctx.bearer }, input),
  }),
  heartbeat: t.field({
    authScopes: { agent: true },
    type: HeartbeatResult,
    description: "An agent runtime's sign of life, with its live instance token.",
    args: { input: t.arg({ type: HeartbeatInput, required: true, description: "What the runtime reports." }) },
    resolve: (_, { input }, ctx) => heartbeat({ domain: ctx.domain, admins: ctx.admins, bearer: ctx.bearer }, input),
  }),
}));
