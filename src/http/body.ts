import type { IncomingMessage } from "node:http";

/**
 * Reads a request body up to `limit` bytes before yoga sees it (yoga has no
 * limit of its own). A declared Content-Length over the limit is refused
 * without reading; a chunked body is counted as it arrives.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer | "too-large" | "aborted"> {
  if (req.method === "GET" || req.method === "HEAD" || req.method === "OPTIONS")
    return Promise.resolve(Buffer.alloc(0));
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.resolve("too-large");
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (v: Buffer | "too-large" | "aborted") => {
      if (done) return;
      done = true;
      resolve(v);
    };
    req.on("data", (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > limit) {
        chunks.length = 0;
        req.resume();
        finish("too-large");
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => finish(Buffer.concat(chunks)));
    req.on("error", () => finish("aborted"));
    req.on("close", () => finish(req.complete ? Buffer.concat(chunks) : "aborted"));
  });
}
