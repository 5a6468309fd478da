import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
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
 */
export function fileTokenStore(file: string): TokenStore {
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
    async save(token) {
      await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
      const tmp = `${file}.${process.pid}.tmp`;
      await writeFile(tmp, `${token}\n`, { mode: 0o600, flush: true });
      await rename(tmp, file);
    },
  };
}
