import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { fileTokenStore } from "../../src/client/token-store.js";

const dirs: string[] = [];
const tempDir = async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "cp-token-store-"));
  dirs.push(dir);
  return dir;
};
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

describe("fileTokenStore", () => {
  it("completes two saves at once and keeps the one called last, in a valid file", async () => {
    const dir = await tempDir();
    const file = path.join(dir, "agent", "token");
    const store = fileTokenStore(file);
    await Promise.all([store.save("first-token"), store.save("second-token")]);
    expect(await store.load()).toBe("second-token");
    expect(await readFile(file, "utf8")).toBe("second-token\n");
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    // No temporary file is left behind.
    expect(await readdir(path.dirname(file))).toEqual(["token"]);
  });

  it("completes saves from two stores on one file at once, leaving one of their tokens whole", async () => {
    const dir = await tempDir();
    const file = path.join(dir, "token");
    const tokens = Array.from({ length: 8 }, (_, i) => `token-${i}-${"x".repeat(64)}`);
    await Promise.all(tokens.map((token) => fileTokenStore(file).save(token)));
    expect(tokens).toContain(await fileTokenStore(file).load());
    expect(await readdir(dir)).toEqual(["token"]);
  });

  it("reports no token for a missing file", async () => {
    const dir = await tempDir();
    expect(await fileTokenStore(path.join(dir, "none")).load()).toBeNull();
  });
});
