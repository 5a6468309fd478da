import { mkdir } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SYSTEM } from "./auth/actor.js";
import { ensureAdminToken } from "./auth/admin.js";
import { API_TOKENS_CHANNEL, ApiTokenStore } from "./auth/api-tokens.js";
import type { Identities } from "./auth/authorize.js";
import { UserTokens } from "./auth/jwt.js";
import type { Config } from "./config.js";
import { lockDataDir } from "./db/data-dir-lock.js";
import { type Database, openDatabase } from "./db/database.js";
import { migrate } from "./db/migrate.js";
import type { ChangeWatch } from "./db/notifications.js";
import { type Domain, withActor } from "./domain.js";
import { EventFeed } from "./events/feed.js";
import { createEventPublisher } from "./events/publisher.js";
import { MAX_BODY_BYTES } from "./http/body.js";
import { createRequestHandler } from "./http/handler.js";
import { createRateLimits } from "./http/rate-limits.js";
import { attachGraphQLWebSocket } from "./http/socket.js";
import { createYogaServer, type Yoga } from "./http/yoga.js";
import { createLogger, type RootLogger } from "./log.js";
import { createMetrics, type Metrics } from "./observability/metrics.js";
import { startTracing, tracedSql } from "./observability/tracing.js";
import type { ObserveAction } from "./provisioning/metered.js";
import { createProvisioning, type Provisioning } from "./provisioning/provisioner.js";
import { loadRegistry } from "./registry/registry.js";
import { KeyRing, loadOrCreateLocalKey } from "./secrets/keyring.js";
import { ORG_SECRETS_CHANNEL, OrgSecretNamesCache } from "./secrets/org-names-cache.js";
import { SecretStore } from "./secrets/store.js";
import { startSweeps } from "./workspaces/sweeps.js";

export type App = {
  yoga: Yoga;
  domain: Domain;
  db: Database;
  feed: EventFeed;
  /** API tokens and, when configured, canvas users' JWTs: who a bearer is. */
  identities: Identities;
  log: RootLogger;
  /** Prometheus metrics; null with METRICS=false. */
  metrics: Metrics | null;
  provisioning: Provisioning;
  /** Listens on config.port (0: an ephemeral port); resolves to the base URL. */
  start(): Promise<string>;
  /**
   * Drains, then closes (SPEC 11): readiness turns false at once, new
   * connections are refused, subscriptions complete, in-flight requests get
   * `graceMs` (default SHUTDOWN_GRACE_SECONDS) to finish, then every
   * connection is closed, and the feed, Redis and the database after them.
   */
  stop(graceMs?: number): Promise<void>;
  /** HTTP requests being answered right now (SSE streams included). */
  readonly inflight: number;
  /** What /readyz answers: migrated, the database answering, and not draining. */
  ready(): Promise<boolean>;
};

export type AppOverrides = {
  database?: Database;
  log?: RootLogger;
  /** Where a generated admin token is shown once (default: stderr). */
  announceAdminToken?: (token: string) => void;
};

