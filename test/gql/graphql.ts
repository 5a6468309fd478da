/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
/** What kind of party caused a change. */
export type ActorKind =
  /** A workspace's agent runtime, with its instance token. */
  | 'AGENT'
  /** A person or program holding an API token (ADMIN_TOKEN is one, labelled `env`). */
  | 'API_TOKEN'
  /** The control plane itself: sweeps, start-up, provision checks, the provisioner. */
  | 'SYSTEM'
  /** A canvas user signed in with a JWT. */
  | 'USER';

/** A new API token: what it is for, its role, and when it stops working. */
export type CreateApiTokenInput = {
  /** In the future, within ten years; omitted: until revoked. */
  expiresAt?: string | null | undefined;
  /** 1 to 128 characters, no control characters. */
  label: string;
  /** What it may do. */
  role: Role;
};

/** What createWorkspace and preflightWorkspace take. */
export type CreateWorkspaceInput = {
  /** Defaults to WORKSPACE. */
  kind?: WorkspaceKind | null | undefined;
  /** Defaults to the runtime's default model. */
  model?: string | null | undefined;
  /** 1 to 128 characters after trimming, no control characters. */
  name: string;
  /** Defaults to the registry's default runtime. */
  runtime?: string | null | undefined;
  /** Workspace-scope secrets stored with the workspace; they count for the credential gate. */
  secrets?: Array<SecretInput> | null | undefined;
};

export type DeleteWorkspaceSecretInput = {
  key: string;
  workspaceId: string;
};

/** How a workspace's agent receives work. */
export type DeliveryMode =
  /** The agent asks for work. */
  | 'POLL'
  /** Work is sent to the agent's `url`. */
  | 'PUSH';

/** What went wrong, for a client to branch on. */
export type ErrorCode =
  /** A uniqueness rule was broken (for example a second platform agent). */
  | 'CONFLICT'
  /** The model derives to a BYOK provider and no credential it accepts exists at workspace or org scope. */
  | 'MISSING_BYOK_CREDENTIAL'
  /** No model was given and the runtime has no default model. */
  | 'MODEL_REQUIRED'
  /** The workspace does not exist, was removed, or its id is malformed. */
  | 'NOT_FOUND'
  /** A platform agent registered without its MODEL secret (or without its MCP server): marked FAILED, refused online. */
  | 'PLATFORM_AGENT_IDENTITY_GATE'
  /** Kind PLATFORM can only be given at create time, by an admin; register cannot claim it. */
  | 'PLATFORM_KIND_FORBIDDEN'
  /** The runtime is not in the model registry. */
  | 'RUNTIME_UNSUPPORTED'
  /** A stored secret exists but cannot be read or decrypted (never taken for unset). */
  | 'SECRET_UNREADABLE'
  /** The model is neither listed for the runtime nor owned by exactly one of its providers. */
  | 'UNREGISTERED_MODEL_FOR_RUNTIME'
  /** An input field is malformed; `field` names it. */
  | 'VALIDATION_FAILED'
  /** The workspace is FAILED: fix the cause, then restartWorkspace, before its agent can register again. */
  | 'WORKSPACE_FAILED';

/** An agent runtime's periodic sign of life. */
export type HeartbeatInput = {
  /** Its own state; omitted: the last report stands. */
  state?: RuntimeStateInput | null | undefined;
  /** The workspace it serves. */
  workspaceId: string;
};

/** Which way an order goes. */
export type OrderDirection =
  /** Smallest first. */
  | 'ASC'
  /** Largest first. */
  | 'DESC';

/** What an agent runtime tells the control plane when it comes up. */
export type RegisterWorkspaceInput = {
  /** Its agent card (at most 64 KiB of JSON). */
  agentCard?: unknown;
  /** Omitted: PUSH when url is given, else POLL. */
  deliveryMode?: DeliveryMode | null | undefined;
  /** Omitted: the workspace's own kind. */
  kind?: WorkspaceKind | null | undefined;
  /** A platform agent that reports false here is refused online. */
  mcpServerPresent?: boolean | null | undefined;
  /** Where it takes work (http or https, at most 2048 characters); needed for PUSH. */
  url?: string | null | undefined;
  /** The workspace it serves. */
  workspaceId: string;
};

/** What a person or program may do (SPEC section 10). Agents have no role. */
export type Role =
  /** Everything, including org secrets and API tokens. */
  | 'ADMIN'
  /** A viewer who may also create, restart and remove workspaces and set their secrets. */
  | 'OPERATOR'
  /** Every query and subscription; no mutation. */
  | 'VIEWER';

/** How a runtime reports itself. */
export type RuntimeHealth =
  /** Working, but not as it should; it says why. */
  | 'DEGRADED'
  /** Working as it should. */
  | 'HEALTHY';

/** A runtime's own state, as it reports it with a heartbeat. The last report replaces the one before, whole. */
export type RuntimeStateInput = {
  /** Tasks it is working on now (0 to 100000). */
  activeTasks?: number | null | undefined;
  /** What it is working on, for people (1 to 256 characters). */
  currentTask?: string | null | undefined;
  /** Why it is DEGRADED (1 to 512 characters): required with DEGRADED, refused otherwise. */
  degradedReason?: string | null | undefined;
  /** The share of its recent tasks that failed, from 0 to 1. */
  errorRate?: number | null | undefined;
  /** Omitted: HEALTHY. A change into or out of DEGRADED is an event. */
  health?: RuntimeHealth | null | undefined;
  /** The runtime's version (1 to 64 characters). */
  version?: string | null | undefined;
};

/** A secret to store. */
export type SecretInput = {
  /** The name: `^[A-Z_][A-Z0-9_]{0,127}$`. */
  key: string;
  /** The value: 1 byte to 64 KiB of UTF-8; never returned. */
  value: string;
};

export type SetOrgSecretInput = {
  key: string;
  value: string;
};

export type SetWorkspaceSecretInput = {
  key: string;
  value: string;
  workspaceId: string;
};

/** What updateWorkspace changes; what is omitted stays as it is. */
export type UpdateWorkspaceInput = {
  /** The workspace's id. */
  id: string;
  /** A new model for the workspace's runtime: checked as createWorkspace checks it (registered, then the credential gate with the workspace's secrets) before anything is written. It takes effect at the runtime's next start. */
  model?: string | null | undefined;
  /** A new name: 1 to 128 characters after trimming, no control characters. */
  name?: string | null | undefined;
};

