import { builder } from "./builder.js";

export const WorkspaceKind = builder.enumType("WorkspaceKind", {
  description: "What a workspace is for.",
  values: {
    WORKSPACE: { description: "An agent workspace (the default)." },
    PLATFORM: { description: "The platform agent (concierge). At most one exists." },
  } as const,
});
export const WorkspaceStatus = builder.enumType("WorkspaceStatus", {
  description: "Where a workspace is in its life.",
  values: {
    PROVISIONING: { description: "Created or restarted; its agent has not registered yet." },
    ONLINE: { description: "Its agent registered and heartbeats." },
    OFFLINE: { description: "Its agent stopped heartbeating; a heartbeat brings it back ONLINE." },
    FAILED: { description: "It cannot work until the cause is fixed and it is restarted; `failure` says why." },
    REMOVED: { description: "Removed for good; listed only when asked for." },
  } as const,
});
export const DeliveryMode = builder.enumType("DeliveryMode", {
  description: "How a workspace's agent receives work.",
  values: {
    PUSH: { description: "Work is sent to the agent's `url`." },
    POLL: { description: "The agent asks for work." },
  } as const,
});
export const WorkspaceEventType = builder.enumType("WorkspaceEventType", {
  description: "What a recorded event says happened.",
  values: {
    WORKSPACE_PROVISIONING: { description: "Created or restarted: PROVISIONING." },
    WORKSPACE_ONLINE: { description: "Its agent registered, or heartbeated again after OFFLINE." },
    WORKSPACE_OFFLINE: { description: "No heartbeat within the timeout." },
    WORKSPACE_PROVISION_FAILED: { description: "FAILED; `code` says why." },
    WORKSPACE_REMOVED: { description: "Removed." },
    WORKSPACE_DEGRADED: {
      description: "Its runtime reported itself DEGRADED (it was not); `message` and `payload.reason` say why.",
    },
    WORKSPACE_RECOVERED: { description: "Its runtime reported itself no longer DEGRADED." },
    WORKSPACE_RUNTIME_STARTED: { description: "The provisioner started its runtime; `payload` names the generation." },
    WORKSPACE_RUNTIME_EXITED: {
      description: "Its runtime exited (OFFLINE if it was ONLINE); `payload` has the exit code or signal.",
    },
    WORKSPACE_PROVISIONER_UNAVAILABLE: {
      description: "The provisioner could not reach its engine; the desired state is kept and retried.",
    },
    WORKSPACE_CONFIG_READ: {
      description: "Its runtime read agentConfig; `payload.keys` names what it got, never a value.",
    },
  } as const,
});
