import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import type Docker from "dockerode";
import { describe } from "vitest";
import { type RuntimeView, runtimeConformance } from "../provisioning/conformance.js";
import {
  AGENT_IMAGE,
  containersOf,
  engineClient,
  fileInContainer,
  machineEngine,
  NODE,
  NODE_IMAGE,
} from "../support/docker.js";

// The conformance suite on PROVISIONER=docker against the machine's real
// engine: runtimes are containers of the cp-agent image (the reference
// agent, built by scripts/docker/build-node-image.sh), seen through the
// engine's API by this test's own client.

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
// The agent image is built from dist/agent.mjs as `npm run build` writes it now.
execFileSync(process.execPath, ["scripts/build.mjs"], { cwd: ROOT });
const engine = await machineEngine({ agentFile: `${ROOT}dist/agent.mjs` });
if (!engine.ok) console.warn(`Docker conformance suite skipped: ${engine.reason}`);

describe.skipIf(!engine.ok)(
  engine.ok ? "conformance on Docker" : `conformance on Docker (skipped: ${engine.reason})`,
  () => {
    const dockerHost = engine.ok ? engine.dockerHost : "";
    const docker: Docker = engineClient(dockerHost);
    const view = (id: string) => docker.getContainer(id);

    runtimeConformance({
      name: "docker",
      appEnv: { DOCKER_HOST: dockerHost },
      agent: { image: AGENT_IMAGE },
      exitsWith3: { image: NODE_IMAGE, command: [NODE, "-e", "process.exit(3)"] },
      // Inside the container: /tmp is the image's own.
      tokenFile: "/tmp/{workspaceId}.token",
      // Not given by the control plane: the engine's default, as SPEC 9 allows.
      extraEnv: ["PATH"],
      argvNamesWorkspace: false,
      // The engine reports a kill as the shell would: 128 + 9.
      killedExit: { exitCode: 137, signal: null },
      sleeper: (workspaceId, generation) => ({
        workspaceId,
        generation,
        runtime: "test",
        image: NODE_IMAGE,
        command: [NODE, "-e", `process.on("SIGTERM", () => process.exit(0)); setInterval(() => {}, 1000)`],
        env: { WORKSPACE_ID: workspaceId, RUNTIME_GENERATION: String(generation) },
      }),
      running: async (workspaceIds): Promise<RuntimeView[]> =>
        (await containersOf(docker, workspaceIds)).filter((c) => c.running),
      readFile: (v, file) => fileInContainer(docker, v.ref, file),
      async kill(v) {
        await view(v.ref).kill({ signal: "SIGKILL" });
      },
      async vanish(v) {
        await view(v.ref).remove({ force: true });
      },
      async cleanup(workspaceIds) {
        for (const c of await containersOf(docker, workspaceIds))
          await view(c.ref)
            .remove({ force: true })
            .catch(() => {});
      },
    });
  },
);
