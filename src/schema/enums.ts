import { builder } from "./builder.js";

export const WorkspaceKind = builder.enumType("WorkspaceKind", { values: ["WORKSPACE", "PLATFORM"] as const });
export const WorkspaceStatus = builder.enumType("WorkspaceStatus", {
  values: ["PROVISIONING", "ONLINE", "OFFLINE", "FAILED", "REMOVED"] as const,
});
export const DeliveryMode = builder.enumType("DeliveryMode", { values: ["PUSH", "POLL"] as const });
export const WorkspaceEventType = builder.enumType("WorkspaceEventType", {
  values: [
    "WORKSPACE_PROVISIONING",
    "WORKSPACE_ONLINE",
    "WORKSPACE_OFFLINE",
    "WORKSPACE_PROVISION_FAILED",
    "WORKSPACE_REMOVED",
    "WORKSPACE_RUNTIME_STARTED",
    "WORKSPACE_RUNTIME_EXITED",
    "WORKSPACE_PROVISIONER_UNAVAILABLE",
    "WORKSPACE_CONFIG_READ",
  ] as const,
});

export const PageInfo = builder
  .objectRef<{ hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null }>(
    "PageInfo",
  )
  .implement({
    fields: (t) => ({
      hasNextPage: t.exposeBoolean("hasNextPage"),
      hasPreviousPage: t.exposeBoolean("hasPreviousPage"),
      startCursor: t.exposeString("startCursor", { nullable: true }),
      endCursor: t.exposeString("endCursor", { nullable: true }),
    }),
  });
