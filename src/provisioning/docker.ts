import type Docker from "dockerode";
import type { ContainerCreateOptions, ContainerInspectInfo } from "dockerode";
import type { Logger } from "../log.js";
import { LABELS, type ObservedRuntime, type RuntimeBackend, type RuntimeSpec } from "./backend.js";
import { containerSpec, observedFromLabels, SPEC_DIGEST_LABEL } from "./docker-container.js";
import { dockerClient, engineCall, engineStatus } from "./docker-engine.js";
import { type Backoff, DieEventWatcher } from "./docker-events.js";

export type DockerBackendOptions = {
  /** `unix:///path` or `tcp://host:port` (config's DOCKER_HOST). */
  dockerHost: string;
  /** The value of the owner label: this control plane's runtimes, not another's on the same engine. */
  owner: string;
  log?: Logger;
  /** Deadline of one engine request; a stop has its grace period on top. Default 30 s. */
  requestTimeoutMs?: number;
  /** How `watch` reconnects after the engine went away. Default 500 ms doubling to 15 s. */
  watchBackoff?: Backoff;
};

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const DEFAULT_GRACE_MS = 10_000;

/**
 * Runtimes as Docker containers, one per workspace generation, through the
 * Engine API. Containers outlive this process: `close` stops watching and
 * nothing else. Never logs an environment value.
 */
export class DockerBackend implements RuntimeBackend {
  readonly name = "docker";
  private readonly docker: Docker;
  private readonly owner: string;
  private readonly log: Logger;
  private readonly timeoutMs: number;
  private readonly backoff: Backoff;
  private readonly watchers = new Set<DieEventWatcher>();

  constructor(options: DockerBackendOptions) {
    this.docker = dockerClient(options.dockerHost);
    this.owner = options.owner;
    this.log = options.log ?? silent;
    this.timeoutMs = options.requestTimeoutMs ?? 30_000;
    this.backoff = options.watchBackoff ?? { initialMs: 500, maxMs: 15_000 };
  }

