import { graphql } from "./gql/gql.js";

// The agent client's own documents: only what a runtime needs to act on.

export const AgentRegisterWorkspace = graphql(`
  mutation AgentRegisterWorkspace($input: RegisterWorkspaceInput!) {
    registerWorkspace(input: $input) {
      __typename
      ... on RegisterWorkspaceSuccess {
        authToken
        platformInboundSecret
        deliveryMode
        workspace { id kind status lastHeartbeatAt }
      }
      ... on RequestError { code message field }
    }
  }
`);

export const AgentHeartbeat = graphql(`
  mutation AgentHeartbeat($input: HeartbeatInput!) {
    heartbeat(input: $input) {
      __typename
      ... on HeartbeatSuccess { platformInboundSecret workspace { id status lastHeartbeatAt } }
      ... on RequestError { code message field }
    }
  }
`);

export const AgentReadConfig = graphql(`
  query AgentReadConfig($workspaceId: ID!) {
    agentConfig(workspaceId: $workspaceId) {
      __typename
      ... on AgentConfigSuccess { config { runtime model provider platformBilled env { key value error } } }
      ... on RequestError { code message field }
    }
  }
`);
