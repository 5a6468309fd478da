import {
  context,
  createContextKey,
  type Context as OtelContext,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import type { SpanProcessor } from "@opentelemetry/sdk-trace-base";
import type { Plugin } from "graphql-yoga";
import type { SqlDriver } from "../db/database.js";
import { selectOperation } from "../http/operation.js";

export type Tracing = {
  tracer: Tracer;
  /** Flushes what is buffered, then stops exporting. */
  shutdown(): Promise<void>;
};

const REQUEST_ID = createContextKey("workspace-cp request id");

/**
 * OpenTelemetry over OTLP/HTTP (SPEC 11), loaded only when an endpoint is
 * configured, so the service pays nothing for it otherwise. A span per
 * GraphQL operation; Prisma's own instrumentation and the driver calls
 * (`domain.sql`) put their database spans beneath it. Every span of a
 * request carries its request id, the one in the request's log line.
 * The provider and context manager are process-wide: one app per process.
 */
export async function startTracing(opts: { endpoint: string; serviceName: string }): Promise<Tracing> {
  const [{ AsyncLocalStorageContextManager }, sdk, { OTLPTraceExporter }, { resourceFromAttributes }, prisma] =
    await Promise.all([
      import("@opentelemetry/context-async-hooks"),
      import("@opentelemetry/sdk-trace-base"),
      import("@opentelemetry/exporter-trace-otlp-http"),
      import("@opentelemetry/resources"),
      import("@prisma/instrumentation"),
    ]);
  const exporter = new OTLPTraceExporter({ url: `${opts.endpoint.replace(/\/+$/, "")}/v1/traces` });
  // Copies the request id from the context a span starts in onto the span itself.
  const requestIds: SpanProcessor = {
    onStart(span, parent: OtelContext) {
      const id = parent.getValue(REQUEST_ID);
      if (typeof id === "string") span.setAttribute("request.id", id);
    },
    onEnd() {},
    forceFlush: async () => {},
    shutdown: async () => {},
  };
  const provider = new sdk.BasicTracerProvider({
    resource: resourceFromAttributes({ "service.name": opts.serviceName }),
    spanProcessors: [requestIds, new sdk.BatchSpanProcessor(exporter)],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(provider);
  const instrumentation = new prisma.PrismaInstrumentation();
  instrumentation.setTracerProvider(provider);
  instrumentation.enable();
  return {
    tracer: provider.getTracer("workspace-control-plane"),
    async shutdown() {
      instrumentation.disable();
      await provider.shutdown();
      trace.disable();
      context.disable();
    },
  };
}

/**
 * The operation's span wraps parsing, validation, the access rules and
 * execution; it is named once the operation is known (`mutation
 * CreateWorkspace`) and marked as an error when the result carries errors.
 */
export function useTracing(tracer: Tracer): Plugin {
  const named = (
    span: Span | undefined,
    args: { document: Parameters<typeof selectOperation>[0]; operationName?: string | null; contextValue: unknown },
  ) => {
    const op = selectOperation(args.document, args.operationName);
    if (!span || !op) return;
    span.updateName(`${op.operation} ${op.name?.value ?? "anonymous"}`);
    span.setAttributes({ "graphql.operation.type": op.operation, "graphql.operation.name": op.name?.value ?? "" });
  };
  const failed = (span: Span | undefined, result: unknown) => {
    const errors = (result as { errors?: readonly { extensions?: { code?: unknown } }[] } | null)?.errors;
    if (span && errors?.length) {
      const code = errors[0]?.extensions?.code;
      span.setStatus({ code: SpanStatusCode.ERROR, message: typeof code === "string" ? code : "error" });
    }
  };
  return {
    instrumentation: {
      operation: async ({ context: ctx }, wrapped) => {
        const requestId = (ctx as { requestId?: string }).requestId;
        const span = tracer.startSpan("graphql.operation", {
          kind: SpanKind.SERVER,
          attributes: requestId ? { "request.id": requestId } : {},
        });
        const active = trace.setSpan(context.active(), span).setValue(REQUEST_ID, requestId);
        try {
          await context.with(active, wrapped);
        } catch (err) {
          span.recordException(err as Error);
          span.setStatus({ code: SpanStatusCode.ERROR });
          throw err;
        } finally {
          span.end();
        }
      },
    },
    onExecute({ args }) {
      const span = trace.getActiveSpan();
      named(span, args);
      return { onExecuteDone: ({ result }) => failed(span, result) };
    },
    onSubscribe({ args }) {
      named(trace.getActiveSpan(), args);
    },
  };
}

/** The driver beside Prisma (the heartbeat's one statement), with a span per statement. */
export function tracedSql(sql: SqlDriver, tracer: Tracer): SqlDriver {
  const spanned = <T>(statement: string, run: () => Promise<T>) =>
    tracer.startActiveSpan(
      "db.query",
      { kind: SpanKind.CLIENT, attributes: { "db.statement": statement.slice(0, 200) } },
      async (span) => {
        try {
          return await run();
        } catch (err) {
          span.setStatus({ code: SpanStatusCode.ERROR });
          throw err;
        } finally {
          span.end();
        }
      },
    );
  return {
    groupCommit: sql.groupCommit,
    exec: (script) => spanned(script, () => sql.exec(script)),
    query: (text, params, prepared) => spanned(text, () => sql.query(text, params, prepared)),
    transaction: (fn) => sql.transaction((tx) => fn(tracedSql(tx, tracer))),
  };
}