/** What a recorded event says happened. */
export type WorkspaceEventType =
  /** Its runtime read agentConfig; `payload.keys` names what it got, never a value. */
  | 'WORKSPACE_CONFIG_READ'
  /** Its runtime reported itself DEGRADED (it was not); `message` and `payload.reason` say why. */
  | 'WORKSPACE_DEGRADED'
  /** No heartbeat within the timeout. */
  | 'WORKSPACE_OFFLINE'
  /** Its agent registered, or heartbeated again after OFFLINE. */
  | 'WORKSPACE_ONLINE'
  /** The provisioner could not reach its engine; the desired state is kept and retried. */
  | 'WORKSPACE_PROVISIONER_UNAVAILABLE'
  /** Created or restarted: PROVISIONING. */
  | 'WORKSPACE_PROVISIONING'
  /** FAILED; `code` says why. */
  | 'WORKSPACE_PROVISION_FAILED'
  /** Its runtime reported itself no longer DEGRADED. */
  | 'WORKSPACE_RECOVERED'
  /** Removed. */
  | 'WORKSPACE_REMOVED'
  /** Its runtime exited (OFFLINE if it was ONLINE); `payload` has the exit code or signal. */
  | 'WORKSPACE_RUNTIME_EXITED'
  /** The provisioner started its runtime; `payload` names the generation. */
  | 'WORKSPACE_RUNTIME_STARTED';

/** What a workspace is for. */
export type WorkspaceKind =
  /** The platform agent (concierge). At most one exists. */
  | 'PLATFORM'
  /** An agent workspace (the default). */
  | 'WORKSPACE';

/** How to order a list of workspaces. */
export type WorkspaceOrder = {
  /** Which way. */
  direction: OrderDirection;
  /** What to order by. */
  field: WorkspaceOrderField;
};

/** What a list of workspaces is ordered by; ties go by id. */
export type WorkspaceOrderField =
  /** When it was created (the default). */
  | 'CREATED_AT'
  /** When its agent last heartbeated; never sorts as the oldest. */
  | 'LAST_HEARTBEAT_AT'
  /** The name, case-insensitively. */
  | 'NAME'
  /** The status, in the enum's order, then when it was created. */
  | 'STATUS';

/** Where a workspace is in its life. */
export type WorkspaceStatus =
  /** It cannot work until the cause is fixed and it is restarted; `failure` says why. */
  | 'FAILED'
  /** Its agent stopped heartbeating; a heartbeat brings it back ONLINE. */
  | 'OFFLINE'
  /** Its agent registered and heartbeats. */
  | 'ONLINE'
  /** Created or restarted; its agent has not registered yet. */
  | 'PROVISIONING'
  /** Removed for good; listed only when asked for. */
  | 'REMOVED';

export type EventPageQueryVariables = Exact<{
  workspaceId?: string | null | undefined;
  first?: number | null | undefined;
  after?: string | null | undefined;
  last?: number | null | undefined;
  before?: string | null | undefined;
}>;


export type EventPageQuery = { workspaceEvents: { headCursor: string, edges: Array<{ cursor: string, node: { cursor: string, type: WorkspaceEventType, workspaceId: string, status: WorkspaceStatus } }>, pageInfo: { hasNextPage: boolean, hasPreviousPage: boolean, startCursor: string | null, endCursor: string | null } } };

export type OwnEventsQueryVariables = Exact<{
  id: string;
  last?: number | null | undefined;
  before?: string | null | undefined;
}>;


export type OwnEventsQuery = { workspace: { id: string, events: { headCursor: string, edges: Array<{ cursor: string, node: { type: WorkspaceEventType, status: WorkspaceStatus, workspaceId: string } }>, pageInfo: { hasNextPage: boolean, hasPreviousPage: boolean } } } | null };

export type SnapshotQueryVariables = Exact<{ [key: string]: never; }>;


export type SnapshotQuery = { workspaces: { headCursor: string, totalCount: number, edges: Array<{ node: { id: string, status: WorkspaceStatus } }> } };

export type CanvasListQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
  status?: WorkspaceStatus | null | undefined;
  statuses?: Array<WorkspaceStatus> | WorkspaceStatus | null | undefined;
  kind?: WorkspaceKind | null | undefined;
  runtime?: string | null | undefined;
  search?: string | null | undefined;
  orderBy?: WorkspaceOrder | null | undefined;
}>;


export type CanvasListQuery = { workspaces: { edges: Array<{ cursor: string, node: { id: string, name: string, status: WorkspaceStatus, kind: WorkspaceKind, runtime: string, createdAt: string, lastHeartbeatAt: string | null } }>, pageInfo: { hasNextPage: boolean, hasPreviousPage: boolean, startCursor: string | null, endCursor: string | null } } };

export type CanvasCountsQueryVariables = Exact<{
  statuses?: Array<WorkspaceStatus> | WorkspaceStatus | null | undefined;
  kind?: WorkspaceKind | null | undefined;
  runtime?: string | null | undefined;
  search?: string | null | undefined;
}>;


export type CanvasCountsQuery = { workspaces: { totalCount: number, countsByStatus: Array<{ status: WorkspaceStatus, count: number }> } };

export type CanvasWorkspaceQueryVariables = Exact<{
  id: string;
}>;


export type CanvasWorkspaceQuery = { workspace: { id: string, runtime: string, runtimeDisplayName: string, provider: string | null, providerDisplayName: string | null, agentCard: unknown } | null };

export type CanvasRegistryQueryVariables = Exact<{ [key: string]: never; }>;


export type CanvasRegistryQuery = { runtimes: Array<{ name: string, displayName: string, defaultModel: string | null, providers: Array<{ name: string, displayName: string, platform: boolean, authEnv: Array<string> }> }>, providers: Array<{ name: string, displayName: string, platform: boolean, authEnv: Array<string> }>, offeredModels: Array<{ model: string, provider: string, providerDisplayName: string }> };

export type BeatWithStateMutationVariables = Exact<{
  input: HeartbeatInput;
}>;


export type BeatWithStateMutation = { heartbeat:
    | { __typename: 'HeartbeatSuccess', workspace: { id: string, status: WorkspaceStatus, runtimeState: { activeTasks: number | null, currentTask: string | null, errorRate: number | null, health: RuntimeHealth, degradedReason: string | null, version: string | null, reportedAt: string } | null } }
    | { __typename: 'RequestError', code: ErrorCode, message: string, field: string | null }
   };

