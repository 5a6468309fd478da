import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serviceNodeFlags } from "../../scripts/service-flags.js";
import { readMigrations } from "../../src/db/migrate.js";
import { eventually, machineEngine } from "../support/docker.js";
import { expectSuccess, gqlHttp, ok } from "../support/gql.js";
import { randomKey } from "../support/harness.js";
import { CreateWorkspace } from "../support/operations.js";
import { freePort } from "../support/ports.js";

// The service's container image (SPEC 11), as an operator runs it: built by
// scripts/docker/build-service-image.sh from the Dockerfile, then run with a
// read-only root, as uid 10001, with a named volume on /data, on the host's
// network (the only useful mode with this machine's daemon). First against a
// private PostgreSQL database (the migrate-only step, then the service), then
// on the embedded database. Every container, volume and database is this
// run's own and removed at the end.

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const IMAGE = process.env.TEST_SERVICE_IMAGE ?? "workspace-control-plane:test";
const UID = "10001";
const PG_ADMIN_URL = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

type Run = { code: number; stdout: string; stderr: string };

const engine = await machineEngine();
const dockerEnv = { ...process.env, DOCKER_HOST: engine.ok ? engine.dockerHost : "" };

function sh(file: string, args: string[], timeoutMs = 120_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { env: dockerEnv, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, cwd: ROOT },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === "number" ? err.code : -1) : 0, stdout, stderr }),
    );
  });
}
const docker = (...args: string[]) => sh("docker", args);

/** Builds the image (a cold build runs `npm ci` in its build stage); the reason instead when it cannot be. */
async function buildImage(): Promise<string | null> {
  if (!engine.ok) return engine.reason;
  const built = await sh("bash", [path.join(ROOT, "scripts/docker/build-service-image.sh"), IMAGE], 30 * 60_000);
  return built.code === 0 ? null : `${IMAGE} could not be built: ${`${built.stdout}${built.stderr}`.slice(-1500)}`;
}
const notBuilt = await buildImage();
if (notBuilt) console.warn(`container image tests skipped: ${notBuilt}`);

async function pgReachable(): Promise<string | null> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    return null;
  } catch (err) {
    return `PostgreSQL at ${PG_ADMIN_URL} does not answer (${(err as Error).message})`;
  } finally {
    await client.end().catch(() => {});
  }
}
const noPostgres = notBuilt ? null : await pgReachable();
if (noPostgres) console.warn(`container image tests on PostgreSQL skipped: ${noPostgres}`);

const run = randomBytes(4).toString("hex");
const containers: string[] = [];
const volumes: string[] = [];

async function newVolume(name: string): Promise<string> {
  const volume = `cp-img-${run}-${name}`;
  const created = await docker("volume", "create", volume);
  expect(created, created.stderr).toMatchObject({ code: 0 });
  volumes.push(volume);
  return volume;
}

/** The hardened way to run it: read-only root, the non-root uid, a volume on /data, the host's network. */
const hardened = (volume: string, env: Record<string, string>) => [
  "--network",
  "host",
  "--read-only",
  "--user",
  UID,
  "-v",
  `${volume}:/data`,
  ...Object.entries(env).flatMap(([k, v]) => ["-e", `${k}=${v}`]),
];

/** Starts the service detached; its name is recorded for the cleanup. */
async function startService(name: string, volume: string, env: Record<string, string>): Promise<string> {
  const container = `cp-img-${run}-${name}`;
  containers.push(container);
  const started = await docker("run", "-d", "--name", container, ...hardened(volume, env), IMAGE);
  expect(started, started.stderr).toMatchObject({ code: 0 });
  return container;
}

const logsOf = async (container: string) => {
  const logs = await docker("logs", container);
  return `${logs.stdout}${logs.stderr}`;
};

/** Polls until path answers 200 (a container still starting refuses connections). */
const answers200 = (container: string, url: string) =>
  eventually(
    `${url} answering 200`,
    async () => {
      const state = await docker("inspect", "--format", "{{.State.Status}}", container);
      if (state.stdout.trim() === "exited") throw new Error(`the container exited:\n${await logsOf(container)}`);
      const res = await fetch(url).catch(() => null);
      return res?.status === 200 ? true : undefined;
    },
    120_000,
  );

