import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectSuccess, gql, ok } from "../support/gql.js";
import { startTestApp, type TestApp } from "../support/harness.js";
import { CreateWorkspace, Heartbeat, RegisterWorkspace } from "../support/operations.js";

// SPEC 11: with OTEL_EXPORTER_OTLP_ENDPOINT set, a span per GraphQL operation
// with its database calls beneath it, the request id on both, exported over
// OTLP/HTTP: here to a receiver in this process.

type OtlpSpan = {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  status?: { code?: number; message?: string };
  attributes?: { key: string; value: { stringValue?: string } }[];
};

const received: OtlpSpan[] = [];
let receiver: Server;
let t: TestApp;
let stopped = false;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      expect(req.url).toBe("/v1/traces");
      const parsed = JSON.parse(body) as { resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[] };
      for (const rs of parsed.resourceSpans) for (const ss of rs.scopeSpans) received.push(...ss.spans);
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const { port } = receiver.address() as AddressInfo;
  t = await startTestApp({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}/` });
});
afterAll(async () => {
  if (!stopped) await t.stop();
  await new Promise((resolve) => receiver.close(resolve));
});

const attr = (s: OtlpSpan, key: string) => s.attributes?.find((a) => a.key === key)?.value.stringValue;

/** Every span whose chain of parents leads to `root`. */
function beneath(root: OtlpSpan): OtlpSpan[] {
  const byId = new Map(received.map((s) => [s.spanId, s]));
  return received.filter((s) => {
    for (
      let p = s.parentSpanId ? byId.get(s.parentSpanId) : undefined;
      p;
      p = p.parentSpanId ? byId.get(p.parentSpanId) : undefined
    )
      if (p.spanId === root.spanId) return true;
    return false;
  });
}

describe("traces", () => {
  it("a span per operation, named after it, with its database calls beneath and the request id on all", async () => {
    const created = ok(
      await gql(t, CreateWorkspace, { input: { name: "traced" } }, { headers: { "x-request-id": "trace-create-1" } }),
    );
    const id = expectSuccess(created.createWorkspace, "CreateWorkspaceSuccess").workspace.id;
    const reg = ok(await gql(t, RegisterWorkspace, { input: { workspaceId: id } }, { token: null }));
    const token = expectSuccess(reg.registerWorkspace, "RegisterWorkspaceSuccess").authToken as string;
    ok(await gql(t, Heartbeat, { input: { workspaceId: id } }, { token, headers: { "x-request-id": "trace-beat-1" } }));
    const refused = await gql(
      t,
      CreateWorkspace,
      { input: { name: "x" } },
      { token: null, headers: { "x-request-id": "trace-refused-1" } },
    );
    expect(refused.status).toBe(401);
    // Stopping flushes the batch; the receiver has it once stop resolves.
    await t.stop();
    stopped = true;

    const op = (requestId: string) =>
      received.find((s) => s.name.startsWith("mutation ") && attr(s, "request.id") === requestId);
    const create = op("trace-create-1");
    expect(create?.name).toBe("mutation CreateWorkspace");
    expect(attr(create as OtlpSpan, "graphql.operation.name")).toBe("CreateWorkspace");
    const createDb = beneath(create as OtlpSpan);
    expect(createDb.some((s) => s.name.startsWith("prisma:"))).toBe(true);
    expect(createDb.every((s) => s.traceId === create?.traceId && attr(s, "request.id") === "trace-create-1")).toBe(
      true,
    );

    // The heartbeat's statement goes to the driver, not Prisma: its span is there too.
    const beat = op("trace-beat-1");
    expect(beat?.name).toBe("mutation Heartbeat");
    const beatDb = beneath(beat as OtlpSpan);
    expect(beatDb.map((s) => s.name)).toContain("db.query");
    expect(beatDb.every((s) => attr(s, "request.id") === "trace-beat-1")).toBe(true);

    // A refusal is an operation span marked as an error, with no database call for a missing token.
    const denied = op("trace-refused-1");
    expect(denied?.status?.code).toBe(2);
    expect(denied?.status?.message).toBe("UNAUTHENTICATED");

    // No secret or token in any attribute.
    const everything = JSON.stringify(received);
    expect(everything).not.toContain(token);
    expect(everything).not.toContain(t.adminToken);
  });
});