export type WorkspaceStateQueryVariables = Exact<{
  id: string;
}>;


export type WorkspaceStateQuery = { workspace: { status: WorkspaceStatus, runtimeState: { activeTasks: number | null, currentTask: string | null, errorRate: number | null, health: RuntimeHealth, degradedReason: string | null, version: string | null, reportedAt: string } | null } | null };

export type WithWorkspaceSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type WithWorkspaceSubscription = { workspaceEvents: { cursor: string, workspace: { name: string } | null } };

export type CanvasLoadQueryVariables = Exact<{
  statuses?: Array<WorkspaceStatus> | WorkspaceStatus | null | undefined;
  runtime?: string | null | undefined;
  search?: string | null | undefined;
  orderBy?: WorkspaceOrder | null | undefined;
}>;


export type CanvasLoadQuery = { workspaces: { totalCount: number, headCursor: string, countsByStatus: Array<{ status: WorkspaceStatus, count: number }>, edges: Array<{ cursor: string, node: { id: string, name: string, status: WorkspaceStatus, runtimeDisplayName: string, providerDisplayName: string | null, agentCard: unknown, lastHeartbeatAt: string | null } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } }, activity: { headCursor: string, edges: Array<{ cursor: string, node: { type: WorkspaceEventType, workspaceId: string, status: WorkspaceStatus, at: string } }> }, runtimes: Array<{ name: string, displayName: string }>, providers: Array<{ name: string, displayName: string }> };

export type CanvasDetailQueryVariables = Exact<{
  id: string;
}>;


export type CanvasDetailQuery = { workspace: { id: string, agentCard: unknown, runtimeDisplayName: string, providerDisplayName: string | null, events: { headCursor: string, edges: Array<{ cursor: string, node: { type: WorkspaceEventType, status: WorkspaceStatus, at: string } }> } } | null };

export type CountedUpdateMutationVariables = Exact<{
  input: UpdateWorkspaceInput;
}>;


export type CountedUpdateMutation = { updateWorkspace:
    | { __typename: 'MissingByokCredentialError' }
    | { __typename: 'RequestError' }
    | { __typename: 'UnregisteredModelError' }
    | { __typename: 'UpdateWorkspaceSuccess', workspace: { id: string, name: string, model: string, provider: string | null } }
   };

export type ListWorkspacesWithSecretsQueryVariables = Exact<{
  first?: number | null | undefined;
}>;


export type ListWorkspacesWithSecretsQuery = { workspaces: { edges: Array<{ node: { id: string, name: string, status: WorkspaceStatus, secrets: Array<{ key: string, updatedAt: string }> } }> } };

export type UpdateWorkspaceMutationVariables = Exact<{
  input: UpdateWorkspaceInput;
}>;


export type UpdateWorkspaceMutation = { updateWorkspace:
    | { __typename: 'MissingByokCredentialError', code: ErrorCode, message: string, runtime: string, model: string, provider: string, acceptedEnv: Array<string>, suggestedModel: string | null }
    | { __typename: 'RequestError', code: ErrorCode, message: string, field: string | null }
    | { __typename: 'UnregisteredModelError', code: ErrorCode, message: string, runtime: string, model: string, offeredModels: Array<string> }
    | { __typename: 'UpdateWorkspaceSuccess', workspace: { id: string, name: string, runtime: string, model: string, provider: string | null, platformBilled: boolean, status: WorkspaceStatus, updatedAt: string } }
   };

export type WorkspaceCountsQueryVariables = Exact<{
  kind?: WorkspaceKind | null | undefined;
  runtime?: string | null | undefined;
  statuses?: Array<WorkspaceStatus> | WorkspaceStatus | null | undefined;
}>;


export type WorkspaceCountsQuery = { workspaces: { totalCount: number, countsByStatus: Array<{ status: WorkspaceStatus, count: number }> } };

export type WorkspaceFieldsFragment = { id: string, name: string, kind: WorkspaceKind, runtime: string, model: string, provider: string | null, platformBilled: boolean, status: WorkspaceStatus, url: string | null, deliveryMode: DeliveryMode | null, lastHeartbeatAt: string | null, createdAt: string, updatedAt: string, failure: { code: string, message: string, at: string } | null, secrets: Array<{ key: string, updatedAt: string }> };

export type CreateWorkspaceMutationVariables = Exact<{
  input: CreateWorkspaceInput;
}>;


export type CreateWorkspaceMutation = { createWorkspace:
    | { __typename: 'CreateWorkspaceSuccess', workspace: { id: string, name: string, kind: WorkspaceKind, runtime: string, model: string, provider: string | null, platformBilled: boolean, status: WorkspaceStatus, url: string | null, deliveryMode: DeliveryMode | null, lastHeartbeatAt: string | null, createdAt: string, updatedAt: string, failure: { code: string, message: string, at: string } | null, secrets: Array<{ key: string, updatedAt: string }> } }
    | { __typename: 'MissingByokCredentialError', code: ErrorCode, message: string, runtime: string, model: string, provider: string, acceptedEnv: Array<string>, suggestedModel: string | null }
    | { __typename: 'RequestError', code: ErrorCode, message: string, field: string | null }
    | { __typename: 'UnregisteredModelError', code: ErrorCode, message: string, runtime: string, model: string, offeredModels: Array<string> }
   };

export type PreflightWorkspaceQueryVariables = Exact<{
  input: CreateWorkspaceInput;
}>;


export type PreflightWorkspaceQuery = { preflightWorkspace:
    | { __typename: 'MissingByokCredentialError', code: ErrorCode, message: string, runtime: string, model: string, provider: string, acceptedEnv: Array<string>, suggestedModel: string | null }
    | { __typename: 'PreflightWorkspaceSuccess', runtime: string, model: string, provider: string, platformBilled: boolean }
    | { __typename: 'RequestError', code: ErrorCode, message: string, field: string | null }
    | { __typename: 'UnregisteredModelError', code: ErrorCode, message: string, runtime: string, model: string, offeredModels: Array<string> }
   };

export type OfferedModelsQueryVariables = Exact<{
  runtime?: string | null | undefined;
}>;


export type OfferedModelsQuery = { offeredModels: Array<{ model: string, provider: string, platformBilled: boolean, authEnv: Array<string>, credentialSatisfied: boolean }> };

