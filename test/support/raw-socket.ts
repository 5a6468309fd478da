import { randomBytes } from "node:crypto";
import { connect, type Socket } from "node:net";

export type SilentSocket = {
  /** Resolves once the TCP connection is closed (seen only after resume()). */
  gone: Promise<void>;
  socket: Socket;
  /** Reads again (without ever answering), so a connection the server dropped is seen as gone. */
  resume(): void;
  destroy(): void;
};

/**
 * A WebSocket client as a hostile one behaves: it completes the upgrade
 * (subprotocol graphql-transport-ws), then never sends connection_init,
 * never reads again and so never answers a close frame. Rejects with the
 * HTTP status line if the upgrade is refused.
 */
export function openSilentSocket(baseUrl: string, localAddress?: string): Promise<SilentSocket> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: url.hostname, port: Number(url.port), localAddress });
    let head = "";
    let settled = false;
    const gone = new Promise<void>((done) => socket.once("close", () => done()));
    socket.on("error", (err) => {
      if (!settled) reject(err);
    });
    socket.once("connect", () => {
      socket.write(
        [
          "GET /graphql HTTP/1.1",
          `Host: ${url.host}`,
          "Upgrade: websocket",
          "Connection: Upgrade",
          `Sec-WebSocket-Key: ${randomBytes(16).toString("base64")}`,
          "Sec-WebSocket-Version: 13",
          "Sec-WebSocket-Protocol: graphql-transport-ws",
          "",
          "",
        ].join("\r\n"),
      );
    });
    const onData = (chunk: Buffer) => {
      head += chunk.toString("latin1");
      if (!head.includes("\r\n\r\n")) return;
      settled = true;
      socket.off("data", onData);
      const status = head.slice(0, head.indexOf("\r\n"));
      if (!status.includes(" 101 ")) {
        socket.destroy();
        reject(new Error(status));
        return;
      }
      // Never read again: close frames go unanswered, as from a stuck peer.
      socket.pause();
      resolve({ gone, socket, resume: () => socket.resume(), destroy: () => socket.destroy() });
    };
    socket.on("data", onData);
  });
}
