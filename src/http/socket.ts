import type { IncomingMessage, Server } from "node:http";
import { type ExecutionArgs, type execute, GraphQLError, type subscribe } from "graphql";
import { useServer } from "graphql-ws/use/ws";
import type { YogaServerInstance } from "graphql-yoga";
import { type WebSocket, WebSocketServer } from "ws";
import { authorize, type Identities } from "../auth/access.js";
import { parseBearer } from "../auth/tokens.js";
import type { Logger } from "../log.js";
import type { Context } from "../schema/context.js";
import { guardSocket, type RateLimits } from "./limits.js";

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
 * The access rules judge a stream again before each event (src/http/access.ts):
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

type Enveloped = { execute: typeof execute; subscribe: typeof subscribe };

/**
 * graphql-ws on the HTTP server's port and path. Each operation's arguments
 * are built through yoga's getEnveloped, so plugins (limits, access rules,
 * logging) and the context are the same as over HTTP.
 */
export function attachGraphQLWebSocket(opts: {
  server: Server;
  path: string;
  yoga: YogaServerInstance<Record<string, unknown>, Context>;
  identities: Identities;
  rateLimits: RateLimits;
  log: Logger;
  maxConnections: number;
  maxPayload: number;
}): { dispose(): Promise<void> } {
  const { yoga, log } = opts;
  const sockets = new WebSocketServer({
    server: opts.server,
    path: opts.path,
    maxPayload: opts.maxPayload,
    // Refused with 503 at the handshake past the bound (per instance).
    verifyClient: (_info, accept) => accept(sockets.clients.size < opts.maxConnections, 503),
  });
  const graphqlWs = useServer<Record<string, unknown>>(
    {
      connectionInitWaitTimeout: 5_000,
      onConnect: (ctx) =>
        guardSocket(
          opts.rateLimits,
          (ctx.extra.request as IncomingMessage).socket.remoteAddress,
          Boolean(ctx.connectionParams?.authorization),
          () => authorizeSocket(ctx.connectionParams, opts.identities, log),
        ),
      onNext: (ctx, _id, _payload, _args, result) => closeOnRefusal(ctx.extra.socket as WebSocket, result),
      onSubscribe: async (ctx, _id, payload) => {
        const enveloped = yoga.getEnveloped({ connectionParams: ctx.connectionParams ?? {} });
        let document: ReturnType<typeof enveloped.parse>;
        try {
          document = enveloped.parse(payload.query);
        } catch (err) {
          // A syntax error or the token limit: an error for this operation, not a closed socket.
          if (err instanceof GraphQLError) return [err];
          throw err;
        }
        const errors = enveloped.validate(enveloped.schema, document);
        if (errors.length > 0) return errors;
        return {
          schema: enveloped.schema,
          operationName: payload.operationName,
          document,
          variableValues: payload.variables,
          contextValue: await enveloped.contextFactory(),
          rootValue: { execute: enveloped.execute, subscribe: enveloped.subscribe } satisfies Enveloped,
        };
      },
      execute: (args: ExecutionArgs) => (args.rootValue as Enveloped).execute(args),
      subscribe: (args: ExecutionArgs) => (args.rootValue as Enveloped).subscribe(args),
    },
    sockets,
  );
  return {
    async dispose() {
      await graphqlWs.dispose();
      for (const client of sockets.clients) client.terminate();
      sockets.close();
    },
  };
}
