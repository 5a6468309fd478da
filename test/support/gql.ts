import { expect } from "vitest";
import type { ErrorCode } from "../gql/graphql.js";
import type { TestApp } from "./harness.js";

/** A typed document from codegen (documentMode: string) or a plain query string. */
export type Doc<R, V> = { toString(): string; __apiType?: (v: V) => R } | string;

export type GqlError = { message: string; path?: string[]; extensions?: { code?: string; [k: string]: unknown } };
export type GqlResponse<R> = {
  status: number;
  headers: Headers;
  data?: R | null;
  errors?: GqlError[];
  raw: string;
  request: string;
};

export type CallOptions = {
  /** Bearer token; default the admin token, null for none. */
  token?: string | null;
  headers?: Record<string, string>;
  operationName?: string;
};

/** The POST a client sends: the JSON body and the headers. */
function post<V>(doc: Doc<unknown, V>, variables: V | undefined, token: string | null, opts: CallOptions) {
  const body = JSON.stringify({ query: doc.toString(), variables, operationName: opts.operationName });
  const init: RequestInit = {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/graphql-response+json, application/json",
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...opts.headers,
    },
    body,
  };
  return { body, init };
}

/** The answer in the shape the helpers below check, the raw body kept for their failure messages. */
async function answer<R>(res: Response, request: string): Promise<GqlResponse<R>> {
  const raw = await res.text();
  let parsed: { data?: R | null; errors?: GqlError[] } = {};
  try {
    parsed = JSON.parse(raw);
  } catch {
    // left empty: the assertions show the raw body
  }
  return { status: res.status, headers: res.headers, ...parsed, raw, request };
}

/** Sends an operation as a client would, through yoga.fetch (no port needed). */
export async function gql<R, V = Record<string, never>>(
  t: TestApp,
  doc: Doc<R, V>,
  variables?: V,
  opts: CallOptions = {},
): Promise<GqlResponse<R>> {
  const { body, init } = post(doc, variables, opts.token === undefined ? t.adminToken : opts.token, opts);
  return answer(await t.app.yoga.fetch("http://test/graphql", init), body);
}

/**
 * Sends an operation over real HTTP: to a GraphQL endpoint URL (such as
 * `${await t.listen()}/graphql`) or a started server process.
 */
export async function gqlHttp<R, V = Record<string, never>>(
  endpoint: string | { graphqlUrl: string },
  doc: Doc<R, V>,
  variables: V | undefined,
  token: string | null,
  opts: Omit<CallOptions, "token"> = {},
): Promise<GqlResponse<R>> {
  const { body, init } = post(doc, variables, token, opts);
  return answer(await fetch(typeof endpoint === "string" ? endpoint : endpoint.graphqlUrl, init), body);
}

const dump = (r: GqlResponse<unknown>) => `request: ${r.request}\nstatus: ${r.status}\nresponse: ${r.raw}`;

/** The data of a response that must have no errors. */
export function ok<R>(r: GqlResponse<R>): R {
  expect(r.errors, dump(r)).toBeUndefined();
  expect(r.data, dump(r)).toBeTruthy();
  return r.data as R;
}

/** A result-union member that must be the given success type. */
export function expectSuccess<T extends { __typename?: string }, N extends string>(
  value: T,
  typename: N,
): Extract<T, { __typename?: N }> {
  expect((value as { __typename?: string }).__typename, JSON.stringify(value)).toBe(typename);
  return value as Extract<T, { __typename?: N }>;
}

/** The `__typename`s of the members of a result union that are errors (they carry a `code`). */
type ErrorTypename<T> = T extends { __typename?: infer N; code: unknown } ? Exclude<N, undefined> : never;

/**
 * A result-union member that must be the given error type with this code.
 * The typename must name an error member of that union (checked by tsc), and
 * the value comes back narrowed to it.
 */
export function expectError<T extends { __typename?: string }, N extends ErrorTypename<T>>(
  value: T,
  typename: N,
  code: ErrorCode,
): Extract<T, { __typename?: N }> {
  const v = value as { __typename?: string; code?: string; message?: string };
  expect(v.__typename, JSON.stringify(value)).toBe(typename);
  expect(v.code, JSON.stringify(value)).toBe(code);
  expect(v.message, JSON.stringify(value)).toBeTruthy();
  return value as Extract<T, { __typename?: N }>;
}

/** A top-level refusal with this code and HTTP status. */
export function expectRefusal(r: GqlResponse<unknown>, code: string, status: number) {
  expect(r.status, dump(r)).toBe(status);
  expect(r.errors?.[0]?.extensions?.code, dump(r)).toBe(code);
}
