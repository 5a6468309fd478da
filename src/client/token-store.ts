import { randomUUID } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";

/**
 * Where an agent keeps its instance token between runs. The token is minted
 * once per bootstrap and shown once: losing it locks the agent out until an
 * admin restarts the workspace, so `save` must be durable before it resolves.
 */
export type TokenStore = {
  load(): Promise<string | null>;
  save(token: string): Promise<void>;
};

/** A store in memory: for tests and for runtimes that hold the token elsewhere. */
export function memoryTokenStore(initial: string | null = null): TokenStore & { token: string | null } {
  const store = {
    token: initial,
    load: async () => store.token,
    save: async (token: string) => {
      store.token = token;
    },
  };
  return store;
}

/**
 * A file holding only the token, readable by its owner alone. Written to a
 * temporary file and renamed, so a crash mid-write never leaves half a token.
 * The temporary name is unique per write (two stores, or two processes, on
 * one file cannot rename each other's half-written file), and one store's
 * saves run in the order they were called, so the last token saved is the
 * one kept. (write-file-atomic does the same, but it is CommonJS with a
 * signal-handling dependency; this package ships as one dependency-free ES
 * module.)
 */
export function fileTokenStore(file: string): TokenStore {
  let saving: Promise<unknown> = Promise.resolve();
  const write = async (token: string) => {
    await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.${randomUUID()}.tmp`;
    try {
      await writeFile(tmp, `${token}\n`, { mode: 0o600, flush: true });
      await rename(tmp, file);
    } catch (err) {
      await rm(tmp, { force: true }).catch(() => {});
      throw err;
    }
  };
  return {
    async load() {
      try {
        const token = (await readFile(file, "utf8")).trim();
        return token === "" ? null : token;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
        throw err;
      }
    },
    save(token) {
      const saved = saving.then(() => write(token));
      // A failed save is its caller's to see; the next one still runs.
      saving = saved.catch(() => {});
      return saved;
    },
  };
}
