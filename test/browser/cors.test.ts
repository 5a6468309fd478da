import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { browserSkipReason, launchChromium } from "../support/browser.js";
import { startTestApp, type TestApp } from "../support/harness.js";

// A canvas served from another origin calls the API from a real browser:
// Debian's chromium, driven by playwright-core (its own browser download
// cannot work here). CI installs chromium (.ci/run).
const skipReason = browserSkipReason;

// The canvas: a page whose script calls the API with a bearer token.
const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>canvas</title></head><body><script>
window.callApi = async (url, token) => {
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer " + token },
      body: JSON.stringify({ query: "query CanvasOrgSecrets { orgSecrets { key } }" }),
    });
    return { ok: true, status: res.status, body: await res.json(), requestId: res.headers.get("x-request-id") };
  } catch (err) {
    return { ok: false, error: String(err) };
  }
};
</script></body></html>`;

type Called =
  | { ok: true; status: number; body: { data?: unknown; errors?: unknown }; requestId: string | null }
  | { ok: false; error: string };

let pageServer: Server;
let pageOrigin: string;
let allowed: TestApp;
let other: TestApp;
let userDataDir: string;
let context: BrowserContext;
let page: Page;

const requestLines = (t: TestApp) => t.logs.map((l) => JSON.parse(l)).filter((l) => l.msg === "request");
const call = (t: TestApp) =>
  page.evaluate(
    ([url, token]) => (window as unknown as { callApi: (u: string, t: string) => Promise<Called> }).callApi(url, token),
    [`${t.url}/graphql`, t.adminToken] as const,
  );

describe.skipIf(skipReason)(
  `a canvas on another origin, in Chromium${skipReason ? ` (skipped: ${skipReason})` : ""}`,
  () => {
    beforeAll(async () => {
      pageServer = createServer((_req, res) => res.writeHead(200, { "content-type": "text/html" }).end(PAGE));
      await new Promise<void>((resolve) => pageServer.listen(0, "127.0.0.1", resolve));
      pageOrigin = `http://127.0.0.1:${(pageServer.address() as AddressInfo).port}`;
      allowed = await startTestApp({ CORS_ORIGINS: pageOrigin });
      other = await startTestApp({ CORS_ORIGINS: "https://canvas.example" });
      await allowed.listen();
      await other.listen();
      userDataDir = await mkdtemp(path.join(os.tmpdir(), "cp-chromium-"));
      context = await launchChromium(userDataDir);
      page = await context.newPage();
      await page.goto(`${pageOrigin}/`);
    }, 120_000);
    afterAll(async () => {
      await context?.close();
      await allowed?.stop();
      await other?.stop();
      await new Promise((resolve) => pageServer?.close(resolve));
      if (userDataDir) await rm(userDataDir, { recursive: true, force: true });
    });

    it("calls the API with a bearer token when CORS_ORIGINS lists the page's origin", async () => {
      expect(new URL(allowed.url as string).origin).not.toBe(pageOrigin);
      const r = await call(allowed);
      expect(r).toMatchObject({ ok: true, status: 200, body: { data: { orgSecrets: [] } } });
      // The response header is readable from the page, and names the request in the log.
      const requestId = (r as { requestId: string | null }).requestId;
      expect(requestId).toBeTruthy();
      expect(requestLines(allowed)).toContainEqual(
        expect.objectContaining({ requestId, operation: "CanvasOrgSecrets", status: 200 }),
      );
    });

    it("is blocked by the browser when another origin is configured, before the request is sent", async () => {
      const r = await call(other);
      expect(r.ok).toBe(false);
      expect((r as { error: string }).error).toMatch(/Failed to fetch/);
      // The preflight was refused, so the POST itself never reached the API.
      expect(requestLines(other)).toEqual([]);
    });
  },
);
