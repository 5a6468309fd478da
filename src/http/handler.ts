import type { IncomingMessage, ServerResponse } from "node:http";
import { authorize, type Identities } from "../auth/authorize.js";
import { parseBearer } from "../auth/tokens.js";
import type { SqlDriver } from "../db/database.js";
import { AccessError } from "../errors.js";
import type { RootLogger } from "../log.js";
import { isMetricsToken, type Metrics } from "../observability/metrics.js";
import { readBody, refuseTooLarge } from "./body.js";
import { clientAddress } from "./client-address.js";
import { hasRepeatedAuthorization, refuseRepeatedAuthorization } from "./headers.js";
import type { Yoga } from "./yoga.js";

export type RequestHandler = {
  /** The node:http request listener. */
  listener(req: IncomingMessage, res: ServerResponse): void;
  /** HTTP requests being answered right now (SSE streams included). */
  readonly inflight: number;
  /** Readiness turns false from now on. */
  drain(): void;
  /** What /readyz answers: the database answering, and not draining. */
  ready(): Promise<boolean>;
  /** Resolves when no request is in flight, or after `graceMs`, whichever comes first. */
  settled(graceMs: number): Promise<void>;
};

/**
 * What the HTTP port answers before GraphQL: the health probes, /metrics,
 * repeated Authorization headers and bodies over the limit; every other
 * request goes to yoga with the client's address.
 */
export function createRequestHandler(opts: {
  yoga: Yoga;
  sql: SqlDriver;
  identities: Identities;
  metrics: Metrics | null;
  metricsToken: string | undefined;
  trustProxy: number;
  log: RootLogger;
}): RequestHandler {
  const { yoga, metrics, log } = opts;
  let draining = false;
  let inflight = 0;
  let onSettled: (() => void) | null = null;

  const healthy = async () => {
    try {
      await opts.sql.query("SELECT 1");
      return true;
    } catch {
      return false;
    }
  };

  // Admin only, or the scraper's METRICS_TOKEN: 401/403/503 as for any operation.
  const serveMetrics = async (req: IncomingMessage, res: ServerResponse, metrics: Metrics) => {
    const bearer = parseBearer(req.headers.authorization);
    if (!(bearer.kind === "token" && isMetricsToken(bearer.token, opts.metricsToken))) {
      try {
        await authorize({ role: "admin", agent: false }, bearer, opts.identities);
      } catch (err) {
        if (!(err instanceof AccessError)) throw err;
        const status = { UNAUTHENTICATED: 401, FORBIDDEN: 403, SERVICE_UNAVAILABLE: 503 }[err.code];
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify({ errors: [{ message: err.message, extensions: { code: err.code } }] }));
        return;
      }
    }
    const { contentType, body } = await metrics.render();
    res.writeHead(200, { "content-type": contentType }).end(body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/healthz" || path === "/readyz" || path === "/livez") {
      // livez: the process serves; healthz (SPEC 1): migrated and reachable; readyz: that, and not draining.
      // (A handler exists only once migrations ran: buildApp throws otherwise.)
      const ok = path === "/livez" || (path === "/readyz" ? !draining && (await healthy()) : await healthy());
      res.writeHead(ok ? 200 : 503, { "content-type": "application/json" }).end(JSON.stringify({ ok }));
      return;
    }
    if (hasRepeatedAuthorization(req)) return refuseRepeatedAuthorization(res);
    if (path === "/metrics" && metrics) return serveMetrics(req, res, metrics);
    if (req.method !== "GET" && req.method !== "HEAD") {
      const body = await readBody(req).catch(() => undefined);
      if (body === undefined) return; // the client left mid-body
      if (body === null) return refuseTooLarge(req, res);
      // whatwg-node takes a body already read as it is (see readBody).
      (req as IncomingMessage & { body?: Buffer }).body = body;
    }
    await yoga(req, res, { remoteAddress: clientAddress(req, opts.trustProxy) });
  };

  return {
    listener(req, res) {
      inflight++;
      res.once("close", () => {
        inflight--;
        if (inflight === 0) onSettled?.();
      });
      handle(req, res).catch((err: Error) => {
        log.error({ msg: "request handler failed", err });
        if (!res.headersSent) res.writeHead(500).end();
        else res.destroy();
      });
    },
    get inflight() {
      return inflight;
    },
    drain() {
      draining = true;
    },
    ready: async () => !draining && (await healthy()),
    async settled(graceMs) {
      if (inflight === 0) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, graceMs);
        onSettled = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    },
  };
}
