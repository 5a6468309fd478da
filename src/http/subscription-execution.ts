import {
  createSourceEventStream,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  execute,
  type FieldNode,
  GraphQLError,
  Kind,
  type OperationDefinitionNode,
  type VariableNode,
  visit,
} from "graphql";
import { isAsyncIterable, makeSubscribe, type Plugin } from "graphql-yoga";
import type { Caller } from "../auth/authorize.js";
import type { Role } from "../auth/roles.js";
import type { Domain } from "../domain.js";
import { type EventTaker, takesLiveEvents } from "../events/subscribe.js";
import { andThen, isPromise, type MaybePromise } from "../maybe-promise.js";
import type { Context, LiveLane } from "../schema/context.js";
import { createLoaders } from "../schema/loaders.js";
import { rootFields, selectOperation } from "./operation.js";

/**
 * A subscription's selection runs once per event for all the subscribers
 * it would give the same answer, not once per subscriber: 10,000 canvases
 * watching one workspace cost one execution of each distinct selection.
 *
 * What an answer may depend on is the event, the operation (the document
 * object the parser cache shares for equal text, and the operation name),
 * the variables its execution reads and the caller's role: those make the
 * key (executionKey). Who the caller is must not matter, and that is
 * enforced rather than assumed: the shared execution runs with a context
 * that knows the role only. A resolver that
 * reads the caller's identity, the bearer or the actor there throws, so
 * the answer is an error, never another subscriber's data. Each subscriber
 * is still judged before each event on its own credential
 * (src/http/access-rules.ts), and a refusal withholds the shared answer.
 *
 * Only events handed out by the feed are shared (one object for every
 * listener); a replay reads its own rows, so those run per subscriber.
 * Answers are frozen: a layer that mutated one would change it for all.
 *
 * A graphql-ws subscriber's live event whose shared answer is there at
 * once (its selection resolves without waiting) and has no errors goes
 * through the subscriber's live lane (src/http/live-lane.ts): judged again
 * by the access rules, then written to its socket, as one JSON text per
 * answer. Each layer of the stream (the masking hooks, the re-judgment,
 * graphql-ws's loop) cost a promise per subscriber per event, about half
 * the CPU of a fan-out to 10,000 (BENCHMARKS.md, session 10).
 */
export function useSharedSubscriptionExecution(): Plugin<Context> {
  // Each event's answers by key: the execution's promise, replaced by the answer once it settles.
  const answers = new WeakMap<object, Map<string, MaybePromise<ExecutionResult>>>();
  const firstAnswers = (event: object) => {
    const byKey = new Map<string, MaybePromise<ExecutionResult>>();
    answers.set(event, byKey);
    return byKey;
  };
  const subscribe = makeSubscribe(async (args: ExecutionArgs) => {
    const source = await createSourceEventStream(args);
    if (!isAsyncIterable(source)) return source;
    const ctx = args.contextValue as Context;
    const role = ctx.caller?.role ?? null;
    const key = executionKey(args, role);
    if (key === null || role === null)
      return new AnswerStream(source, (event) => execute({ ...args, rootValue: event }));
    const answerTo = (event: unknown): MaybePromise<ExecutionResult> => {
      if (typeof event !== "object" || event === null) return execute({ ...args, rootValue: event });
      const byKey = answers.get(event) ?? firstAnswers(event);
      const known = byKey.get(key);
      if (known) return known;
      const result = execute({ ...args, rootValue: event, contextValue: roleOnlyContext(ctx, role) });
      if (!isPromise(result)) {
        byKey.set(key, deepFreeze(result));
        return result;
      }
      const answer = result.then((settled) => {
        byKey.set(key, deepFreeze(settled));
        return settled;
      });
      byKey.set(key, answer);
      return answer;
    };
    if (ctx.lane && takesLiveEvents(source)) source.takeLiveEvents(laneTaker(ctx.lane, answerTo));
    return new AnswerStream(source, answerTo);
  });
  return {
    onSubscribe({ setSubscribeFn }) {
      setSubscribeFn(subscribe);
    },
  };
}

/** Each shared answer's JSON, written once for all the sockets it goes to. */
const answerJson = new WeakMap<ExecutionResult, string>();

/**
 * Takes a live event through the subscriber's lane when its shared answer
 * is already there and has no errors, and the access rules judge the
 * caller again as they would before any event; declines otherwise (an
 * answer still running, errors to mask, a refusal to end the stream with,
 * a socket that cannot take it now), and the stream delivers it.
 */
function laneTaker(lane: LiveLane, answerTo: (event: unknown) => MaybePromise<ExecutionResult>): EventTaker {
  return (event) => {
    const judge = lane.judge;
    if (!judge) return false;
    try {
      const answer = answerTo(event);
      if (isPromise(answer) || answer.errors) return false;
      let json = answerJson.get(answer);
      if (json === undefined) answerJson.set(answer, (json = JSON.stringify(answer)));
      const payload = json;
      return andThen(judge(), (allowed) => allowed && lane.send(payload));
    } catch {
      // Whatever went wrong, the stream's path meets it again and answers it as it does.
      return false;
    }
  };
}

