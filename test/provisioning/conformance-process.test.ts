import { mkdtempSync } from "node:fs";
import { readdir, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { killRuntimes, runtimeProcesses } from "../support/runtimes.js";
import { runtimeConformance } from "./conformance.js";

// The conformance suite on PROVISIONER=process: runtimes are this machine's
// processes, seen through /proc (their environment names their workspace).

const dataDir = mkdtempSync(path.join(os.tmpdir(), "cp-conformance-process-data-"));

/** Its pid file, `<DATA_DIR>/runtimes/<owner>/<workspaceId>.<generation>.pid`, removed: the backend lists it no more. */
async function removePidFile(workspaceId: string, generation: number) {
  const root = path.join(dataDir, "runtimes");
  for (const owner of await readdir(root, { withFileTypes: true })) {
    if (owner.isDirectory()) await rm(path.join(root, owner.name, `${workspaceId}.${generation}.pid`), { force: true });
  }
}

runtimeConformance({
  name: "process",
  appEnv: { DATA_DIR: dataDir },
  agent: {},
  exitsWith3: { command: ["/bin/sh", "-c", "exit 3"] },
  tokenFile: path.join(dataDir, "{workspaceId}.token"),
  extraEnv: ["PATH"],
  argvNamesWorkspace: true,
  killedExit: { exitCode: null, signal: "SIGKILL" },
  sleeper: (workspaceId, generation) => ({
    workspaceId,
    generation,
    runtime: "test",
    command: [process.execPath, "-e", "setInterval(() => {}, 1000)"],
    env: { WORKSPACE_ID: workspaceId, RUNTIME_GENERATION: String(generation) },
  }),
  async running(workspaceIds) {
    return (await runtimeProcesses(workspaceIds))
      .filter((p) => p.env.RUNTIME_GENERATION !== undefined)
      .map((p) => ({
        ref: String(p.pid),
        workspaceId: p.workspaceId,
        generation: Number(p.env.RUNTIME_GENERATION),
        env: p.env,
        argv: p.cmdline,
      }));
  },
  readFile: (_view, file) => readFile(file, "utf8"),
  async kill(view) {
    process.kill(Number(view.ref), "SIGKILL");
  },
  async vanish(view) {
    await removePidFile(view.workspaceId, view.generation);
    process.kill(-Number(view.ref), "SIGKILL");
  },
  async cleanup(workspaceIds) {
    await killRuntimes(workspaceIds);
    await rm(dataDir, { recursive: true, force: true });
  },
});