export type RuntimesQueryVariables = Exact<{ [key: string]: never; }>;


export type RuntimesQuery = { runtimes: Array<{ name: string, defaultModel: string | null }> };

export type GetWorkspaceQueryVariables = Exact<{
  id: string;
}>;


export type GetWorkspaceQuery = { workspace: { id: string, name: string, kind: WorkspaceKind, runtime: string, model: string, provider: string | null, platformBilled: boolean, status: WorkspaceStatus, url: string | null, deliveryMode: DeliveryMode | null, lastHeartbeatAt: string | null, createdAt: string, updatedAt: string, failure: { code: string, message: string, at: string } | null, secrets: Array<{ key: string, updatedAt: string }> } | null };

export type GetNodeQueryVariables = Exact<{
  id: string;
}>;


export type GetNodeQuery = { node: { name: string, status: WorkspaceStatus, id: string } | null };

export type ListWorkspacesQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
  status?: WorkspaceStatus | null | undefined;
}>;


export type ListWorkspacesQuery = { workspaces: { edges: Array<{ cursor: string, node: { id: string, name: string, status: WorkspaceStatus } }>, pageInfo: { hasNextPage: boolean, hasPreviousPage: boolean, startCursor: string | null, endCursor: string | null } } };

export type ListEventsQueryVariables = Exact<{
  workspaceId?: string | null | undefined;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type ListEventsQuery = { workspaceEvents: { edges: Array<{ cursor: string, node: { cursor: string, type: WorkspaceEventType, workspaceId: string, status: WorkspaceStatus, code: string | null, message: string | null, payload: unknown, at: string } }>, pageInfo: { hasNextPage: boolean, hasPreviousPage: boolean, startCursor: string | null, endCursor: string | null } } };

export type SetOrgSecretMutationVariables = Exact<{
  input: SetOrgSecretInput;
}>;


export type SetOrgSecretMutation = { setOrgSecret:
    | { __typename: 'RequestError', code: ErrorCode, message: string, field: string | null }
    | { __typename: 'SecretSuccess', secret: { key: string, updatedAt: string } }
   };

export type DeleteOrgSecretMutationVariables = Exact<{
  key: string;
}>;


export type DeleteOrgSecretMutation = { deleteOrgSecret:
    | { __typename: 'DeleteSecretSuccess', key: string, deleted: boolean }
    | { __typename: 'RequestError', code: ErrorCode, message: string, field: string | null }
   };

export type OrgSecretsQueryVariables = Exact<{ [key: string]: never; }>;


export type OrgSecretsQuery = { orgSecrets: Array<{ key: string, updatedAt: string }> };

export type SetWorkspaceSecretMutationVariables = Exact<{
  input: SetWorkspaceSecretInput;
}>;


export type SetWorkspaceSecretMutation = { setWorkspaceSecret:
    | { __typename: 'RequestError', code: ErrorCode, message: string, field: string | null }
    | { __typename: 'SecretSuccess', secret: { key: string, updatedAt: string } }
   };

export type DeleteWorkspaceSecretMutationVariables = Exact<{
  input: DeleteWorkspaceSecretInput;
}>;


export type DeleteWorkspaceSecretMutation = { deleteWorkspaceSecret:
    | { __typename: 'DeleteSecretSuccess', key: string, deleted: boolean }
    | { __typename: 'RequestError', code: ErrorCode, message: string, field: string | null }
   };

export type RegisterWorkspaceMutationVariables = Exact<{
  input: RegisterWorkspaceInput;
}>;


export type RegisterWorkspaceMutation = { registerWorkspace:
    | { __typename: 'RegisterWorkspaceSuccess', authToken: string | null, platformInboundSecret: string | null, deliveryMode: DeliveryMode, workspace: { id: string, status: WorkspaceStatus, url: string | null, deliveryMode: DeliveryMode | null, lastHeartbeatAt: string | null, kind: WorkspaceKind } }
    | { __typename: 'RequestError', code: ErrorCode, message: string, field: string | null }
   };

export type HeartbeatMutationVariables = Exact<{
  input: HeartbeatInput;
}>;


export type HeartbeatMutation = { heartbeat:
    | { __typename: 'HeartbeatSuccess', platformInboundSecret: string | null, workspace: { id: string, status: WorkspaceStatus, lastHeartbeatAt: string | null } }
    | { __typename: 'RequestError', code: ErrorCode, message: string, field: string | null }
   };

export type RestartWorkspaceMutationVariables = Exact<{
  id: string;
}>;


export type RestartWorkspaceMutation = { restartWorkspace:
    | { __typename: 'RequestError', code: ErrorCode, message: string, field: string | null }
    | { __typename: 'WorkspaceSuccess', workspace: { id: string, name: string, kind: WorkspaceKind, runtime: string, model: string, provider: string | null, platformBilled: boolean, status: WorkspaceStatus, url: string | null, deliveryMode: DeliveryMode | null, lastHeartbeatAt: string | null, createdAt: string, updatedAt: string, failure: { code: string, message: string, at: string } | null, secrets: Array<{ key: string, updatedAt: string }> } }
   };

export type RemoveWorkspaceMutationVariables = Exact<{
  id: string;
}>;


export type RemoveWorkspaceMutation = { removeWorkspace:
    | { __typename: 'RequestError', code: ErrorCode, message: string, field: string | null }
    | { __typename: 'WorkspaceSuccess', workspace: { id: string, status: WorkspaceStatus } }
   };

export type CreateApiTokenMutationVariables = Exact<{
  input: CreateApiTokenInput;
}>;


export type CreateApiTokenMutation = { createApiToken:
    | { __typename: 'CreateApiTokenSuccess', token: string, apiToken: { id: string, label: string, role: Role, createdAt: string, expiresAt: string | null, lastUsedAt: string | null, revokedAt: string | null, createdBy: { kind: ActorKind, id: string | null, label: string | null } | null } }
    | { __typename: 'RequestError', code: ErrorCode, message: string, field: string | null }
   };

export type RevokeApiTokenMutationVariables = Exact<{
  id: string;
}>;


export type RevokeApiTokenMutation = { revokeApiToken:
    | { __typename: 'RequestError', code: ErrorCode, message: string, field: string | null }
    | { __typename: 'RevokeApiTokenSuccess', apiToken: { id: string, label: string, revokedAt: string | null } }
   };

export type ListApiTokensQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
  includeRevoked?: boolean | null | undefined;
}>;


