import type { IncomingMessage, ServerResponse } from "node:http";

export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Reads a request body whole, up to `limit` bytes, whether it declared a
 * Content-Length or came chunked. Null when it is over the limit: a declared
 * length is refused before a byte is read, a chunked body as soon as it
 * passes the limit.
 *
 * Why here and not yoga's `maxRequestBodySize`: yoga enforces that by piping
 * every body through a TransformStream and building a second Request, which
 * on this machine halved the throughput of a small query. A body read here is
 * handed to yoga as `req.body`, which whatwg-node takes as it is.
 */
export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer | null> {
  if (Number(req.headers["content-length"]) > limit) return Promise.resolve(null);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        resolve(null);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const cleanup = () => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      req.off("close", onClose);
    };
    // A client gone before the end of its body: nothing to answer.
    const onClose = () => onError(new Error("request closed before its body ended"));
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
    req.on("close", onClose);
  });
}

/**
 * The 413 for a body over the limit. The connection is closed after it (the
 * rest of the body is not read as a request), and what is left is drained so
 * the client is not reset before it reads the answer.
 */
export function refuseTooLarge(req: IncomingMessage, res: ServerResponse, limit = MAX_BODY_BYTES) {
  res.shouldKeepAlive = false;
  res.once("finish", () => req.resume());
  res.writeHead(413, { "content-type": "application/json", connection: "close" }).end(
    JSON.stringify({
      errors: [
        {
          message: `Request bodies are at most ${limit / (1024 * 1024)} MiB.`,
          extensions: { code: "PAYLOAD_TOO_LARGE" },
        },
      ],
    }),
  );
}
