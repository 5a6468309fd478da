import { type DocumentNode, GraphQLError } from "graphql";
import type { Plugin } from "graphql-yoga";
import { requireAdmin } from "../auth/access.js";
import { AccessError } from "../domain.js";
import type { Context } from "../schema/context.js";
import { rootFields, selectOperation } from "./operation.js";

/** Root fields anyone may call; they run their own checks (SPEC section 2). */
const AGENT_FIELDS = new Set(["registerWorkspace", "heartbeat"]);
const OPEN_FIELDS = new Set(["__typename", "__schema", "__type"]);

const STATUS = { UNAUTHENTICATED: 401, FORBIDDEN: 403, SERVICE_UNAVAILABLE: 503 } as const;

export function accessErrorToGraphQL(err: AccessError): GraphQLError {
  return new GraphQLError(err.message, { extensions: { code: err.code, http: { status: STATUS[err.code] } } });
}

/**
 * Which credential an operation needs, decided once from its root fields
 * before anything runs, so no resolver can forget the check. Subscriptions
 * are admin-only whatever they select.
 */
export function needsAdmin(document: DocumentNode, operationName?: string | null): boolean {
  const op = selectOperation(document, operationName);
  if (!op) return false;
  if (op.operation === "subscription") return true;
  return rootFields(document, op).some((f) => !AGENT_FIELDS.has(f.name.value) && !OPEN_FIELDS.has(f.name.value));
}

async function check(ctx: Context, document: DocumentNode, operationName: string | null | undefined) {
  if (!needsAdmin(document, operationName)) return null;
  try {
    await requireAdmin(ctx.bearer, ctx.admins, ctx.domain.prisma);
    return null;
  } catch (err) {
    if (err instanceof AccessError) return accessErrorToGraphQL(err);
    throw err;
  }
}

export function useAccessRules(): Plugin<Context> {
  return {
    async onExecute({ args, setResultAndStopExecution }) {
      const refusal = await check(args.contextValue as Context, args.document, args.operationName);
      if (refusal) setResultAndStopExecution({ errors: [refusal] });
    },
    async onSubscribe({ args, setResultAndStopExecution }) {
      const refusal = await check(args.contextValue as Context, args.document, args.operationName);
      if (refusal) setResultAndStopExecution({ errors: [refusal] });
    },
  };
}
