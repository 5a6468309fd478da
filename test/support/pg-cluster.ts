import { execFile } from "node:child_process";
import { chown, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { freePort } from "./ports.js";

const run = promisify(execFile);
const BIN = "/usr/lib/postgresql/15/bin";

/** Whether a private cluster can be started here (PostgreSQL 15 binaries and a postgres OS user). */
export async function canStartCluster(): Promise<string | null> {
  try {
    await run(`${BIN}/pg_ctl`, ["--version"]);
    await run("id", ["-u", "postgres"]);
    return null;
  } catch (err) {
    return `no PostgreSQL 15 binaries or postgres user: ${(err as Error).message}`;
  }
}

export type PgCluster = {
  port: number;
  /** postgres://postgres@127.0.0.1:PORT/DB */
  url(database?: string): string;
  /** pg_ctl start, waiting until it accepts connections. */
  start(): Promise<void>;
  /** pg_ctl stop: immediate (a crash) or fast (clean). */
  stop(mode?: "immediate" | "fast"): Promise<void>;
  /** Stops the cluster and deletes its directory. */
  destroy(): Promise<void>;
};

/**
 * A private PostgreSQL 15 cluster in a temporary directory on a free port,
 * run as the postgres OS user, to stop and start at will. It never touches
 * the machine's own cluster.
 */
export async function startCluster(): Promise<PgCluster> {
  const root = await mkdtemp(path.join(os.tmpdir(), "cp-pgcluster-"));
  const { stdout: uid } = await run("id", ["-u", "postgres"]);
  const { stdout: gid } = await run("id", ["-g", "postgres"]);
  await chown(root, Number(uid), Number(gid));
  const dataDir = path.join(root, "data");
  const asPostgres = (cmd: string, args: string[]) =>
    run("runuser", ["-u", "postgres", "--", `${BIN}/${cmd}`, ...args], { cwd: root });
  await asPostgres("initdb", ["-D", dataDir, "--auth=trust", "--username=postgres", "--encoding=UTF8", "--no-sync"]);
  const port = await freePort();
  // fsync off: the tests crash the server, never the machine.
  const options = [
    `-p ${port}`,
    "-c listen_addresses=127.0.0.1",
    `-c unix_socket_directories=${root}`,
    "-c fsync=off",
    "-c max_connections=50",
  ].join(" ");
  let running = false;
  const cluster: PgCluster = {
    port,
    url: (database = "postgres") => `postgres://postgres@127.0.0.1:${port}/${database}`,
    async start() {
      await asPostgres("pg_ctl", [
        "start",
        "-w",
        "-t",
        "60",
        "-D",
        dataDir,
        "-l",
        path.join(root, "log"),
        "-o",
        options,
      ]);
      running = true;
    },
    async stop(mode = "immediate") {
      await asPostgres("pg_ctl", ["stop", "-w", "-t", "60", "-D", dataDir, "-m", mode]);
      running = false;
    },
    async destroy() {
      if (running) await cluster.stop("immediate").catch(() => {});
      await rm(root, { recursive: true, force: true });
    },
  };
  await cluster.start();
  return cluster;
}
