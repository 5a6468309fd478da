import { createPublicKey } from "node:crypto";
import path from "node:path";
import { z } from "zod";
import type { JwtSettings } from "./auth/jwt.js";
import { looksLikeJwt } from "./auth/tokens.js";
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
    ADMIN_TOKEN: z
      .string()
      .min(16, "must be at least 16 characters")
      .max(512)
      .refine((v) => !looksLikeJwt(v), { message: "must not look like a JWT (three dot-separated base64url parts)" })
      .optional(),
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
    DOCKER_HOST: z
      .string()
      .regex(/^(unix:\/\/\/.+|tcp:\/\/[^/:\s]+:\d{1,5})$/, "must be unix:///path/to/socket or tcp://host:port")
      .default("unix:///var/run/docker.sock"),
    HEARTBEAT_TIMEOUT_SECONDS: seconds(90),
    PROVISION_TIMEOUT_SECONDS: seconds(720),
    SWEEP_INTERVAL_MS: z.coerce
      .number({ message: "must be a number of milliseconds" })
      .int("must be a whole number of milliseconds")
      .min(100, "must be at least 100")
      .max(60_000, "must be at most 60000 (the sweeps act within 10 s of a deadline)")
      .default(5_000),
    // The event feed's read of the record when no hint came (a lost hint is
    // late by at most this much).
    EVENT_POLL_INTERVAL_MS: z.coerce
      .number({ message: "must be a number of milliseconds" })
      .int("must be a whole number of milliseconds")
      .min(100, "must be at least 100")
      .max(600_000, "must be at most 600000")
      .default(1_000),
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
    // Per client address (shared by all instances through REDIS_URL): half the minute's rate per 30 s; 0 turns a limit off.
    RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: perMinute(20),
    RATE_LIMIT_BOOTSTRAPS_PER_MINUTE: perMinute(60),
    SHUTDOWN_GRACE_SECONDS: z.coerce
      .number({ message: "must be a number of seconds" })
      .int("must be a whole number of seconds")
      .min(0)
      .max(300, "must be at most 300")
      .default(10),
    METRICS: z.string().optional(),
    METRICS_TOKEN: z.string().min(16, "must be at least 16 characters").max(512).optional(),
    OTEL_EXPORTER_OTLP_ENDPOINT: url(["http:", "https:"]).optional(),
    OTEL_SERVICE_NAME: z.string().min(1).max(128).default("workspace-control-plane"),
    // Canvas users' JWTs (SPEC section 10): one key source, then issuer and audience.
    AUTH_JWKS_URL: url(["http:", "https:"]).optional(),
    AUTH_JWT_PUBLIC_KEY: z
      .string()
      // A PEM put in one line of an environment file keeps its newlines as "\n".
      .transform((v) => v.replaceAll("\\n", "\n").trim())
      .refine(isPublicKey, { message: "must be a PEM public key (RSA, EC or Ed25519)" })
      .optional(),
    AUTH_ISSUER: z.string().min(1).optional(),
    AUTH_AUDIENCE: z.string().min(1).optional(),
    AUTH_ROLES_CLAIM: z.string().min(1).max(256).default("roles"),
    AUTH_JWKS_COOLDOWN_SECONDS: z.coerce
      .number({ message: "must be a number of seconds" })
      .int("must be a whole number of seconds")
      .min(0)
      .max(3600)
      .default(5),
    WS_MAX_CONNECTIONS: z.coerce.number().int("must be a whole number").min(1).max(1_000_000).default(10_000),
    // graphql-ws sockets that have not sent connection_init yet, bounded apart from the others.
    WS_MAX_PENDING_CONNECTIONS: z.coerce.number().int("must be a whole number").min(1).max(1_000_000).default(1_000),
    WS_MAX_PENDING_PER_ADDRESS: z.coerce.number().int("must be a whole number").min(1).max(100_000).default(10),
    // Proxies in front whose X-Forwarded-For entries are trusted; 0: the socket's address.
    TRUST_PROXY: z.coerce.number().int("must be a whole number of proxies").min(0).max(32).default(0),
    PROVISIONER: z
      .enum(["external", "process", "docker"], { message: "must be external, process or docker" })
      .default("external"),
    PROVISIONER_CONFIG: z.string().min(1).optional(),
    CONTROL_PLANE_URL: url(["http:", "https:"]).optional(),
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
    if (env.AUTH_JWKS_URL && env.AUTH_JWT_PUBLIC_KEY) {
      ctx.addIssue({
        code: "custom",
        path: ["AUTH_JWT_PUBLIC_KEY"],
        message: "cannot be set with AUTH_JWKS_URL: set one key source",
      });
    }
    if (env.AUTH_JWKS_URL || env.AUTH_JWT_PUBLIC_KEY) {
      for (const name of ["AUTH_ISSUER", "AUTH_AUDIENCE"] as const) {
        if (!env[name])
          ctx.addIssue({
            code: "custom",
            path: [name],
            message: "is required when AUTH_JWKS_URL or AUTH_JWT_PUBLIC_KEY is set",
          });
      }
    }
  });