  /**
   * Starts the container of spec's generation, or finds it: a running one is
   * returned as it is, and one created from this same spec but not started
   * yet (a retried or racing start) is started. One created from another
   * spec, or that has exited, is replaced, so what runs has this spec's
   * environment (a join token in an older container's may be spent).
   */
  async start(spec: RuntimeSpec): Promise<ObservedRuntime> {
    const create = containerSpec(this.owner, spec);
    const name = create.name as string;
    const deadline = Date.now() + this.timeoutMs;
    for (;;) {
      const created = await this.create(create);
      if (created !== "exists") {
        const started = await this.startCreated(created, spec);
        if (started) return started;
      } else {
        // Undefined while another create of this name is still under way: the engine reserves the name first.
        const found = await this.inspect(name);
        if (found) {
          this.assertOwned(found, name);
          if (found.State.Running) {
            this.log.info({ msg: "docker: runtime already running", ...this.fields(spec), ref: found.Id });
            return { ...observedFromLabels(found.Id, found.Config.Labels), state: "running" };
          }
          const sameSpec = found.Config.Labels?.[SPEC_DIGEST_LABEL] === create.Labels?.[SPEC_DIGEST_LABEL];
          if (found.State.Status === "created" && sameSpec) {
            const started = await this.startCreated(this.docker.getContainer(found.Id), spec);
            if (started) return started;
          } else {
            await this.remove(found.Id);
            if (Date.now() <= deadline) continue;
          }
        }
      }
      if (Date.now() > deadline) throw new Error(`docker: ${name} did not settle: other starts keep replacing it`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async stop(ref: string, opts?: { graceMs?: number }): Promise<void> {
    // A ref is a container id or name; anything else (a path) names no container.
    if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(ref)) return;
    const found = await this.inspect(ref);
    if (!found) return;
    this.assertOwned(found, ref);
    const seconds = Math.ceil((opts?.graceMs ?? DEFAULT_GRACE_MS) / 1000);
    try {
      await engineCall("stop", this.timeoutMs + seconds * 1000, (signal) =>
        this.docker.getContainer(found.Id).stop({ t: seconds, abortSignal: signal }),
      );
    } catch (err) {
      // 304: not running; 404: gone already.
      if (engineStatus(err) === 404) return;
      if (engineStatus(err) !== 304) throw err;
    }
    await this.remove(found.Id);
    this.log.info({ msg: "docker: runtime stopped and removed", ref: found.Id, ...labelFields(found) });
  }

  async list(): Promise<ObservedRuntime[]> {
    const containers = await engineCall("list", this.timeoutMs, (signal) =>
      this.docker.listContainers({
        all: true,
        filters: { label: [`${LABELS.owner}=${this.owner}`] },
        abortSignal: signal,
      }),
    );
    return containers.map((c) => {
      const identity = observedFromLabels(c.Id, c.Labels);
      if (c.State === "running" || c.State === "paused" || c.State === "restarting") {
        return { ...identity, state: "running" };
      }
      // "Exited (3) 2 seconds ago"; a created or dead container has no exit code to give.
      const code = /^Exited \((-?\d+)\)/.exec(c.Status)?.[1];
      return code === undefined
        ? { ...identity, state: "exited" }
        : { ...identity, state: "exited", exit: { code: Number(code), signal: null } };
    });
  }

  watch(onExit: (runtime: ObservedRuntime) => void): () => void {
    const watcher = new DieEventWatcher(this.docker, this.owner, onExit, this.log, this.backoff, this.timeoutMs);
    this.watchers.add(watcher);
    watcher.start();
    return () => {
      watcher.stop();
      this.watchers.delete(watcher);
    };
  }

  async close(): Promise<void> {
    for (const watcher of this.watchers) watcher.stop();
    this.watchers.clear();
  }

  /** Creates the container, or says its name is taken. */
  private async create(options: ContainerCreateOptions): Promise<Docker.Container | "exists"> {
    const { name, ...config } = options;
    try {
      return await engineCall("create", this.timeoutMs, (signal) =>
        // The name goes in the query and the configuration in the body, as
        // the docker CLI sends them: by default the client would put the
        // whole configuration, environment values too, in the URL.
        this.docker.createContainer({
          _query: { name },
          _body: config,
          abortSignal: signal,
        } as unknown as ContainerCreateOptions),
      );
    } catch (err) {
      if (engineStatus(err) === 409) return "exists";
      if (engineStatus(err) === 404)
        throw new Error(`docker: image ${options.Image} is not on the engine`, { cause: err });
      throw err;
    }
  }

  /**
   * Starts a created container; undefined when it vanished or is being
   * removed (a racing start replacing it, or a sweep that took it for an
   * orphan): the caller looks again and creates it anew.
   */
  private async startCreated(container: Docker.Container, spec: RuntimeSpec): Promise<ObservedRuntime | undefined> {
    try {
      await engineCall("start", this.timeoutMs, (signal) => container.start({ abortSignal: signal }));
    } catch (err) {
      const status = engineStatus(err);
      // 409: "container ... is marked for removal and cannot be started".
      if (status === 404 || status === 409) return undefined;
      if (status !== 304) {
        // Not left behind as a created container that list() would show; best effort.
        if (status !== undefined) await this.remove(container.id).catch(() => {});
        throw err;
      }
    }
    this.log.info({ msg: "docker: runtime started", ...this.fields(spec), ref: container.id, image: spec.image });
    return { ref: container.id, workspaceId: spec.workspaceId, generation: spec.generation, state: "running" };
  }

  private async inspect(ref: string): Promise<ContainerInspectInfo | undefined> {
    try {
      return await engineCall("inspect", this.timeoutMs, (signal) =>
        this.docker.getContainer(ref).inspect({ abortSignal: signal }),
      );
    } catch (err) {
      if (engineStatus(err) === 404) return undefined;
      throw err;
    }
  }

  /** Removes a container, waiting while another removal of it finishes. */
  private async remove(id: string): Promise<void> {
    const deadline = Date.now() + this.timeoutMs;
    for (;;) {
      try {
        await engineCall("remove", this.timeoutMs, (signal) =>
          this.docker.getContainer(id).remove({ force: true, v: true, abortSignal: signal }),
        );
        return;
      } catch (err) {
        if (engineStatus(err) === 404) return;
        // 409: "removal of container ... is already in progress".
        if (engineStatus(err) !== 409 || Date.now() > deadline) throw err;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Refuses to touch a container this control plane did not label as its own. */
  private assertOwned(found: ContainerInspectInfo, ref: string): void {
    if (found.Config.Labels?.[LABELS.owner] !== this.owner) {
      throw new Error(`docker: container ${ref} is not one of this control plane's runtimes`);
    }
  }

  private fields(spec: RuntimeSpec) {
    return { workspaceId: spec.workspaceId, generation: spec.generation, runtime: spec.runtime };
  }
}

function labelFields(found: ContainerInspectInfo) {
  const { workspaceId, generation } = observedFromLabels(found.Id, found.Config.Labels);
  return { workspaceId, generation };
}
