// npx tsx bench/ws-floor.ts [--subscribers 10000] [--rounds 5]
// The machine's floor for bench/fanout.ts: a bare `ws` server (no GraphQL,
// no graphql-ws, no database) sending one graphql-ws-sized text frame to N
// clients on loopback, each side a process of its own as in the fan-out
// benchmark. What it takes is what any Node service pays here to write N
// frames: the sends' CPU (on loopback the sender's writes also carry the
// receiving side's TCP work) and the time until the last client has its frame.
import { type ChildProcess, fork } from "node:child_process";
import { parseArgs } from "node:util";
import WebSocket, { WebSocketServer } from "ws";

const { values: args } = parseArgs({
  options: {
    subscribers: { type: "string", default: "10000" },
    rounds: { type: "string", default: "5" },
    role: { type: "string", default: "main" },
  },
});
const N = Number(args.subscribers);
const now = () => performance.timeOrigin + performance.now();
/** About what the fan-out benchmark's subscribers receive: a next message with one event. */
const FRAME = JSON.stringify({
  id: "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0",
  type: "next",
  payload: {
    data: {
      workspaceEvents: {
        seq: "1234",
        type: "WORKSPACE_PROVISIONING",
        status: "PROVISIONING",
        workspaceId: "1a2b3c4d-5e6f-7081-92a3-b4c5d6e7f809",
        createdAt: new Date().toISOString(),
      },
    },
  },
});

type Message = { port?: number; send?: true; n?: number; ready?: true; times?: number[]; cpuUs?: number };

function server() {
  const wss = new WebSocketServer({ port: 0, host: "127.0.0.1", backlog: 4096 });
  wss.on("listening", () => process.send?.({ port: (wss.address() as { port: number }).port }));
  process.on("message", (m: Message) => {
    if (!m.send) return;
    const before = process.cpuUsage();
    let left = wss.clients.size;
    for (const c of wss.clients) {
      c.send(FRAME, () => {
        if (--left > 0) return;
        const cpu = process.cpuUsage(before);
        process.send?.({ cpuUs: (cpu.user + cpu.system) / wss.clients.size });
      });
    }
  });
}

function clients() {
  process.on("message", async (m: Message) => {
    if (!m.port || !m.n) return;
    const n = m.n;
    let open = 0;
    let times: number[] = [];
    for (let i = 0; i < n; i++) {
      const ws = new WebSocket(`ws://127.0.0.1:${m.port}`);
      ws.on("open", () => {
        if (++open === n) process.send?.({ ready: true });
      });
      ws.on("message", () => {
        times.push(now());
        if (times.length < n) return;
        process.send?.({ times });
        times = [];
      });
      // 250 at a time, as the fan-out benchmark connects: all at once overflows the listen backlog.
      if (i % 250 === 249) await new Promise((r) => setTimeout(r, 20));
    }
  });
}

const next = (child: ChildProcess) => new Promise<Message>((resolve) => child.once("message", resolve));

async function main() {
  const self = [import.meta.filename];
  const execArgv = ["--import", "tsx"];
  const srv = fork(self[0] as string, ["--role", "server"], { execArgv });
  const { port } = await next(srv);
  const cli = fork(self[0] as string, ["--role", "clients"], { execArgv });
  cli.send({ port, n: N });
  await next(cli);
  const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
  for (let round = 0; round < Number(args.rounds); round++) {
    await new Promise((r) => setTimeout(r, 500));
    const sent = now();
    const cpu = next(srv);
    const received = next(cli);
    srv.send({ send: true });
    const lat = ((await received).times ?? []).map((t) => t - sent).sort((a, b) => a - b);
    const { cpuUs } = await cpu;
    console.log(
      JSON.stringify({
        subscribers: N,
        medianMs: Math.round(pct(lat, 0.5)),
        p95Ms: Math.round(pct(lat, 0.95)),
        maxMs: Math.round(lat[lat.length - 1] ?? 0),
        serverCpuUsPerSend: Math.round((cpuUs ?? 0) * 10) / 10,
      }),
    );
  }
  srv.kill();
  cli.kill();
}

if (args.role === "server") server();
else if (args.role === "clients") clients();
else await main();
