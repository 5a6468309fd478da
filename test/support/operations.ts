import { graphql } from "../gql/gql.js";

// The operations the tests share; codegen types each from schema.graphql.

export const WorkspaceFields = graphql(`
  fragment WorkspaceFields on Workspace {
    id
    name
    kind
    runtime
    model
    provider
    platformBilled
    status
    failure { code message at }
    url
    deliveryMode
    lastHeartbeatAt
    createdAt
    updatedAt
    secrets { key updatedAt }
  }
`);

export const CreateWorkspace = graphql(`
  mutation CreateWorkspace($input: CreateWorkspaceInput!) {
    createWorkspace(input: $input) {
      __typename
      ... on CreateWorkspaceSuccess { workspace { ...WorkspaceFields } }
      ... on Error { code message }
      ... on RequestError { field }
      ... on UnregisteredModelError { runtime model offeredModels }
      ... on MissingByokCredentialError { runtime model provider acceptedEnv suggestedModel }
    }
  }
`);

export const PreflightWorkspace = graphql(`
  query PreflightWorkspace($input: CreateWorkspaceInput!) {
    preflightWorkspace(input: $input) {
      __typename
      ... on PreflightWorkspaceSuccess { runtime model provider platformBilled }
      ... on Error { code message }
      ... on RequestError { field }
      ... on UnregisteredModelError { runtime model offeredModels }
      ... on MissingByokCredentialError { runtime model provider acceptedEnv suggestedModel }
    }
  }
`);

export const OfferedModels = graphql(`
  query OfferedModels($runtime: String) {
    offeredModels(runtime: $runtime) { model provider platformBilled authEnv credentialSatisfied }
  }
`);

export const Runtimes = graphql(`
  query Runtimes { runtimes { name defaultModel } }
`);

export const GetWorkspace = graphql(`
  query GetWorkspace($id: ID!) { workspace(id: $id) { ...WorkspaceFields } }
`);

export const GetNode = graphql(`
  query GetNode($id: ID!) { node(id: $id) { id ... on Workspace { name status } } }
`);

export const ListWorkspaces = graphql(`
  query ListWorkspaces($first: Int, $after: String, $status: WorkspaceStatus) {
    workspaces(first: $first, after: $after, status: $status) {
      edges { cursor node { id name status } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }
`);

export const ListEvents = graphql(`
  query ListEvents($workspaceId: ID, $first: Int, $after: String) {
    workspaceEvents(workspaceId: $workspaceId, first: $first, after: $after) {
      edges { cursor node { cursor type workspaceId status code message payload at } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }
`);

export const SetOrgSecret = graphql(`
  mutation SetOrgSecret($input: SetOrgSecretInput!) {
    setOrgSecret(input: $input) {
      __typename
      ... on SecretSuccess { secret { key updatedAt } }
      ... on RequestError { code message field }
    }
  }
`);

export const DeleteOrgSecret = graphql(`
  mutation DeleteOrgSecret($key: String!) {
    deleteOrgSecret(key: $key) {
      __typename
      ... on DeleteSecretSuccess { key deleted }
      ... on RequestError { code message field }
    }
  }
`);

export const OrgSecrets = graphql(`
  query OrgSecrets { orgSecrets { key updatedAt } }
`);

export const SetWorkspaceSecret = graphql(`
  mutation SetWorkspaceSecret($input: SetWorkspaceSecretInput!) {
    setWorkspaceSecret(input: $input) {
      __typename
      ... on SecretSuccess { secret { key updatedAt } }
      ... on RequestError { code message field }
    }
  }
`);

export const DeleteWorkspaceSecret = graphql(`
  mutation DeleteWorkspaceSecret($input: DeleteWorkspaceSecretInput!) {
    deleteWorkspaceSecret(input: $input) {
      __typename
      ... on DeleteSecretSuccess { key deleted }
      ... on RequestError { code message field }
    }
  }
`);

export const RegisterWorkspace = graphql(`
  mutation RegisterWorkspace($input: RegisterWorkspaceInput!) {
    registerWorkspace(input: $input) {
      __typename
      ... on RegisterWorkspaceSuccess {
        authToken
        platformInboundSecret
        deliveryMode
        workspace { id status url deliveryMode lastHeartbeatAt kind }
      }
      ... on RequestError { code message field }
    }
  }
`);

export const Heartbeat = graphql(`
  mutation Heartbeat($input: HeartbeatInput!) {
    heartbeat(input: $input) {
      __typename
      ... on HeartbeatSuccess { platformInboundSecret workspace { id status lastHeartbeatAt } }
      ... on RequestError { code message field }
    }
  }
`);

export const RestartWorkspace = graphql(`
  mutation RestartWorkspace($id: ID!) {
    restartWorkspace(id: $id) {
      __typename
      ... on WorkspaceSuccess { workspace { ...WorkspaceFields } }
      ... on RequestError { code message field }
    }
  }
`);

export const RemoveWorkspace = graphql(`
  mutation RemoveWorkspace($id: ID!) {
    removeWorkspace(id: $id) {
      __typename
      ... on WorkspaceSuccess { workspace { id status } }
      ... on RequestError { code message field }
    }
  }
`);

export const CreateApiToken = graphql(`
  mutation CreateApiToken($input: CreateApiTokenInput!) {
    createApiToken(input: $input) {
      __typename
      ... on CreateApiTokenSuccess {
        token
        apiToken { id label role createdAt expiresAt lastUsedAt revokedAt createdBy { kind id label } }
      }
      ... on RequestError { code message field }
    }
  }
`);

export const RevokeApiToken = graphql(`
  mutation RevokeApiToken($id: ID!) {
    revokeApiToken(id: $id) {
      __typename
      ... on RevokeApiTokenSuccess { apiToken { id label revokedAt } }
      ... on RequestError { code message field }
    }
  }
`);

export const ListApiTokens = graphql(`
  query ListApiTokens($first: Int, $after: String, $includeRevoked: Boolean) {
    apiTokens(first: $first, after: $after, includeRevoked: $includeRevoked) {
      edges { cursor node { id label role createdAt expiresAt lastUsedAt revokedAt createdBy { kind id label } } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }
`);

export const EventActors = graphql(`
  query EventActors($workspaceId: ID) {
    workspaceEvents(workspaceId: $workspaceId, first: 100) {
      edges { node { type status code actor { kind id label } } }
    }
  }
`);

export const WorkspaceSecretActors = graphql(`
  query WorkspaceSecretActors($id: ID!) {
    workspace(id: $id) { id secrets { key updatedAt updatedBy { kind id label } } }
  }
`);

export const OrgSecretActors = graphql(`
  query OrgSecretActors { orgSecrets { key updatedAt updatedBy { kind id label } } }
`);

export const AgentConfig = graphql(`
  query AgentConfig($workspaceId: ID!) {
    agentConfig(workspaceId: $workspaceId) {
      __typename
      ... on AgentConfigSuccess {
        config { workspaceId runtime model provider platformBilled env { key value error } }
      }
      ... on RequestError { code message field }
    }
  }
`);

export const RuntimeState = graphql(`
  query RuntimeState($id: ID!) {
    workspace(id: $id) { id status generation configStale failure { code message } }
  }
`);
