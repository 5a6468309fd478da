import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { serviceNodeFlags } from "../../scripts/service-flags.js";

const ROOT = path.resolve(import.meta.dirname, "../..");

describe("the node flags the service runs with", () => {
  it("are the same in the image's CMD as in npm start (the benchmarks read them from there)", async () => {
    const dockerfile = await readFile(path.join(ROOT, "Dockerfile"), "utf8");
    const cmd = /^CMD (\[.*\])$/m.exec(dockerfile)?.[1];
    expect(cmd, "the Dockerfile has an exec-form CMD").toBeDefined();
    expect(JSON.parse(cmd as string)).toEqual(["node", ...serviceNodeFlags(), "dist/main.js"]);
  });

  it("keep the young generation from shrinking in a lull (BENCHMARKS.md, session 8)", () => {
    // The first event after a quiet minute found V8's young generation shrunk to its floor and paid
    // twice the CPU per subscriber in collections; a floor of 8 MB kept it at the steady rounds' cost.
    expect(serviceNodeFlags()).toContain("--min-semi-space-size=8");
  });
});
