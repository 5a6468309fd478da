import { randomBytes } from "node:crypto";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/log.js";
import { BackendUnavailableError, type ObservedRuntime, type RuntimeSpec } from "../../src/provisioning/backend.js";
import { DockerBackend } from "../../src/provisioning/docker.js";
import { eventually, NODE, NODE_IMAGE, OwnDaemon } from "../support/docker.js";
import { freePort } from "../support/ports.js";

// The engine missing, refusing, silent, and stopped then started again
// under a running backend. The first three need no engine at all, so they
// run everywhere; the restart runs on a daemon of this file's own.

const spec = (workspaceId: string, script: string): RuntimeSpec => ({
  workspaceId,
  generation: 1,
  runtime: "test-runtime",
  image: NODE_IMAGE,
  command: [NODE, "-e", script],
  env: { WORKSPACE_ID: workspaceId },
});

/** A TCP server that accepts and then says nothing, or hangs up at once; it counts connections. */
async function badServer(behaviour: "silent" | "hang-up") {
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const server = net.createServer((socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on("error", () => {});
    if (behaviour === "hang-up") socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    dockerHost: `tcp://127.0.0.1:${port}`,
    connections: () => connections,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

async function expectUnavailable(backend: DockerBackend, detail: RegExp) {
  const attempts: [string, Promise<unknown>][] = [
    ["start", backend.start(spec(crypto.randomUUID(), "0"))],
    ["list", backend.list()],
    ["stop", backend.stop("some-container")],
  ];
  for (const [what, attempt] of attempts) {
    const err = await attempt.then(
      () => new Error(`${what} succeeded`),
      (e: unknown) => e,
    );
    expect(err, what).toBeInstanceOf(BackendUnavailableError);
    expect((err as Error).message, what).toMatch(detail);
  }
}

describe("DockerBackend without an engine", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  it("answers BackendUnavailableError when the socket does not exist", async () => {
    const missing = path.join(os.tmpdir(), `cp-no-docker-${randomBytes(4).toString("hex")}.sock`);
    const backend = new DockerBackend({ dockerHost: `unix://${missing}`, owner: "test" });
    await expectUnavailable(backend, /ENOENT/);
  });

  it("answers BackendUnavailableError when nothing listens on the TCP port", async () => {
    const backend = new DockerBackend({ dockerHost: `tcp://127.0.0.1:${await freePort()}`, owner: "test" });
    await expectUnavailable(backend, /ECONNREFUSED/);
  });

  it("answers BackendUnavailableError when the engine accepts but never answers", async () => {
    const server = await badServer("silent");
    cleanups.push(server.close);
    const backend = new DockerBackend({ dockerHost: server.dockerHost, owner: "test", requestTimeoutMs: 300 });
    await expectUnavailable(backend, /no answer within 300 ms/);
  });

  it("sends the environment in the request body, never in a URL (which proxies and engine debug logs print)", async () => {
    const socket = path.join(os.tmpdir(), `cp-fake-engine-${randomBytes(4).toString("hex")}.sock`);
    const requests: { url: string; body: string }[] = [];
    const server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (chunk) => (body += chunk));
      req.on("end", () => {
        requests.push({ url: req.url ?? "", body });
        res.writeHead(500, { "content-type": "application/json" }).end(JSON.stringify({ message: "refused" }));
      });
    });
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));
    const backend = new DockerBackend({ dockerHost: `unix://${socket}`, owner: "test" });
    const value = `sk-${randomBytes(8).toString("hex")}`;
    await expect(backend.start({ ...spec("w", "0"), env: { PROVIDER_API_KEY: value } })).rejects.toThrow(/500/);
    expect(requests.map((r) => r.url)).toEqual([expect.stringMatching(/^\/v1\.41\/containers\/create\?name=cp-/)]);
    expect(requests[0]?.url).not.toContain(value);
    expect(JSON.parse(requests[0]?.body ?? "{}").Env).toEqual([`PROVIDER_API_KEY=${value}`]);
  });

  it("keeps watching while the socket does not exist, and connects once it appears", async () => {
    const socket = path.join(os.tmpdir(), `cp-late-engine-${randomBytes(4).toString("hex")}.sock`);
    const lines: string[] = [];
    const backend = new DockerBackend({
      dockerHost: `unix://${socket}`,
      owner: "test",
      log: createLogger("debug", (line) => lines.push(line)),
      watchBackoff: { initialMs: 20, maxMs: 100 },
    });
    const unwatch = backend.watch(() => {});
    cleanups.push(async () => {
      unwatch();
      await backend.close();
    });
    await eventually("the watcher's first failure", async () =>
      lines.some((l) => l.includes("docker events: disconnected") && l.includes("ENOENT")) ? true : undefined,
    );
    let requests = 0;
    const server = http.createServer((_req, res) => {
      requests += 1;
      res.writeHead(500).end();
    });
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));
    await eventually("a request on the socket that appeared", async () => (requests > 0 ? true : undefined));
  });

  it("keeps watching through failed connections, saying so once, until unsubscribed", async () => {
    const server = await badServer("hang-up");
    cleanups.push(server.close);
    const lines: string[] = [];
    const backend = new DockerBackend({
      dockerHost: server.dockerHost,
      owner: "test",
      log: createLogger("debug", (line) => lines.push(line)),
      watchBackoff: { initialMs: 20, maxMs: 100 },
    });
    const unwatch = backend.watch(() => {});
    await eventually("five connection attempts", async () => (server.connections() >= 5 ? true : undefined));
    unwatch();
    await backend.close();
    const warnings = lines.filter((l) => l.includes("docker events: disconnected"));
    expect(warnings).toHaveLength(1);
  });
});

