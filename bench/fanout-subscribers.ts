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

async function start(job: SubscribersJob) {
  const receipts: number[][] = [];
  let round = -1;
  const clients: ReturnType<typeof createClient>[] = [];
  const connectOne = (i: number) =>
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
        {
          query: `subscription($id: ID) { workspaceEvents(workspaceId: $id) { cursor type } }`,
          variables: { id: job.workspaceId },
        },
        {
          next: () => {
            if (round >= 0) receipts[round]?.push(now());
          },
          error: () => {},
          complete: () => {},
        },
      );
      clients.push(client);
    });
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
