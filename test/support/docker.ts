import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type Docker from "dockerode";
import { LABELS } from "../../src/provisioning/backend.js";
import { dockerClient } from "../../src/provisioning/docker-engine.js";

// A real Docker engine for the Docker backend's tests: the machine's daemon
// (started by scripts/docker/start-dockerd.sh when nothing answers) and,
// for the tests that stop and restart an engine, a second daemon of the
// tests' own, in folders of its own, stopped only by the pid it was given.

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const START_DOCKERD = path.join(ROOT, "scripts/docker/start-dockerd.sh");
const BUILD_IMAGE = path.join(ROOT, "scripts/docker/build-node-image.sh");

/** The image the tests run: this machine's node, built offline by build-node-image.sh. */
export const NODE_IMAGE = "cp-node:20";
export const NODE = "/usr/bin/node";
/** The reference agent (dist/agent.mjs) on the node image, as .ci/run builds it. */
export const AGENT_IMAGE = "cp-agent:latest";

export type Engine = { ok: true; dockerHost: string } | { ok: false; reason: string };

function run(file: string, env: Record<string, string>, timeoutMs: number, args: string[] = []) {
  return new Promise<{ ok: boolean; output: string }>((resolve) => {
    execFile("bash", [file, ...args], { env: { ...process.env, ...env }, timeout: timeoutMs }, (err, stdout, stderr) =>
      resolve({ ok: !err, output: `${stdout}${stderr}`.trim() }),
    );
  });
}

/** Whether the engine at dockerHost answers /_ping. */
export function pingEngine(dockerHost: string, timeoutMs = 2_000): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ ...engineTarget(dockerHost), path: "/_ping", timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(false));
  });
}

/** Where an http request to the engine at dockerHost goes. */
function engineTarget(dockerHost: string): http.RequestOptions {
  const url = new URL(dockerHost);
  return url.protocol === "unix:" ? { socketPath: url.pathname } : { host: url.hostname, port: Number(url.port) };
}

/**
 * An engine in front of the one at dockerHost, on a socket of its own: each
 * request goes to intercept first, which answers it itself (returning true)
 * or lets it through to the real engine unchanged.
 */