const documentIds = new WeakMap<DocumentNode, number>();
let nextDocumentId = 0;
const readPerEvent = new WeakMap<OperationDefinitionNode, readonly string[]>();

/**
 * The key of the answers an operation's subscribers can share: the
 * document object, the operation name, the variables an event's execution
 * reads, and the role. Null when the caller has no role (nothing is shared).
 */
export function executionKey(
  args: Pick<ExecutionArgs, "document" | "operationName" | "variableValues">,
  role: Role | null,
): string | null {
  if (role === null) return null;
  const operation = selectOperation(args.document, args.operationName);
  if (!operation) return null;
  let id = documentIds.get(args.document);
  if (id === undefined) documentIds.set(args.document, (id = ++nextDocumentId));
  let names = readPerEvent.get(operation);
  if (!names) readPerEvent.set(operation, (names = variablesReadPerEvent(args.document, operation)));
  const values = (args.variableValues ?? {}) as Record<string, unknown>;
  // A variable left out (its default applies) and one given as null are different inputs.
  const read = names.map((n) => (n in values ? [n, values[n]] : [n]));
  return JSON.stringify([id, args.operationName ?? null, read, role]);
}

/**
 * Every variable the operation uses, except where it is used only in a root
 * field's own arguments. Those choose the stream (which workspace, from
 * which cursor) and are read by the field's `subscribe`; each event is then
 * resolved to itself whatever they are (test/api/subscriptions.test.ts
 * checks every subscription field), so canvases resuming from different
 * cursors share their answers. Directives on a root field, and everything
 * below it, are read per event and count.
 */
function variablesReadPerEvent(document: DocumentNode, operation: OperationDefinitionNode): string[] {
  const roots = new Set(rootFields(document, operation));
  const names = new Set<string>();
  const visitor = {
    // A definition names a variable; it reads nothing.
    VariableDefinition: () => false,
    Field: (node: FieldNode) => {
      if (!roots.has(node)) return undefined;
      visit({ ...node, arguments: [] }, { Variable: (v) => void names.add(v.name.value) });
      return false;
    },
    Variable: (v: VariableNode) => void names.add(v.name.value),
  };
  visit(operation, visitor);
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) visit(d, visitor);
  return [...names].sort();
}

const refuse = (what: string) => (): never => {
  throw new GraphQLError(`${what} cannot be read while answering every subscriber of a role at once.`);
};

/**
 * The context of one shared execution: the caller's role, fresh loaders,
 * and nothing of who the caller is (the identity's fields, the bearer and
 * the actor throw when read).
 */
export function roleOnlyContext(ctx: Context, role: Role): Context {
  const caller = Object.defineProperties({ role } as Caller, {
    kind: { get: refuse("The caller's kind") },
    id: { get: refuse("The caller's id") },
    label: { get: refuse("The caller's label") },
    sub: { get: refuse("The caller's subject") },
  });
  const { actor: _actor, ...rest } = ctx.domain;
  const domain = Object.defineProperty(rest, "actor", { get: refuse("The actor") }) as Domain;
  const { bearer: _bearer, lane: _lane, ...shared } = ctx;
  return Object.defineProperty({ ...shared, caller, domain, loaders: createLoaders(domain) }, "bearer", {
    get: refuse("The bearer"),
  }) as Context;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/**
 * The source's events, each answered by `map`; closing the stream closes the
 * source. (Not yoga's mapAsyncIterator: this runs per subscriber per event,
 * and its promise helpers showed in the fan-out profile. A class, one per
 * subscriber, with no closures of its own; an answer already settled is
 * handed on without another turn.)
 */
class AnswerStream<R> implements AsyncIterableIterator<R> {
  private readonly source: AsyncIterator<unknown>;

  constructor(
    source: AsyncIterable<unknown>,
    private readonly map: (event: unknown) => MaybePromise<R>,
  ) {
    this.source = source[Symbol.asyncIterator]();
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  next(): Promise<IteratorResult<R>> {
    return this.source.next().then((next): MaybePromise<IteratorResult<R>> => {
      if (next.done) return DONE;
      const answer = this.map(next.value);
      return isPromise(answer) ? answer.then((value) => ({ done: false, value })) : { done: false, value: answer };
    });
  }

  return(): Promise<IteratorResult<R>> {
    return Promise.resolve(this.source.return?.()).then(() => DONE);
  }

  throw(err?: unknown): Promise<IteratorResult<R>> {
    return Promise.resolve(this.source.return?.()).then(() => Promise.reject(err));
  }
}
