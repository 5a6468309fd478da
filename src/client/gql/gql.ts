/* eslint-disable */
import * as types from './graphql.js';



/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  mutation AgentRegisterWorkspace($input: RegisterWorkspaceInput!) {\n    registerWorkspace(input: $input) {\n      __typename\n      ... on RegisterWorkspaceSuccess {\n        authToken\n        platformInboundSecret\n        deliveryMode\n        workspace { id kind status lastHeartbeatAt }\n      }\n      ... on RequestError { code message field }\n    }\n  }\n": typeof types.AgentRegisterWorkspaceDocument,
    "\n  mutation AgentHeartbeat($input: HeartbeatInput!) {\n    heartbeat(input: $input) {\n      __typename\n      ... on HeartbeatSuccess { platformInboundSecret workspace { id status lastHeartbeatAt } }\n      ... on RequestError { code message field }\n    }\n  }\n": typeof types.AgentHeartbeatDocument,
    "\n  query AgentReadConfig($workspaceId: ID!) {\n    agentConfig(workspaceId: $workspaceId) {\n      __typename\n      ... on AgentConfigSuccess { config { runtime model provider platformBilled env { key value error } } }\n      ... on RequestError { code message field }\n    }\n  }\n": typeof types.AgentReadConfigDocument,
    "\n  query ListWorkspacesWithSecrets($first: Int) {\n    workspaces(first: $first) { edges { node { id name status secrets { key updatedAt } } } }\n  }\n": typeof types.ListWorkspacesWithSecretsDocument,
    "\n  fragment WorkspaceFields on Workspace {\n    id\n    name\n    kind\n    runtime\n    model\n    provider\n    platformBilled\n    status\n    failure { code message at }\n    url\n    deliveryMode\n    lastHeartbeatAt\n    createdAt\n    updatedAt\n    secrets { key updatedAt }\n  }\n": typeof types.WorkspaceFieldsFragmentDoc,
    "\n  mutation CreateWorkspace($input: CreateWorkspaceInput!) {\n    createWorkspace(input: $input) {\n      __typename\n      ... on CreateWorkspaceSuccess { workspace { ...WorkspaceFields } }\n      ... on Error { code message }\n      ... on RequestError { field }\n      ... on UnregisteredModelError { runtime model offeredModels }\n      ... on MissingByokCredentialError { runtime model provider acceptedEnv suggestedModel }\n    }\n  }\n": typeof types.CreateWorkspaceDocument,
    "\n  query PreflightWorkspace($input: CreateWorkspaceInput!) {\n    preflightWorkspace(input: $input) {\n      __typename\n      ... on PreflightWorkspaceSuccess { runtime model provider platformBilled }\n      ... on Error { code message }\n      ... on RequestError { field }\n      ... on UnregisteredModelError { runtime model offeredModels }\n      ... on MissingByokCredentialError { runtime model provider acceptedEnv suggestedModel }\n    }\n  }\n": typeof types.PreflightWorkspaceDocument,
    "\n  query OfferedModels($runtime: String) {\n    offeredModels(runtime: $runtime) { model provider platformBilled authEnv credentialSatisfied }\n  }\n": typeof types.OfferedModelsDocument,
    "\n  query Runtimes { runtimes { name defaultModel } }\n": typeof types.RuntimesDocument,
    "\n  query GetWorkspace($id: ID!) { workspace(id: $id) { ...WorkspaceFields } }\n": typeof types.GetWorkspaceDocument,
    "\n  query GetNode($id: ID!) { node(id: $id) { id ... on Workspace { name status } } }\n": typeof types.GetNodeDocument,
    "\n  query ListWorkspaces($first: Int, $after: String, $status: WorkspaceStatus) {\n    workspaces(first: $first, after: $after, status: $status) {\n      edges { cursor node { id name status } }\n      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }\n    }\n  }\n": typeof types.ListWorkspacesDocument,
    "\n  query ListEvents($workspaceId: ID, $first: Int, $after: String) {\n    workspaceEvents(workspaceId: $workspaceId, first: $first, after: $after) {\n      edges { cursor node { cursor type workspaceId status code message payload at } }\n      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }\n    }\n  }\n": typeof types.ListEventsDocument,
    "\n  mutation SetOrgSecret($input: SetOrgSecretInput!) {\n    setOrgSecret(input: $input) {\n      __typename\n      ... on SecretSuccess { secret { key updatedAt } }\n      ... on RequestError { code message field }\n    }\n  }\n": typeof types.SetOrgSecretDocument,
    "\n  mutation DeleteOrgSecret($key: String!) {\n    deleteOrgSecret(key: $key) {\n      __typename\n      ... on DeleteSecretSuccess { key deleted }\n      ... on RequestError { code message field }\n    }\n  }\n": typeof types.DeleteOrgSecretDocument,
    "\n  query OrgSecrets { orgSecrets { key updatedAt } }\n": typeof types.OrgSecretsDocument,
    "\n  mutation SetWorkspaceSecret($input: SetWorkspaceSecretInput!) {\n    setWorkspaceSecret(input: $input) {\n      __typename\n      ... on SecretSuccess { secret { key updatedAt } }\n      ... on RequestError { code message field }\n    }\n  }\n": typeof types.SetWorkspaceSecretDocument,
    "\n  mutation DeleteWorkspaceSecret($input: DeleteWorkspaceSecretInput!) {\n    deleteWorkspaceSecret(input: $input) {\n      __typename\n      ... on DeleteSecretSuccess { key deleted }\n      ... on RequestError { code message field }\n    }\n  }\n": typeof types.DeleteWorkspaceSecretDocument,
    "\n  mutation RegisterWorkspace($input: RegisterWorkspaceInput!) {\n    registerWorkspace(input: $input) {\n      __typename\n      ... on RegisterWorkspaceSuccess {\n        authToken\n        platformInboundSecret\n        deliveryMode\n        workspace { id status url deliveryMode lastHeartbeatAt kind }\n      }\n      ... on RequestError { code message field }\n    }\n  }\n": typeof types.RegisterWorkspaceDocument,
    "\n  mutation Heartbeat($input: HeartbeatInput!) {\n    heartbeat(input: $input) {\n      __typename\n      ... on HeartbeatSuccess { platformInboundSecret workspace { id status lastHeartbeatAt } }\n      ... on RequestError { code message field }\n    }\n  }\n": typeof types.HeartbeatDocument,
    "\n  mutation RestartWorkspace($id: ID!) {\n    restartWorkspace(id: $id) {\n      __typename\n      ... on WorkspaceSuccess { workspace { ...WorkspaceFields } }\n      ... on RequestError { code message field }\n    }\n  }\n": typeof types.RestartWorkspaceDocument,
    "\n  mutation RemoveWorkspace($id: ID!) {\n    removeWorkspace(id: $id) {\n      __typename\n      ... on WorkspaceSuccess { workspace { id status } }\n      ... on RequestError { code message field }\n    }\n  }\n": typeof types.RemoveWorkspaceDocument,
    "\n  query AgentConfig($workspaceId: ID!) {\n    agentConfig(workspaceId: $workspaceId) {\n      __typename\n      ... on AgentConfigSuccess {\n        config { workspaceId runtime model provider platformBilled env { key value error } }\n      }\n      ... on RequestError { code message field }\n    }\n  }\n": typeof types.AgentConfigDocument,
    "\n  query RuntimeState($id: ID!) {\n    workspace(id: $id) { id status generation configStale failure { code message } }\n  }\n": typeof types.RuntimeStateDocument,
    "\n  subscription OnWorkspaceEvents($workspaceId: ID, $after: String) {\n    workspaceEvents(workspaceId: $workspaceId, after: $after) { cursor type workspaceId status code message payload at }\n  }\n": typeof types.OnWorkspaceEventsDocument,
    "\n  subscription OnProvisionFailures($workspaceId: ID, $after: String) {\n    provisionFailures(workspaceId: $workspaceId, after: $after) { cursor type workspaceId status code message at }\n  }\n": typeof types.OnProvisionFailuresDocument,
};
const documents: Documents = {
    "\n  mutation AgentRegisterWorkspace($input: RegisterWorkspaceInput!) {\n    registerWorkspace(input: $input) {\n      __typename\n      ... on RegisterWorkspaceSuccess {\n        authToken\n        platformInboundSecret\n        deliveryMode\n        workspace { id kind status lastHeartbeatAt }\n      }\n      ... on RequestError { code message field }\n    }\n  }\n": types.AgentRegisterWorkspaceDocument,
    "\n  mutation AgentHeartbeat($input: HeartbeatInput!) {\n    heartbeat(input: $input) {\n      __typename\n      ... on HeartbeatSuccess { platformInboundSecret workspace { id status lastHeartbeatAt } }\n      ... on RequestError { code message field }\n    }\n  }\n": types.AgentHeartbeatDocument,
    "\n  query AgentReadConfig($workspaceId: ID!) {\n    agentConfig(workspaceId: $workspaceId) {\n      __typename\n      ... on AgentConfigSuccess { config { runtime model provider platformBilled env { key value error } } }\n      ... on RequestError { code message field }\n    }\n  }\n": types.AgentReadConfigDocument,
    "\n  query ListWorkspacesWithSecrets($first: Int) {\n    workspaces(first: $first) { edges { node { id name status secrets { key updatedAt } } } }\n  }\n": types.ListWorkspacesWithSecretsDocument,
    "\n  fragment WorkspaceFields on Workspace {\n    id\n    name\n    kind\n    runtime\n    model\n    provider\n    platformBilled\n    status\n    failure { code message at }\n    url\n    deliveryMode\n    lastHeartbeatAt\n    createdAt\n    updatedAt\n    secrets { key updatedAt }\n  }\n": types.WorkspaceFieldsFragmentDoc,
    "\n  mutation CreateWorkspace($input: CreateWorkspaceInput!) {\n    createWorkspace(input: $input) {\n      __typename\n      ... on CreateWorkspaceSuccess { workspace { ...WorkspaceFields } }\n      ... on Error { code message }\n      ... on RequestError { field }\n      ... on UnregisteredModelError { runtime model offeredModels }\n      ... on MissingByokCredentialError { runtime model provider acceptedEnv suggestedModel }\n    }\n  }\n": types.CreateWorkspaceDocument,
    "\n  query PreflightWorkspace($input: CreateWorkspaceInput!) {\n    preflightWorkspace(input: $input) {\n      __typename\n      ... on PreflightWorkspaceSuccess { runtime model provider platformBilled }\n      ... on Error { code message }\n      ... on RequestError { field }\n      ... on UnregisteredModelError { runtime model offeredModels }\n      ... on MissingByokCredentialError { runtime model provider acceptedEnv suggestedModel }\n    }\n  }\n": types.PreflightWorkspaceDocument,
    "\n  query OfferedModels($runtime: String) {\n    offeredModels(runtime: $runtime) { model provider platformBilled authEnv credentialSatisfied }\n  }\n": types.OfferedModelsDocument,
    "\n  query Runtimes { runtimes { name defaultModel } }\n": types.RuntimesDocument,
    "\n  query GetWorkspace($id: ID!) { workspace(id: $id) { ...WorkspaceFields } }\n": types.GetWorkspaceDocument,
    "\n  query GetNode($id: ID!) { node(id: $id) { id ... on Workspace { name status } } }\n": types.GetNodeDocument,
    "\n  query ListWorkspaces($first: Int, $after: String, $status: WorkspaceStatus) {\n    workspaces(first: $first, after: $after, status: $status) {\n      edges { cursor node { id name status } }\n      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }\n    }\n  }\n": types.ListWorkspacesDocument,
    "\n  query ListEvents($workspaceId: ID, $first: Int, $after: String) {\n    workspaceEvents(workspaceId: $workspaceId, first: $first, after: $after) {\n      edges { cursor node { cursor type workspaceId status code message payload at } }\n      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }\n    }\n  }\n": types.ListEventsDocument,
    "\n  mutation SetOrgSecret($input: SetOrgSecretInput!) {\n    setOrgSecret(input: $input) {\n      __typename\n      ... on SecretSuccess { secret { key updatedAt } }\n      ... on RequestError { code message field }\n    }\n  }\n": types.SetOrgSecretDocument,
    "\n  mutation DeleteOrgSecret($key: String!) {\n    deleteOrgSecret(key: $key) {\n      __typename\n      ... on DeleteSecretSuccess { key deleted }\n      ... on RequestError { code message field }\n    }\n  }\n": types.DeleteOrgSecretDocument,
    "\n  query OrgSecrets { orgSecrets { key updatedAt } }\n": types.OrgSecretsDocument,
    "\n  mutation SetWorkspaceSecret($input: SetWorkspaceSecretInput!) {\n    setWorkspaceSecret(input: $input) {\n      __typename\n      ... on SecretSuccess { secret { key updatedAt } }\n      ... on RequestError { code message field }\n    }\n  }\n": types.SetWorkspaceSecretDocument,
    "\n  mutation DeleteWorkspaceSecret($input: DeleteWorkspaceSecretInput!) {\n    deleteWorkspaceSecret(input: $input) {\n      __typename\n      ... on DeleteSecretSuccess { key deleted }\n      ... on RequestError { code message field }\n    }\n  }\n": types.DeleteWorkspaceSecretDocument,
    "\n  mutation RegisterWorkspace($input: RegisterWorkspaceInput!) {\n    registerWorkspace(input: $input) {\n      __typename\n      ... on RegisterWorkspaceSuccess {\n        authToken\n        platformInboundSecret\n        deliveryMode\n        workspace { id status url deliveryMode lastHeartbeatAt kind }\n      }\n      ... on RequestError { code message field }\n    }\n  }\n": types.RegisterWorkspaceDocument,
    "\n  mutation Heartbeat($input: HeartbeatInput!) {\n    heartbeat(input: $input) {\n      __typename\n      ... on HeartbeatSuccess { platformInboundSecret workspace { id status lastHeartbeatAt } }\n      ... on RequestError { code message field }\n    }\n  }\n": types.HeartbeatDocument,
    "\n  mutation RestartWorkspace($id: ID!) {\n    restartWorkspace(id: $id) {\n      __typename\n      ... on WorkspaceSuccess { workspace { ...WorkspaceFields } }\n      ... on RequestError { code message field }\n    }\n  }\n": types.RestartWorkspaceDocument,
    "\n  mutation RemoveWorkspace($id: ID!) {\n    removeWorkspace(id: $id) {\n      __typename\n      ... on WorkspaceSuccess { workspace { id status } }\n      ... on RequestError { code message field }\n    }\n  }\n": types.RemoveWorkspaceDocument,
    "\n  query AgentConfig($workspaceId: ID!) {\n    agentConfig(workspaceId: $workspaceId) {\n      __typename\n      ... on AgentConfigSuccess {\n        config { workspaceId runtime model provider platformBilled env { key value error } }\n      }\n      ... on RequestError { code message field }\n    }\n  }\n": types.AgentConfigDocument,
    "\n  query RuntimeState($id: ID!) {\n    workspace(id: $id) { id status generation configStale failure { code message } }\n  }\n": types.RuntimeStateDocument,
    "\n  subscription OnWorkspaceEvents($workspaceId: ID, $after: String) {\n    workspaceEvents(workspaceId: $workspaceId, after: $after) { cursor type workspaceId status code message payload at }\n  }\n": types.OnWorkspaceEventsDocument,
    "\n  subscription OnProvisionFailures($workspaceId: ID, $after: String) {\n    provisionFailures(workspaceId: $workspaceId, after: $after) { cursor type workspaceId status code message at }\n  }\n": types.OnProvisionFailuresDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AgentRegisterWorkspace($input: RegisterWorkspaceInput!) {\n    registerWorkspace(input: $input) {\n      __typename\n      ... on RegisterWorkspaceSuccess {\n        authToken\n        platformInboundSecret\n        deliveryMode\n        workspace { id kind status lastHeartbeatAt }\n      }\n      ... on RequestError { code message field }\n    }\n  }\n"): typeof import('./graphql.js').AgentRegisterWorkspaceDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AgentHeartbeat($input: HeartbeatInput!) {\n    heartbeat(input: $input) {\n      __typename\n      ... on HeartbeatSuccess { platformInboundSecret workspace { id status lastHeartbeatAt } }\n      ... on RequestError { code message field }\n    }\n  }\n"): typeof import('./graphql.js').AgentHeartbeatDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query AgentReadConfig($workspaceId: ID!) {\n    agentConfig(workspaceId: $workspaceId) {\n      __typename\n      ... on AgentConfigSuccess { config { runtime model provider platformBilled env { key value error } } }\n      ... on RequestError { code message field }\n    }\n  }\n"): typeof import('./graphql.js').AgentReadConfigDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ListWorkspacesWithSecrets($first: Int) {\n    workspaces(first: $first) { edges { node { id name status secrets { key updatedAt } } } }\n  }\n"): typeof import('./graphql.js').ListWorkspacesWithSecretsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment WorkspaceFields on Workspace {\n    id\n    name\n    kind\n    runtime\n    model\n    provider\n    platformBilled\n    status\n    failure { code message at }\n    url\n    deliveryMode\n    lastHeartbeatAt\n    createdAt\n    updatedAt\n    secrets { key updatedAt }\n  }\n"): typeof import('./graphql.js').WorkspaceFieldsFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateWorkspace($input: CreateWorkspaceInput!) {\n    createWorkspace(input: $input) {\n      __typename\n      ... on CreateWorkspaceSuccess { workspace { ...WorkspaceFields } }\n      ... on Error { code message }\n      ... on RequestError { field }\n      ... on UnregisteredModelError { runtime model offeredModels }\n      ... on MissingByokCredentialError { runtime model provider acceptedEnv suggestedModel }\n    }\n  }\n"): typeof import('./graphql.js').CreateWorkspaceDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query PreflightWorkspace($input: CreateWorkspaceInput!) {\n    preflightWorkspace(input: $input) {\n      __typename\n      ... on PreflightWorkspaceSuccess { runtime model provider platformBilled }\n      ... on Error { code message }\n      ... on RequestError { field }\n      ... on UnregisteredModelError { runtime model offeredModels }\n      ... on MissingByokCredentialError { runtime model provider acceptedEnv suggestedModel }\n    }\n  }\n"): typeof import('./graphql.js').PreflightWorkspaceDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query OfferedModels($runtime: String) {\n    offeredModels(runtime: $runtime) { model provider platformBilled authEnv credentialSatisfied }\n  }\n"): typeof import('./graphql.js').OfferedModelsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Runtimes { runtimes { name defaultModel } }\n"): typeof import('./graphql.js').RuntimesDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query GetWorkspace($id: ID!) { workspace(id: $id) { ...WorkspaceFields } }\n"): typeof import('./graphql.js').GetWorkspaceDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query GetNode($id: ID!) { node(id: $id) { id ... on Workspace { name status } } }\n"): typeof import('./graphql.js').GetNodeDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ListWorkspaces($first: Int, $after: String, $status: WorkspaceStatus) {\n    workspaces(first: $first, after: $after, status: $status) {\n      edges { cursor node { id name status } }\n      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }\n    }\n  }\n"): typeof import('./graphql.js').ListWorkspacesDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ListEvents($workspaceId: ID, $first: Int, $after: String) {\n    workspaceEvents(workspaceId: $workspaceId, first: $first, after: $after) {\n      edges { cursor node { cursor type workspaceId status code message payload at } }\n      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }\n    }\n  }\n"): typeof import('./graphql.js').ListEventsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SetOrgSecret($input: SetOrgSecretInput!) {\n    setOrgSecret(input: $input) {\n      __typename\n      ... on SecretSuccess { secret { key updatedAt } }\n      ... on RequestError { code message field }\n    }\n  }\n"): typeof import('./graphql.js').SetOrgSecretDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteOrgSecret($key: String!) {\n    deleteOrgSecret(key: $key) {\n      __typename\n      ... on DeleteSecretSuccess { key deleted }\n      ... on RequestError { code message field }\n    }\n  }\n"): typeof import('./graphql.js').DeleteOrgSecretDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query OrgSecrets { orgSecrets { key updatedAt } }\n"): typeof import('./graphql.js').OrgSecretsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SetWorkspaceSecret($input: SetWorkspaceSecretInput!) {\n    setWorkspaceSecret(input: $input) {\n      __typename\n      ... on SecretSuccess { secret { key updatedAt } }\n      ... on RequestError { code message field }\n    }\n  }\n"): typeof import('./graphql.js').SetWorkspaceSecretDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteWorkspaceSecret($input: DeleteWorkspaceSecretInput!) {\n    deleteWorkspaceSecret(input: $input) {\n      __typename\n      ... on DeleteSecretSuccess { key deleted }\n      ... on RequestError { code message field }\n    }\n  }\n"): typeof import('./graphql.js').DeleteWorkspaceSecretDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RegisterWorkspace($input: RegisterWorkspaceInput!) {\n    registerWorkspace(input: $input) {\n      __typename\n      ... on RegisterWorkspaceSuccess {\n        authToken\n        platformInboundSecret\n        deliveryMode\n        workspace { id status url deliveryMode lastHeartbeatAt kind }\n      }\n      ... on RequestError { code message field }\n    }\n  }\n"): typeof import('./graphql.js').RegisterWorkspaceDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Heartbeat($input: HeartbeatInput!) {\n    heartbeat(input: $input) {\n      __typename\n      ... on HeartbeatSuccess { platformInboundSecret workspace { id status lastHeartbeatAt } }\n      ... on RequestError { code message field }\n    }\n  }\n"): typeof import('./graphql.js').HeartbeatDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RestartWorkspace($id: ID!) {\n    restartWorkspace(id: $id) {\n      __typename\n      ... on WorkspaceSuccess { workspace { ...WorkspaceFields } }\n      ... on RequestError { code message field }\n    }\n  }\n"): typeof import('./graphql.js').RestartWorkspaceDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RemoveWorkspace($id: ID!) {\n    removeWorkspace(id: $id) {\n      __typename\n      ... on WorkspaceSuccess { workspace { id status } }\n      ... on RequestError { code message field }\n    }\n  }\n"): typeof import('./graphql.js').RemoveWorkspaceDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query AgentConfig($workspaceId: ID!) {\n    agentConfig(workspaceId: $workspaceId) {\n      __typename\n      ... on AgentConfigSuccess {\n        config { workspaceId runtime model provider platformBilled env { key value error } }\n      }\n      ... on RequestError { code message field }\n    }\n  }\n"): typeof import('./graphql.js').AgentConfigDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query RuntimeState($id: ID!) {\n    workspace(id: $id) { id status generation configStale failure { code message } }\n  }\n"): typeof import('./graphql.js').RuntimeStateDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription OnWorkspaceEvents($workspaceId: ID, $after: String) {\n    workspaceEvents(workspaceId: $workspaceId, after: $after) { cursor type workspaceId status code message payload at }\n  }\n"): typeof import('./graphql.js').OnWorkspaceEventsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription OnProvisionFailures($workspaceId: ID, $after: String) {\n    provisionFailures(workspaceId: $workspaceId, after: $after) { cursor type workspaceId status code message at }\n  }\n"): typeof import('./graphql.js').OnProvisionFailuresDocument;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