function isPublicKey(pem: string): boolean {
  try {
    const key = createPublicKey(pem);
    return key.type === "public" && ["rsa", "rsa-pss", "ec", "ed25519"].includes(key.asymmetricKeyType ?? "");
  } catch {
    return false;
  }
}

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
  /** The Docker Engine API for PROVISIONER=docker: unix:///path or tcp://host:port. */
  dockerHost: string;
  heartbeatTimeoutSeconds: number;
  provisionTimeoutSeconds: number;
  graphiql: boolean;
  introspection: boolean;
  corsOrigins: string[];
  logLevel: "debug" | "info" | "warn" | "error" | "silent";
  /** How often the sweeps look for overdue workspaces. */
  sweepIntervalMs: number;
  /** How often the event feed reads the record without a hint. */
  eventPollIntervalMs: number;
  authFailuresPerMinute: number;
  bootstrapsPerMinute: number;
  wsMaxConnections: number;
  /** GET /metrics (Prometheus), for an admin bearer or metricsToken. */
  metrics: boolean;
  metricsToken: string | undefined;
  /** How long in-flight requests get to finish after SIGTERM. */
  shutdownGraceSeconds: number;
  /** OTLP/HTTP base URL: traces go to `<it>/v1/traces`; unset, no tracing is loaded. */
  otelEndpoint: string | undefined;
  otelServiceName: string;
  wsMaxPendingConnections: number;
  wsMaxPendingPerAddress: number;
  trustProxy: number;
  /** Canvas users' JWTs; null when neither key source is set. */
  auth: JwtSettings | null;
  provisioner: "external" | "process" | "docker";
  /** PROVISIONER_CONFIG, read and validated (src/provisioning/settings.ts). */
  provisionerConfig: ProvisionerConfig;
  /** The GraphQL URL runtimes dial; null: http://HOST:PORT/graphql once listening. */
  controlPlaneUrl: string | null;
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
  const flag = (name: "GRAPHIQL" | "INTROSPECTION" | "METRICS", fallback = !production) => {
    const r = bool(fallback).safeParse(e[name]);
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
    dockerHost: e.DOCKER_HOST,
    heartbeatTimeoutSeconds: e.HEARTBEAT_TIMEOUT_SECONDS,
    provisionTimeoutSeconds: e.PROVISION_TIMEOUT_SECONDS,
    graphiql: flag("GRAPHIQL"),
    introspection: flag("INTROSPECTION"),
    corsOrigins: e.CORS_ORIGINS,
    logLevel: e.LOG_LEVEL,
    sweepIntervalMs: e.SWEEP_INTERVAL_MS,
    eventPollIntervalMs: e.EVENT_POLL_INTERVAL_MS,
    authFailuresPerMinute: e.RATE_LIMIT_AUTH_FAILURES_PER_MINUTE,
    bootstrapsPerMinute: e.RATE_LIMIT_BOOTSTRAPS_PER_MINUTE,
    wsMaxConnections: e.WS_MAX_CONNECTIONS,
    metrics: flag("METRICS", true),
    metricsToken: e.METRICS_TOKEN,
    shutdownGraceSeconds: e.SHUTDOWN_GRACE_SECONDS,
    otelEndpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT,
    otelServiceName: e.OTEL_SERVICE_NAME,
    wsMaxPendingConnections: e.WS_MAX_PENDING_CONNECTIONS,
    wsMaxPendingPerAddress: e.WS_MAX_PENDING_PER_ADDRESS,
    trustProxy: e.TRUST_PROXY,
    auth:
      e.AUTH_JWKS_URL || e.AUTH_JWT_PUBLIC_KEY
        ? {
            jwksUrl: e.AUTH_JWKS_URL,
            publicKeyPem: e.AUTH_JWT_PUBLIC_KEY,
            issuer: e.AUTH_ISSUER as string,
            audience: e.AUTH_AUDIENCE as string,
            rolesClaim: e.AUTH_ROLES_CLAIM,
            jwksCooldownSeconds: e.AUTH_JWKS_COOLDOWN_SECONDS,
          }
        : null,
    provisioner: e.PROVISIONER,
    provisionerConfig: provisionerConfig(e.PROVISIONER_CONFIG, e.PROVISIONER),
    controlPlaneUrl: e.CONTROL_PLANE_URL ?? null,
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
