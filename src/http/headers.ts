import type { IncomingMessage, ServerResponse } from "node:http";
import type { Plugin } from "graphql-yoga";
import { parseBearer } from "../auth/tokens.js";

const MESSAGE = "Send at most one Authorization header.";
const MALFORMED = "The Authorization header must be one bearer token: `Bearer <token>`.";

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

const refusal = (message: string) =>
  JSON.stringify({ errors: [{ message, extensions: { code: "VALIDATION_FAILED" } }] });
const body = refusal(MESSAGE);

export function refuseRepeatedAuthorization(res: ServerResponse) {
  res.writeHead(400, { "content-type": "application/json; charset=utf-8" }).end(body);
}

/**
 * The same inside yoga, where the Fetch API has joined repeated headers with
 * ", " (yoga.fetch, or another adapter in front): a bearer token never
 * contains a comma, so one means two headers.
 */
export function useSingleAuthorization(): Plugin {
  const refuse = (text: string) =>
    new Response(text, { status: 400, headers: { "content-type": "application/json; charset=utf-8" } });
  return {
    onRequest({ request, endResponse }) {
      const header = request.headers.get("authorization");
      if (!header) return;
      if (header.includes(",")) endResponse(refuse(body));
      // SPEC 2: a header that is not one bearer token is the client's mistake (400), not wrong credentials (401).
      else if (parseBearer(header).kind === "malformed") endResponse(refuse(refusal(MALFORMED)));
    },
  };
}
