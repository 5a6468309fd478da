/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
export type CreateWorkspaceInput = {
  kind?: WorkspaceKind | null | undefined;
  model?: string | null | undefined;
  name: string;
  runtime?: string | null | undefined;
  secrets?: Array<SecretInput> | null | undefined;
};

export type DeleteWorkspaceSecretInput = {
  key: string;
  workspaceId: string;
};

export type DeliveryMode =
  | 'POLL'
  | 'PUSH';

export type ErrorCode =
  | 'CONFLICT'
  | 'MISSING_BYOK_CREDENTIAL'
  | 'MODEL_REQUIRED'
  | 'NOT_FOUND'
  | 'PLATFORM_AGENT_IDENTITY_GATE'
  | 'PLATFORM_KIND_FORBIDDEN'
  | 'RUNTIME_UNSUPPORTED'
  | 'SECRET_UNREADABLE'
  | 'UNREGISTERED_MODEL_FOR_RUNTIME'
  | 'VALIDATION_FAILED'
  | 'WORKSPACE_FAILED';

export type HeartbeatInput = {
  workspaceId: string;
};

export type RegisterWorkspaceInput = {
  agentCard?: unknown;
  deliveryMode?: DeliveryMode | null | undefined;
  kind?: WorkspaceKind | null | undefined;
  mcpServerPresent?: boolean | null | undefined;
  url?: string | null | undefined;
  workspaceId: string;
};

export type SecretInput = {
  key: string;
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

export type WorkspaceEventType =
  | 'WORKSPACE_CONFIG_READ'
  | 'WORKSPACE_OFFLINE'
  | 'WORKSPACE_ONLINE'
  | 'WORKSPACE_PROVISIONER_UNAVAILABLE'
  | 'WORKSPACE_PROVISIONING'
  | 'WORKSPACE_PROVISION_FAILED'
  | 'WORKSPACE_REMOVED'
  | 'WORKSPACE_RUNTIME_EXITED'
  | 'WORKSPACE_RUNTIME_STARTED';

export type WorkspaceKind =
  | 'PLATFORM'
  | 'WORKSPACE';

export type WorkspaceStatus =
  | 'FAILED'
  | 'OFFLINE'
  | 'ONLINE'
  | 'PROVISIONING'
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

export type ListWorkspacesWithSecretsQueryVariables = Exact<{
  first?: number | null | undefined;
}>;


export type ListWorkspacesWithSecretsQuery = { workspaces: { edges: Array<{ node: { id: string, name: string, status: WorkspaceStatus, secrets: Array<{ key: string, updatedAt: string }> } }> } };

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