import { envelop, useEngine } from "@envelop/core";
import {
  type ExecutionResult,
  execute,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLString,
  parse,
  specifiedRules,
  subscribe,
  validate,
} from "graphql";
import { describe, expect, it } from "vitest";
import type { Role } from "../../src/auth/roles.js";
import { useSharedSubscriptionExecution } from "../../src/http/subscription-execution.js";
import type { Context } from "../../src/schema/context.js";

/**
 * The shared execution of subscriptions, on a schema of its own whose
 * fields count their executions and read what a resolver could read of the
 * context. Every subscriber gets the same event objects, as from the feed.
 */
type Event = { n: number };
let executions = 0;
const listeners = new Set<(e: Event) => void>();

function source(): AsyncIterableIterator<Event> {
  const queue: Event[] = [];
  let wake: (() => void) | null = null;
  const push = (e: Event) => {
    queue.push(e);
    wake?.();
  };
  listeners.add(push);
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    async next() {
      while (queue.length === 0) await new Promise<void>((r) => (wake = r));
      return { done: false, value: queue.shift() as Event };
    },
    async return() {
      listeners.delete(push);
      return { done: true, value: undefined };
    },
  };
}

const Tick = new GraphQLObjectType<Event, Context>({
  name: "Tick",
  fields: {
    n: {
      type: GraphQLString,
      resolve: (e) => {
        executions++;
        return String(e.n);
      },
    },
    echo: { type: GraphQLString, args: { say: { type: GraphQLString } }, resolve: (_, args) => args.say },
    role: { type: GraphQLString, resolve: (_e, _a, ctx) => ctx.caller?.role ?? null },
    subject: {
      type: GraphQLString,
      resolve: (_e, _a, ctx) => (ctx.caller?.kind === "user" ? ctx.caller.sub : ctx.caller?.id),
    },
    bearer: { type: GraphQLString, resolve: (_e, _a, ctx) => ctx.bearer.kind },
    actor: { type: GraphQLString, resolve: (_e, _a, ctx) => JSON.stringify(ctx.domain.actor) },
  },
});

const schema = new GraphQLSchema({
  query: new GraphQLObjectType({ name: "Query", fields: { ok: { type: GraphQLString, resolve: () => "ok" } } }),
  subscription: new GraphQLObjectType<unknown, Context>({
    name: "Subscription",
    fields: {
      // `from` chooses the stream, as workspaceEvents' `after` does; an event resolves to itself whatever it is.
      ticks: { type: Tick, args: { from: { type: GraphQLString } }, subscribe: () => source(), resolve: (e) => e },
    },
  }),
});

const getEnveloped = envelop({
  plugins: [useEngine({ parse, validate, specifiedRules, execute, subscribe }), useSharedSubscriptionExecution()],
});

function context(role: Role | null, who: string): Context {
  return {
    caller: role ? { kind: "apiToken", id: who, label: who, role } : null,
    bearer: { kind: "token", token: who, hash: who },
    domain: { actor: { kind: "API_TOKEN", id: who } },
  } as unknown as Context;
}

async function subscriber(text: string, ctx: Context, variables: Record<string, unknown> = {}, operationName?: string) {
  const { subscribe: run } = getEnveloped();
  const result = await run({
    schema,
    document: parsed(text),
    contextValue: ctx,
    variableValues: variables,
    operationName,
  });
  if (!(Symbol.asyncIterator in (result as object))) throw new Error(JSON.stringify(result));
  return result as AsyncIterableIterator<ExecutionResult>;
}

// Yoga's parser cache hands out one document object per text; so does this.
const documents = new Map<string, ReturnType<typeof parse>>();
const parsed = (text: string) => {
  let doc = documents.get(text);
  if (!doc) documents.set(text, (doc = parse(text)));
  return doc;
};

async function emit(streams: AsyncIterableIterator<ExecutionResult>[], event: Event = { n: Math.random() }) {
  const answers = streams.map((s) => s.next());
  for (const listener of listeners) listener(event);
  return (await Promise.all(answers)).map((a) => a.value as ExecutionResult);
}

async function closeAll(streams: AsyncIterableIterator<ExecutionResult>[]) {
  await Promise.all(streams.map((s) => s.return?.()));
}

