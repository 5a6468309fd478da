import { randomUUID } from "node:crypto";
import type { IncomingMessage, Server } from "node:http";
import { type ExecutionArgs, type execute, GraphQLError, type subscribe } from "graphql";
import { useServer } from "graphql-ws/use/ws";
import { type WebSocket, WebSocketServer } from "ws";
import { authorize, type Identities } from "../auth/authorize.js";
import { parseBearer } from "../auth/tokens.js";
import type { Logger, RootLogger } from "../log.js";
import { clientAddress, clientKey } from "./client-address.js";
import { socketLane } from "./live-lane.js";
import { selectOperation } from "./operation.js";
import { guardSocket, type RateLimits } from "./rate-limits.js";
import type { Yoga } from "./yoga.js";

/**
 * graphql-ws connections carry subscriptions only: a socket needs a valid
 * credential of a role that may subscribe (viewer or above), judged by the
 * same verdict as every operation. Returning false closes it with 4403.
 * Each subscription on it is judged again, as over HTTP.
 */
export async function authorizeSocket(
  connectionParams: Readonly<Record<string, unknown>> | undefined,
  identities: Identities,
  log: Logger,
): Promise<boolean> {
  try {
    await authorize({ role: "viewer", agent: false }, parseBearer(connectionParams?.authorization), identities);
    return true;
  } catch (err) {
    log.debug({ msg: "websocket refused", reason: (err as Error).message });
    return false;
  }
}

/**
 * The access rules judge a stream again before each event (src/http/access-rules.ts):
 * a refusal ends it. Over a socket, the refusal closes the socket too, as at
 * its opening: 4403 when the credential is no longer good (revoked, expired),
 * 1013 (try again later) when it could not be checked.
 */
function closeOnRefusal(socket: WebSocket, result: { data?: unknown; errors?: readonly unknown[] }) {
  if (result.data !== undefined && result.data !== null) return;
  const code = (result.errors?.[0] as { extensions?: { code?: unknown } } | undefined)?.extensions?.code;
  if (code === "UNAUTHENTICATED" || code === "FORBIDDEN") socket.close(4403, "Forbidden");
  else if (code === "SERVICE_UNAVAILABLE") socket.close(1013, "Try again later");
}

/** An operation's arguments, carrying the executor its enveloped plugins wrap. */
type EnvelopedArgs = ExecutionArgs & { execute: typeof execute; subscribe: typeof subscribe };

/** A socket must send connection_init this soon after it opens (SPEC section 11). */
export const INIT_TIMEOUT_MS = 3_000;
/** A socket the server closed is terminated if its close handshake is not answered this soon. */
export const CLOSE_TIMEOUT_MS = 1_000;

/**
 * graphql-ws on the HTTP server's port and path. Each operation's arguments
 * are built through yoga's getEnveloped, so plugins (limits, access rules,
 * logging) and the context are the same as over HTTP.
 *
 * Sockets that have not sent their first message (connection_init) are
 * counted apart from the others, per client address and overall, and closed
 * after INIT_TIMEOUT_MS: silent sockets cannot fill WS_MAX_CONNECTIONS.
 * Every close the server starts ends within CLOSE_TIMEOUT_MS, answered or
 * not, so neither a silent peer nor shutdown waits on ws's own 30 s.
 */
