import { execFile } from "node:child_process";
import { cp, mkdir, mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import type * as AgentClientPackage from "../../src/client/index.js";

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, "../..");
export const PACKAGE_DIR = path.join(ROOT, "src/client");
export const PACKAGE_NAME = "@workspace-control-plane/agent-client";

export type InstalledPackage = {
  /** Where it is installed: `<consumer>/node_modules/<name>`, beside a consumer's package.json. */
  consumer: string;
  dir: string;
  /** The paths the packed tarball holds, as `npm pack` lists them. */
  packed: string[];
  /** The package, imported by its name, through its `exports`. */
  load(): Promise<typeof AgentClientPackage>;
};

/**
 * Builds the agent client package (`src/client/build.mjs`), packs it with
 * npm, so only what its `files` lists ships, and installs the tarball into a
 * private consumer folder, as an agent author would. A private copy of the
 * package folder is built and packed: the two test projects may run this at
 * once, and neither touches src/client/dist.
 */
export async function installAgentClientPackage(): Promise<InstalledPackage> {
  const work = await mkdtemp(path.join(os.tmpdir(), "cp-agent-package-"));
  const copy = path.join(work, "package");
  await cp(PACKAGE_DIR, copy, { recursive: true, filter: (src) => !src.startsWith(path.join(PACKAGE_DIR, "dist")) });
  await run(process.execPath, [path.join(PACKAGE_DIR, "build.mjs"), "--out", path.join(copy, "dist")]);
  const { stdout } = await run("npm", ["pack", copy, "--pack-destination", work, "--json"], { cwd: work });
  const [packed] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
  if (!packed) throw new Error(`npm pack said nothing: ${stdout}`);
  const consumer = path.join(work, "consumer");
  await mkdir(consumer);
  await writeFile(
    path.join(consumer, "package.json"),
    JSON.stringify({ name: "consumer", private: true, type: "module" }),
  );
  await run("npm", ["install", "--offline", "--no-audit", "--no-fund", path.join(work, packed.filename)], {
    cwd: consumer,
  });
  // Imported from a module inside the consumer, so Node resolves the name as an agent author's code would.
  const entry = path.join(consumer, "entry.mjs");
  await writeFile(entry, `export * from "${PACKAGE_NAME}";\n`);
  return {
    consumer,
    dir: path.join(consumer, "node_modules", PACKAGE_NAME),
    packed: packed.files.map((f) => f.path),
    load: () => import(/* @vite-ignore */ pathToFileURL(entry).href),
  };
}
