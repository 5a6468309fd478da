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
    "\n  query EventPage($workspaceId: ID, $first: Int, $after: String, $last: Int, $before: String) {\n    workspaceEvents(workspaceId: $workspaceId, first: $first, after: $after, last: $last, before: $before) {\n      headCursor\n      edges { cursor node { cursor type workspaceId status } }\n      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }\n    }\n  }\n": typeof types.EventPageDocument,
    "\n  query OwnEvents($id: ID!, $last: Int, $before: String) {\n    workspace(id: $id) {\n      id\n      events(last: $last, before: $before) {\n        headCursor\n        edges { cursor node { type status workspaceId } }\n        pageInfo { hasNextPage hasPreviousPage }\n      }\n    }\n  }\n": typeof types.OwnEventsDocument,
    "\n  query Snapshot {\n    workspaces(first: 100, statuses: [PROVISIONING, ONLINE, OFFLINE, FAILED, REMOVED]) {\n      headCursor\n      totalCount\n      edges { node { id status } }\n    }\n  }\n": typeof types.SnapshotDocument,
    "\n  query CanvasList(\n    $first: Int\n    $after: String\n    $status: WorkspaceStatus\n    $statuses: [WorkspaceStatus!]\n    $kind: WorkspaceKind\n    $runtime: String\n    $search: String\n    $orderBy: WorkspaceOrder\n  ) {\n    workspaces(\n      first: $first\n      after: $after\n      status: $status\n      statuses: $statuses\n      kind: $kind\n      runtime: $runtime\n      search: $search\n      orderBy: $orderBy\n    ) {\n      edges { cursor node { id name status kind runtime createdAt lastHeartbeatAt } }\n      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }\n    }\n  }\n": typeof types.CanvasListDocument,
    "\n  query CanvasCounts($statuses: [WorkspaceStatus!], $kind: WorkspaceKind, $runtime: String, $search: String) {\n    workspaces(first: 0, statuses: $statuses, kind: $kind, runtime: $runtime, search: $search) {\n      totalCount\n      countsByStatus { status count }\n    }\n  }\n": typeof types.CanvasCountsDocument,
    "\n  query CanvasWorkspace($id: ID!) {\n    workspace(id: $id) { id runtime runtimeDisplayName provider providerDisplayName agentCard }\n  }\n": typeof types.CanvasWorkspaceDocument,
    "\n  query CanvasRegistry {\n    runtimes { name displayName defaultModel providers { name displayName platform authEnv } }\n    providers { name displayName platform authEnv }\n    offeredModels(runtime: \"claude-code\") { model provider providerDisplayName }\n  }\n": typeof types.CanvasRegistryDocument,
    "\n  mutation BeatWithState($input: HeartbeatInput!) {\n    heartbeat(input: $input) {\n      __typename\n      ... on HeartbeatSuccess {\n        workspace {\n          id\n          status\n          runtimeState { activeTasks currentTask errorRate health degradedReason version reportedAt }\n        }\n      }\n      ... on RequestError { code message field }\n    }\n  }\n": typeof types.BeatWithStateDocument,
    "\n  query WorkspaceState($id: ID!) {\n    workspace(id: $id) { status runtimeState { activeTasks currentTask errorRate health degradedReason version reportedAt } }\n  }\n": typeof types.WorkspaceStateDocument,
    "\n  subscription WithWorkspace {\n    workspaceEvents { cursor workspace { name } }\n  }\n": typeof types.WithWorkspaceDocument,
    "\n  query CanvasLoad($statuses: [WorkspaceStatus!], $runtime: String, $search: String, $orderBy: WorkspaceOrder) {\n    workspaces(first: 50, statuses: $statuses, runtime: $runtime, search: $search, orderBy: $orderBy) {\n      totalCount\n      countsByStatus { status count }\n      headCursor\n      edges { cursor node { id name status runtimeDisplayName providerDisplayName agentCard lastHeartbeatAt } }\n      pageInfo { hasNextPage endCursor }\n    }\n    activity: workspaceEvents(last: 20) {\n      headCursor\n      edges { cursor node { type workspaceId status at } }\n    }\n    runtimes { name displayName }\n    providers { name displayName }\n  }\n": typeof types.CanvasLoadDocument,
    "\n  query CanvasDetail($id: ID!) {\n    workspace(id: $id) {\n      id\n      agentCard\n      runtimeDisplayName\n      providerDisplayName\n      events(last: 10) { headCursor edges { cursor node { type status at } } }\n    }\n  }\n": typeof types.CanvasDetailDocument,
    "\n  mutation CountedUpdate($input: UpdateWorkspaceInput!) {\n    updateWorkspace(input: $input) { __typename ... on UpdateWorkspaceSuccess { workspace { id name model provider } } }\n  }\n": typeof types.CountedUpdateDocument,
    "\n  query ListWorkspacesWithSecrets($first: Int) {\n    workspaces(first: $first) { edges { node { id name status secrets { key updatedAt } } } }\n  }\n": typeof types.ListWorkspacesWithSecretsDocument,
    "\n  mutation UpdateWorkspace($input: UpdateWorkspaceInput!) {\n    updateWorkspace(input: $input) {\n      __typename\n      ... on UpdateWorkspaceSuccess { workspace { id name runtime model provider platformBilled status updatedAt } }\n      ... on Error { code message }\n      ... on RequestError { field }\n      ... on UnregisteredModelError { runtime model offeredModels }\n      ... on MissingByokCredentialError { runtime model provider acceptedEnv suggestedModel }\n    }\n  }\n": typeof types.UpdateWorkspaceDocument,
    "\n  query WorkspaceCounts($kind: WorkspaceKind, $runtime: String, $statuses: [WorkspaceStatus!]) {\n    workspaces(first: 0, kind: $kind, runtime: $runtime, statuses: $statuses) {\n      totalCount\n      countsByStatus { status count }\n    }\n  }\n": typeof types.WorkspaceCountsDocument,
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
    "\n  mutation CreateApiToken($input: CreateApiTokenInput!) {\n    createApiToken(input: $input) {\n      __typename\n      ... on CreateApiTokenSuccess {\n        token\n        apiToken { id label role createdAt expiresAt lastUsedAt revokedAt createdBy { kind id label } }\n      }\n      ... on RequestError { code message field }\n    }\n  }\n": typeof types.CreateApiTokenDocument,
    "\n  mutation RevokeApiToken($id: ID!) {\n    revokeApiToken(id: $id) {\n      __typename\n      ... on RevokeApiTokenSuccess { apiToken { id label revokedAt } }\n      ... on RequestError { code message field }\n    }\n  }\n": typeof types.RevokeApiTokenDocument,
    "\n  query ListApiTokens($first: Int, $after: String, $includeRevoked: Boolean) {\n    apiTokens(first: $first, after: $after, includeRevoked: $includeRevoked) {\n      edges { cursor node { id label role createdAt expiresAt lastUsedAt revokedAt createdBy { kind id label } } }\n      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }\n    }\n  }\n": typeof types.ListApiTokensDocument,
    "\n  query EventActors($workspaceId: ID) {\n    workspaceEvents(workspaceId: $workspaceId, first: 100) {\n      edges { node { type status code actor { kind id label } } }\n    }\n  }\n": typeof types.EventActorsDocument,
    "\n  query WorkspaceSecretActors($id: ID!) {\n    workspace(id: $id) { id secrets { key updatedAt updatedBy { kind id label } } }\n  }\n": typeof types.WorkspaceSecretActorsDocument,
    "\n  query OrgSecretActors { orgSecrets { key updatedAt updatedBy { kind id label } } }\n": typeof types.OrgSecretActorsDocument,
    "\n  query AgentConfig($workspaceId: ID!) {\n    agentConfig(workspaceId: $workspaceId) {\n      __typename\n      ... on AgentConfigSuccess {\n        config { workspaceId runtime model provider platformBilled env { key value error } }\n      }\n      ... on RequestError { code message field }\n    }\n  }\n": typeof types.AgentConfigDocument,
    "\n  query RuntimeState($id: ID!) {\n    workspace(id: $id) { id status generation configStale failure { code message } }\n  }\n": typeof types.RuntimeStateDocument,
    "\n  subscription OnWorkspaceEvents($workspaceId: ID, $after: String) {\n    workspaceEvents(workspaceId: $workspaceId, after: $after) { cursor type workspaceId status code message payload at }\n  }\n": typeof types.OnWorkspaceEventsDocument,
    "\n  subscription OnProvisionFailures($workspaceId: ID, $after: String) {\n    provisionFailures(workspaceId: $workspaceId, after: $after) { cursor type workspaceId status code message at }\n  }\n": typeof types.OnProvisionFailuresDocument,
};
const documents: Documents = {
    "\n  query EventPage($workspaceId: ID, $first: Int, $after: String, $last: Int, $before: String) {\n    workspaceEvents(workspaceId: $workspaceId, first: $first, after: $after, last: $last, before: $before) {\n      headCursor\n      edges { cursor node { cursor type workspaceId status } }\n      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }\n    }\n  }\n": types.EventPageDocument,
    "\n  query OwnEvents($id: ID!, $last: Int, $before: String) {\n    workspace(id: $id) {\n      id\n      events(last: $last, before: $before) {\n        headCursor\n        edges { cursor node { type status workspaceId } }\n        pageInfo { hasNextPage hasPreviousPage }\n      }\n    }\n  }\n": types.OwnEventsDocument,
    "\n  query Snapshot {\n    workspaces(first: 100, statuses: [PROVISIONING, ONLINE, OFFLINE, FAILED, REMOVED]) {\n      headCursor\n      totalCount\n      edges { node { id status } }\n    }\n  }\n": types.SnapshotDocument,
    "\n  query CanvasList(\n    $first: Int\n    $after: String\n    $status: WorkspaceStatus\n    $statuses: [WorkspaceStatus!]\n    $kind: WorkspaceKind\n    $runtime: String\n    $search: String\n    $orderBy: WorkspaceOrder\n  ) {\n    workspaces(\n      first: $first\n      after: $after\n      status: $status\n      statuses: $statuses\n      kind: $kind\n      runtime: $runtime\n      search: $search\n      orderBy: $orderBy\n    ) {\n      edges { cursor node { id name status kind runtime createdAt lastHeartbeatAt } }\n      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }\n    }\n  }\n": types.CanvasListDocument,
    "\n  query CanvasCounts($statuses: [WorkspaceStatus!], $kind: WorkspaceKind, $runtime: String, $search: String) {\n    workspaces(first: 0, statuses: $statuses, kind: $kind, runtime: $runtime, search: $search) {\n      totalCount\n      countsByStatus { status count }\n    }\n  }\n": types.CanvasCountsDocument,
    "\n  query CanvasWorkspace($id: ID!) {\n    workspace(id: $id) { id runtime runtimeDisplayName provider providerDisplayName agentCard }\n  }\n": types.CanvasWorkspaceDocument,
    "\n  query CanvasRegistry {\n    runtimes { name displayName defaultModel providers { name displayName platform authEnv } }\n    providers { name displayName platform authEnv }\n    offeredModels(runtime: \"claude-code\") { model provider providerDisplayName }\n  }\n": types.CanvasRegistryDocument,
    "\n  mutation BeatWithState($input: HeartbeatInput!) {\n    heartbeat(input: $input) {\n      __typename\n      ... on HeartbeatSuccess {\n        workspace {\n          id\n          status\n          runtimeState { activeTasks currentTask errorRate health degradedReason version reportedAt }\n        }\n      }\n      ... on RequestError { code message field }\n    }\n  }\n": types.BeatWithStateDocument,
    "\n  query WorkspaceState($id: ID!) {\n    workspace(id: $id) { status runtimeState { activeTasks currentTask errorRate health degradedReason version reportedAt } }\n  }\n": types.WorkspaceStateDocument,
    "\n  subscription WithWorkspace {\n    workspaceEvents { cursor workspace { name } }\n  }\n": types.WithWorkspaceDocument,
    "\n  query CanvasLoad($statuses: [WorkspaceStatus!], $runtime: String, $search: String, $orderBy: WorkspaceOrder) {\n    workspaces(first: 50, statuses: $statuses, runtime: $runtime, search: $search, orderBy: $orderBy) {\n      totalCount\n      countsByStatus { status count }\n      headCursor\n      edges { cursor node { id name status runtimeDisplayName providerDisplayName agentCard lastHeartbeatAt } }\n      pageInfo { hasNextPage endCursor }\n    }\n    activity: workspaceEvents(last: 20) {\n      headCursor\n      edges { cursor node { type workspaceId status at } }\n    }\n    runtimes { name displayName }\n    providers { name displayName }\n  }\n": types.CanvasLoadDocument,
    "\n  query CanvasDetail($id: ID!) {\n    workspace(id: $id) {\n      id\n      agentCard\n      runtimeDisplayName\n      providerDisplayName\n      events(last: 10) { headCursor edges { cursor node { type status at } } }\n    }\n  }\n": types.CanvasDetailDocument,
    "\n  mutation CountedUpdate($input: UpdateWorkspaceInput!) {\n    updateWorkspace(input: $input) { __typename ... on UpdateWorkspaceSuccess { workspace { id name model provider } } }\n  }\n": types.CountedUpdateDocument,
    "\n  query ListWorkspacesWithSecrets($first: Int) {\n    workspaces(first: $first) { edges { node { id name status secrets { key updatedAt } } } }\n  }\n": types.ListWorkspacesWithSecretsDocument,
    "\n  mutation UpdateWorkspace($input: UpdateWorkspaceInput!) {\n    updateWorkspace(input: $input) {\n      __typename\n      ... on UpdateWorkspaceSuccess { workspace { id name runtime model provider platformBilled status updatedAt } }\n      ... on Error { code message }\n      ... on RequestError { field }\n      ... on UnregisteredModelError { runtime model offeredModels }\n      ... on MissingByokCredentialError { runtime model provider acceptedEnv suggestedModel }\n    }\n  }\n": types.UpdateWorkspaceDocument,
    "\n  query WorkspaceCounts($kind: WorkspaceKind, $runtime: String, $statuses: [WorkspaceStatus!]) {\n    workspaces(first: 0, kind: $kind, runtime: $runtime, statuses: $statuses) {\n      totalCount\n      countsByStatus { status count }\n    }\n  }\n": types.WorkspaceCountsDocument,
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
    "\n  mutation CreateApiToken($input: CreateApiTokenInput!) {\n    createApiToken(input: $input) {\n      __typename\n      ... on CreateApiTokenSuccess {\n        token\n        apiToken { id label role createdAt expiresAt lastUsedAt revokedAt createdBy { kind id label } }\n      }\n      ... on RequestError { code message field }\n    }\n  }\n": types.CreateApiTokenDocument,
    "\n  mutation RevokeApiToken($id: ID!) {\n    revokeApiToken(id: $id) {\n      __typename\n      ... on RevokeApiTokenSuccess { apiToken { id label revokedAt } }\n      ... on RequestError { code message field }\n    }\n  }\n": types.RevokeApiTokenDocument,
    "\n  query ListApiTokens($first: Int, $after: String, $includeRevoked: Boolean) {\n    apiTokens(first: $first, after: $after, includeRevoked: $includeRevoked) {\n      edges { cursor node { id label role createdAt expiresAt lastUsedAt revokedAt createdBy { kind id label } } }\n      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }\n    }\n  }\n": types.ListApiTokensDocument,
    "\n  query EventActors($workspaceId: ID) {\n    workspaceEvents(workspaceId: $workspaceId, first: 100) {\n      edges { node { type status code actor { kind id label } } }\n    }\n  }\n": types.EventActorsDocument,
    "\n  query WorkspaceSecretActors($id: ID!) {\n    workspace(id: $id) { id secrets { key updatedAt updatedBy { kind id label } } }\n  }\n": types.WorkspaceSecretActorsDocument,
    "\n  query OrgSecretActors { orgSecrets { key updatedAt updatedBy { kind id label } } }\n": types.OrgSecretActorsDocument,
    "\n  query AgentConfig($workspaceId: ID!) {\n    agentConfig(workspaceId: $workspaceId) {\n      __typename\n      ... on AgentConfigSuccess {\n        config { workspaceId runtime model provider platformBilled env { key value error } }\n      }\n      ... on RequestError { code message field }\n    }\n  }\n": types.AgentConfigDocument,
    "\n  query RuntimeState($id: ID!) {\n    workspace(id: $id) { id status generation configStale failure { code message } }\n  }\n": types.RuntimeStateDocument,
    "\n  subscription OnWorkspaceEvents($workspaceId: ID, $after: String) {\n    workspaceEvents(workspaceId: $workspaceId, after: $after) { cursor type workspaceId status code message payload at }\n  }\n": types.OnWorkspaceEventsDocument,
    "\n  subscription OnProvisionFailures($workspaceId: ID, $after: String) {\n    provisionFailures(workspaceId: $workspaceId, after: $after) { cursor type workspaceId status code message at }\n  }\n": types.OnProvisionFailuresDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query EventPage($workspaceId: ID, $first: Int, $after: String, $last: Int, $before: String) {\n    workspaceEvents(workspaceId: $workspaceId, first: $first, after: $after, last: $last, before: $before) {\n      headCursor\n      edges { cursor node { cursor type workspaceId status } }\n      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }\n    }\n  }\n"): typeof import('./graphql.js').EventPageDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query OwnEvents($id: ID!, $last: Int, $before: String) {\n    workspace(id: $id) {\n      id\n      events(last: $last, before: $before) {\n        headCursor\n        edges { cursor node { type status workspaceId } }\n        pageInfo { hasNextPage hasPreviousPage }\n      }\n    }\n  }\n"): typeof import('./graphql.js').OwnEventsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Snapshot {\n    workspaces(first: 100, statuses: [PROVISIONING, ONLINE, OFFLINE, FAILED, REMOVED]) {\n      headCursor\n      totalCount\n      edges { node { id status } }\n    }\n  }\n"): typeof import('./graphql.js').SnapshotDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query CanvasList(\n    $first: Int\n    $after: String\n    $status: WorkspaceStatus\n    $statuses: [WorkspaceStatus!]\n    $kind: WorkspaceKind\n    $runtime: String\n    $search: String\n    $orderBy: WorkspaceOrder\n  ) {\n    workspaces(\n      first: $first\n      after: $after\n      status: $status\n      statuses: $statuses\n      kind: $kind\n      runtime: $runtime\n      search: $search\n      orderBy: $orderBy\n    ) {\n      edges { cursor node { id name status kind runtime createdAt lastHeartbeatAt } }\n      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }\n    }\n  }\n"): typeof import('./graphql.js').CanvasListDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query CanvasCounts($statuses: [WorkspaceStatus!], $kind: WorkspaceKind, $runtime: String, $search: String) {\n    workspaces(first: 0, statuses: $statuses, kind: $kind, runtime: $runtime, search: $search) {\n      totalCount\n      countsByStatus { status count }\n    }\n  }\n"): typeof import('./graphql.js').CanvasCountsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query CanvasWorkspace($id: ID!) {\n    workspace(id: $id) { id runtime runtimeDisplayName provider providerDisplayName agentCard }\n  }\n"): typeof import('./graphql.js').CanvasWorkspaceDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query CanvasRegistry {\n    runtimes { name displayName defaultModel providers { name displayName platform authEnv } }\n    providers { name displayName platform authEnv }\n    offeredModels(runtime: \"claude-code\") { model provider providerDisplayName }\n  }\n"): typeof import('./graphql.js').CanvasRegistryDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation BeatWithState($input: HeartbeatInput!) {\n    heartbeat(input: $input) {\n      __typename\n      ... on HeartbeatSuccess {\n        workspace {\n          id\n          status\n          runtimeState { activeTasks currentTask errorRate health degradedReason version reportedAt }\n        }\n      }\n      ... on RequestError { code message field }\n    }\n  }\n"): typeof import('./graphql.js').BeatWithStateDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query WorkspaceState($id: ID!) {\n    workspace(id: $id) { status runtimeState { activeTasks currentTask errorRate health degradedReason version reportedAt } }\n  }\n"): typeof import('./graphql.js').WorkspaceStateDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription WithWorkspace {\n    workspaceEvents { cursor workspace { name } }\n  }\n"): typeof import('./graphql.js').WithWorkspaceDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query CanvasLoad($statuses: [WorkspaceStatus!], $runtime: String, $search: String, $orderBy: WorkspaceOrder) {\n    workspaces(first: 50, statuses: $statuses, runtime: $runtime, search: $search, orderBy: $orderBy) {\n      totalCount\n      countsByStatus { status count }\n      headCursor\n      edges { cursor node { id name status runtimeDisplayName providerDisplayName agentCard lastHeartbeatAt } }\n      pageInfo { hasNextPage endCursor }\n    }\n    activity: workspaceEvents(last: 20) {\n      headCursor\n      edges { cursor node { type workspaceId status at } }\n    }\n    runtimes { name displayName }\n    providers { name displayName }\n  }\n"): typeof import('./graphql.js').CanvasLoadDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query CanvasDetail($id: ID!) {\n    workspace(id: $id) {\n      id\n      agentCard\n      runtimeDisplayName\n      providerDisplayName\n      events(last: 10) { headCursor edges { cursor node { type status at } } }\n    }\n  }\n"): typeof import('./graphql.js').CanvasDetailDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CountedUpdate($input: UpdateWorkspaceInput!) {\n    updateWorkspace(input: $input) { __typename ... on UpdateWorkspaceSuccess { workspace { id name model provider } } }\n  }\n"): typeof import('./graphql.js').CountedUpdateDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ListWorkspacesWithSecrets($first: Int) {\n    workspaces(first: $first) { edges { node { id name status secrets { key updatedAt } } } }\n  }\n"): typeof import('./graphql.js').ListWorkspacesWithSecretsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateWorkspace($input: UpdateWorkspaceInput!) {\n    updateWorkspace(input: $input) {\n      __typename\n      ... on UpdateWorkspaceSuccess { workspace { id name runtime model provider platformBilled status updatedAt } }\n      ... on Error { code message }\n      ... on RequestError { field }\n      ... on UnregisteredModelError { runtime model offeredModels }\n      ... on MissingByokCredentialError { runtime model provider acceptedEnv suggestedModel }\n    }\n  }\n"): typeof import('./graphql.js').UpdateWorkspaceDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query WorkspaceCounts($kind: WorkspaceKind, $runtime: String, $statuses: [WorkspaceStatus!]) {\n    workspaces(first: 0, kind: $kind, runtime: $runtime, statuses: $statuses) {\n      totalCount\n      countsByStatus { status count }\n    }\n  }\n"): typeof import('./graphql.js').WorkspaceCountsDocument;
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
export function graphql(source: "\n  mutation CreateApiToken($input: CreateApiTokenInput!) {\n    createApiToken(input: $input) {\n      __typename\n      ... on CreateApiTokenSuccess {\n        token\n        apiToken { id label role createdAt expiresAt lastUsedAt revokedAt createdBy { kind id label } }\n      }\n      ... on RequestError { code message field }\n    }\n  }\n"): typeof import('./graphql.js').CreateApiTokenDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RevokeApiToken($id: ID!) {\n    revokeApiToken(id: $id) {\n      __typename\n      ... on RevokeApiTokenSuccess { apiToken { id label revokedAt } }\n      ... on RequestError { code message field }\n    }\n  }\n"): typeof import('./graphql.js').RevokeApiTokenDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ListApiTokens($first: Int, $after: String, $includeRevoked: Boolean) {\n    apiTokens(first: $first, after: $after, includeRevoked: $includeRevoked) {\n      edges { cursor node { id label role createdAt expiresAt lastUsedAt revokedAt createdBy { kind id label } } }\n      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }\n    }\n  }\n"): typeof import('./graphql.js').ListApiTokensDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query EventActors($workspaceId: ID) {\n    workspaceEvents(workspaceId: $workspaceId, first: 100) {\n      edges { node { type status code actor { kind id label } } }\n    }\n  }\n"): typeof import('./graphql.js').EventActorsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query WorkspaceSecretActors($id: ID!) {\n    workspace(id: $id) { id secrets { key updatedAt updatedBy { kind id label } } }\n  }\n"): typeof import('./graphql.js').WorkspaceSecretActorsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query OrgSecretActors { orgSecrets { key updatedAt updatedBy { kind id label } } }\n"): typeof import('./graphql.js').OrgSecretActorsDocument;
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
