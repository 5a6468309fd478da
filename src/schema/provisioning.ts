import type { Workspace as WorkspaceRow } from "../generated/prisma/client.js";
import { readAgentConfig } from "../provisioning/agent-config.js";
import type { EnvEntry, RuntimeEnvironment } from "../provisioning/environment.js";
import { isConfigStale } from "../provisioning/stale.js";
import { builder } from "./builder.js";
import { ErrorCode, resultUnion, successRef } from "./errors.js";
import { Workspace } from "./workspaces.js";

const AgentEnvVar = builder.objectRef<EnvEntry>("AgentEnvVar").implement({
  description: "One variable of a runtime's environment.",
  fields: (t) => ({
    key: t.exposeString("key", { description: "The variable's name." }),
    value: t.string({
      nullable: true,
      description: "Null only when `error` is set.",
      resolve: (e) => ("value" in e ? e.value : null),
    }),
    error: t.field({
      type: ErrorCode,
      nullable: true,
      description: "SECRET_UNREADABLE when the stored value could not be read or decrypted.",
      resolve: (e) => ("error" in e ? e.error : null),
    }),
  }),
});

const AgentConfig = builder.objectRef<RuntimeEnvironment>("AgentConfig").implement({
  description: "What a workspace's runtime needs to serve (SPEC 9); secret values included.",
  fields: (t) => ({
    workspaceId: t.exposeID("workspaceId", { description: "The workspace the runtime serves." }),
    runtime: t.exposeString("runtime", { description: "The registry runtime it runs." }),
    model: t.exposeString("model", {
      description: "The model it serves: the MODEL secret when stored, else the workspace's model.",
    }),
    provider: t.exposeString("provider", {
      nullable: true,
      description: "The provider the credential gate settled on.",
    }),
    platformBilled: t.exposeBoolean("platformBilled", { description: "Whether the platform pays for the model." }),
    env: t.field({
      type: [AgentEnvVar],
      description:
        "The runtime's environment, sorted by key: MODEL, LLM_PROVIDER when stored, the workspace's secrets and the org secrets its provider accepts, WORKSPACE_ID, CONTROL_PLANE_URL.",
      resolve: (c) => c.entries,
    }),
  }),
});

const AgentConfigSuccess = successRef<RuntimeEnvironment>("AgentConfigSuccess").implement({
  description: "The configuration was read (and the read recorded).",
  fields: (t) => ({
    config: t.field({ type: AgentConfig, description: "The runtime's configuration.", resolve: (s) => s.value }),
  }),
});
const AgentConfigResult = resultUnion(
  "AgentConfigResult",
  AgentConfigSuccess,
  "request",
  "What agentConfig answers: the configuration, or why not.",
);

builder.queryFields((t) => ({
  agentConfig: t.field({
    authScopes: { agent: true },
    type: AgentConfigResult,
    description:
      "The runtime's own configuration, for its instance token only (an admin token is FORBIDDEN). Each read is recorded as WORKSPACE_CONFIG_READ, with the keys and never a value.",
    args: { workspaceId: t.arg.id({ required: true, description: "The runtime's own workspace." }) },
    resolve: (_, { workspaceId }, ctx) => readAgentConfig(ctx, workspaceId),
  }),
}));

builder.objectFields(Workspace, (t) => ({
  generation: t.int({
    description: "The desired runtime's generation; each restartWorkspace increments it.",
    resolve: (w: WorkspaceRow) => w.generation,
  }),
  configStale: t.boolean({
    description:
      "A secret the running runtime gets was set or deleted since it started (or last read agentConfig): restart the workspace to apply it.",
    resolve: (w: WorkspaceRow, _, ctx) => isConfigStale(ctx.domain, w),
  }),
}));
