import { randomUUID } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { ObservedRuntime } from "../../src/provisioning/backend.js";
import { ProcessBackend } from "../../src/provisioning/process.js";
import { eventually, isAlive, killRuntimes, runtimeProcesses } from "../support/runtimes.js";

// The process backend on its own, with real processes: what it starts, how a
// later control plane (a new backend object on the same directory) finds
// them, how it stops them, and what it reports when they exit.

let dir: string;
const owner = randomUUID();
const started = new Set<string>();
const backends: ProcessBackend[] = [];

const backend = () => {
  const b = new ProcessBackend({ dir, owner, pollMs: 100 });
  backends.push(b);
  return b;
};

function spec(command: string[], env: Record<string, string> = {}, generation = 1) {
  const workspaceId = randomUUID();
  started.add(workspaceId);
  return { workspaceId, generation, runtime: "test", command, env: { WORKSPACE_ID: workspaceId, ...env } };
}

const pidOf = (r: ObservedRuntime) => Number(r.ref.split(":")[0]);

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "cp-process-backend-"));
});
afterEach(async () => {
  for (const b of backends.splice(0)) await b.close();
});
afterAll(async () => {
  await killRuntimes(started);
  await rm(dir, { recursive: true, force: true });
});

describe("the process backend", () => {
  it("gives a runtime exactly its environment plus PATH, and its output goes to its own log file", async () => {
    const b = backend();
    const s = spec(["/usr/bin/env"], { MODEL: "m", SECRET_KEY: "s3cr3t" });
    const r = await b.start(s);
    const log = path.join(dir, `${s.workspaceId}.log`);
    const text = await eventually("the env printed", async () => {
      const t = await readFile(log, "utf8").catch(() => "");
      return t.includes("SECRET_KEY") ? t : undefined;
    });
    const keys = text
      .trim()
      .split("\n")
      .map((l) => l.slice(0, l.indexOf("=")))
      .sort();
    expect(keys).toEqual(["MODEL", "PATH", "SECRET_KEY", "WORKSPACE_ID"]);
    expect(r.workspaceId).toBe(s.workspaceId);
    await b.stop(r.ref);
  });

  it("is found again by a later control plane, and stopped with its whole process group", async () => {
    const first = backend();
    // A runtime with a child of its own: both must go.
    const s = spec(["/bin/sh", "-c", "sleep 300 & sleep 300; wait"]);
    const r = await first.start(s);
    expect(r.state).toBe("running");
    await eventually("the runtime and its children", async () =>
      (await runtimeProcesses([s.workspaceId])).length >= 2 ? true : undefined,
    );
    await first.close();

    const later = backend();
    const listed = (await later.list()).filter((x) => x.workspaceId === s.workspaceId);
    expect(listed).toEqual([{ ref: r.ref, workspaceId: s.workspaceId, generation: 1, state: "running" }]);
    await later.stop(listed[0]?.ref as string, { graceMs: 2_000 });
    expect(await runtimeProcesses([s.workspaceId])).toEqual([]);
    expect((await later.list()).filter((x) => x.workspaceId === s.workspaceId)).toEqual([]);
  });

  it("takes a pid file whose process start time differs (a reused pid) for an exited runtime", async () => {
    const b = backend();
    const s = spec(["/bin/sleep", "300"]);
    const r = await b.start(s);
    // Once it runs sleep, the prelude has written its own copy of the pid file.
    await eventually("exec", async () =>
      (await runtimeProcesses([s.workspaceId]))[0]?.cmdline[0] === "/bin/sleep" ? true : undefined,
    );
    const file = path.join(dir, owner, `${s.workspaceId}.1.pid`);
    const line = (await readFile(file, "utf8")).trim();
    // Same pid, another start time: what a reused pid looks like.
    const fields = line.slice(line.lastIndexOf(")") + 2).split(" ");
    fields[19] = String(Number(fields[19]) + 12345);
    await writeFile(file, `${line.slice(0, line.lastIndexOf(")") + 2)}${fields.join(" ")}\n`);
    const listed = (await b.list()).find((x) => x.workspaceId === s.workspaceId);
    expect(listed?.state).toBe("exited");
    // Stopping that ref signals nothing: our real process lives on.
    await b.stop(listed?.ref as string, { graceMs: 0 });
    expect(await isAlive(pidOf(r))).toBe(true);
    process.kill(-pidOf(r), "SIGKILL");
  });

  it("reports an exit with its code to watchers, and lists the runtime as exited until it is removed", async () => {
    const b = backend();
    const exits: ObservedRuntime[] = [];
    b.watch((x) => exits.push(x));
    const s = spec(["/bin/sh", "-c", "sleep 0.2; exit 7"]);
    const r = await b.start(s);
    const exit = await eventually("the exit", async () => exits.find((x) => x.ref === r.ref));
    expect(exit).toMatchObject({ state: "exited", exit: { code: 7, signal: null }, workspaceId: s.workspaceId });
    expect((await b.list()).find((x) => x.workspaceId === s.workspaceId)).toMatchObject({ state: "exited" });
    await b.stop(r.ref);
    expect(await readdir(path.join(dir, owner))).not.toContain(`${s.workspaceId}.1.pid`);
  });

  it("finds the exit of a runtime it adopted (not its child) by polling", async () => {
    const s = spec(["/bin/sleep", "300"]);
    const r = await backend().start(s);
    const adopter = backend();
    const exits: ObservedRuntime[] = [];
    adopter.watch((x) => exits.push(x));
    expect((await adopter.list()).some((x) => x.ref === r.ref)).toBe(true);
    process.kill(-pidOf(r), "SIGKILL");
    await eventually("the exit seen by polling", async () => exits.find((x) => x.ref === r.ref));
  });

  it("reports a command that cannot run as a runtime that exited (127), not as an engine outage", async () => {
    const b = backend();
    const exits: ObservedRuntime[] = [];
    b.watch((x) => exits.push(x));
    const s = spec(["/nonexistent/agent"]);
    const r = await b.start(s);
    const exit =
      r.state === "exited" ? r : await eventually("the exit", async () => exits.find((x) => x.ref === r.ref));
    expect(exit.exit?.code).toBe(127);
  });
});