export function attachGraphQLWebSocket(opts: {
  server: Server;
  path: string;
  yoga: Yoga;
  identities: Identities;
  rateLimits: RateLimits;
  log: RootLogger;
  maxConnections: number;
  maxPending: number;
  maxPendingPerAddress: number;
  trustProxy: number;
  maxPayload: number;
}): { dispose(): Promise<void> } {
  const { yoga, log } = opts;
  const established = new Set<WebSocket>();
  const pendingByKey = new Map<string, number>();
  let pending = 0;
  const keyOf = (req: IncomingMessage) => clientKey(clientAddress(req, opts.trustProxy)) ?? "";
  // The operations running on each socket, by their graphql-ws id: for the line logged when one completes.
  const operations = new WeakMap<object, Map<string, { log: Logger; start: number; errors: Set<string> }>>();

  const sockets = new WebSocketServer({
    server: opts.server,
    path: opts.path,
    maxPayload: opts.maxPayload,
    // Refused with 503 at the handshake past a bound (per instance). The
    // connection event follows an accepted handshake synchronously, so the
    // counts below cannot be overtaken between this check and that count.
    verifyClient: ({ req }, accept) =>
      accept(
        established.size < opts.maxConnections &&
          pending < opts.maxPending &&
          (pendingByKey.get(keyOf(req)) ?? 0) < opts.maxPendingPerAddress,
        503,
      ),
  });

  sockets.on("connection", (socket, req) => {
    boundClose(socket);
    const key = keyOf(req);
    pending++;
    pendingByKey.set(key, (pendingByKey.get(key) ?? 0) + 1);
    let isPending = true;
    const initialised = () => {
      if (!isPending) return;
      isPending = false;
      clearTimeout(timer);
      pending--;
      const left = (pendingByKey.get(key) ?? 1) - 1;
      if (left > 0) pendingByKey.set(key, left);
      else pendingByKey.delete(key);
    };
    const timer = setTimeout(() => socket.close(4408, "Connection initialisation timeout"), INIT_TIMEOUT_MS);
    timer.unref();
    socket.once("message", () => {
      initialised();
      if (established.size >= opts.maxConnections) {
        socket.close(1013, "Too many connections; try again later");
        return;
      }
      established.add(socket);
    });
    socket.once("close", () => {
      initialised();
      established.delete(socket);
    });
  });

  const graphqlWs = useServer<Record<string, unknown>>(
    {
      // Our own INIT_TIMEOUT_MS bounds the wait for connection_init; this one also covers the credential check.
      connectionInitWaitTimeout: 10_000,
      onConnect: (ctx) =>
        guardSocket(
          opts.rateLimits,
          clientAddress(ctx.extra.request as IncomingMessage, opts.trustProxy),
          Boolean(ctx.connectionParams?.authorization),
          () => authorizeSocket(ctx.connectionParams, opts.identities, log),
        ),
      onNext: (ctx, id, _payload, _args, result) => {
        // Runs per subscriber per event: a result without errors has nothing to record or refuse.
        if (!result.errors) return;
        const seen = operations.get(ctx)?.get(id);
        for (const e of result.errors) seen?.errors.add(String(e.extensions?.code ?? "UNKNOWN"));
        closeOnRefusal(ctx.extra.socket as WebSocket, result);
      },
      onComplete: (ctx, id) => {
        const seen = operations.get(ctx)?.get(id);
        if (!seen) return;
        operations.get(ctx)?.delete(id);
        seen.log.info({
          msg: "operation complete",
          ...(seen.errors.size > 0 ? { errors: [...seen.errors] } : {}),
          durationMs: Math.round((performance.now() - seen.start) * 10) / 10,
        });
      },
      onSubscribe: async (ctx, id, payload) => {
        // Each operation on a socket is a request of its own: its own id, bound to its log lines and context.
        const requestId = randomUUID();
        const opLog = log.child({ requestId, transport: "graphql-ws", subscriptionId: id.slice(0, 128) });
        // As graphql-yoga's graphql-ws example: the socket's context is the initial context, and
        // execute/subscribe are the enveloped ones, so every plugin runs as over HTTP.
        const enveloped = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params: payload,
          // The socket's credential is connection_init's alone, never a header of the upgrade request.
          connectionParams: ctx.connectionParams ?? {},
          requestId,
          log: opLog,
          lane: socketLane(ctx.extra.socket as WebSocket, id, () => id in ctx.subscriptions),
        });
        const refused = (errors: readonly GraphQLError[], operation?: string | null) => {
          const codes = [...new Set(errors.map((e) => String(e.extensions?.code ?? "GRAPHQL_VALIDATION_FAILED")))];
          opLog.info({ msg: "operation", operation: operation ?? null, errors: codes });
          return errors;
        };
        let document: ReturnType<typeof enveloped.parse>;
        try {
          document = enveloped.parse(payload.query);
        } catch (err) {
          // A syntax error or the token limit: an error for this operation, not a closed socket.
          if (err instanceof GraphQLError) return refused([err], payload.operationName?.slice(0, 128));
          throw err;
        }
        const op = selectOperation(document, payload.operationName);
        const operation = op?.name?.value ?? payload.operationName?.slice(0, 128) ?? null;
        const errors = enveloped.validate(enveloped.schema, document);
        if (errors.length > 0) return refused(errors, operation);
        opLog.info({ msg: "operation", operation, operationType: op?.operation ?? null });
        let running = operations.get(ctx);
        if (!running) operations.set(ctx, (running = new Map()));
        running.set(id, { log: opLog, start: performance.now(), errors: new Set() });
        const args: EnvelopedArgs = {
          schema: enveloped.schema,
          operationName: payload.operationName,
          document,
          variableValues: payload.variables,
          contextValue: await enveloped.contextFactory(),
          execute: enveloped.execute,
          subscribe: enveloped.subscribe,
        };
        return args;
      },
      // graphql-ws hands back the very object onSubscribe returned.
      execute: (args) => (args as EnvelopedArgs).execute(args),
      subscribe: (args) => (args as EnvelopedArgs).subscribe(args),
    },
    sockets,
  );
  return {
    /**
     * Completes the subscriptions and closes every socket (1001). Bounded:
     * sockets that do not answer are terminated, and the wait for the
     * server's own close is cut short after that.
     */
    async dispose() {
      const closing = Promise.resolve(graphqlWs.dispose()).catch((err: Error) => {
        log.warn({ msg: "graphql-ws did not close cleanly", err: err.message });
      });
      await Promise.race([closing, delay(CLOSE_TIMEOUT_MS)]);
      for (const client of sockets.clients) client.terminate();
      await Promise.race([closing, delay(CLOSE_TIMEOUT_MS)]);
    },
  };
}

const delay = (ms: number) =>
  new Promise<void>((resolve) => {
    setTimeout(resolve, ms).unref();
  });

/**
 * ws waits 30 s for a peer to answer a close frame; a peer that never reads
 * would hold its socket (and a shutdown) that long. Every close the server
 * starts is followed by a terminate if the socket is not closed in time.
 */
function boundClose(socket: WebSocket) {
  const close = socket.close.bind(socket);
  socket.close = (code?: number, reason?: string | Buffer) => {
    close(code, reason);
    if (socket.readyState === socket.CLOSED) return;
    const timer = setTimeout(() => socket.terminate(), CLOSE_TIMEOUT_MS);
    timer.unref();
    socket.once("close", () => clearTimeout(timer));
  };
}
