import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { NoSchemaIntrospectionCustomRule } from "graphql";
import { createYoga, type Plugin, type YogaServerInstance } from "graphql-yoga";
import { AdminTokens, ensureAdminToken } from "./auth/admin.js";
import { parseBearer } from "./auth/tokens.js";
import type { Config } from "./config.js";
import { type Database, openDatabase } from "./db/database.js";
import { migrate } from "./db/migrate.js";
import type { ChangeWatch } from "./db/notifications.js";
import type { Domain } from "./domain.js";
import { EventFeed } from "./events/feed.js";
import { createEventPublisher } from "./events/publisher.js";
import { useAccessRules } from "./http/access.js";
import { MAX_BODY_BYTES, readBody, refuseTooLarge } from "./http/body.js";
import { useCompiledExecution } from "./http/compiled-execution.js";
import { createRateLimits, useQueryLimits, useRateLimits } from "./http/limits.js";
import { createMaskError } from "./http/mask-errors.js";
import { useRequestLog } from "./http/request-log.js";
import { attachGraphQLWebSocket } from "./http/socket.js";
import { createLogger, type Logger } from "./log.js";
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
  log: Logger;
  provisioning: Provisioning;
  /** Listens on config.port (0: an ephemeral port); resolves to the base URL. */
  start(): Promise<string>;
  /** Closes sockets, sweeps, the feed, Redis and the database (flushed). */
  stop(): Promise<void>;
};

export type AppOverrides = {
  database?: Database;
  log?: Logger;
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
  const encryptionKey = config.encryptionKey ?? (await loadOrCreateLocalKey(config.dataDir));
  const keyring = new KeyRing(encryptionKey, config.encryptionKeysOld);

  const db =
    overrides.database ??
    (await openDatabase(
      config.databaseUrl ? { kind: "postgres", url: config.databaseUrl } : { kind: "pglite", dataDir: config.dataDir },
    ));
  let migrated = false;
  try {
    const applied = await migrate(db.sql);
    if (applied.length) log.info({ msg: "migrations applied", applied });
    migrated = true;
    await ensureAdminToken(db.prisma, config.adminToken, log, overrides.announceAdminToken ?? announceOnStderr);
  } catch (err) {
    await db.close().catch(() => {});
    throw err;
  }

  // Org secret names are cached between changes; on PostgreSQL other
  // instances' changes arrive by NOTIFY, and the cache is not trusted while
  // that connection is down.
  let orgWatch: ChangeWatch | null = null;
  const orgNames = new OrgSecretNamesCache(() => orgWatch === null || orgWatch.live);
  orgWatch = db.watch(ORG_SECRETS_CHANNEL, (payload) => orgNames.heard(payload));
  const events = await createEventPublisher(config.redisUrl, log);
  const provisioning = await createProvisioning(config, { prisma: db.prisma, registry, keyring, log });
  const domain: Domain = {
    prisma: db.prisma,
    sql: db.sql,
    registry,
    secrets: new SecretStore(db.prisma, keyring, orgNames),
    events,
    config: {
      heartbeatTimeoutSeconds: config.heartbeatTimeoutSeconds,
      provisionTimeoutSeconds: config.provisionTimeoutSeconds,
    },
    provisioning: provisioning.hooks,
  };
  const admins = new AdminTokens(db.prisma);
  const feed = new EventFeed(db.prisma, events, log);
  await feed.start();

  const rateLimits = createRateLimits(config);
  const corsOrigins = new Set(config.corsOrigins);
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
    maskedErrors: { maskError: createMaskError(log) },
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
      return {
        domain,
        admins,
        feed,
        bearer: parseBearer(header),
        loaders: createLoaders(domain),
        // Set by the request log from a sane x-request-id header; graphql-ws passes its own.
        requestId: (initial.requestId as string | undefined) ?? randomUUID(),
      };
    },
    // The request log first, so every request is logged, refusals included; then
    // rate limits: an address out of budget is refused before any check runs.
    plugins: [
      useRequestLog(log),
      useRateLimits(rateLimits),
      ...useQueryLimits(),
      useAccessRules(),
      ...(config.introspection ? [] : [disableIntrospection()]),
      // Last: queries and mutations run compiled (graphql-jit), once per document.
      ...useCompiledExecution(),
    ],
  });

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
    if (path === "/healthz") {
      const ok = await healthy();
      res.writeHead(ok ? 200 : 503, { "content-type": "application/json" }).end(JSON.stringify({ ok }));
      return;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      const body = await readBody(req).catch(() => undefined);
      if (body === undefined) return; // the client left mid-body
      if (body === null) return refuseTooLarge(req, res);
      // whatwg-node takes a body already read as it is (see readBody).
      (req as IncomingMessage & { body?: Buffer }).body = body;
    }
    await yoga(req, res, { remoteAddress: req.socket.remoteAddress });
  };

  let server: Server | undefined;
  let sockets: { dispose(): Promise<void> } | undefined;
  let stopSweeps: (() => Promise<void>) | undefined;

  return {
    yoga,
    domain,
    db,
    feed,
    log,
    provisioning,
    async start() {
      server = createServer((req, res) => {
        handle(req, res).catch((err: Error) => {
          log.error({ msg: "request handler failed", err: err.message });
          if (!res.headersSent) res.writeHead(500).end();
          else res.destroy();
        });
      });
      sockets = attachGraphQLWebSocket({
        server,
        path: "/graphql",
        yoga,
        admins,
        prisma: db.prisma,
        rateLimits,
        log,
        maxConnections: config.wsMaxConnections,
        maxPayload: MAX_BODY_BYTES,
      });
      stopSweeps = startSweeps(domain, config.sweepIntervalMs, log);
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
    async stop() {
      await provisioning.stop();
      await stopSweeps?.();
      await sockets?.dispose();
      if (server) {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server?.close(() => resolve()));
      }
      await feed.stop();
      await events.close();
      await orgWatch?.close();
      await db.close();
    },
  };
}

function announceOnStderr(token: string) {
  process.stderr.write(
    `\nGenerated admin token (shown once, stored only as a hash):\n\n  ${token}\n\nSet ADMIN_TOKEN to choose your own.\n\n`,
  );
}
