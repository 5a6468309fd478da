import type { IncomingMessage, ServerResponse } from "node:http";
import type { Plugin } from "graphql-yoga";

const MESSAGE = "Send at most one Authorization header.";

/**
 * Two Authorization headers (SPEC section 2) are refused before anything
 * runs: Node keeps the first and drops the second, so which credential is
 * judged would depend on order. Counted from the raw headers at the edge.
 */
export function hasRepeatedAuthorization(req: IncomingMessage): boolean {
  let seen = 0;
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) if ((raw[i] as string).toLowerCase() === "authorization") seen++;
  return seen > 1;
}

const body = JSON.stringify({ errors: [{ message: MESSAGE, extensions: { code: "VALIDATION_FAILED" } }] });

export function refuseRepeatedAuthorization(res: ServerResponse) {
  res.writeHead(400, { "content-type": "application/json; charset=utf-8" }).end(body);
}

/**
 * The same inside yoga, where the Fetch API has joined repeated headers with
 * ", " (yoga.fetch, or another adapter in front): a bearer token never
 * contains a comma, so one means two headers.
 */
export function useSingleAuthorization(): Plugin {
  return {
    onRequest({ request, endResponse }) {
      if (request.headers.get("authorization")?.includes(",")) {
        endResponse(
          new Response(body, { status: 400, headers: { "content-type": "application/json; charset=utf-8" } }),
        );
      }
    },
  };
}
