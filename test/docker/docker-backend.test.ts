import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/log.js";
import {
  BackendUnavailableError,
  LABELS,
  type ObservedRuntime,
  type RuntimeSpec,
} from "../../src/provisioning/backend.js";
import { DockerBackend } from "../../src/provisioning/docker.js";
import { containerName } from "../../src/provisioning/docker-container.js";
import {
  buildAgentImage,
  containerOutput,
  engineClient,
  engineProxy,
  eventually,
  machineEngine,
  NODE,
  NODE_IMAGE,
  removeOwned,
} from "../support/docker.js";

// The Docker backend against the machine's real engine: every container is
// labelled with an owner of this run only, and all of them are removed at
// the end whatever happened.

const engine = await machineEngine();
if (!engine.ok) console.warn(`Docker backend tests skipped: ${engine.reason}`);

describe.skipIf(!engine.ok)(engine.ok ? "DockerBackend" : `DockerBackend (skipped: ${engine.reason})`, () => {
  const dockerHost = engine.ok ? engine.dockerHost : "";
  const owner = `test-${randomBytes(4).toString("hex")}`;
  const logLines: string[] = [];
  let backend: DockerBackend;
  let docker: Docker;
  const exits: ObservedRuntime[] = [];
  let unwatch: () => void;

  /** Env as a runtime gets it, with a value that must never reach a log line. */
  const secret = `sk-${randomBytes(12).toString("hex")}`;

  const spec = (workspaceId: string, script: string, extra: Partial<RuntimeSpec> = {}): RuntimeSpec => ({
    workspaceId,
    generation: 1,
    runtime: "test-runtime",
    image: NODE_IMAGE,
    command: [NODE, "-e", script],
    env: { WORKSPACE_ID: workspaceId, PROVIDER_API_KEY: secret, "A.B": "x=y z" },
    ...extra,
  });
  const newWorkspace = () => crypto.randomUUID();

  /**
   * Prints the environment as JSON, then runs until SIGTERM, which it answers
   * by exiting 0. The handler comes first: once the output is seen, a SIGTERM
   * is answered (printed first, a loaded machine showed kills after the grace).
   */
  const printEnvAndWait = `
    process.on("SIGTERM", () => { console.log("SIGTERM"); process.exit(0); });
    console.log(JSON.stringify(process.env));
    setInterval(() => {}, 1000);`;

  const exitOf = (ref: string) => eventually(`the exit of ${ref}`, async () => exits.find((e) => e.ref === ref));

  beforeAll(() => {
    docker = engineClient(dockerHost);
    backend = new DockerBackend({
      dockerHost,
      owner,
      log: createLogger("debug", (line) => logLines.push(line)),
    });
    unwatch = backend.watch((runtime) => exits.push(runtime));
  });

  afterAll(async () => {
    unwatch?.();
    await backend?.close();
    if (docker) await removeOwned(docker, owner);
  });

  it("starts a container with exactly the given environment, labels and limits, and lists it", async () => {
    const workspaceId = newWorkspace();
    const started = await backend.start(spec(workspaceId, printEnvAndWait, { memoryMb: 96, cpus: 0.5 }));
    expect(started).toMatchObject({ workspaceId, generation: 1, state: "running" });

    const info = await docker.getContainer(started.ref).inspect();
    expect(info.Name).toMatch(new RegExp(`^/cp-[0-9a-f]{8}-${workspaceId}-g1$`));
    expect([...info.Config.Env].sort()).toEqual(
      [`A.B=x=y z`, `PROVIDER_API_KEY=${secret}`, `WORKSPACE_ID=${workspaceId}`].sort(),
    );
    expect(info.Config.Labels).toMatchObject({
      [LABELS.owner]: owner,
      [LABELS.workspaceId]: workspaceId,
      [LABELS.generation]: "1",
      [LABELS.runtime]: "test-runtime",
    });
    expect(info.HostConfig).toMatchObject({ Memory: 96 * 1024 * 1024, NanoCpus: 500_000_000, NetworkMode: "host" });

    // What the process itself sees: the given variables and only what the
    // engine adds of its own (PATH, HOSTNAME, HOME), none of this process's.
    const printed = await eventually("the runtime's printed environment", async () => {
      const line = (await containerOutput(docker, started.ref)).split("\n").find((l) => l.startsWith("{"));
      return line ? (JSON.parse(line) as Record<string, string>) : undefined;
    });
    const { PATH, HOSTNAME, HOME, ...given } = printed;
    expect(given).toEqual({ WORKSPACE_ID: workspaceId, PROVIDER_API_KEY: secret, "A.B": "x=y z" });
    expect([PATH, HOSTNAME, HOME].every((v) => typeof v === "string")).toBe(true);

    const listed = await backend.list();
    expect(listed).toContainEqual({ ref: started.ref, workspaceId, generation: 1, state: "running" });
  });

  it("runs the image's own command when the spec gives none: an agent image as the build script makes it", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "cp-agent-test-"));
    const agentFile = path.join(dir, "agent.mjs");
    // Fixed content and tag: the script's fingerprint makes every run after the first a no-op.
    await writeFile(
      agentFile,
      `console.log("agent for " + process.env.WORKSPACE_ID + " argv " + process.argv.length);\n`,
    );
    await buildAgentImage(dockerHost, agentFile, "cp-agent-test:latest");
    await rm(dir, { recursive: true, force: true });

    const workspaceId = newWorkspace();
    const started = await backend.start({
      ...spec(workspaceId, ""),
      command: undefined,
      image: "cp-agent-test:latest",
    });
    expect((await exitOf(started.ref)).exit).toEqual({ code: 0, signal: null });
    expect(await containerOutput(docker, started.ref)).toBe(`agent for ${workspaceId} argv 2\n`);
    expect((await docker.getContainer(started.ref).inspect()).Config.Cmd).toEqual([NODE, "/agent.mjs"]);
  });

  it("starts a generation once: a repeated or concurrent start finds the same container", async () => {
    const workspaceId = newWorkspace();
    const s = spec(workspaceId, printEnvAndWait);
    const [a, b] = await Promise.all([backend.start(s), backend.start(s)]);
    const c = await backend.start(s);
    expect(b.ref).toBe(a.ref);
    expect(c.ref).toBe(a.ref);
    const mine = (await backend.list()).filter((r) => r.workspaceId === workspaceId);
    expect(mine).toEqual([{ ref: a.ref, workspaceId, generation: 1, state: "running" }]);

    // The next generation is another container beside it, until the old one is stopped.
    const next = await backend.start({ ...s, generation: 2 });
    expect(next.ref).not.toBe(a.ref);
    const both = (await backend.list()).filter((r) => r.workspaceId === workspaceId);
    expect(both.map((r) => r.generation).sort()).toEqual([1, 2]);
  });

  it("starts again when its container is removed between create and start (a sweep taking it for an orphan)", async () => {
    // An engine in front of the real one that removes the first container
    // it is asked to start and answers that start as the engine does while
    // a removal is under way: 409 "marked for removal".
    const removals: Promise<unknown>[] = [];
    const starts: string[] = [];
    const proxy = await engineProxy(dockerHost, (req, res) => {
      const id = /\/containers\/([^/]+)\/start/.exec(req.url ?? "")?.[1];
      if (req.method !== "POST" || !id) return false;
      starts.push(id);
      if (starts.length > 1) return false;
      removals.push(docker.getContainer(id).remove({ force: true }));
      res
        .writeHead(409, { "content-type": "application/json" })
        .end(JSON.stringify({ message: `container ${id} is marked for removal and cannot be started` }));
      return true;
    });
    try {
      const racing = new DockerBackend({ dockerHost: proxy.dockerHost, owner });
      const workspaceId = newWorkspace();
      const started = await racing.start(spec(workspaceId, printEnvAndWait));
      await Promise.all(removals);
      expect(starts).toHaveLength(2);
      expect(started.ref).toBe(starts[1]);
      expect(started.ref).not.toBe(starts[0]);
      await expect(docker.getContainer(starts[0] ?? "").inspect()).rejects.toMatchObject({ statusCode: 404 });
      expect((await docker.getContainer(started.ref).inspect()).State.Running).toBe(true);
      const mine = (await backend.list()).filter((r) => r.workspaceId === workspaceId);
      expect(mine).toEqual([{ ref: started.ref, workspaceId, generation: 1, state: "running" }]);
    } finally {
      await proxy.close();
    }
  });

  it("reports an exit through watch and list, with its code", async () => {
    const workspaceId = newWorkspace();
    const started = await backend.start(spec(workspaceId, "setTimeout(() => process.exit(7), 300)"));
    expect(await exitOf(started.ref)).toEqual({
      ref: started.ref,
      workspaceId,
      generation: 1,
      state: "exited",
      exit: { code: 7, signal: null },
    });
    const listed = await eventually("the exited runtime in list()", async () =>
      (await backend.list()).find((r) => r.ref === started.ref && r.state === "exited"),
    );
    expect(listed.exit).toEqual({ code: 7, signal: null });
  });

  it("replaces an exited container of the generation on the next start, with the new spec", async () => {
    const workspaceId = newWorkspace();
    const first = await backend.start(spec(workspaceId, "process.exit(3)"));
    await exitOf(first.ref);
    const again = await backend.start(spec(workspaceId, printEnvAndWait, { env: { TOKEN: "second" } }));
    expect(again.ref).not.toBe(first.ref);
    const mine = (await backend.list()).filter((r) => r.workspaceId === workspaceId);
    expect(mine).toEqual([{ ref: again.ref, workspaceId, generation: 1, state: "running" }]);
    expect((await docker.getContainer(again.ref).inspect()).Config.Env).toEqual(["TOKEN=second"]);
  });

  it("replaces a container that a crashed start left created, with the spec it is given now", async () => {
    const workspaceId = newWorkspace();
    // What a control plane killed between create and start leaves: the name, the labels, an older join token.
    const leftover = await docker.createContainer({
      name: containerName(owner, workspaceId, 1),
      Image: NODE_IMAGE,
      Cmd: [NODE, "-e", printEnvAndWait],
      Env: ["WORKSPACE_JOIN_TOKEN=spent"],
      Labels: { [LABELS.owner]: owner, [LABELS.workspaceId]: workspaceId, [LABELS.generation]: "1" },
      HostConfig: { NetworkMode: "host" },
    });
    expect(await backend.list()).toContainEqual({ ref: leftover.id, workspaceId, generation: 1, state: "exited" });

    const started = await backend.start(spec(workspaceId, printEnvAndWait, { env: { WORKSPACE_JOIN_TOKEN: "fresh" } }));
    expect(started.ref).not.toBe(leftover.id);
    await expect(leftover.inspect()).rejects.toMatchObject({ statusCode: 404 });
    expect((await docker.getContainer(started.ref).inspect()).Config.Env).toEqual(["WORKSPACE_JOIN_TOKEN=fresh"]);
  });

  it("refuses, as errors of the spec and not of the engine, what it cannot run", async () => {
    const workspaceId = newWorkspace();
    const refusals = [
      backend.start(spec(workspaceId, "0", { image: undefined })),
      backend.start(spec(workspaceId, "0", { image: "cp-no-such-image:1" })),
      backend.start(spec(workspaceId, "0", { env: { "BAD=NAME": "x" } })),
    ];
    const errors = await Promise.all(
      refusals.map((p) =>
        p.then(
          () => undefined,
          (e: unknown) => e,
        ),
      ),
    );
    expect(errors.map((e) => (e as Error).message)).toEqual([
      expect.stringMatching(/has no image/),
      expect.stringMatching(/image cp-no-such-image:1 is not on the engine/),
      expect.stringMatching(/"BAD=NAME" cannot be an environment variable's name/),
    ]);
    for (const e of errors) expect(e).not.toBeInstanceOf(BackendUnavailableError);
    expect((await backend.list()).filter((r) => r.workspaceId === workspaceId)).toEqual([]);
  });

  it("stops with a grace period, then removes; a runtime that ignores SIGTERM is killed after it", async () => {
    const graceful = await backend.start(spec(newWorkspace(), printEnvAndWait));
    const stubborn = await backend.start(
      spec(
        newWorkspace(),
        `process.on("SIGTERM", () => console.log("ignored")); console.log("ready"); setInterval(() => {}, 1000);`,
      ),
    );
    // Both print once their handler is in place; asked to stop before that, both would be killed.
    for (const r of [graceful, stubborn]) {
      await eventually("the runtime's first output", async () =>
        (await containerOutput(docker, r.ref)).length > 0 ? true : undefined,
      );
    }
    await Promise.all([
      backend.stop(graceful.ref, { graceMs: 10_000 }),
      backend.stop(stubborn.ref, { graceMs: 1_000 }),
    ]);

    expect((await exitOf(graceful.ref)).exit).toEqual({ code: 0, signal: null });
    // 137 = 128 + SIGKILL: it outlived its grace period.
    expect((await exitOf(stubborn.ref)).exit).toEqual({ code: 137, signal: null });
    const refs = (await backend.list()).map((r) => r.ref);
    expect(refs).not.toContain(graceful.ref);
    expect(refs).not.toContain(stubborn.ref);
    await expect(docker.getContainer(graceful.ref).inspect()).rejects.toMatchObject({ statusCode: 404 });

    // An unknown or already removed runtime is already stopped.
    await backend.stop(graceful.ref);
    await backend.stop("no-such-container");
    await backend.stop("../../containers/json");
  });

  it("leaves runtimes running when closed: the next control plane process finds and adopts them", async () => {
    const workspaceId = newWorkspace();
    const first = new DockerBackend({ dockerHost, owner });
    const stopWatching = first.watch(() => {});
    const started = await first.start(spec(workspaceId, printEnvAndWait));
    stopWatching();
    await first.close();

    const next = new DockerBackend({ dockerHost, owner });
    try {
      expect(await next.list()).toContainEqual({ ref: started.ref, workspaceId, generation: 1, state: "running" });
      expect((await docker.getContainer(started.ref).inspect()).State.Running).toBe(true);
      expect((await next.start(spec(workspaceId, printEnvAndWait))).ref).toBe(started.ref);
    } finally {
      await next.close();
    }
  });

  it("lists nothing once every runtime is stopped", async () => {
    for (const r of await backend.list()) await backend.stop(r.ref, { graceMs: 0 });
    expect(await backend.list()).toEqual([]);
  });

  it("never touches, lists or reports another owner's containers", async () => {
    const other = new DockerBackend({ dockerHost, owner: `${owner}-other` });
    try {
      const foreign = await other.start(spec(newWorkspace(), "setTimeout(() => process.exit(4), 200)"));
      const mine = await backend.start(spec(newWorkspace(), "setTimeout(() => process.exit(5), 600)"));
      await exitOf(mine.ref);
      expect(exits.map((e) => e.ref)).not.toContain(foreign.ref);
      expect((await backend.list()).map((r) => r.ref)).not.toContain(foreign.ref);
      await expect(backend.stop(foreign.ref)).rejects.toThrow(/not one of this control plane's runtimes/);
      expect((await other.list()).map((r) => r.ref)).toEqual([foreign.ref]);
    } finally {
      await removeOwned(docker, `${owner}-other`);
      await other.close();
    }
  });

  it("writes no environment value to its log", () => {
    expect(logLines.some((l) => l.includes("docker: runtime started"))).toBe(true);
    expect(logLines.filter((l) => l.includes(secret) || l.includes("x=y z"))).toEqual([]);
  });
});
