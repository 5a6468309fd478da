import { randomUUID } from "node:crypto";
import type { DocumentNode } from "graphql";
import type { Plugin } from "graphql-yoga";
import { actorOf, type Caller } from "../auth/authorize.js";
import type { Logger, RootLogger } from "../log.js";
import { selectOperation } from "./operation.js";

export const REQUEST_ID_HEADER = "x-request-id";

// A caller's id is kept only if it cannot forge or break a log line.
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's `x-request-id` when it is a sane value, else a new one. */
export function requestIdOf(header: string | null | undefined): string {
  return header && SANE_REQUEST_ID.test(header) ? header : randomUUID();
}

type Seen = {
  id: string;
  /** The request's logger: every line it writes carries the request id. */
  log: Logger;
  start: number;
  operation: string | null;
  type: string | null;
  codes: Set<string>;
  /** The GraphQL context, where the access check leaves the caller it identified. */
  context?: { caller?: Caller | null };
};

const codesOf = (result: unknown, into: Set<string>) => {
  for (const r of Array.isArray(result) ? result : [result]) {
    const errors = (r as { errors?: readonly { extensions?: { code?: unknown } }[] } | null)?.errors;
    for (const e of errors ?? []) into.add(typeof e.extensions?.code === "string" ? e.extensions.code : "UNKNOWN");
  }
};

/**
 * One JSON line per HTTP request: its id, operation name and type, the
 * actor the access check identified (who made a change that leaves no row
 * behind, such as a deleted secret), HTTP status, error codes and duration. Never variables, headers or bodies, so
 * no token or secret can reach the log. The id, and a child logger bound to
 * it, are set on the server context (and so on the GraphQL context: what
 * logs during the request logs through it) and the id is echoed in the response. Must come
 * first among plugins: a plugin that ends a request early in onRequest
 * skips the onRequest hooks after it (yoga's own CORS plugin, which answers
 * preflights, runs before ours: preflights are not logged). For a stream
 * (SSE) the line is written when its headers are sent.
 */
/** What a finished request tells an observer (metrics): no variable, header or body. */
export type RequestOutcome = {
  operation: string | null;
  operationType: string | null;
  status: number;
  errors: readonly string[];
  seconds: number;
};

export function useRequestLog(log: RootLogger, observe?: (outcome: RequestOutcome) => void): Plugin {
  const seen = new WeakMap<Request, Seen>();
  const of = (request: unknown) => (request ? seen.get(request as Request) : undefined);
  const name = (document: DocumentNode, operationName?: string | null) => {
    const op = selectOperation(document, operationName);
    return { operation: op?.name?.value ?? operationName ?? null, type: op?.operation ?? null };
  };
  return {
    onRequest({ request, serverContext }) {
      const id = requestIdOf(request.headers.get(REQUEST_ID_HEADER));
      const requestLog = log.child({ requestId: id });
      Object.assign(serverContext as object, { requestId: id, log: requestLog });
      seen.set(request, {
        id,
        log: requestLog,
        start: performance.now(),
        operation: null,
        type: null,
        codes: new Set(),
      });
    },
    onParams({ request, params }) {
      const s = of(request);
      if (s && typeof params.operationName === "string") s.operation = params.operationName.slice(0, 128);
    },
    // Named once parsed, so a request refused at validation is logged (and counted) under its operation too.
    onParse({ context }) {
      return ({ result }) => {
        const s = of((context as { request?: Request }).request);
        if (s && result && typeof result === "object" && "kind" in result && result.kind === "Document") {
          Object.assign(s, name(result as DocumentNode, s.operation));
        }
      };
    },
    onExecute({ args }) {
      const s = of((args.contextValue as { request?: Request }).request);
      if (s) Object.assign(s, name(args.document, args.operationName), { context: args.contextValue });
    },
    onSubscribe({ args }) {
      const s = of((args.contextValue as { request?: Request }).request);
      if (s) Object.assign(s, name(args.document, args.operationName), { context: args.contextValue });
    },
    onResultProcess({ request, result }) {
      const s = of(request);
      if (s) codesOf(result, s.codes);
    },
    onResponse({ request, response }) {
      const s = of(request);
      if (!s) return;
      response.headers.set(REQUEST_ID_HEADER, s.id);
      const caller = s.context?.caller;
      const durationMs = performance.now() - s.start;
      observe?.({
        operation: s.operation,
        operationType: s.type,
        status: response.status,
        errors: [...s.codes],
        seconds: durationMs / 1000,
      });
      s.log.info({
        msg: "request",
        method: request.method,
        operation: s.operation,
        operationType: s.type,
        ...(caller ? { actor: actorOf(caller) } : {}),
        status: response.status,
        ...(s.codes.size > 0 ? { errors: [...s.codes] } : {}),
        durationMs: Math.round(durationMs * 10) / 10,
      });
    },
  };
}
