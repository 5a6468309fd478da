import { once } from "node:events";
import type { IncomingMessage, ServerResponse } from "node:http";

type FetchHandler = (request: Request, serverContext: Record<string, unknown>) => Promise<Response> | Response;

const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "content-length", "upgrade", "expect"]);

/**
 * Hands an already-read request to a fetch-style handler (yoga) and streams
 * its response back, SSE included. The body was read first so its size could
 * be checked; when the client goes away the handler's signal is aborted.
 */
export async function serveFetch(
  handler: FetchHandler,
  req: IncomingMessage,
  res: ServerResponse,
  body: Buffer,
  serverContext: Record<string, unknown>,
): Promise<void> {
  const controller = new AbortController();
  // Abort only for a client that left early: an abort builds a DOMException,
  // which is not free on every finished response.
  res.once("close", () => {
    if (!res.writableFinished) controller.abort();
  });
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || HOP_BY_HOP.has(name)) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  const method = req.method ?? "GET";
  const request = new Request(`http://${req.headers.host ?? "localhost"}${req.url ?? "/"}`, {
    method,
    headers,
    body: method === "GET" || method === "HEAD" ? undefined : (body as unknown as BodyInit),
    signal: controller.signal,
  });
  const response = await handler(request, serverContext);
  const outHeaders: [string, string][] = [];
  response.headers.forEach((value, name) => {
    outHeaders.push([name, value]);
  });
  res.writeHead(response.status, outHeaders.flat());
  if (!response.body || method === "HEAD") {
    res.end();
    return;
  }
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!res.write(value)) await once(res, "drain", { signal: controller.signal });
    }
    res.end();
  } catch {
    res.destroy();
  } finally {
    reader.cancel().catch(() => {});
  }
}
