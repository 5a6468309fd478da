import { Agent, request as httpRequest } from "node:http";
import { createClient } from "graphql-ws";
import WebSocket from "ws";

// Clients from a chosen loopback address (127.0.0.0/8 is all local), so that
// each test of the per-address limits is a client of its own.

export type Answer = { status: number; retryAfter: string | undefined; body: string };

// One socket per request, so a burst really is concurrent.
const agent = new Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });

/** A POST of a document to `${base}/graphql` from the address `from`. */
export function postFrom(
  base: string,
  from: string,
  query: string,
  variables?: unknown,
  token?: string | null,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: "/graphql",
        method: "POST",
        localAddress: from,
        agent,
        headers: {
          "content-type": "application/json",
          accept: "application/graphql-response+json",
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...headers,
        },
      },
      (res) => {
        let body = "";
        res.on("data", (c) => {
          body += c;
        });
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, retryAfter: res.headers["retry-after"] as string, body }),
        );
      },
    );
    req.on("error", reject);
    req.end(JSON.stringify({ query, variables }));
  });
}

/** The real graphql-ws client from the address `localAddress`; resolves to the close code, or 0 once acknowledged. */
export function connectFrom(base: string, token: string, localAddress: string): Promise<number> {
  class FromAddress extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, { localAddress });
    }
  }
  return new Promise<number>((resolve) => {
    const client = createClient({
      url: `${base.replace(/^http/, "ws")}/graphql`,
      webSocketImpl: FromAddress,
      retryAttempts: 0,
      lazy: false,
      connectionParams: { authorization: `Bearer ${token}` },
      on: {
        connected: () => {
          resolve(0);
          void client.dispose();
        },
        closed: (e) => resolve((e as { code: number }).code),
      },
      onNonLazyError: () => {},
    });
  });
}