export async function engineProxy(
  dockerHost: string,
  intercept: (req: http.IncomingMessage, res: http.ServerResponse) => boolean,
): Promise<{ dockerHost: string; close: () => Promise<void> }> {
  const socketPath = path.join(os.tmpdir(), `cp-engine-proxy-${process.pid}-${Date.now()}.sock`);
  const server = http.createServer((req, res) => {
    if (intercept(req, res)) return;
    const upstream = http.request(
      { ...engineTarget(dockerHost), method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", (err) => res.destroy(err));
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return {
    dockerHost: `unix://${socketPath}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * The machine's engine with the test image on it. Starts (and if need be
 * installs) the daemon when nothing answers; `ok: false` only when no daemon
 * can be had, with the reason. With agentFile, the agent image is built from it too. An image that cannot be built where a daemon
 * runs is a failure, not a skip.
 */
export async function machineEngine(options: { agentFile?: string } = {}): Promise<Engine> {
  const dockerHost = process.env.TEST_DOCKER_HOST ?? "unix:///var/run/docker.sock";
  if (!(await pingEngine(dockerHost))) {
    const started = await run(START_DOCKERD, { DOCKER_HOST: dockerHost }, 240_000);
    if (!started.ok || !(await pingEngine(dockerHost))) {
      return { ok: false, reason: `no Docker daemon at ${dockerHost} could be started: ${started.output.slice(-600)}` };
    }
  }
  await buildImage(dockerHost);
  if (options.agentFile) await buildAgentImage(dockerHost, options.agentFile, AGENT_IMAGE);
  return { ok: true, dockerHost };
}

async function buildImage(dockerHost: string): Promise<void> {
  const built = await run(BUILD_IMAGE, { DOCKER_HOST: dockerHost }, 120_000);
  if (!built.ok) throw new Error(`the test image could not be built on ${dockerHost}:\n${built.output}`);
}

/** An agent image as .ci/run builds cp-agent from dist/agent.mjs: FROM the node image, `node /agent.mjs`. */
export async function buildAgentImage(dockerHost: string, agentFile: string, image: string): Promise<void> {
  const built = await run(BUILD_IMAGE, { DOCKER_HOST: dockerHost, CP_AGENT_IMAGE: image }, 120_000, [agentFile]);
  if (!built.ok) throw new Error(`the agent image could not be built on ${dockerHost}:\n${built.output}`);
}

/** A dockerd of the tests' own: its own socket, data and exec roots, pid file and log. */
export class OwnDaemon {
  private constructor(
    readonly dir: string,
    private pid: number,
  ) {}

  get dockerHost(): string {
    return `unix://${path.join(this.dir, "docker.sock")}`;
  }

  /** The reason, instead of a daemon, when a second one cannot be started here (not root, no dockerd). */
  static async start(): Promise<OwnDaemon | string> {
    const dir = await mkdtemp(path.join(os.tmpdir(), "cp-dd-"));
    const daemon = new OwnDaemon(dir, 0);
    const started = await daemon.launch();
    if (started !== true) {
      await rm(dir, { recursive: true, force: true }).catch(() => {});
      return started;
    }
    await buildImage(daemon.dockerHost);
    return daemon;
  }

  private async launch(): Promise<true | string> {
    const started = await run(
      START_DOCKERD,
      {
        DOCKER_HOST: this.dockerHost,
        DOCKERD_PIDFILE: path.join(this.dir, "pid"),
        DOCKERD_LOG: path.join(this.dir, "dockerd.log"),
        DOCKERD_DATA_ROOT: path.join(this.dir, "data"),
        DOCKERD_EXEC_ROOT: path.join(this.dir, "exec"),
      },
      60_000,
    );
    if (!started.ok) return `a second dockerd could not be started: ${started.output.slice(-600)}`;
    this.pid = Number((await readFile(path.join(this.dir, "pid"), "utf8")).trim());
    return true;
  }

  /** Stops this daemon, and only it: SIGTERM to the pid it was started with, once that pid is checked to be it. */
  async stop(): Promise<void> {
    const cmdline = await readFile(`/proc/${this.pid}/cmdline`, "utf8").catch(() => "");
    if (!cmdline.startsWith("dockerd") || !cmdline.includes(this.dir)) return;
    process.kill(this.pid, "SIGTERM");
    const deadline = Date.now() + 30_000;
    while (isAlive(this.pid)) {
      if (Date.now() > deadline) process.kill(this.pid, "SIGKILL");
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async restart(): Promise<void> {
    const started = await this.launch();
    if (started !== true) throw new Error(started);
  }

  /** Stops it and removes its folders (unmounting what the engine left mounted there). */
  async destroy(): Promise<void> {
    await this.stop();
    const mounts = (await readFile("/proc/mounts", "utf8"))
      .split("\n")
      .map((line) => line.split(" ")[1] ?? "")
      .filter((mount) => mount.startsWith(this.dir))
      .sort((a, b) => b.length - a.length);
    for (const mount of mounts) {
      await new Promise((resolve) => execFile("umount", ["-l", mount], resolve));
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A client of the test's own, to look at what the backend did (inspect, logs) and to clean up. */
export function engineClient(dockerHost: string): Docker {
  return dockerClient(dockerHost);
}

/** Removes every container labelled with owner, whatever its state. */
export async function removeOwned(docker: Docker, owner: string): Promise<void> {
  const containers = await docker.listContainers({ all: true, filters: { label: [`${LABELS.owner}=${owner}`] } });
  await Promise.all(
    containers.map((c) =>
      docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => {}),
    ),
  );
}

/** A container's stdout and stderr so far (the engine multiplexes them in 8-byte-headed frames). */
export async function containerOutput(docker: Docker, id: string): Promise<string> {
  const raw = (await docker.getContainer(id).logs({ stdout: true, stderr: true, follow: false })) as Buffer;
  let out = "";
  for (let at = 0; at + 8 <= raw.length; ) {
    const size = raw.readUInt32BE(at + 4);
    out += raw.subarray(at + 8, at + 8 + size).toString("utf8");
    at += 8 + size;
  }
  return out;
}

/** Polls until check returns a value other than undefined; fails with the last value seen at the deadline. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
      last = undefined;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms (last: ${String(last)})`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A container of some workspace, as the engine shows it to anyone (labels, environment, process). */
export type ContainerView = {
  ref: string;
  workspaceId: string;
  generation: number;
  env: Record<string, string>;
  argv: string[];
  running: boolean;
  status: string;
};

/** Every container (running or not, of any owner) labelled with one of these workspaces. */
export async function containersOf(docker: Docker, workspaceIds: Iterable<string>): Promise<ContainerView[]> {
  const wanted = new Set(workspaceIds);
  const listed = await docker.listContainers({ all: true, filters: { label: [LABELS.workspaceId] } });
  const mine = listed.filter((c) => wanted.has(c.Labels[LABELS.workspaceId] ?? ""));
  const views = await Promise.all(
    mine.map(async (c): Promise<ContainerView | null> => {
      const info = await docker
        .getContainer(c.Id)
        .inspect()
        .catch(() => null);
      if (!info) return null;
      const env: Record<string, string> = {};
      for (const pair of info.Config.Env ?? []) {
        const eq = pair.indexOf("=");
        env[pair.slice(0, eq)] = pair.slice(eq + 1);
      }
      return {
        ref: info.Id,
        workspaceId: info.Config.Labels[LABELS.workspaceId] as string,
        generation: Number(info.Config.Labels[LABELS.generation]),
        env,
        argv: [info.Path, ...info.Args],
        running: info.State.Running,
        status: info.State.Status,
      };
    }),
  );
  return views.filter((v): v is ContainerView => v !== null);
}

/** A file inside a container, read through the engine's archive API (the image may have no shell). */
export async function fileInContainer(docker: Docker, id: string, file: string): Promise<string> {
  const stream = await docker.getContainer(id).getArchive({ path: file });
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  const tar = Buffer.concat(chunks);
  // One regular file: a 512-byte header (size in octal at 124), then its bytes.
  const size = Number.parseInt(tar.subarray(124, 136).toString("latin1").replace(/\0.*$/, "").trim(), 8);
  return tar.subarray(512, 512 + size).toString("utf8");
}
