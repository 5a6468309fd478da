// npx tsx bench/idle-rss.ts <root>=<database url> [<root>=<database url> ...] [--rounds 3]
// Start-up time and idle memory of one build or several, alternating: each
// started as `npm start` starts it (the bundle, its flags), on a database of its
// own, its RSS read 2 s and 10 s after it listens, then stopped. One build's
// figures vary from start to start; compare builds only within one run.
import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import { rssMb, startServer } from "./server-process.js";

const { values, positionals } = parseArgs({
  options: { rounds: { type: "string", default: "3" } },
  allowPositionals: true,
});
const builds = positionals.map((arg) => {
  const at = arg.indexOf("=");
  if (at < 1) throw new Error(`expected <root>=<database url>, got ${arg}`);
  return { root: arg.slice(0, at), url: arg.slice(at + 1) };
});
const env = {
  ADMIN_TOKEN: randomBytes(32).toString("base64url"),
  SECRETS_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
  HEARTBEAT_TIMEOUT_SECONDS: "604800",
  PROVISION_TIMEOUT_SECONDS: "604800",
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (let round = 0; round < Number(values.rounds); round++) {
  for (const { root, url } of builds) {
    const t0 = performance.now();
    const server = await startServer({ ...env, DATABASE_URL: url }, root);
    const startMs = performance.now() - t0;
    await sleep(2_000);
    const at2 = rssMb(server.pid);
    await sleep(8_000);
    const at10 = rssMb(server.pid);
    console.log(
      `${root}: start ${startMs.toFixed(0)} ms, RSS ${at2.toFixed(0)} MB at 2 s, ${at10.toFixed(0)} MB at 10 s`,
    );
    await server.stop();
  }
}
