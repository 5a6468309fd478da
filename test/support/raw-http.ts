import { afterEach, beforeAll, expect } from "vitest";
import { useTestApp } from "./harness.js";

// Raw requests over a real port (the body reader and node:http included),
// for the tests of bad input: every answer must be 4xx or a GraphQL error,
// never 5xx, and the server must stay up.

export type Raw = { status: number; contentType: string | null; text: string; json: unknown };

export const JSON_HEADERS = { "content-type": "application/json", accept: "application/graphql-response+json" };

export const errorsOf = (r: Raw) =>
  (r.json as { errors?: { message: string; extensions?: { code?: string } }[] })?.errors;

/** A client error: 4xx with a GraphQL error body naming what was wrong. */
export function expectClientError(r: Raw, status?: number) {
  const dump = `status ${r.status}: ${r.text.slice(0, 500)}`;
  if (status) expect(r.status, dump).toBe(status);
  expect(r.status, dump).toBeGreaterThanOrEqual(400);
  expect(r.status, dump).toBeLessThan(500);
  expect(errorsOf(r)?.[0]?.message, dump).toBeTruthy();
  expect(r.text, dump).not.toMatch(/INTERNAL_SERVER_ERROR|Unexpected error/);
}

/**
 * One listening app for the file, raw senders for it, and after each test
 * the check that it still answers /healthz and logged no unexpected error.
 */
export function useRawHttp() {
  const t = useTestApp();
  const http = {
    t,
    /** http://host:port once the file's first test runs. */
    base: "",
    async send(init: RequestInit & { path?: string }): Promise<Raw> {
      const res = await fetch(`${http.base}${init.path ?? "/graphql"}`, init);
      const text = await res.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      return { status: res.status, contentType: res.headers.get("content-type"), text, json };
    },
    postJson: (body: string, headers: Record<string, string> = {}) =>
      http.send({ method: "POST", headers: { ...JSON_HEADERS, ...headers }, body }),
    admin: () => ({ authorization: `Bearer ${t.adminToken}` }),
  };
  beforeAll(async () => {
    http.base = await t.listen();
  });
  let seenLogs = 0;
  afterEach(async () => {
    const health = await http.send({ method: "GET", path: "/healthz" });
    expect(health.status).toBe(200);
    const fresh = t.logs.slice(seenLogs);
    seenLogs = t.logs.length;
    expect(fresh.filter((l) => l.includes('"unexpected error"') || l.includes("request handler failed"))).toEqual([]);
  });
  return http;
}
