import { readFileSync } from "node:fs";
import path from "node:path";

/**
 * The node flags the service runs with, as `npm start` gives them (its
 * start script in package.json): the benchmarks start the service the same
 * way, and the image's CMD carries the same (test/docker/image.test.ts).
 * `root`: another checkout, whose own flags are read.
 */
export function serviceNodeFlags(root = path.resolve(import.meta.dirname, "..")): string[] {
  const { scripts } = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as {
    scripts: { start: string };
  };
  const run = /\bnode((?:\s+--\S+)*)\s+dist\/main\.js/.exec(scripts.start);
  if (!run) throw new Error(`package.json's start script does not run node dist/main.js: ${scripts.start}`);
  return (run[1] ?? "").trim().split(/\s+/).filter(Boolean);
}