export type ListApiTokensQuery = { apiTokens: { edges: Array<{ cursor: string, node: { id: string, label: string, role: Role, createdAt: string, expiresAt: string | null, lastUsedAt: string | null, revokedAt: string | null, createdBy: { kind: ActorKind, id: string | null, label: string | null } | null } }>, pageInfo: { hasNextPage: boolean, hasPreviousPage: boolean, startCursor: string | null, endCursor: string | null } } };

export type EventActorsQueryVariables = Exact<{
  workspaceId?: string | null | undefined;
}>;


export type EventActorsQuery = { workspaceEvents: { edges: Array<{ node: { type: WorkspaceEventType, status: WorkspaceStatus, code: string | null, actor: { kind: ActorKind, id: string | null, label: string | null } | null } }> } };

export type WorkspaceSecretActorsQueryVariables = Exact<{
  id: string;
}>;


export type WorkspaceSecretActorsQuery = { workspace: { id: string, secrets: Array<{ key: string, updatedAt: string, updatedBy: { kind: ActorKind, id: string | null, label: string | null } | null }> } | null };

export type OrgSecretActorsQueryVariables = Exact<{ [key: string]: never; }>;


export type OrgSecretActorsQuery = { orgSecrets: Array<{ key: string, updatedAt: string, updatedBy: { kind: ActorKind, id: string | null, label: string | null } | null }> };

export type AgentConfigQueryVariables = Exact<{
  workspaceId: string;
}>;


export type AgentConfigQuery = { agentConfig:
    | { __typename: 'AgentConfigSuccess', config: { workspaceId: string, runtime: string, model: string, provider: string | null, platformBilled: boolean, env: Array<{ key: string, value: string | null, error: ErrorCode | null }> } }
    | { __typename: 'RequestError', code: ErrorCode, message: string, field: string | null }
   };

export type RuntimeStateQueryVariables = Exact<{
  id: string;
}>;


export type RuntimeStateQuery = { workspace: { id: string, status: WorkspaceStatus, generation: number, configStale: boolean, failure: { code: string, message: string } | null } | null };

export type OnWorkspaceEventsSubscriptionVariables = Exact<{
  workspaceId?: string | null | undefined;
  after?: string | null | undefined;
}>;


export type OnWorkspaceEventsSubscription = { workspaceEvents: { cursor: string, type: WorkspaceEventType, workspaceId: string, status: WorkspaceStatus, code: string | null, message: string | null, payload: unknown, at: string } };

export type OnProvisionFailuresSubscriptionVariables = Exact<{
  workspaceId?: string | null | undefined;
  after?: string | null | undefined;
}>;


export type OnProvisionFailuresSubscription = { provisionFailures: { cursor: string, type: WorkspaceEventType, workspaceId: string, status: WorkspaceStatus, code: string | null, message: string | null, at: string } };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}
export const WorkspaceFieldsFragmentDoc = new TypedDocumentString(`
    fragment WorkspaceFields on Workspace {
  id
  name
  kind
  runtime
  model
  provider
  platformBilled
  status
  failure {
    code
    message
    at
  }
  url
  deliveryMode
  lastHeartbeatAt
  createdAt
  updatedAt
  secrets {
    key
    updatedAt
  }
}
    `, {"fragmentName":"WorkspaceFields"}) as unknown as TypedDocumentString<WorkspaceFieldsFragment, unknown>;
export const EventPageDocument = new TypedDocumentString(`
    query EventPage($workspaceId: ID, $first: Int, $after: String, $last: Int, $before: String) {
  workspaceEvents(
    workspaceId: $workspaceId
    first: $first
    after: $after
    last: $last
    before: $before
  ) {
    headCursor
    edges {
      cursor
      node {
        cursor
        type
        workspaceId
        status
      }
    }
    pageInfo {
      hasNextPage
      hasPreviousPage
      startCursor
      endCursor
    }
  }
}
    `) as unknown as TypedDocumentString<EventPageQuery, EventPageQueryVariables>;
export const OwnEventsDocument = new TypedDocumentString(`
    query OwnEvents($id: ID!, $last: Int, $before: String) {
  workspace(id: $id) {
    id
    events(last: $last, before: $before) {
      headCursor
      edges {
        cursor
        node {
          type
          status
          workspaceId
        }
      }
      pageInfo {
        hasNextPage
        hasPreviousPage
      }
    }
  }
}
    `) as unknown as TypedDocumentString<OwnEventsQuery, OwnEventsQueryVariables>;
export const SnapshotDocument = new TypedDocumentString(`
    query Snapshot {
  workspaces(
    first: 100
    statuses: [PROVISIONING, ONLINE, OFFLINE, FAILED, REMOVED]
  ) {
    headCursor
    totalCount
    edges {
      node {
        id
        status
      }
    }
  }
}
    `) as unknown as TypedDocumentString<SnapshotQuery, SnapshotQueryVariables>;
export const CanvasListDocument = new TypedDocumentString(`
    query CanvasList($first: Int, $after: String, $status: WorkspaceStatus, $statuses: [WorkspaceStatus!], $kind: WorkspaceKind, $runtime: String, $search: String, $orderBy: WorkspaceOrder) {
  workspaces(
    first: $first
    after: $after
    status: $status
    statuses: $statuses
    kind: $kind
    runtime: $runtime
    search: $search
    orderBy: $orderBy
  ) {
    edges {
      cursor
      node {
        id
        name
        status
        kind
        runtime
        createdAt
        lastHeartbeatAt
      }
    }
    pageInfo {
      hasNextPage
      hasPreviousPage
      startCursor
      endCursor
    }
  }
}
    `) as unknown as TypedDocumentString<CanvasListQuery, CanvasListQueryVariables>;
export const CanvasCountsDocument = new TypedDocumentString(`
    query CanvasCounts($statuses: [WorkspaceStatus!], $kind: WorkspaceKind, $runtime: String, $search: String) {
  workspaces(
    first: 0
    statuses: $statuses
    kind: $kind
    runtime: $runtime
    search: $search
  ) {
    totalCount
    countsByStatus {
      status
      count
    }
  }
}
    `) as unknown as TypedDocumentString<CanvasCountsQuery, CanvasCountsQueryVariables>;
