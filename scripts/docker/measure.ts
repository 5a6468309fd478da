// Times the Docker backend on this machine's engine: start() of a container
// (create + start), the time until its node process has printed, and stop()
// (SIGTERM answered at once, then remove). Run: npx tsx scripts/docker/measure.ts [N]
import { randomBytes } from "node:crypto";
import { DockerBackend } from "../../src/provisioning/docker.js";
import { dockerClient } from "../../src/provisioning/docker-engine.js";

const rounds = Number(process.argv[2] ?? 10);
const dockerHost = process.env.DOCKER_HOST ?? "unix:///var/run/docker.sock";
const owner = `measure-${randomBytes(4).toString("hex")}`;
const backend = new DockerBackend({ dockerHost, owner });
const docker = dockerClient(dockerHost);
const script = `process.on("SIGTERM", () => process.exit(0)); console.log("up"); setInterval(() => {}, 1000);`;

const exitCodes: (number | null | undefined)[] = [];
const unwatch = backend.watch((runtime) => exitCodes.push(runtime.exit?.code));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const starts: number[] = [];
const ups: number[] = [];
const stops: number[] = [];
for (let i = 0; i < rounds; i++) {
  const t0 = performance.now();
  const { ref } = await backend.start({
    workspaceId: `w${i}`,
    generation: 1,
    runtime: "measure",
    image: "cp-node:20",
    command: ["/usr/bin/node", "-e", script],
    env: { N: String(i) },
  });
  const t1 = performance.now();
  for (;;) {
    const logs = (await docker.getContainer(ref).logs({ stdout: true, follow: false })) as Buffer;
    if (logs.includes("up")) break;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const t2 = performance.now();
  await backend.stop(ref, { graceMs: 5_000 });
  const t3 = performance.now();
  starts.push(t1 - t0);
  ups.push(t2 - t0);
  stops.push(t3 - t2);
}
const fmt = (xs: number[]) =>
  `median ${median(xs).toFixed(0)} ms, min ${Math.min(...xs).toFixed(0)}, max ${Math.max(...xs).toFixed(0)}`;
console.log(`${rounds} rounds on ${dockerHost}`);
console.log(`start() (create + start):        ${fmt(starts)}`);
console.log(`start() until node has printed:  ${fmt(ups)}`);
console.log(`stop() (SIGTERM answered, remove): ${fmt(stops)}`);
await new Promise((resolve) => setTimeout(resolve, 1_000));
const killed = exitCodes.filter((code) => code !== 0).length;
console.log(`exits seen: ${exitCodes.length}, of which not code 0 (killed after the grace): ${killed}`);
unwatch();
await backend.close();