async function inspect(container: string, format: string): Promise<string> {
  const res = await docker("inspect", "--format", format, container);
  expect(res, res.stderr).toMatchObject({ code: 0 });
  return res.stdout.trim();
}

afterAll(async () => {
  for (const c of containers) await docker("rm", "-f", "-v", c);
  for (const v of volumes) await docker("volume", "rm", "-f", v);
});

describe.skipIf(notBuilt !== null)(
  notBuilt ? `the container image (skipped: ${notBuilt.slice(0, 300)})` : "the container image",
  () => {
    it("is configured to run node dist/main.js as uid 10001 on port 4000 with DATA_DIR=/data", async () => {
      const config = JSON.parse(await inspect(IMAGE, "{{json .Config}}")) as {
        User: string;
        Cmd: string[];
        Env: string[];
        ExposedPorts: Record<string, unknown>;
        WorkingDir: string;
      };
      expect(config.User).toBe(`${UID}:${UID}`);
      expect(config.Cmd).toEqual(["node", ...serviceNodeFlags(), "dist/main.js"]);
      expect(config.WorkingDir).toBe("/app");
      expect(Object.keys(config.ExposedPorts)).toEqual(["4000/tcp"]);
      expect(config.Env).toEqual(
        expect.arrayContaining(["HOST=0.0.0.0", "PORT=4000", "DATA_DIR=/data", "NODE_ENV=production"]),
      );
    });

    describe.skipIf(noPostgres !== null)(
      noPostgres ? `on PostgreSQL (skipped: ${noPostgres})` : "on PostgreSQL",
      () => {
        const dbName = `cp_img_${run}_test`;
        const dbUrl = new URL(PG_ADMIN_URL);
        dbUrl.pathname = `/${dbName}`;
        const adminToken = `img-admin-${randomBytes(12).toString("hex")}`;
        const settings = () => ({
          DATABASE_URL: dbUrl.toString(),
          SECRETS_ENCRYPTION_KEY: key,
          ADMIN_TOKEN: adminToken,
          LOG_LEVEL: "info",
        });
        const key = randomKey();
        let admin: pg.Client;
        let volume: string;

        beforeAll(async () => {
          admin = new pg.Client({ connectionString: PG_ADMIN_URL });
          await admin.connect();
          await admin.query(`CREATE DATABASE ${dbName}`);
          volume = await newVolume("pg");
        });
        afterAll(async () => {
          await admin?.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
          await admin?.end();
        });

        it("the migrate-only step applies the migrations and exits 0", async () => {
          const names = (await readMigrations()).map((m) => m.name);
          const migrate = await docker(
            "run",
            "--rm",
            ...hardened(volume, settings()),
            IMAGE,
            "node",
            "dist/migrate.js",
          );
          expect(migrate, migrate.stderr).toMatchObject({ code: 0 });
          expect(JSON.parse(migrate.stdout)).toEqual({ applied: names, backend: "postgres" });
          const db = new pg.Client({ connectionString: dbUrl.toString() });
          await db.connect();
          const { rows } = await db
            .query<{ migration_name: string }>(
              `SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL ORDER BY 1`,
            )
            .finally(() => db.end());
          expect(rows.map((r) => r.migration_name)).toEqual(names);

          const again = await docker("run", "--rm", ...hardened(volume, settings()), IMAGE, "node", "dist/migrate.js");
          expect(again, again.stderr).toMatchObject({ code: 0 });
          expect(JSON.parse(again.stdout)).toEqual({ applied: [], backend: "postgres" });
        }, 180_000);

        it("serves as uid 10001 on a read-only root, creates a workspace, and stops cleanly on SIGTERM", async () => {
          const port = await freePort();
          const container = await startService("pg", volume, { ...settings(), PORT: String(port) });
          const base = `http://127.0.0.1:${port}`;
          await answers200(container, `${base}/readyz`);
          expect((await fetch(`${base}/healthz`)).status).toBe(200);
          expect((await fetch(`${base}/livez`)).status).toBe(200);

          const created = ok(
            await gqlHttp(
              { graphqlUrl: `${base}/graphql` },
              CreateWorkspace,
              { input: { name: "from-the-image", kind: "PLATFORM" } },
              adminToken,
            ),
          );
          expect(expectSuccess(created.createWorkspace, "CreateWorkspaceSuccess").workspace).toMatchObject({
            name: "from-the-image",
            kind: "PLATFORM",
            status: "PROVISIONING",
          });
          // The migrate-only step did the work: the service found nothing to apply.
          const logs = await logsOf(container);
          expect(logs).not.toContain("migrations applied");
          expect(logs).toContain('"msg":"listening"');

          // The process runs as uid 10001 (the engine's view, and the kernel's).
          expect(await inspect(container, "{{.Config.User}}")).toBe(UID);
          expect(await inspect(container, "{{.HostConfig.ReadonlyRootfs}}")).toBe("true");
          const pid = await inspect(container, "{{.State.Pid}}");
          const status = await readFile(`/proc/${pid}/status`, "utf8");
          expect(status).toMatch(/^Uid:\s+10001\s+10001\s+10001\s+10001$/m);
          const top = await docker("top", container, "-o", "pid,uid,args");
          expect(top, top.stderr).toMatchObject({ code: 0 });
          expect(top.stdout).toMatch(
            new RegExp(
              `^\\s*${pid}\\s+10001\\s+${["node", ...serviceNodeFlags(), "dist/main\\.js"].join(" ")}\\s*$`,
              "m",
            ),
          );

          // Read-only root: writing outside /data fails (the app's own files and /tmp alike); /data is writable.
          const write = (file: string) =>
            docker("exec", container, "node", "-e", `require("node:fs").writeFileSync(${JSON.stringify(file)}, "x")`);
          for (const file of ["/app/dist/main.js", "/app/new-file", "/tmp/new-file", "/etc/passwd"]) {
            const res = await write(file);
            expect(res.code, `writing ${file}`).not.toBe(0);
            expect(res.stderr, `writing ${file}`).toMatch(/EROFS|EACCES/);
          }
          expect(await write("/data/probe")).toMatchObject({ code: 0 });

          // SIGTERM: the service drains and exits 0 on its own, within its grace (10 s) plus 2 s.
          const stopped = await docker("stop", "-t", "12", container);
          expect(stopped, stopped.stderr).toMatchObject({ code: 0 });
          expect(await inspect(container, "{{.State.ExitCode}}")).toBe("0");
          expect(await inspect(container, "{{.State.OOMKilled}}")).toBe("false");
          expect(await logsOf(container)).toContain('"signal":"SIGTERM"');
        }, 240_000);
      },
    );

    describe("on the embedded database", () => {
      it("starts with only a /data volume, answers /healthz, and keeps the migrate step out while it runs", async () => {
        const volume = await newVolume("embedded");
        const port = await freePort();
        const container = await startService("embedded", volume, { PORT: String(port) });
        const base = `http://127.0.0.1:${port}`;
        await answers200(container, `${base}/healthz`);
        expect((await fetch(`${base}/readyz`)).status).toBe(200);
        // A first start generates the admin token (shown once, on stderr) and the key, into /data.
        const logs = await logsOf(container);
        expect(logs).toContain("migrations applied");

        // The DATA_DIR lock holds across containers (another pid namespace: judged by its heartbeat).
        const refused = await docker("run", "--rm", ...hardened(volume, {}), IMAGE, "node", "dist/migrate.js");
        expect(refused.code).toBe(1);
        expect(refused.stderr).toContain("DATA_DIR /data is in use by process");

        const stopped = await docker("stop", "-t", "12", container);
        expect(stopped, stopped.stderr).toMatchObject({ code: 0 });
        expect(await inspect(container, "{{.State.ExitCode}}")).toBe("0");

        // Stopped: the step runs, finds the volume's database migrated, and leaves it as it was.
        const migrate = await docker("run", "--rm", ...hardened(volume, {}), IMAGE, "node", "dist/migrate.js");
        expect(migrate, migrate.stderr).toMatchObject({ code: 0 });
        expect(JSON.parse(migrate.stdout)).toEqual({ applied: [], backend: "pglite" });
      }, 240_000);
    });
  },
);
