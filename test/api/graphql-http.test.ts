import { type AuditResult, serverAudits } from "graphql-http";
import { beforeAll, describe, expect, it } from "vitest";
import { useTestApp } from "../support/harness.js";

// The GraphQL-over-HTTP audits of the graphql-http package against the real
// server on a port (SPEC section 8). They send `{ __typename }` and the like
// without a token, which SPEC allows.

const t = useTestApp();
let url: string;
beforeAll(async () => {
  url = `${await t.listen()}/graphql`;
});

const audits = () => serverAudits({ url: () => url });

async function describeFailure(result: AuditResult): Promise<string> {
  if (result.status === "ok") return "";
  const body = await result.response
    .clone()
    .text()
    .catch(() => "");
  return `${result.name}: ${result.reason} (HTTP ${result.response.status}: ${body.slice(0, 300)})`;
}

describe("graphql-http server audits", () => {
  it("has audits at every level", () => {
    const levels = new Set(audits().map((a) => a.name.split(" ")[0]));
    expect([...levels].sort()).toEqual(["MAY", "MUST", "SHOULD"]);
  });

  for (const level of ["MUST", "SHOULD"] as const) {
    it(`passes every ${level} audit`, async () => {
      const failures: string[] = [];
      const selected = audits().filter((a) => a.name.startsWith(`${level} `));
      expect(selected.length).toBeGreaterThan(0);
      for (const audit of selected) {
        const result = await audit.fn();
        if (result.status !== "ok") failures.push(await describeFailure(result));
      }
      expect(failures).toEqual([]);
    });
  }

  // MAY audits are optional; this server passes them too, and a change in that is worth a look.
  it("passes every MAY audit", async () => {
    const failures: string[] = [];
    for (const audit of audits().filter((a) => a.name.startsWith("MAY "))) {
      const result = await audit.fn();
      if (result.status !== "ok") failures.push(await describeFailure(result));
    }
    expect(failures).toEqual([]);
  });

  it("stays healthy after the audits", async () => {
    const health = await fetch(url.replace(/\/graphql$/, "/healthz"));
    expect(health.status).toBe(200);
  });
});
