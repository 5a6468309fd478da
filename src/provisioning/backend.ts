/**
 * The interface every runtime backend implements (SPEC section 9): local
 * processes, Docker, later Kubernetes. A backend knows nothing of GraphQL,
 * Prisma or workspaces' statuses: it starts, lists, watches and stops
 * labelled runtimes. The reconciler decides what should run.
 *
 * Kubernetes fits the same shape: a runtime is a Pod per workspace
 * generation, labelled with both; `env` becomes a Secret the Pod mounts;
 * `list` is a label-selector list, `watch` the watch API on those Pods.
 */

/** What one runtime of one workspace generation should be. */
export type RuntimeSpec = {
  workspaceId: string;
  /** Incremented by every restart: a runtime of an older generation is stopped. */
  generation: number;
  /** The registry runtime's name (which config entry it was started from). */
  runtime: string;
  /** argv. `process`: required. `docker`: overrides the image's command when set. */
  command?: readonly string[];
  /** `docker`: the image. */
  image?: string;
  /**
   * The whole environment of SPEC 9 (join token, model, keys, the config
   * entry's `env`). A backend adds nothing but `PATH` for processes, and
   * never logs a value.
   */
  env: Readonly<Record<string, string>>;
  memoryMb?: number;
  cpus?: number;
  /** `docker`: the network mode (default `host`). */
  network?: string;
};

export type RuntimeExit = { code: number | null; signal: string | null };

/** A runtime the backend found, identified by the labels it was started with. */
export type ObservedRuntime = {
  /** The backend's own handle: a pid, a container id, a pod name. */
  ref: string;
  workspaceId: string;
  generation: number;
  state: "running" | "exited";
  /** Set when state is "exited" and the backend knows how. */
  exit?: RuntimeExit;
};

export interface RuntimeBackend {
  readonly name: string;
  /**
   * Starts the runtime of spec.workspaceId at spec.generation, labelled so
   * that `list` (of this or a later control plane process) finds it.
   * Throws BackendUnavailableError when the engine cannot be reached.
   */
  start(spec: RuntimeSpec): Promise<ObservedRuntime>;
  /** SIGTERM (or the engine's stop) with a grace period, then kill; then removed. An unknown ref is already done. */
  stop(ref: string, opts?: { graceMs?: number }): Promise<void>;
  /** Every runtime this control plane labelled, running or exited but not yet removed. */
  list(): Promise<ObservedRuntime[]>;
  /** Exits as they happen (`list` is the backstop). Returns the unsubscribe. */
  watch(onExit: (runtime: ObservedRuntime) => void): () => void;
  /** Releases the backend's own resources. Stops no runtime: runtimes outlive the control plane. */
  close(): Promise<void>;
}

/** The engine (Docker daemon, process table, API server) cannot be reached right now; retry. */
export class BackendUnavailableError extends Error {
  override name = "BackendUnavailableError";
  constructor(
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
  }
}

/**
 * Labels (Docker labels, pid-file fields, Pod labels) every backend writes.
 * `owner` tells this control plane's runtimes from another's on the same
 * engine: it is stored in the database, so every instance of one control
 * plane shares it.
 */
export const LABELS = {
  owner: "dev.workspace-control-plane.owner",
  workspaceId: "dev.workspace-control-plane.workspace-id",
  generation: "dev.workspace-control-plane.generation",
  runtime: "dev.workspace-control-plane.runtime",
} as const;