describe("one execution per event for subscribers who would get the same answer", () => {
  it("equal document, variables and role: executed once, the same answer for each", async () => {
    const streams = await Promise.all(
      Array.from({ length: 50 }, (_, i) => subscriber("subscription { ticks { n } }", context("viewer", `t${i}`))),
    );
    executions = 0;
    const answers = await emit(streams, { n: 7 });
    expect(executions).toBe(1);
    for (const a of answers) expect(a).toEqual({ data: { ticks: { n: "7" } } });
    await closeAll(streams);
  });

  it("another role, other variables, or another operation of the same text: executed apart, each its own answer", async () => {
    const text = "subscription A($say: String) { ticks { n echo(say: $say) role } } subscription B { ticks { n } }";
    const streams = [
      await subscriber(text, context("viewer", "v"), { say: "hi" }, "A"),
      await subscriber(text, context("admin", "a"), { say: "hi" }, "A"),
      await subscriber(text, context("viewer", "w"), { say: "ho" }, "A"),
      // Only the operation name differs from the first.
      await subscriber(text, context("viewer", "x"), { say: "hi" }, "B"),
    ];
    executions = 0;
    const answers = await emit(streams, { n: 1 });
    expect(executions).toBe(4);
    expect(answers.map((a) => a.data?.ticks)).toEqual([
      { n: "1", echo: "hi", role: "viewer" },
      { n: "1", echo: "hi", role: "admin" },
      { n: "1", echo: "ho", role: "viewer" },
      { n: "1" },
    ]);
    await closeAll(streams);
  });

  it("variables only a root field's own arguments read (where the stream starts) do not keep subscribers apart", async () => {
    const text =
      "subscription S($from: String, $say: String, $on: Boolean!) { ticks(from: $from) { n echo(say: $say) @include(if: $on) } }";
    const streams = [
      await subscriber(text, context("viewer", "p"), { from: "ev:1:1", say: "hi", on: true }),
      await subscriber(text, context("viewer", "q"), { from: "ev:9:9", say: "hi", on: true }),
      // Read per event: an argument below the root field, and a directive there.
      await subscriber(text, context("viewer", "r"), { from: "ev:1:1", say: "ho", on: true }),
      await subscriber(text, context("viewer", "s"), { from: "ev:1:1", say: "hi", on: false }),
    ];
    executions = 0;
    const answers = await emit(streams, { n: 3 });
    expect(executions).toBe(3);
    expect(answers.map((a) => a.data?.ticks)).toEqual([
      { n: "3", echo: "hi" },
      { n: "3", echo: "hi" },
      { n: "3", echo: "ho" },
      { n: "3" },
    ]);
    await closeAll(streams);
  });

  it("a variable left out (its default applies) and one given as null are apart", async () => {
    const text = 'subscription D($say: String = "default") { ticks { n echo(say: $say) } }';
    const streams = [
      await subscriber(text, context("viewer", "d1"), {}),
      await subscriber(text, context("viewer", "d2"), { say: null }),
    ];
    const answers = await emit(streams, { n: 4 });
    expect(answers.map((a) => a.data?.ticks)).toEqual([
      { n: "4", echo: "default" },
      { n: "4", echo: null },
    ]);
    await closeAll(streams);
  });

  it("who the caller is cannot be read in a shared execution: an error for that field, never another's value", async () => {
    const streams = [
      await subscriber("subscription { ticks { n subject bearer actor } }", context("viewer", "alice")),
      await subscriber("subscription { ticks { n subject bearer actor } }", context("viewer", "bob")),
    ];
    const answers = await emit(streams);
    for (const a of answers) {
      expect(a.data?.ticks).toMatchObject({ subject: null, bearer: null, actor: null });
      expect(a.errors?.map((e) => e.path?.join("."))).toEqual(["ticks.subject", "ticks.bearer", "ticks.actor"]);
      expect(JSON.stringify(a)).not.toMatch(/alice|bob/);
    }
    await closeAll(streams);
  });

  it("events that are not one object (a replay reads its own rows) are executed per subscriber", async () => {
    const streams = await Promise.all(
      [1, 2, 3].map((i) => subscriber("subscription { ticks { n } }", context("viewer", `r${i}`))),
    );
    executions = 0;
    const answers = streams.map((s) => s.next());
    for (const listener of listeners) listener({ n: 5 });
    await Promise.all(answers);
    expect(executions).toBe(3);
    await closeAll(streams);
  });

  it("a caller without a role shares nothing", async () => {
    const streams = await Promise.all(
      [1, 2].map((i) => subscriber("subscription { ticks { n } }", context(null, `n${i}`))),
    );
    executions = 0;
    await emit(streams);
    expect(executions).toBe(2);
    await closeAll(streams);
  });

  it("a shared answer is frozen: no layer can change it for the others", async () => {
    const streams = await Promise.all(
      [1, 2].map((i) => subscriber("subscription { ticks { n } }", context("viewer", `f${i}`))),
    );
    const [first] = await emit(streams);
    expect(() => {
      (first?.data?.ticks as { n: string }).n = "changed";
    }).toThrow(TypeError);
    await closeAll(streams);
  });

  it("closing a stream lets go of its source", async () => {
    const before = listeners.size;
    const stream = await subscriber("subscription { ticks { n } }", context("viewer", "c"));
    const pending = stream.next();
    expect(listeners.size).toBe(before + 1);
    for (const listener of listeners) listener({ n: 9 });
    await pending;
    await stream.return?.();
    expect(listeners.size).toBe(before);
  });
});
