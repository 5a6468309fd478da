import path from "node:path";
import { z } from "zod";
import { loadProvisionerConfig, type ProvisionerConfig, ProvisionerConfigError } from "./provisioning/settings.js";

const bool = (fallback: boolean) =>
  z
    .enum(["true", "false", "1", "0"], { message: "must be true or false" })
    .optional()
    .transform((v) => (v === undefined ? fallback : v === "true" || v === "1"));

const seconds = (fallback: number) =>
  z.coerce
    .number({ message: "must be a number of seconds" })
    .int("must be a whole number of seconds")
    .positive("must be positive")
    .max(7 * 24 * 3600, "must be at most a week")
    .default(fallback);

const perMinute = (fallback: number) =>
  z.coerce.number().int("must be a whole number per minute").min(0).max(1_000_000).default(fallback);

const base64Key = z.string().refine((v) => isKey(v), {
  message: "must be base64 of exactly 32 bytes",
});

function isKey(v: string): boolean {
  const trimmed = v.trim();
  return /^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed) && Buffer.from(trimmed, "base64").length === 32;
}

const url = (protocols: string[]) =>
  z.string().refine((v) => URL.canParse(v) && protocols.includes(new URL(v).protocol), {
    message: `must be a ${protocols.map((p) => p.replace(":", "://")).join(" or ")} URL`,
  });

const envSchema = z
  .object({
    NODE_ENV: z.string().optional(),
    PORT: z.coerce.number().int().min(0).max(65535).default(4000),
    HOST: z.string().min(1).default("127.0.0.1"),
    DATABASE_URL: url(["postgres:", "postgresql:"]).optional(),
    DATA_DIR: z.string().min(1).default("./.data"),
    ADMIN_TOKEN: z.string().min(16, "must be at least 16 characters").max(512).optional(),
    SECRETS_ENCRYPTION_KEY: base64Key.optional(),
    SECRETS_ENCRYPTION_KEYS_OLD: z
      .string()
      .optional()
      .transform((v) =>
        v
          ? v
              .split(",")
              .map((k) => k.trim())
              .filter(Boolean)
          : [],
      )
      .refine((keys) => keys.every(isKey), { message: "every key must be base64 of exactly 32 bytes" }),
    REGISTRY_FILE: z.string().min(1).optional(),
    REDIS_URL: url(["redis:", "rediss:"]).optional(),
    HEARTBEAT_TIMEOUT_SECONDS: seconds(90),
    PROVISION_TIMEOUT_SECONDS: seconds(720),
    SWEEP_INTERVAL_MS: z.coerce
      .number({ message: "must be a number of milliseconds" })
      .int("must be a whole number of milliseconds")
      .min(100, "must be at least 100")
      .max(60_000, "must be at most 60000 (the sweeps act within 10 s of a deadline)")
      .default(5_000),
    GRAPHIQL: z.string().optional(),
    INTROSPECTION: z.string().optional(),
    CORS_ORIGINS: z
      .string()
      .optional()
      .transform((v) =>
        v
          ? v
              .split(",")
              .map((o) => o.trim())
              .filter(Boolean)
          : [],
      )
      .refine((origins) => origins.every((o) => URL.canParse(o) && new URL(o).origin === o), {
        message: "must be a comma-separated list of origins such as https://canvas.example.com",
      }),
    LOG_LEVEL: z.enum(["debug", "info", "warn", "error", "silent"]).default("info"),
    // Per client address and per instance; burst = half the minute's rate; 0 turns a limit off.
    RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: perMinute(20),
    RATE_LIMIT_BOOTSTRAPS_PER_MINUTE: perMinute(60),
    WS_MAX_CONNECTIONS: z.coerce.number().int("must be a whole number").min(1).max(1_000_000).default(10_000),
    PROVISIONER: z
      .enum(["external", "process", "docker"], { message: "must be external, process or docker" })
      .default("external"),
    PROVISIONER_CONFIG: z.string().min(1).optional(),
    CONTROL_PLANE_URL: url(["http:", "https:"]).optional(),
    DOCKER_HOST: z
      .string()
      .refine((v) => /^(unix:\/\/\/.+|tcp:\/\/[^/]+)$/.test(v), {
        message: "must be unix:///path/to/socket or tcp://host:port",
      })
      .default("unix:///var/run/docker.sock"),
    RUNTIME_MAX_RESTARTS: z.coerce.number().int("must be a whole number").min(0).max(1000).default(3),
    PROVISIONER_RECONCILE_INTERVAL_MS: z.coerce
      .number({ message: "must be a number of milliseconds" })
      .int("must be a whole number of milliseconds")
      .min(100, "must be at least 100")
      .max(60_000, "must be at most 60000 (removal must stop a runtime within 10 s even on another instance)")
      .default(2_000),
  })
  .superRefine((env, ctx) => {
    if (env.DATABASE_URL && !env.SECRETS_ENCRYPTION_KEY) {
      ctx.addIssue({
        code: "custom",
        path: ["SECRETS_ENCRYPTION_KEY"],
        message: "is required when DATABASE_URL is set (production keeps no key on local disk)",
      });
    }
  });

