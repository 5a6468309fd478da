import { type DocumentNode, type ExecutionResult, GraphQLError, type GraphQLField, type GraphQLSchema } from "graphql";
import type { Plugin } from "graphql-yoga";
import { actorOf, authorize, type Caller, type Needs } from "../auth/authorize.js";
import { type Access, atLeast, isRole, type Role } from "../auth/roles.js";
import { withActor } from "../domain.js";
import { AccessError } from "../errors.js";
import { andThen, isPromise, type MaybePromise } from "../maybe-promise.js";
import type { Context } from "../schema/context.js";
import { rootFields, selectOperation } from "./operation.js";

const STATUS = { UNAUTHENTICATED: 401, FORBIDDEN: 403, SERVICE_UNAVAILABLE: 503 } as const;

export function accessErrorToGraphQL(err: AccessError): GraphQLError {
  return new GraphQLError(err.message, { extensions: { code: err.code, http: { status: STATUS[err.code] } } });
}

/** Fields of every type, answered by graphql-js itself: anyone may select them. */
const OPEN_FIELDS = new Set(["__typename", "__schema", "__type"]);

/**
 * A field's declaration (`authScopes: { viewer: true }` and so on, where the
 * field is declared), or null when it has none or one that names no single
 * access level: the caller then treats it as admin-only.
 */
export function declaredAccess(field: GraphQLField<unknown, unknown>): Access | null {
  const scopes = (field.extensions as { pothosOptions?: { authScopes?: unknown } } | undefined)?.pothosOptions
    ?.authScopes;
  if (typeof scopes !== "object" || scopes === null) return null;
  const keys = Object.entries(scopes);
  if (keys.length !== 1 || keys[0]?.[1] !== true) return null;
  const level = keys[0][0];
  return level === "agent" || isRole(level) ? level : null;
}

type RootAccess = Map<string, Access>;
const bySchema = new WeakMap<GraphQLSchema, { query: RootAccess; mutation: RootAccess; subscription: RootAccess }>();

/** Every root field with the access it declares; undeclared ones fail closed to admin. */
export function rootFieldAccess(schema: GraphQLSchema) {
  let known = bySchema.get(schema);
  if (!known) {
    const read = (type: { getFields(): Record<string, GraphQLField<unknown, unknown>> } | null | undefined) =>
      new Map(Object.values(type?.getFields() ?? {}).map((f) => [f.name, declaredAccess(f) ?? "admin"] as const));
    known = {
      query: read(schema.getQueryType()),
      mutation: read(schema.getMutationType()),
      subscription: read(schema.getSubscriptionType()),
    };
    bySchema.set(schema, known);
  }
  return known;
}

/**
 * What the operation a request runs needs, from its root fields (at any
 * fragment depth) and their declarations. A subscription needs at least
 * viewer whatever it selects. Null: no operation was selected (nothing runs).
 */
export function operationNeeds(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
): Needs | null {
  const op = selectOperation(document, operationName);
  if (!op) return null;
  const declared = rootFieldAccess(schema)[op.operation];
  let role: Role | null = op.operation === "subscription" ? "viewer" : null;
  let agent = false;
  for (const field of rootFields(document, op)) {
    const name = field.name.value;
    if (OPEN_FIELDS.has(name)) continue;
    const access = declared.get(name) ?? "admin";
    if (access === "agent") agent = true;
    else if (access !== "public" && !atLeast(role, access)) role = access;
  }
  return { role, agent };
}

/** What a verdict is given on: the operation a request runs. */
type Judged = { schema: GraphQLSchema; document: DocumentNode; operationName?: string | null };

const judged = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, Map<string | null, Needs>>>();

/**
 * operationNeeds, kept per schema, document object and operation name:
 * the same text names several operations, and each is judged alone (a
 * document is never mutated once parsed; the parser cache shares one
 * object per text). A stream re-judged before each event reads it here.
 */
function needsOf(args: Judged) {
  let byDocument = judged.get(args.schema);
  if (!byDocument) judged.set(args.schema, (byDocument = new WeakMap()));
  let byName = byDocument.get(args.document);
  if (!byName) byDocument.set(args.document, (byName = new Map()));
  const name = args.operationName ?? null;
  const known = byName.get(name);
  if (known) return known;
  const needs = operationNeeds(args.schema, args.document, name);
  // Only names the document defines are kept: a stream of made-up names must not grow the map.
  if (needs) byName.set(name, needs);
  return needs;
}