export const CanvasWorkspaceDocument = new TypedDocumentString(`
    query CanvasWorkspace($id: ID!) {
  workspace(id: $id) {
    id
    runtime
    runtimeDisplayName
    provider
    providerDisplayName
    agentCard
  }
}
    `) as unknown as TypedDocumentString<CanvasWorkspaceQuery, CanvasWorkspaceQueryVariables>;
export const CanvasRegistryDocument = new TypedDocumentString(`
    query CanvasRegistry {
  runtimes {
    name
    displayName
    defaultModel
    providers {
      name
      displayName
      platform
      authEnv
    }
  }
  providers {
    name
    displayName
    platform
    authEnv
  }
  offeredModels(runtime: "claude-code") {
    model
    provider
    providerDisplayName
  }
}
    `) as unknown as TypedDocumentString<CanvasRegistryQuery, CanvasRegistryQueryVariables>;
export const BeatWithStateDocument = new TypedDocumentString(`
    mutation BeatWithState($input: HeartbeatInput!) {
  heartbeat(input: $input) {
    __typename
    ... on HeartbeatSuccess {
      workspace {
        id
        status
        runtimeState {
          activeTasks
          currentTask
          errorRate
          health
          degradedReason
          version
          reportedAt
        }
      }
    }
    ... on RequestError {
      code
      message
      field
    }
  }
}
    `) as unknown as TypedDocumentString<BeatWithStateMutation, BeatWithStateMutationVariables>;
export const WorkspaceStateDocument = new TypedDocumentString(`
    query WorkspaceState($id: ID!) {
  workspace(id: $id) {
    status
    runtimeState {
      activeTasks
      currentTask
      errorRate
      health
      degradedReason
      version
      reportedAt
    }
  }
}
    `) as unknown as TypedDocumentString<WorkspaceStateQuery, WorkspaceStateQueryVariables>;
export const WithWorkspaceDocument = new TypedDocumentString(`
    subscription WithWorkspace {
  workspaceEvents {
    cursor
    workspace {
      name
    }
  }
}
    `) as unknown as TypedDocumentString<WithWorkspaceSubscription, WithWorkspaceSubscriptionVariables>;
export const CanvasLoadDocument = new TypedDocumentString(`
    query CanvasLoad($statuses: [WorkspaceStatus!], $runtime: String, $search: String, $orderBy: WorkspaceOrder) {
  workspaces(
    first: 50
    statuses: $statuses
    runtime: $runtime
    search: $search
    orderBy: $orderBy
  ) {
    totalCount
    countsByStatus {
      status
      count
    }
    headCursor
    edges {
      cursor
      node {
        id
        name
        status
        runtimeDisplayName
        providerDisplayName
        agentCard
        lastHeartbeatAt
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
  activity: workspaceEvents(last: 20) {
    headCursor
    edges {
      cursor
      node {
        type
        workspaceId
        status
        at
      }
    }
  }
  runtimes {
    name
    displayName
  }
  providers {
    name
    displayName
  }
}
    `) as unknown as TypedDocumentString<CanvasLoadQuery, CanvasLoadQueryVariables>;
export const CanvasDetailDocument = new TypedDocumentString(`
    query CanvasDetail($id: ID!) {
  workspace(id: $id) {
    id
    agentCard
    runtimeDisplayName
    providerDisplayName
    events(last: 10) {
      headCursor
      edges {
        cursor
        node {
          type
          status
          at
        }
      }
    }
  }
}
    `) as unknown as TypedDocumentString<CanvasDetailQuery, CanvasDetailQueryVariables>;
export const CountedUpdateDocument = new TypedDocumentString(`
    mutation CountedUpdate($input: UpdateWorkspaceInput!) {
  updateWorkspace(input: $input) {
    __typename
    ... on UpdateWorkspaceSuccess {
      workspace {
        id
        name
        model
        provider
      }
    }
  }
}
    `) as unknown as TypedDocumentString<CountedUpdateMutation, CountedUpdateMutationVariables>;
export const ListWorkspacesWithSecretsDocument = new TypedDocumentString(`
    query ListWorkspacesWithSecrets($first: Int) {
  workspaces(first: $first) {
    edges {
      node {
        id
        name
        status
        secrets {
          key
          updatedAt
        }
      }
    }
  }
}
    `) as unknown as TypedDocumentString<ListWorkspacesWithSecretsQuery, ListWorkspacesWithSecretsQueryVariables>;
export const UpdateWorkspaceDocument = new TypedDocumentString(`
    mutation UpdateWorkspace($input: UpdateWorkspaceInput!) {
  updateWorkspace(input: $input) {
    __typename
    ... on UpdateWorkspaceSuccess {
      workspace {
        id
        name
        runtime
        model
        provider
        platformBilled
        status
        updatedAt
      }
    }
    ... on Error {
      code
      message
    }
    ... on RequestError {
      field
    }
    ... on UnregisteredModelError {
      runtime
      model
      offeredModels
    }
    ... on MissingByokCredentialError {
      runtime
      model
      provider
      acceptedEnv
      suggestedModel
    }
  }
}
    `) as unknown as TypedDocumentString<UpdateWorkspaceMutation, UpdateWorkspaceMutationVariables>;
export const WorkspaceCountsDocument = new TypedDocumentString(`
    query WorkspaceCounts($kind: WorkspaceKind, $runtime: String, $statuses: [WorkspaceStatus!]) {
  workspaces(first: 0, kind: $kind, runtime: $runtime, statuses: $statuses) {
    totalCount
    countsByStatus {
      status
      count
    }
  }
}
    `) as unknown as TypedDocumentString<WorkspaceCountsQuery, WorkspaceCountsQueryVariables>;
