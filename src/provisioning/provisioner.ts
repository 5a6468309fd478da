import { randomUUID } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Config } from "../config.js";
import type { Domain, ProvisioningHooks } from "../domain.js";
import type { PrismaClient } from "../generated/prisma/client.js";
import type { Logger } from "../log.js";
import type { Registry } from "../registry/registry.js";
import type { KeyRing } from "../secrets/keyring.js";
import type { RuntimeBackend } from "./backend.js";
import { DockerBackend } from "./docker.js";
import { metered, type ObserveAction } from "./metered.js";
import { ProcessBackend } from "./process.js";
import { Reconciler } from "./reconciler.js";

export type Provisioning = {
  hooks: ProvisioningHooks;
  /** Starts reconciling; `listeningUrl` is the API's own base URL (for the CONTROL_PLANE_URL default). */
  start(domain: Domain, listeningUrl: string): Promise<void>;
  /** Stops reconciling. Stops no runtime: runtimes outlive the control plane. */
  stop(): Promise<void>;
  /** Resolves once no reconcile is queued or running (tests, benchmarks). */
  settled(): Promise<void>;
  backend: RuntimeBackend | null;
};

/** This control plane's owner label, shared by all its instances through the database. */
async function ensureOwner(prisma: PrismaClient): Promise<string> {
  await prisma.$executeRaw`INSERT INTO "ControlPlane" (id, owner) VALUES (1, ${randomUUID()}) ON CONFLICT (id) DO NOTHING`;
  return (await prisma.controlPlane.findUniqueOrThrow({ where: { id: 1 } })).owner;
}

/**
 * This instance's lease holder id, kept in DATA_DIR so that the same
 * instance restarted (after a crash, kill -9 included) holds the same leases
 * and adopts its runtimes, while another instance (another DATA_DIR) does not.
 */
async function holderId(dataDir: string): Promise<string> {
  const file = path.join(dataDir, "provisioner-instance-id");
  const existing = (await readFile(file, "utf8").catch(() => "")).trim();
  if (/^[0-9a-f-]{36}$/.test(existing)) return existing;
  const id = randomUUID();
  await mkdir(dataDir, { recursive: true });
  await writeFile(file, `${id}\n`, { mode: 0o600 });
  return id;
}

/** A listening address a runtime can dial (0.0.0.0 is not one). */
export function dialableUrl(base: string): string {
  const u = new URL(base);
  if (u.hostname === "0.0.0.0") u.hostname = "127.0.0.1";
  if (u.hostname === "[::]") u.hostname = "[::1]";
  return `${u.origin}/graphql`;
}

export async function createProvisioning(
  config: Config,
  deps: { prisma: PrismaClient; registry: Registry; keyring: KeyRing; log: Logger; observe?: ObserveAction },
): Promise<Provisioning> {
  let controlPlaneUrl: string | null = config.controlPlaneUrl;
  let reconciler: Reconciler | null = null;
  const hooks: ProvisioningHooks = {
    mode: config.provisioner,
    environment: {
      registry: deps.registry,
      keyring: deps.keyring,
      provisionerConfig: config.provisionerConfig,
      controlPlaneUrl: () => controlPlaneUrl,
    },
    changed: (workspaceId) => reconciler?.changed(workspaceId),
  };
  if (config.provisioner === "external") {
    return { hooks, backend: null, start: async () => {}, stop: async () => {}, settled: async () => {} };
  }
  let backend: RuntimeBackend;
  if (config.provisioner === "process") {
    backend = new ProcessBackend({
      dir: path.join(config.dataDir, "runtimes"),
      owner: await ensureOwner(deps.prisma),
      pollMs: Math.min(1_000, config.reconcileIntervalMs),
    });
  } else {
    backend = new DockerBackend({
      dockerHost: config.dockerHost,
      owner: await ensureOwner(deps.prisma),
      log: deps.log,
    });
  }
  if (deps.observe) backend = metered(backend, deps.observe);
  const holder = await holderId(config.dataDir);
  return {
    hooks,
    backend,
    async start(domain, listeningUrl) {
      controlPlaneUrl ??= dialableUrl(listeningUrl);
      reconciler = new Reconciler({
        domain,
        backend,
        holder,
        provisionerConfig: config.provisionerConfig,
        intervalMs: config.reconcileIntervalMs,
        maxRestarts: config.runtimeMaxRestarts,
        log: deps.log,
      });
      reconciler.start();
      deps.log.info({ msg: "provisioner started", backend: backend.name, controlPlaneUrl });
    },
    async stop() {
      await reconciler?.stop();
      reconciler = null;
      await backend.close();
    },
    settled: async () => reconciler?.settled(),
  };
}
