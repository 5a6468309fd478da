// The package's entry (`exports`): what an agent runtime written in
// TypeScript or JavaScript imports. Only the agent's own operations ship
// with it (operations.ts); the tests' documents are generated into test/gql.
export {
  type AgentClient,
  type AgentClientOptions,
  type Beat,
  createAgentClient,
  type Registration,
} from "./agent.js";
export type { DeliveryMode, WorkspaceKind, WorkspaceStatus } from "./gql/graphql.js";
export { AgentHeartbeat, AgentReadConfig, AgentRegisterWorkspace } from "./operations.js";
export { fileTokenStore, memoryTokenStore, type TokenStore } from "./token-store.js";
export {
  AgentRequestError,
  AgentStoppedError,
  AgentUnavailableError,
  backoffDelay,
  postOperation,
  type RetryOptions,
  resultError,
  type Stopped,
  type StopReason,
  type Transport,
} from "./transport.js";
