// A share of bench/fanout.ts's subscribers, in a process of its own: one
// process cannot hold more sockets than its file limit (20,000 here, which
// the benchmark's 20,000 subscribers and their servers' sockets exceed).
// Driven over IPC by bench/fanout.ts; times are epoch milliseconds
// (timeOrigin + now), comparable across processes.
import { createClient } from "graphql-ws";
import WebSocket from "ws";

export type SubscribersJob = {
  urls: string[];
  credentials: string[];
  /** The index of this share's first subscriber (which URL each connects to). */
  first: number;
  workspaceId: string;
  /**
   * How each subscriber speaks graphql-ws: graphql-ws's own client, or a
   * lean one (ws, JSON, the protocol's four messages). On two cores the load
   * generator takes its CPU from the servers; the lean client costs about
   * half as much per message (BENCHMARKS.md, session 8).
   */
  client: "graphql-ws" | "lean";
};

export type ToSubscribers =
  | { kind: "start"; job: SubscribersJob }
  | { kind: "round"; round: number }
  | { kind: "count" }
  | { kind: "receipts" };
export type FromSubscribers =
  | { kind: "ready" }
  | { kind: "count"; n: number }
  | { kind: "receipts"; times: number[] }
  | { kind: "failed"; error: string };

const now = () => performance.timeOrigin + performance.now();

const QUERY = `subscription($id: ID) { workspaceEvents(workspaceId: $id) { cursor type } }`;

async function start(job: SubscribersJob) {
  const receipts: number[][] = [];
  let round = -1;
  const clients: { dispose(): unknown }[] = [];
  const received = () => {
    if (round >= 0) receipts[round]?.push(now());
  };
  const connectLean = (i: number) =>
    new Promise<void>((resolve, reject) => {
      const index = job.first + i;
      const socket = new WebSocket(
        `${(job.urls[index % job.urls.length] as string).replace(/^http/, "ws")}/graphql`,
        "graphql-transport-ws",
      );
      socket.on("open", () =>
        socket.send(
          JSON.stringify({ type: "connection_init", payload: { authorization: `Bearer ${job.credentials[i]}` } }),
        ),
      );
      socket.on("message", (data) => {
        const message = JSON.parse(String(data)) as { type: string; payload?: unknown };
        if (message.type === "next") received();
        else if (message.type === "connection_ack") {
          socket.send(
            JSON.stringify({
              id: "1",
              type: "subscribe",
              payload: { query: QUERY, variables: { id: job.workspaceId } },
            }),
          );
          resolve();
        } else if (message.type === "error") reject(new Error(`subscription refused: ${JSON.stringify(message)}`));
      });
      socket.on("close", (code) => reject(new Error(`subscriber closed: ${code}`)));
      socket.on("error", reject);
      clients.push({ dispose: () => socket.terminate() });
    });
  const connectGraphqlWs = (i: number) =>
    new Promise<void>((resolve, reject) => {
      const index = job.first + i;
      const client = createClient({
        url: `${(job.urls[index % job.urls.length] as string).replace(/^http/, "ws")}/graphql`,
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        lazy: false,
        connectionParams: { authorization: `Bearer ${job.credentials[i]}` },
        on: { connected: () => resolve(), closed: (e) => reject(new Error(`subscriber closed: ${String(e)}`)) },
      });
      client.subscribe(
        { query: QUERY, variables: { id: job.workspaceId } },
        { next: received, error: () => {}, complete: () => {} },
      );
      clients.push(client);
    });
  const connectOne = job.client === "lean" ? connectLean : connectGraphqlWs;
  // In batches: thousands of handshakes at once overflow the listen backlog (resets).
  for (let i = 0; i < job.credentials.length; i += 250) {
    await Promise.all(Array.from({ length: Math.min(250, job.credentials.length - i) }, (_, j) => connectOne(i + j)));
  }
  return {
    round(r: number) {
      round = r;
      receipts[r] = [];
    },
    received: () => receipts[round] ?? [],
  };
}

if (process.send) {
  let share: Awaited<ReturnType<typeof start>> | null = null;
  const send = (m: FromSubscribers) => process.send?.(m);
  process.on("message", async (m: ToSubscribers) => {
    try {
      if (m.kind === "start") {
        share = await start(m.job);
        send({ kind: "ready" });
      } else if (m.kind === "round") share?.round(m.round);
      else if (m.kind === "count") send({ kind: "count", n: share?.received().length ?? 0 });
      else send({ kind: "receipts", times: share?.received() ?? [] });
    } catch (err) {
      send({ kind: "failed", error: (err as Error).message });
    }
  });
  process.on("disconnect", () => process.exit(0));
}
