import { expect } from "vitest";
import type { TestApp } from "./harness.js";

/** A typed document from codegen (documentMode: string) or a plain query string. */
export type Doc<R, V> = { toString(): string; __apiType?: (v: V) => R } | string;

export type GqlError = { message: string; path?: string[]; extensions?: { code?: string; [k: string]: unknown } };
export type GqlResponse<R> = { status: number; data?: R | null; errors?: GqlError[]; raw: string; request: string };

export type CallOptions = {
  /** Bearer token; default the admin token, null for none. */
  token?: string | null;
  headers?: Record<string, string>;
  operationName?: string;
};

/** Sends an operation as a client would, through yoga.fetch (no port needed). */
export async function gql<R, V = Record<string, never>>(
  t: TestApp,
  doc: Doc<R, V>,
  variables?: V,
  opts: CallOptions = {},
): Promise<GqlResponse<R>> {
  const token = opts.token === undefined ? t.adminToken : opts.token;
  const body = JSON.stringify({ query: doc.toString(), variables, operationName: opts.operationName });
  const res = await t.app.yoga.fetch("http://test/graphql", {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/graphql-response+json, application/json",
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...opts.headers,
    },
    body,
  });
  const raw = await res.text();
  let parsed: { data?: R | null; errors?: GqlError[] } = {};
  try {
    parsed = JSON.parse(raw);
  } catch {
    // left empty: the assertions below show the raw body
  }
  return { status: res.status, ...parsed, raw, request: body };
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

/** A result-union member that must be an error with this code. */
export function expectError<T extends { __typename?: string }>(value: T, code: string) {
  const v = value as { __typename?: string; code?: string; message?: string };
  expect(v.code, JSON.stringify(value)).toBe(code);
  expect(v.message, JSON.stringify(value)).toBeTruthy();
  return v as T & { code: string; message: string; field?: string | null };
}

/** A top-level refusal with this code and HTTP status. */
export function expectRefusal(r: GqlResponse<unknown>, code: string, status: number) {
  expect(r.status, dump(r)).toBe(status);
  expect(r.errors?.[0]?.extensions?.code, dump(r)).toBe(code);
}
