import { timingSafeEqual } from "node:crypto";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { PrismaClient } from "../generated/prisma/client.js";
import type { RequestOutcome } from "../http/request-log.js";

/** What the gauges read when scraped: nothing is counted on the hot paths for them. */
export type MetricSources = {
  prisma: PrismaClient;
  /** Subscribers held by this instance's event feed. */
  subscribers(): number;
  /** The database pool (PostgreSQL); null for the embedded database. */
  pool(): { total: number; idle: number; waiting: number } | null;
};

export type Metrics = {
  registry: Registry;
  /** Requests and their latency by operation and outcome, told by the request log when each ends. */
  observeRequest(outcome: RequestOutcome): void;
  /** Refusals by the rate limits, by which limit. */
  rateLimited: Counter<"limit">;
  /** Provisioner actions on the runtime backend (start, stop, list), by outcome. */
  provisionerActions: Counter<"action" | "outcome">;
  /** Their latency. */
  provisionerActionSeconds: Histogram<"action" | "outcome">;
  /** The text a scrape answers. */
  render(): Promise<{ contentType: string; body: string }>;
};

/**
 * Prometheus metrics (SPEC 11) in a registry of this app's own (several apps
 * share a test process). Request latency and error codes are observed once
 * per request when it ends; workspaces by status, events recorded,
 * subscribers and the pool are read at scrape time.
 */
export function createMetrics(sources: MetricSources): Metrics {
  const registry = new Registry();
  // Not yoga's Prometheus plugin: with only these two metrics on it still halved
  // discovery's throughput (BENCHMARKS.md); the request log already knows all
  // of this when a request ends, so one observation and one count cost nothing.
  const requests = new Histogram({
    name: "workspace_cp_http_request_duration_seconds",
    help: "HTTP requests to /graphql and their latency, by operation, type and status.",
    labelNames: ["operationName", "operationType", "statusCode"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const errors = new Counter({
    name: "workspace_cp_graphql_errors_total",
    help: "Errors in answers, by operation and error code.",
    labelNames: ["operationName", "code"] as const,
    registers: [registry],
  });
  const observeRequest = (o: RequestOutcome) => {
    const operationName = o.operation ?? "";
    requests.observe({ operationName, operationType: o.operationType ?? "", statusCode: String(o.status) }, o.seconds);
    for (const code of o.errors) errors.inc({ operationName, code });
  };
  const rateLimited = new Counter({
    name: "workspace_cp_rate_limited_total",
    help: "Requests refused by a rate limit, by limit.",
    labelNames: ["limit"] as const,
    registers: [registry],
  });
  const provisionerActions = new Counter({
    name: "workspace_cp_provisioner_actions_total",
    help: "Provisioner actions on runtimes, by action and outcome.",
    labelNames: ["action", "outcome"] as const,
    registers: [registry],
  });
  const provisionerActionSeconds = new Histogram({
    name: "workspace_cp_provisioner_action_seconds",
    help: "Latency of provisioner actions on the runtime backend, by action and outcome.",
    labelNames: ["action", "outcome"] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  new Gauge({
    name: "workspace_cp_workspaces",
    help: "Workspaces by status.",
    labelNames: ["status"] as const,
    registers: [registry],
    async collect() {
      const rows = await sources.prisma.workspace.groupBy({ by: ["status"], _count: { _all: true } });
      this.reset();
      for (const r of rows) this.set({ status: r.status }, r._count._all);
    },
  });
  new Gauge({
    name: "workspace_cp_events_recorded",
    help: "Events recorded so far (the newest sequence number).",
    registers: [registry],
    async collect() {
      const last = await sources.prisma.workspaceEvent.findFirst({ orderBy: { seq: "desc" }, select: { seq: true } });
      this.set(Number(last?.seq ?? 0));
    },
  });
  new Gauge({
    name: "workspace_cp_subscribers",
    help: "Event subscribers (SSE and graphql-ws) held by this instance.",
    registers: [registry],
    collect() {
      this.set(sources.subscribers());
    },
  });
  new Gauge({
    name: "workspace_cp_db_pool_connections",
    help: "Database pool connections by state (PostgreSQL).",
    labelNames: ["state"] as const,
    registers: [registry],
    collect() {
      const pool = sources.pool();
      if (!pool) return;
      this.set({ state: "total" }, pool.total);
      this.set({ state: "idle" }, pool.idle);
      this.set({ state: "waiting" }, pool.waiting);
    },
  });
  return {
    registry,
    observeRequest,
    rateLimited,
    provisionerActions,
    provisionerActionSeconds,
    render: async () => ({ contentType: registry.contentType, body: await registry.metrics() }),
  };
}

/** A METRICS_TOKEN bearer, compared in constant time. */
export function isMetricsToken(presented: string | null | undefined, configured: string | undefined): boolean {
  if (!presented || !configured) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(configured);
  return a.length === b.length && timingSafeEqual(a, b);
}
