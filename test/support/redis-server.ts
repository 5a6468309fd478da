import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { Socket } from "node:net";
import os from "node:os";
import path from "node:path";
import { freePort } from "./ports.js";

/** Answers once a Redis on this port replies PONG. */
async function pong(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    let reply = "";
    socket.setTimeout(500);
    socket.once("error", () => resolve(false));
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
    socket.on("data", (chunk) => {
      reply += chunk.toString();
      if (reply.includes("\r\n")) {
        socket.end();
        resolve(reply.startsWith("+PONG"));
      }
    });
    socket.connect(port, "127.0.0.1", () => socket.write("PING\r\n"));
  });
}

export type PrivateRedis = {
  url: string;
  port: number;
  /** Starts it again on the same port (after stop). */
  start(): Promise<void>;
  /** Stops it (SIGTERM) and waits for the process to exit. */
  stop(): Promise<void>;
  /** Stops it and removes its directory. */
  dispose(): Promise<void>;
};

/**
 * A redis-server of the test's own, on a free port and in a temp directory,
 * with no persistence: tests may stop and start it without touching the
 * machine's Redis, which other tests use.
 */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "cp-redis-"));
  const port = await freePort();
  let child: ChildProcess | null = null;
  let stderr = "";

  const start = async () => {
    if (child) return;
    const proc = spawn(
      "redis-server",
      ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "no"],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    child = proc;
    proc.stderr?.on("data", (d) => {
      stderr += d.toString();
    });
    proc.once("exit", () => {
      if (child === proc) child = null;
    });
    const deadline = Date.now() + 10_000;
    while (!(await pong(port))) {
      if (child !== proc) throw new Error(`redis-server exited at start: ${stderr}`);
      if (Date.now() > deadline) throw new Error(`redis-server on port ${port} not ready after 10 s: ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  const stop = async () => {
    const proc = child;
    if (!proc) return;
    const exited = new Promise((resolve) => proc.once("exit", resolve));
    proc.kill("SIGTERM");
    await exited;
  };

  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    start,
    stop,
    dispose: async () => {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
