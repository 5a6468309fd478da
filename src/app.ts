import { randomUUID } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { NoSchemaIntrospectionCustomRule } from "graphql";
import { createYoga, type Plugin, type YogaServerInstance } from "graphql-yoga";
import { SYSTEM } from "./auth/actor.js";
import { ensureAdminToken } from "./auth/admin.js";
import { API_TOKENS_CHANNEL, ApiTokenStore } from "./auth/api-tokens.js";
import { authorize, type Identities } from "./auth/authorize.js";
import { UserTokens } from "./auth/jwt.js";
import { parseBearer } from "./auth/tokens.js";
import type { Config } from "./config.js";
import { lockDataDir } from "./db/data-dir-lock.js";
import { type Database, openDatabase } from "./db/database.js";
import { migrate } from "./db/migrate.js";
import type { ChangeWatch } from "./db/notifications.js";
import { AccessError, type Domain, withActor } from "./domain.js";
import { EventFeed } from "./events/feed.js";
import { createEventPublisher } from "./events/publisher.js";
import { useAccessRules } from "./http/access-rules.js";
import { MAX_BODY_BYTES, readBody, refuseTooLarge } from "./http/body.js";
import { clientAddress } from "./http/client-address.js";
import { useCompiledExecution } from "./http/compiled-execution.js";
import { hasRepeatedAuthorization, refuseRepeatedAuthorization, useSingleAuthorization } from "./http/headers.js";
import { useQueryLimits } from "./http/limits.js";
import { createMaskError, useNoSuggestions, useRequestMasking } from "./http/mask-errors.js";
import { createRateLimits, useRateLimits } from "./http/rate-limits.js";
import { useRequestLog } from "./http/request-log.js";
import { attachGraphQLWebSocket } from "./http/socket.js";
import { createLogger, type Logger, type RootLogger } from "./log.js";
import { createMetrics, isMetricsToken, type Metrics } from "./observability/metrics.js";
import { startTracing, tracedSql, useTracing } from "./observability/tracing.js";
import type { ObserveAction } from "./provisioning/metered.js";
import { createProvisioning, type Provisioning } from "./provisioning/provisioner.js";
import { loadRegistry } from "./registry/registry.js";
import type { Context } from "./schema/context.js";
import { schema } from "./schema/index.js";
import { createLoaders } from "./schema/loaders.js";
import { KeyRing, loadOrCreateLocalKey } from "./secrets/keyring.js";
import { ORG_SECRETS_CHANNEL, OrgSecretNamesCache } from "./secrets/org-names-cache.js";
import { SecretStore } from "./secrets/store.js";
import { startSweeps } from "./workspaces/sweeps.js";

