import { type DocumentNode, GraphQLError, getOperationAST, Kind, type SelectionSetNode } from "graphql";
import type { Plugin } from "graphql-yoga";
import { requireAdmin } from "../auth/access.js";
import { AccessError } from "../domain.js";
import type { Context } from "../schema/context.js";

/** Root fields anyone may call; they run their own checks (SPEC section 2). */
const AGENT_FIELDS = new Set(["registerWorkspace", "heartbeat", "agentConfig"]);
const OPEN_FIELDS = new Set(["__typename", "__schema", "__type"]);

const STATUS = { UNAUTHENTICATED: 401, FORBIDDEN: 403, SERVICE_UNAVAILABLE: 503 } as const;

export function accessErrorToGraphQL(err: AccessError): GraphQLError {
  return new GraphQLError(err.message, { extensions: { code: err.code, http: { status: STATUS[err.code] } } });
}

function rootFieldNames(document: DocumentNode, selectionSet: SelectionSetNode, into: Set<string>, depth = 0) {
  if (depth > 10) return;
  for (const sel of selectionSet.selections) {
    if (sel.kind === Kind.FIELD) into.add(sel.name.value);
    else if (sel.kind === Kind.INLINE_FRAGMENT) rootFieldNames(document, sel.selectionSet, into, depth + 1);
    else {
      const fragment = document.definitions.find(
        (d) => d.kind === Kind.FRAGMENT_DEFINITION && d.name.value === sel.name.value,
      );
      if (fragment && fragment.kind === Kind.FRAGMENT_DEFINITION)
        rootFieldNames(document, fragment.selectionSet, into, depth + 1);
    }
  }
}

/**
 * Which credential an operation needs, decided once from its root fields
 * before anything runs, so no resolver can forget the check. Subscriptions
 * are admin-only whatever they select.
 */
export function needsAdmin(document: DocumentNode, operationName?: string | null): boolean {
  const op = getOperationAST(document, operationName ?? undefined);
  if (!op) return false;
  if (op.operation === "subscription") return true;
  const names = new Set<string>();
  rootFieldNames(document, op.selectionSet, names);
  for (const name of names) if (!AGENT_FIELDS.has(name) && !OPEN_FIELDS.has(name)) return true;
  return false;
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
