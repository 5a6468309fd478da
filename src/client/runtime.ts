// The reference agent runtime (SPEC section 9): `npm run build` bundles this
// file, with the agent client, into dist/agent.mjs, which runs on plain Node
// with no node_modules. It is what PROVISIONER=process starts by default,
// and the example for runtime authors:
//
//   WORKSPACE_ID, CONTROL_PLANE_URL   which workspace, which control plane
//   WORKSPACE_JOIN_TOKEN              the one-time bootstrap credential (absent: bootstrap without a bearer)
//   AGENT_PORT                        optional: answer GET /healthz there
//   AGENT_HEARTBEAT_INTERVAL_MS       optional: default 15000
//   AGENT_TOKEN_FILE                  optional: also write the minted instance token there (mode 0600),
//                                     for a sidecar or an operator; the join token always bootstraps first
//
// It registers, reads its configuration (agentConfig; keys are logged, never
// values), heartbeats, stops cleanly on SIGTERM (exit 0), and exits 1 when
// the control plane refuses it for good (401, 403, WORKSPACE_FAILED...).
import { writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { createAgentClient } from "./agent.js";
import { AgentReadConfig } from "./operations.js";
import { memoryTokenStore } from "./token-store.js";
import { AgentStoppedError, postOperation, resultError } from "./transport.js";

const log = (fields: Record<string, unknown>) =>
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...fields })}\n`);

function required(name: string): string {
  const v = process.env[name];
  if (!v) {
    log({ level: "error", msg: `${name} is not set` });
    process.exit(2);
  }
  return v;
}

async function main() {
  const workspaceId = required("WORKSPACE_ID");
  const endpoint = required("CONTROL_PLANE_URL");
  const interval = Number(process.env.AGENT_HEARTBEAT_INTERVAL_MS ?? 15_000);
  // Starts holding the join token; the minted instance token replaces it.
  const memory = memoryTokenStore(process.env.WORKSPACE_JOIN_TOKEN || null);
  const tokenFile = process.env.AGENT_TOKEN_FILE;
  const store = {
    load: memory.load,
    async save(token: string) {
      await memory.save(token);
      if (tokenFile) await writeFile(tokenFile, `${token}\n`, { mode: 0o600 });
    },
  };
  // The join token is for the bootstrap only; nothing later needs it in the environment.
  delete process.env.WORKSPACE_JOIN_TOKEN;
  let status = "starting";

  const agent = createAgentClient({
    endpoint,
    workspaceId,
    tokenStore: store,
    heartbeatIntervalMs: Number.isFinite(interval) && interval > 0 ? interval : 15_000,
    retry: { initialMs: 250, maxMs: 10_000 },
    onStatus: (s) => {
      status = s;
      log({ level: "info", msg: "status", status: s });
    },
    onRetry: ({ attempt, delayMs, error }) =>
      log({ level: "warn", msg: "control plane unavailable; retrying", attempt, delayMs, err: error.message }),
  });

  let server: Server | null = null;
  const port = process.env.AGENT_PORT;
  if (port) {
    server = createServer((req, res) => {
      if (req.method === "GET" && req.url?.split("?")[0] === "/healthz") {
        const ok = agent.state === "running";
        res.writeHead(ok ? 200 : 503, { "content-type": "application/json" }).end(JSON.stringify({ ok, status }));
      } else res.writeHead(404).end();
    });
    await new Promise<void>((resolve, reject) => {
      server?.once("error", reject);
      server?.listen(Number(port), process.env.AGENT_HOST ?? "127.0.0.1", () => resolve());
    });
  }

  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    await agent.stop();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    process.exit(code);
  };
  process.on("SIGTERM", () => {
    log({ level: "info", msg: "SIGTERM: stopping" });
    void shutdown(0);
  });
  process.on("SIGINT", () => void shutdown(0));

  void agent.whenStopped().then(({ reason, message }) => {
    if (reason === "stopped") return;
    log({ level: "error", msg: "refused by the control plane; exiting", reason, message });
    void shutdown(1);
  });

  const registration = await agent.start();
  log({ level: "info", msg: "registered", workspaceId, bootstrapped: registration.bootstrapped });

  // The configuration, with the instance token just minted (or presented).
  const token = await store.load();
  const data = await postOperation(
    { endpoint, fetch: globalThis.fetch, timeoutMs: 10_000 },
    AgentReadConfig,
    { workspaceId },
    token,
  );
  const r = data.agentConfig;
  if (r.__typename !== "AgentConfigSuccess") throw resultError(r);
  const unreadable = r.config.env.filter((e) => e.error).map((e) => e.key);
  log({
    level: "info",
    msg: "configuration read",
    runtime: r.config.runtime,
    model: r.config.model,
    provider: r.config.provider,
    keys: r.config.env.map((e) => e.key),
    unreadable,
  });
}

main().catch((err: unknown) => {
  const reason = err instanceof AgentStoppedError ? err.reason : "error";
  log({ level: "error", msg: "agent failed", reason, err: err instanceof Error ? err.message : String(err) });
  process.exit(1);
});