export async function buildApp(config: Config, overrides: AppOverrides = {}): Promise<App> {
  const log = overrides.log ?? createLogger(config.logLevel);
  const registry = await loadRegistry(config.registryFile);
  // The embedded database is this process's alone (SPEC 11): the lock comes
  // before anything in DATA_DIR is opened, created or migrated.
  const dataDirLock =
    overrides.database || config.databaseUrl
      ? null
      : await mkdir(config.dataDir, { recursive: true }).then(() =>
          lockDataDir(config.dataDir, {
            onLost: (reason) => {
              // Another process may be writing here now: stop at once, flushing nothing.
              log.error({ msg: "lost the DATA_DIR lock; exiting to protect the data", reason });
              process.exit(1);
            },
          }),
        );
  let keyring: KeyRing;
  let db: Database | undefined;
  try {
    const encryptionKey = config.encryptionKey ?? (await loadOrCreateLocalKey(config.dataDir));
    keyring = new KeyRing(encryptionKey, config.encryptionKeysOld);
    db =
      overrides.database ??
      (await openDatabase(
        config.databaseUrl
          ? { kind: "postgres", url: config.databaseUrl }
          : { kind: "pglite", dataDir: config.dataDir },
      ));
    const applied = await migrate(db.sql);
    if (applied.length) log.info({ msg: "migrations applied", applied });
    await ensureAdminToken(db.prisma, config.adminToken, log, overrides.announceAdminToken ?? announceOnStderr);
  } catch (err) {
    await db?.close().catch(() => {});
    await dataDirLock?.release();
    throw err;
  }

  // Org secret names are cached between changes; on PostgreSQL other
  // instances' changes arrive by NOTIFY, and the cache is not trusted while
  // that connection is down.
  let orgWatch: ChangeWatch | null = null;
  const orgNames = new OrgSecretNamesCache(() => orgWatch === null || orgWatch.live);
  orgWatch = db.watch(ORG_SECRETS_CHANNEL, (payload) => orgNames.heard(payload));
  const events = await createEventPublisher(config.redisUrl, log);
  const tracing = config.otelEndpoint
    ? await startTracing({ endpoint: config.otelEndpoint, serviceName: config.otelServiceName })
    : null;
  // Created before the metrics it reports to; `observe` reads them when an action happens.
  let observeAction: ObserveAction | undefined;
  const provisioning = await createProvisioning(config, {
    prisma: db.prisma,
    registry,
    keyring,
    log,
    observe: (action, outcome, seconds) => observeAction?.(action, outcome, seconds),
  });
  const domain: Domain = {
    prisma: db.prisma,
    sql: tracing ? tracedSql(db.sql, tracing.tracer) : db.sql,
    registry,
    secrets: new SecretStore(db.prisma, keyring, orgNames),
    events,
    config: {
      heartbeatTimeoutSeconds: config.heartbeatTimeoutSeconds,
      provisionTimeoutSeconds: config.provisionTimeoutSeconds,
    },
    actor: SYSTEM.provisioner,
    provisioning: provisioning.hooks,
  };
  // API tokens are cached between revocations, as the org secret names are.
  let tokenWatch: ChangeWatch | null = null;
  const apiTokens = new ApiTokenStore(db.prisma, () => tokenWatch === null || tokenWatch.live);
  tokenWatch = db.watch(API_TOKENS_CHANNEL, (payload) => apiTokens.heard(payload));
  await Promise.all([orgWatch?.firstAttempt, tokenWatch?.firstAttempt]);
  const identities: Identities = {
    apiTokens,
    users: config.auth ? new UserTokens(config.auth) : null,
    prisma: db.prisma,
  };
  const feed = new EventFeed(db.prisma, events, log, config.eventPollIntervalMs);
  await feed.start();

  const metrics = config.metrics
    ? createMetrics({
        prisma: db.prisma,
        subscribers: () => feed.listenerCount(),
        pool: () => db.poolStats?.() ?? null,
      })
    : null;
  observeAction = (action, outcome, seconds) => {
    metrics?.provisionerActions.inc({ action, outcome });
    metrics?.provisionerActionSeconds.observe({ action, outcome }, seconds);
  };
  const rateLimits = await createRateLimits(config, log, (limit) => metrics?.rateLimited.inc({ limit }));
  const yoga = createYogaServer(config, {
    domain,
    admins: apiTokens,
    identities,
    feed,
    log,
    metrics,
    tracer: tracing?.tracer ?? null,
    rateLimits,
  });
  const requests = createRequestHandler({
    yoga,
    sql: db.sql,
    identities,
    metrics,
    metricsToken: config.metricsToken,
    trustProxy: config.trustProxy,
    log,
  });

  let server: Server | undefined;
  let sockets: { dispose(): Promise<void> } | undefined;
  let stopSweeps: (() => Promise<void>) | undefined;

  return {
    yoga,
    domain,
    db,
    feed,
    identities,
    log,
    metrics,
    provisioning,
    async start() {
      server = createServer(requests.listener);
      sockets = attachGraphQLWebSocket({
        server,
        path: "/graphql",
        yoga,
        identities,
        rateLimits,
        log,
        maxConnections: config.wsMaxConnections,
        maxPending: config.wsMaxPendingConnections,
        maxPendingPerAddress: config.wsMaxPendingPerAddress,
        trustProxy: config.trustProxy,
        maxPayload: MAX_BODY_BYTES,
      });
      stopSweeps = startSweeps(withActor(domain, SYSTEM.sweeps), config.sweepIntervalMs, log);
      await new Promise<void>((resolve, reject) => {
        server?.once("error", reject);
        server?.listen(config.port, config.host, () => resolve());
      });
      const { port } = server.address() as AddressInfo;
      const host = config.host.includes(":") ? `[${config.host}]` : config.host;
      log.info({ msg: "listening", url: `http://${host}:${port}/graphql`, database: db.kind });
      // Once the API answers: the runtimes it starts dial it at once.
      await provisioning.start(domain, `http://${host}:${port}`);
      return `http://${host}:${port}`;
    },
    get inflight() {
      return requests.inflight;
    },
    ready: () => requests.ready(),
    async stop(graceMs = config.shutdownGraceSeconds * 1000) {
      requests.drain();
      // No new connections; idle keep-alive ones are closed by close() itself.
      const closed = server ? new Promise<void>((resolve) => server?.close(() => resolve())) : Promise.resolve();
      // The reconciler stops acting; the runtimes themselves outlive the control plane (SPEC 9).
      await provisioning.stop();
      await stopSweeps?.();
      // Subscriptions end as completed streams, so SSE responses finish like any other.
      feed.drain();
      await sockets?.dispose();
      await requests.settled(graceMs);
      server?.closeAllConnections();
      await closed;
      await feed.stop();
      await events.close();
      await rateLimits.close();
      await orgWatch?.close();
      await tokenWatch?.close();
      await tracing?.shutdown();
      await db.close();
      await dataDirLock?.release();
    },
  };
}

function announceOnStderr(token: string) {
  process.stderr.write(
    `\nGenerated admin token (shown once, stored only as a hash):\n\n  ${token}\n\nSet ADMIN_TOKEN to choose your own.\n\n`,
  );
}