describe("DockerBackend across an engine restart", () => {
  // Started here, not at import, so that a run filtered to other tests starts (and leaks) no daemon.
  let own: OwnDaemon | string = "not started";
  beforeAll(async () => {
    own = await OwnDaemon.start();
    if (typeof own === "string") console.warn(`Docker engine restart test skipped: ${own}`);
  }, 120_000);
  afterAll(async () => {
    if (typeof own !== "string") await own.destroy();
  });

  it("fails while the engine is down, then lists and watches again once it is back", async (ctx) => {
    if (typeof own === "string") return ctx.skip(own);
    const daemon = own;
    const lines: string[] = [];
    const backend = new DockerBackend({
      dockerHost: daemon.dockerHost,
      owner: `test-${randomBytes(4).toString("hex")}`,
      log: createLogger("debug", (line) => lines.push(line)),
      requestTimeoutMs: 5_000,
      watchBackoff: { initialMs: 50, maxMs: 500 },
    });
    const exits: ObservedRuntime[] = [];
    const unwatch = backend.watch((runtime) => exits.push(runtime));
    const exitOf = (ref: string) => eventually(`the exit of ${ref}`, async () => exits.find((e) => e.ref === ref));
    try {
      const before = await backend.start(spec(crypto.randomUUID(), "process.exit(2)"));
      expect((await exitOf(before.ref)).exit).toEqual({ code: 2, signal: null });

      await daemon.stop();
      await expect(backend.list()).rejects.toBeInstanceOf(BackendUnavailableError);
      await expect(backend.start(spec(crypto.randomUUID(), "0"))).rejects.toBeInstanceOf(BackendUnavailableError);

      await daemon.restart();
      const listed = await backend.list();
      expect(listed.map((r) => r.ref)).toContain(before.ref);

      // Only a watcher that reconnected to the new engine process can see this exit.
      const after = await backend.start(spec(crypto.randomUUID(), "setTimeout(() => process.exit(9), 100)"));
      expect((await exitOf(after.ref)).exit).toEqual({ code: 9, signal: null });
      // Said when it happened (once per outage is the hang-up test's to check: a daemon
      // that is shutting down may still take a connection and end it again).
      expect(lines.some((l) => l.includes("docker events: disconnected"))).toBe(true);
      expect(lines.some((l) => l.includes("docker events: connected again"))).toBe(true);
    } finally {
      unwatch();
      await backend.close();
    }
  });
});