export const CreateWorkspaceDocument = new TypedDocumentString(`
    mutation CreateWorkspace($input: CreateWorkspaceInput!) {
  createWorkspace(input: $input) {
    __typename
    ... on CreateWorkspaceSuccess {
      workspace {
        ...WorkspaceFields
      }
    }
    ... on Error {
      code
      message
    }
    ... on RequestError {
      field
    }
    ... on UnregisteredModelError {
      runtime
      model
      offeredModels
    }
    ... on MissingByokCredentialError {
      runtime
      model
      provider
      acceptedEnv
      suggestedModel
    }
  }
}
    fragment WorkspaceFields on Workspace {
  id
  name
  kind
  runtime
  model
  provider
  platformBilled
  status
  failure {
    code
    message
    at
  }
  url
  deliveryMode
  lastHeartbeatAt
  createdAt
  updatedAt
  secrets {
    key
    updatedAt
  }
}`) as unknown as TypedDocumentString<CreateWorkspaceMutation, CreateWorkspaceMutationVariables>;
export const PreflightWorkspaceDocument = new TypedDocumentString(`
    query PreflightWorkspace($input: CreateWorkspaceInput!) {
  preflightWorkspace(input: $input) {
    __typename
    ... on PreflightWorkspaceSuccess {
      runtime
      model
      provider
      platformBilled
    }
    ... on Error {
      code
      message
    }
    ... on RequestError {
      field
    }
    ... on UnregisteredModelError {
      runtime
      model
      offeredModels
    }
    ... on MissingByokCredentialError {
      runtime
      model
      provider
      acceptedEnv
      suggestedModel
    }
  }
}
    `) as unknown as TypedDocumentString<PreflightWorkspaceQuery, PreflightWorkspaceQueryVariables>;
export const OfferedModelsDocument = new TypedDocumentString(`
    query OfferedModels($runtime: String) {
  offeredModels(runtime: $runtime) {
    model
    provider
    platformBilled
    authEnv
    credentialSatisfied
  }
}
    `) as unknown as TypedDocumentString<OfferedModelsQuery, OfferedModelsQueryVariables>;
export const RuntimesDocument = new TypedDocumentString(`
    query Runtimes {
  runtimes {
    name
    defaultModel
  }
}
    `) as unknown as TypedDocumentString<RuntimesQuery, RuntimesQueryVariables>;
export const GetWorkspaceDocument = new TypedDocumentString(`
    query GetWorkspace($id: ID!) {
  workspace(id: $id) {
    ...WorkspaceFields
  }
}
    fragment WorkspaceFields on Workspace {
  id
  name
  kind
  runtime
  model
  provider
  platformBilled
  status
  failure {
    code
    message
    at
  }
  url
  deliveryMode
  lastHeartbeatAt
  createdAt
  updatedAt
  secrets {
    key
    updatedAt
  }
}`) as unknown as TypedDocumentString<GetWorkspaceQuery, GetWorkspaceQueryVariables>;
export const GetNodeDocument = new TypedDocumentString(`
    query GetNode($id: ID!) {
  node(id: $id) {
    id
    ... on Workspace {
      name
      status
    }
  }
}
    `) as unknown as TypedDocumentString<GetNodeQuery, GetNodeQueryVariables>;
export const ListWorkspacesDocument = new TypedDocumentString(`
    query ListWorkspaces($first: Int, $after: String, $status: WorkspaceStatus) {
  workspaces(first: $first, after: $after, status: $status) {
    edges {
      cursor
      node {
        id
        name
        status
      }
    }
    pageInfo {
      hasNextPage
      hasPreviousPage
      startCursor
      endCursor
    }
  }
}
    `) as unknown as TypedDocumentString<ListWorkspacesQuery, ListWorkspacesQueryVariables>;
export const ListEventsDocument = new TypedDocumentString(`
    query ListEvents($workspaceId: ID, $first: Int, $after: String) {
  workspaceEvents(workspaceId: $workspaceId, first: $first, after: $after) {
    edges {
      cursor
      node {
        cursor
        type
        workspaceId
        status
        code
        message
        payload
        at
      }
    }
    pageInfo {
      hasNextPage
      hasPreviousPage
      startCursor
      endCursor
    }
  }
}
    `) as unknown as TypedDocumentString<ListEventsQuery, ListEventsQueryVariables>;
export const SetOrgSecretDocument = new TypedDocumentString(`
    mutation SetOrgSecret($input: SetOrgSecretInput!) {
  setOrgSecret(input: $input) {
    __typename
    ... on SecretSuccess {
      secret {
        key
        updatedAt
      }
    }
    ... on RequestError {
      code
      message
      field
    }
  }
}
    `) as unknown as TypedDocumentString<SetOrgSecretMutation, SetOrgSecretMutationVariables>;
export const DeleteOrgSecretDocument = new TypedDocumentString(`
    mutation DeleteOrgSecret($key: String!) {
  deleteOrgSecret(key: $key) {
    __typename
    ... on DeleteSecretSuccess {
      key
      deleted
    }
    ... on RequestError {
      code
      message
      field
    }
  }
}
    `) as unknown as TypedDocumentString<DeleteOrgSecretMutation, DeleteOrgSecretMutationVariables>;
export const OrgSecretsDocument = new TypedDocumentString(`
    query OrgSecrets {
  orgSecrets {
    key
    updatedAt
  }
}
    `) as unknown as TypedDocumentString<OrgSecretsQuery, OrgSecretsQueryVariables>;
export const SetWorkspaceSecretDocument = new TypedDocumentString(`
    mutation SetWorkspaceSecret($input: SetWorkspaceSecretInput!) {
  setWorkspaceSecret(input: $input) {
    __typename
    ... on SecretSuccess {
      secret {
        key
        updatedAt
      }
    }
    ... on RequestError {
      code
      message
      field
    }
  }
}
    `) as unknown as TypedDocumentString<SetWorkspaceSecretMutation, SetWorkspaceSecretMutationVariables>;
export const DeleteWorkspaceSecretDocument = new TypedDocumentString(`
    mutation DeleteWorkspaceSecret($input: DeleteWorkspaceSecretInput!) {
  deleteWorkspaceSecret(input: $input) {
    __typename
    ... on DeleteSecretSuccess {
      key
      deleted
    }
    ... on RequestError {
      code
      message
      field
    }
  }
}
    `) as unknown as TypedDocumentString<DeleteWorkspaceSecretMutation, DeleteWorkspaceSecretMutationVariables>;
export const RegisterWorkspaceDocument = new TypedDocumentString(`
    mutation RegisterWorkspace($input: RegisterWorkspaceInput!) {
  registerWorkspace(input: $input) {
    __typename
    ... on RegisterWorkspaceSuccess {
      authToken
      platformInboundSecret
      deliveryMode
      workspace {
        id
        status
        url
        deliveryMode
        lastHeartbeatAt
        kind
      }
    }
    ... on RequestError {
      code
      message
      field
    }
  }
}
    `) as unknown as TypedDocumentString<RegisterWorkspaceMutation, RegisterWorkspaceMutationVariables>;
