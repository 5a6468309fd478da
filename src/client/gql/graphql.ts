/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
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

/** What a workspace is for. */
export type WorkspaceKind =
  /** The platform agent (concierge). At most one exists. */
  | 'PLATFORM'
  /** An agent workspace (the default). */
  | 'WORKSPACE';

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

export type AgentRegisterWorkspaceMutationVariables = Exact<{
  input: RegisterWorkspaceInput;
}>;


export type AgentRegisterWorkspaceMutation = { registerWorkspace:
    | { __typename: 'RegisterWorkspaceSuccess', authToken: string | null, platformInboundSecret: string | null, deliveryMode: DeliveryMode, workspace: { id: string, kind: WorkspaceKind, status: WorkspaceStatus, lastHeartbeatAt: string | null } }
    | { __typename: 'RequestError', code: ErrorCode, message: string, field: string | null }
   };

export type AgentHeartbeatMutationVariables = Exact<{
  input: HeartbeatInput;
}>;


export type AgentHeartbeatMutation = { heartbeat:
    | { __typename: 'HeartbeatSuccess', platformInboundSecret: string | null, workspace: { id: string, status: WorkspaceStatus, lastHeartbeatAt: string | null } }
    | { __typename: 'RequestError', code: ErrorCode, message: string, field: string | null }
   };

export type AgentReadConfigQueryVariables = Exact<{
  workspaceId: string;
}>;


export type AgentReadConfigQuery = { agentConfig:
    | { __typename: 'AgentConfigSuccess', config: { runtime: string, model: string, provider: string | null, platformBilled: boolean, env: Array<{ key: string, value: string | null, error: ErrorCode | null }> } }
    | { __typename: 'RequestError', code: ErrorCode, message: string, field: string | null }
   };

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

export const AgentRegisterWorkspaceDocument = new TypedDocumentString(`
    mutation AgentRegisterWorkspace($input: RegisterWorkspaceInput!) {
  registerWorkspace(input: $input) {
    __typename
    ... on RegisterWorkspaceSuccess {
      authToken
      platformInboundSecret
      deliveryMode
      workspace {
        id
        kind
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
    `) as unknown as TypedDocumentString<AgentRegisterWorkspaceMutation, AgentRegisterWorkspaceMutationVariables>;
export const AgentHeartbeatDocument = new TypedDocumentString(`
    mutation AgentHeartbeat($input: HeartbeatInput!) {
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
    `) as unknown as TypedDocumentString<AgentHeartbeatMutation, AgentHeartbeatMutationVariables>;
export const AgentReadConfigDocument = new TypedDocumentString(`
    query AgentReadConfig($workspaceId: ID!) {
  agentConfig(workspaceId: $workspaceId) {
    __typename
    ... on AgentConfigSuccess {
      config {
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
    `) as unknown as TypedDocumentString<AgentReadConfigQuery, AgentReadConfigQueryVariables>;