export type Config = {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  dataDir: string;
  adminToken: string | undefined;
  encryptionKey: string | undefined;
  encryptionKeysOld: string[];
  registryFile: string | undefined;
  redisUrl: string | undefined;
  heartbeatTimeoutSeconds: number;
  provisionTimeoutSeconds: number;
  graphiql: boolean;
  introspection: boolean;
  corsOrigins: string[];
  logLevel: "debug" | "info" | "warn" | "error" | "silent";
  /** How often the sweeps look for overdue workspaces. */
  sweepIntervalMs: number;
  authFailuresPerMinute: number;
  bootstrapsPerMinute: number;
  wsMaxConnections: number;
  provisioner: "external" | "process" | "docker";
  /** PROVISIONER_CONFIG, read and validated (src/provisioning/settings.ts). */
  provisionerConfig: ProvisionerConfig;
  /** The GraphQL URL runtimes dial; null: http://HOST:PORT/graphql once listening. */
  controlPlaneUrl: string | null;
  dockerHost: string;
  runtimeMaxRestarts: number;
  reconcileIntervalMs: number;
};

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Parses the environment once; a bad value stops the start naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".") || "environment"}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join("\n")}`);
  }
  const e = parsed.data;
  const production = e.NODE_ENV === "production";
  const flag = (name: "GRAPHIQL" | "INTROSPECTION") => {
    const r = bool(!production).safeParse(e[name]);
    if (!r.success) throw new ConfigError(`Invalid configuration:\n  ${name}: must be true or false`);
    return r.data;
  };
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: path.resolve(e.DATA_DIR),
    adminToken: e.ADMIN_TOKEN,
    encryptionKey: e.SECRETS_ENCRYPTION_KEY?.trim(),
    encryptionKeysOld: e.SECRETS_ENCRYPTION_KEYS_OLD,
    registryFile: e.REGISTRY_FILE,
    redisUrl: e.REDIS_URL,
    heartbeatTimeoutSeconds: e.HEARTBEAT_TIMEOUT_SECONDS,
    provisionTimeoutSeconds: e.PROVISION_TIMEOUT_SECONDS,
    graphiql: flag("GRAPHIQL"),
    introspection: flag("INTROSPECTION"),
    corsOrigins: e.CORS_ORIGINS,
    logLevel: e.LOG_LEVEL,
    sweepIntervalMs: e.SWEEP_INTERVAL_MS,
    authFailuresPerMinute: e.RATE_LIMIT_AUTH_FAILURES_PER_MINUTE,
    bootstrapsPerMinute: e.RATE_LIMIT_BOOTSTRAPS_PER_MINUTE,
    wsMaxConnections: e.WS_MAX_CONNECTIONS,
    provisioner: e.PROVISIONER,
    provisionerConfig: provisionerConfig(e.PROVISIONER_CONFIG, e.PROVISIONER),
    controlPlaneUrl: e.CONTROL_PLANE_URL ?? null,
    dockerHost: e.DOCKER_HOST,
    runtimeMaxRestarts: e.RUNTIME_MAX_RESTARTS,
    reconcileIntervalMs: e.PROVISIONER_RECONCILE_INTERVAL_MS,
  };
}

function provisionerConfig(file: string | undefined, provisioner: string): ProvisionerConfig {
  try {
    return loadProvisionerConfig(file, provisioner);
  } catch (err) {
    if (err instanceof ProvisionerConfigError) {
      throw new ConfigError(`Invalid configuration:\n  PROVISIONER_CONFIG: ${err.message}`);
    }
    throw err;
  }
}