export const HeartbeatDocument = new TypedDocumentString(`
    mutation Heartbeat($input: HeartbeatInput!) {
  heartbeat(input: $input) {
    __typename
    ... on HeartbeatSuccess {
      platformInboundSecret
      workspace {
        id
        status
        lastHeartbeatAt
      }
    }
    ... on RequestError {
      code
      message
      field
    }
  }
}
    `) as unknown as TypedDocumentString<HeartbeatMutation, HeartbeatMutationVariables>;
export const RestartWorkspaceDocument = new TypedDocumentString(`
    mutation RestartWorkspace($id: ID!) {
  restartWorkspace(id: $id) {
    __typename
    ... on WorkspaceSuccess {
      workspace {
        ...WorkspaceFields
      }
    }
    ... on RequestError {
      code
      message
      field
    }
  }
}
    fragment WorkspaceFields on Workspace {
  id
  name
  kind
  runtime
  model
  provider
  platformBilled
  status
  failure {
    code
    message
    at
  }
  url
  deliveryMode
  lastHeartbeatAt
  createdAt
  updatedAt
  secrets {
    key
    updatedAt
  }
}`) as unknown as TypedDocumentString<RestartWorkspaceMutation, RestartWorkspaceMutationVariables>;
export const RemoveWorkspaceDocument = new TypedDocumentString(`
    mutation RemoveWorkspace($id: ID!) {
  removeWorkspace(id: $id) {
    __typename
    ... on WorkspaceSuccess {
      workspace {
        id
        status
      }
    }
    ... on RequestError {
      code
      message
      field
    }
  }
}
    `) as unknown as TypedDocumentString<RemoveWorkspaceMutation, RemoveWorkspaceMutationVariables>;
export const CreateApiTokenDocument = new TypedDocumentString(`
    mutation CreateApiToken($input: CreateApiTokenInput!) {
  createApiToken(input: $input) {
    __typename
    ... on CreateApiTokenSuccess {
      token
      apiToken {
        id
        label
        role
        createdAt
        expiresAt
        lastUsedAt
        revokedAt
        createdBy {
          kind
          id
          label
        }
      }
    }
    ... on RequestError {
      code
      message
      field
    }
  }
}
    `) as unknown as TypedDocumentString<CreateApiTokenMutation, CreateApiTokenMutationVariables>;
export const RevokeApiTokenDocument = new TypedDocumentString(`
    mutation RevokeApiToken($id: ID!) {
  revokeApiToken(id: $id) {
    __typename
    ... on RevokeApiTokenSuccess {
      apiToken {
        id
        label
        revokedAt
      }
    }
    ... on RequestError {
      code
      message
      field
    }
  }
}
    `) as unknown as TypedDocumentString<RevokeApiTokenMutation, RevokeApiTokenMutationVariables>;
export const ListApiTokensDocument = new TypedDocumentString(`
    query ListApiTokens($first: Int, $after: String, $includeRevoked: Boolean) {
  apiTokens(first: $first, after: $after, includeRevoked: $includeRevoked) {
    edges {
      cursor
      node {
        id
        label
        role
        createdAt
        expiresAt
        lastUsedAt
        revokedAt
        createdBy {
          kind
          id
          label
        }
      }
    }
    pageInfo {
      hasNextPage
      hasPreviousPage
      startCursor
      endCursor
    }
  }
}
    `) as unknown as TypedDocumentString<ListApiTokensQuery, ListApiTokensQueryVariables>;
export const EventActorsDocument = new TypedDocumentString(`
    query EventActors($workspaceId: ID) {
  workspaceEvents(workspaceId: $workspaceId, first: 100) {
    edges {
      node {
        type
        status
        code
        actor {
          kind
          id
          label
        }
      }
    }
  }
}
    `) as unknown as TypedDocumentString<EventActorsQuery, EventActorsQueryVariables>;
export const WorkspaceSecretActorsDocument = new TypedDocumentString(`
    query WorkspaceSecretActors($id: ID!) {
  workspace(id: $id) {
    id
    secrets {
      key
      updatedAt
      updatedBy {
        kind
        id
        label
      }
    }
  }
}
    `) as unknown as TypedDocumentString<WorkspaceSecretActorsQuery, WorkspaceSecretActorsQueryVariables>;
export const OrgSecretActorsDocument = new TypedDocumentString(`
    query OrgSecretActors {
  orgSecrets {
    key
    updatedAt
    updatedBy {
      kind
      id
      label
    }
  }
}
    `) as unknown as TypedDocumentString<OrgSecretActorsQuery, OrgSecretActorsQueryVariables>;
export const AgentConfigDocument = new TypedDocumentString(`
    query AgentConfig($workspaceId: ID!) {
  agentConfig(workspaceId: $workspaceId) {
    __typename
    ... on AgentConfigSuccess {
      config {
        workspaceId
        runtime
        model
        provider
        platformBilled
        env {
          key
          value
          error
        }
      }
    }
    ... on RequestError {
      code
      message
      field
    }
  }
}
    `) as unknown as TypedDocumentString<AgentConfigQuery, AgentConfigQueryVariables>;
export const RuntimeStateDocument = new TypedDocumentString(`
    query RuntimeState($id: ID!) {
  workspace(id: $id) {
    id
    status
    generation
    configStale
    failure {
      code
      message
    }
  }
}
    `) as unknown as TypedDocumentString<RuntimeStateQuery, RuntimeStateQueryVariables>;
export const OnWorkspaceEventsDocument = new TypedDocumentString(`
    subscription OnWorkspaceEvents($workspaceId: ID, $after: String) {
  workspaceEvents(workspaceId: $workspaceId, after: $after) {
    cursor
    type
    workspaceId
    status
    code
    message
    payload
    at
  }
}
    `) as unknown as TypedDocumentString<OnWorkspaceEventsSubscription, OnWorkspaceEventsSubscriptionVariables>;
export const OnProvisionFailuresDocument = new TypedDocumentString(`
    subscription OnProvisionFailures($workspaceId: ID, $after: String) {
  provisionFailures(workspaceId: $workspaceId, after: $after) {
    cursor
    type
    workspaceId
    status
    code
    message
    at
  }
}
    `) as unknown as TypedDocumentString<OnProvisionFailuresSubscription, OnProvisionFailuresSubscriptionVariables>;