export type App = {
  yoga: YogaServerInstance<Record<string, unknown>, Context>;
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

/** Introspection off: graphql-js's own validation rule. */
const disableIntrospection = (): Plugin => ({
  onValidate: ({ addValidationRule }) => addValidationRule(NoSchemaIntrospectionCustomRule),
});

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
  let migrated = false;
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
    migrated = true;
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
  const corsOrigins = new Set(config.corsOrigins);
  const maskError = createMaskError(log, { suggestions: config.introspection });
  const yoga = createYoga<Record<string, unknown>, Context>({
    schema,
    graphqlEndpoint: "/graphql",
    // The edge reads every body with the limit (src/http/body.ts); yoga.fetch is in-process only.
    maxRequestBodySize: false,
    landingPage: false,
    logging: false,
    graphiql: config.graphiql ? { title: "Workspace control plane" } : false,
    // About 9 MB of inline HTML (offline, no CDN): loaded on the first visit, not at start-up.
    renderGraphiQL: async (options) => (await import("@graphql-yoga/render-graphiql")).renderGraphiQL(options),
    maskedErrors: { maskError: (error, message) => maskError(error, message) },
    // Closed unless CORS_ORIGINS lists the caller's origin.
    cors: (request) => {
      const origin = request.headers.get("origin");
      if (!origin || !corsOrigins.has(origin)) return false;
      return {
        // Listed twice so yoga echoes it with Vary: Origin (a one-entry list sends no Vary).
        origin: [origin, origin],
        credentials: true,
        allowedHeaders: ["authorization", "content-type"],
        exposedHeaders: ["x-request-id"],
        methods: ["GET", "POST"],
      };
    },
    context: (initial): Context => {
      const request = initial.request as Request | undefined;
      const connectionParams = initial.connectionParams as Record<string, unknown> | undefined;
      const header = connectionParams ? connectionParams.authorization : request?.headers.get("authorization");
      // Set by the request log from a sane x-request-id header; graphql-ws passes its own per operation.
      const requestId = (initial.requestId as string | undefined) ?? randomUUID();
      return {
        domain,
        admins: apiTokens,
        identities,
        feed,
        bearer: parseBearer(header),
        caller: null,
        loaders: createLoaders(domain),
        requestId,
        log: (initial.log as Logger | undefined) ?? log.child({ requestId }),
      };
    },
    // The request log first, so every request is logged, refusals included; then
    // rate limits: an address out of budget is refused before any check runs.
    plugins: [
      useRequestLog(log, metrics ? (outcome) => metrics.observeRequest(outcome) : undefined),
      useRequestMasking(maskError),
      useSingleAuthorization(),
      // Then the operation's span, so every check and the execution run beneath it.
      ...(tracing ? [useTracing(tracing.tracer)] : []),
      useRateLimits(rateLimits),
      ...useQueryLimits(),
      useAccessRules(),
      ...(config.introspection ? [] : [disableIntrospection(), useNoSuggestions()]),
      // Last: queries and mutations run compiled (graphql-jit), once per document.
      ...useCompiledExecution(),
    ],
  });

  let draining = false;
  let inflight = 0;
  let settled: (() => void) | null = null;
  const healthy = async () => {
    if (!migrated) return false;
    try {
      await db.sql.query("SELECT 1");
      return true;
    } catch {
      return false;
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/healthz" || path === "/readyz" || path === "/livez") {
      // livez: the process serves; healthz (SPEC 1): migrated and reachable; readyz: that, and not draining.
      const ok = path === "/livez" || (path === "/readyz" ? !draining && (await healthy()) : await healthy());
      res.writeHead(ok ? 200 : 503, { "content-type": "application/json" }).end(JSON.stringify({ ok }));
      return;
    }
    if (hasRepeatedAuthorization(req)) return refuseRepeatedAuthorization(res);
    if (path === "/metrics" && metrics) return serveMetrics(req, res);
    if (req.method !== "GET" && req.method !== "HEAD") {
      const body = await readBody(req).catch(() => undefined);
      if (body === undefined) return; // the client left mid-body
      if (body === null) return refuseTooLarge(req, res);
      // whatwg-node takes a body already read as it is (see readBody).
      (req as IncomingMessage & { body?: Buffer }).body = body;
    }
    await yoga(req, res, { remoteAddress: clientAddress(req, config.trustProxy) });
  };

  // Admin only, or the scraper's METRICS_TOKEN: 401/403/503 as for any operation.
  const serveMetrics = async (req: IncomingMessage, res: ServerResponse) => {
    const bearer = parseBearer(req.headers.authorization);
    if (!(bearer.kind === "token" && isMetricsToken(bearer.token, config.metricsToken))) {
      try {
        await authorize({ role: "admin", agent: false }, bearer, identities);
      } catch (err) {
        if (!(err instanceof AccessError)) throw err;
        const status = { UNAUTHENTICATED: 401, FORBIDDEN: 403, SERVICE_UNAVAILABLE: 503 }[err.code];
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify({ errors: [{ message: err.message, extensions: { code: err.code } }] }));
        return;
      }
    }
    const { contentType, body } = await (metrics as Metrics).render();
    res.writeHead(200, { "content-type": contentType }).end(body);
  };

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
      server = createServer((req, res) => {
        inflight++;
        res.once("close", () => {
          inflight--;
          if (inflight === 0) settled?.();
        });
        handle(req, res).catch((err: Error) => {
          log.error({ msg: "request handler failed", err });
          if (!res.headersSent) res.writeHead(500).end();
          else res.destroy();
        });
      });
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
      return inflight;
    },
    ready: async () => !draining && (await healthy()),
    async stop(graceMs = config.shutdownGraceSeconds * 1000) {
      draining = true;
      // No new connections; idle keep-alive ones are closed by close() itself.
      const closed = server ? new Promise<void>((resolve) => server?.close(() => resolve())) : Promise.resolve();
      // The reconciler stops acting; the runtimes themselves outlive the control plane (SPEC 9).
      await provisioning.stop();
      await stopSweeps?.();
      // Subscriptions end as completed streams, so SSE responses finish like any other.
      feed.drain();
      await sockets?.dispose();
      if (inflight > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, graceMs);
          settled = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
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
