import type { WebSocket } from "ws";
import type { LiveLane } from "../schema/context.js";

/**
 * The lane of one graphql-ws subscription: its `next` messages written to
 * the socket as graphql-ws writes them (`{"id":…,"type":"next","payload":…}`,
 * test/api/live-lane.test.ts compares them byte for byte), for answers
 * without errors only (the stream's path masks and records errors).
 *
 * It declines, so the stream's own path sends instead, when the
 * subscription is no longer running (`running`: graphql-ws still holds it),
 * the socket is not open, or the socket still holds an earlier write: that
 * path waits for each write to finish before the next event, which keeps a
 * slow reader's backlog in the stream's bounded queue (caught up from the
 * record when it overflows) rather than in the socket's memory.
 */
export function socketLane(socket: WebSocket, id: string, running: () => boolean): LiveLane {
  const head = `{"id":${JSON.stringify(id)},"type":"next","payload":`;
  return {
    send(payloadJson) {
      if (socket.readyState !== socket.OPEN || socket.bufferedAmount > 0 || !running()) return false;
      socket.send(`${head}${payloadJson}}`);
      return true;
    },
  };
}
