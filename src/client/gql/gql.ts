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
};
const documents: Documents = {
    "\n  mutation AgentRegisterWorkspace($input: RegisterWorkspaceInput!) {\n    registerWorkspace(input: $input) {\n      __typename\n      ... on RegisterWorkspaceSuccess {\n        authToken\n        platformInboundSecret\n        deliveryMode\n        workspace { id kind status lastHeartbeatAt }\n      }\n      ... on RequestError { code message field }\n    }\n  }\n": types.AgentRegisterWorkspaceDocument,
    "\n  mutation AgentHeartbeat($input: HeartbeatInput!) {\n    heartbeat(input: $input) {\n      __typename\n      ... on HeartbeatSuccess { platformInboundSecret workspace { id status lastHeartbeatAt } }\n      ... on RequestError { code message field }\n    }\n  }\n": types.AgentHeartbeatDocument,
    "\n  query AgentReadConfig($workspaceId: ID!) {\n    agentConfig(workspaceId: $workspaceId) {\n      __typename\n      ... on AgentConfigSuccess { config { runtime model provider platformBilled env { key value error } } }\n      ... on RequestError { code message field }\n    }\n  }\n": types.AgentReadConfigDocument,
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


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