type Verdict = { caller: Caller | null } | GraphQLError;

/**
 * The one verdict on what the operation needs: the caller it identified
 * (null: none needed), or the refusal. At once when authorize holds the
 * answer already (a stream's re-judgment before each event, mostly).
 */
function verdict(ctx: Context, needs: Needs | null): MaybePromise<Verdict> {
  if (!needs) return { caller: null };
  try {
    const caller = authorize(needs, ctx.bearer, ctx.identities);
    return isPromise(caller) ? caller.then((c) => ({ caller: c }), refusal) : { caller };
  } catch (err) {
    return refusal(err);
  }
}

function refusal(err: unknown): GraphQLError {
  if (err instanceof AccessError) return accessErrorToGraphQL(err);
  throw err;
}

/** The verdict before an operation runs; a caller it identifies becomes the context's, and its actor the domain's. */
async function check(ctx: Context, args: Judged) {
  const judgement = await verdict(ctx, needsOf(args));
  if (judgement instanceof GraphQLError) return judgement;
  if (judgement.caller) {
    ctx.caller = judgement.caller;
    ctx.domain = withActor(ctx.domain, actorOf(judgement.caller));
  }
  return null;
}

/** The same verdict again, before each event of a stream: the same bearer is the same caller, so only a refusal matters. */
function recheck(ctx: Context, needs: Needs | null): MaybePromise<GraphQLError | null> {
  return andThen(verdict(ctx, needs), (judgement) => (judgement instanceof GraphQLError ? judgement : null));
}

/**
 * A subscription's stream, judged again before each event with the same
 * verdict: a credential revoked (or a JWT expired) while it streams ends it
 * with the refusal as its last result, over SSE and graphql-ws alike. The
 * stream's own `return` is passed straight through, so a client that leaves
 * still releases it at once. (A class rather than closures: there is one
 * per subscriber, and 10,000 of them are judged per event.)
 */
class WhileAuthorized implements AsyncIterableIterator<ExecutionResult> {
  private ended = false;
  private readonly source: AsyncIterator<ExecutionResult>;
  /** What the operation needs does not change while it streams: read once, judged per event. */
  private readonly needs: Needs | null;

  constructor(
    source: AsyncIterable<ExecutionResult>,
    private readonly ctx: Context,
    judged: Judged,
  ) {
    this.source = source[Symbol.asyncIterator]();
    this.needs = needsOf(judged);
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  next(): Promise<IteratorResult<ExecutionResult>> {
    if (this.ended) return Promise.resolve(DONE);
    return this.source.next().then((next) => {
      if (next.done) return next;
      return andThen(recheck(this.ctx, this.needs), (refused) => {
        if (!refused) return next;
        return this.end().then(() => ({ done: false, value: { errors: [refused] } }));
      });
    });
  }

  return(): Promise<IteratorResult<ExecutionResult>> {
    return this.end().then(() => DONE);
  }

  throw(err?: unknown): Promise<IteratorResult<ExecutionResult>> {
    return this.end().then(() => Promise.reject(err));
  }

  private async end() {
    this.ended = true;
    await this.source.return?.();
  }
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

const isAsyncIterable = (v: unknown): v is AsyncIterable<ExecutionResult> =>
  typeof v === "object" && v !== null && Symbol.asyncIterator in v;

/** The pre-execution check, over HTTP, SSE and graphql-ws alike (sockets build their arguments through yoga). */
export function useAccessRules(): Plugin<Context> {
  return {
    async onExecute({ args, setResultAndStopExecution }) {
      const refusal = await check(args.contextValue as Context, args);
      if (refusal) setResultAndStopExecution({ errors: [refusal] });
    },
    async onSubscribe({ args, setResultAndStopExecution }) {
      const ctx = args.contextValue as Context;
      const refusal = await check(ctx, args);
      if (refusal) {
        setResultAndStopExecution({ errors: [refusal] });
        return;
      }
      // The same verdict again before each event the live lane takes past the stream (src/http/live-lane.ts).
      if (ctx.lane) {
        const needs = needsOf(args);
        ctx.lane.judge = () => andThen(recheck(ctx, needs), (refused) => refused === null);
      }
      return {
        onSubscribeResult({ result, setResult }) {
          if (isAsyncIterable(result)) setResult(new WhileAuthorized(result, ctx, args));
        },
      };
    },
  };
}
