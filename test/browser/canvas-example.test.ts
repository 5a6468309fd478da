import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { exportSPKI, generateKeyPair, SignJWT } from "jose";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { browserSkipReason, launchChromium } from "../support/browser.js";
import { gqlHttp, ok } from "../support/gql.js";
import { startTestApp, type TestApp } from "../support/harness.js";

// examples/canvas/ opened in Debian's chromium from another origin, as a
// canvas user (a viewer JWT): the list, the counts, then live changes.
const skipReason = browserSkipReason;

const EXAMPLE = path.resolve(__dirname, "../../examples/canvas");
const SCREENSHOT = path.resolve(__dirname, "../../docs/canvas-example.png");
const ISSUER = "https://id.example.test/";
const AUDIENCE = "workspace-control-plane";
const TYPES: Record<string, string> = { ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8" };

let pageServer: Server;
let pageOrigin: string;
let t: TestApp;
let viewerToken: string;
let userDataDir: string;
let context: BrowserContext;
let page: Page;

/** An admin call through the API, over the real port. */
async function admin<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  return ok(await gqlHttp<T, Record<string, unknown>>(`${t.url}/graphql`, query, variables, t.adminToken));
}

async function create(name: string): Promise<string> {
  const d = await admin<{ createWorkspace: { __typename: string; workspace?: { id: string } } }>(
    `mutation($input: CreateWorkspaceInput!) { createWorkspace(input: $input) {
       __typename ... on CreateWorkspaceSuccess { workspace { id } } } }`,
    { input: { name } },
  );
  expect(d.createWorkspace.__typename).toBe("CreateWorkspaceSuccess");
  return d.createWorkspace.workspace?.id as string;
}

/** What the page shows: each row's name and badge, and the counts. */
const shown = () =>
  page.evaluate(() => ({
    total: document.getElementById("total")?.textContent,
    state: document.getElementById("state")?.textContent,
    rows: [...document.querySelectorAll("#list li")].map((li) => ({
      id: (li as HTMLElement).dataset.id,
      name: li.querySelector(".name")?.textContent,
      status: li.querySelector(".badge")?.textContent,
    })),
    counts: Object.fromEntries(
      [...document.querySelectorAll("#counts > span")].map((s) => [
        (s as HTMLElement).dataset.status,
        Number(s.querySelector("b")?.textContent),
      ]),
    ),
  }));
type Shown = Awaited<ReturnType<typeof shown>>;

/** Polls the DOM until `pass` holds, or fails with the last thing shown. */
async function until(pass: (s: Shown) => boolean, ms = 15_000): Promise<Shown> {
  const deadline = Date.now() + ms;
  let last = await shown();
  while (!pass(last)) {
    if (Date.now() > deadline) throw new Error(`the page never showed it; last: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 100));
    last = await shown();
  }
  return last;
}

describe.skipIf(skipReason)(`the canvas example, in Chromium${skipReason ? ` (skipped: ${skipReason})` : ""}`, () => {
  beforeAll(async () => {
    pageServer = createServer(async (req, res) => {
      const name = new URL(req.url ?? "/", "http://x").pathname.replace(/^\/$/, "/index.html");
      const type = TYPES[path.extname(name)];
      if (!type || name.includes("..")) return res.writeHead(404).end();
      try {
        res.writeHead(200, { "content-type": type }).end(await readFile(path.join(EXAMPLE, name)));
      } catch {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => pageServer.listen(0, "127.0.0.1", resolve));
    pageOrigin = `http://127.0.0.1:${(pageServer.address() as AddressInfo).port}`;

    const { publicKey, privateKey } = await generateKeyPair("RS256");
    t = await startTestApp({
      AUTH_JWT_PUBLIC_KEY: await exportSPKI(publicKey),
      AUTH_ISSUER: ISSUER,
      AUTH_AUDIENCE: AUDIENCE,
      CORS_ORIGINS: pageOrigin,
    });
    await t.listen();
    viewerToken = await new SignJWT({ roles: ["viewer"] })
      .setProtectedHeader({ alg: "RS256" })
      .setSubject("canvas-user")
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime("1h")
      .sign(privateKey);

    userDataDir = await mkdtemp(path.join(os.tmpdir(), "cp-chromium-"));
    context = await launchChromium(userDataDir, { viewport: { width: 720, height: 480 } });
    page = await context.newPage();
  }, 120_000);
  afterAll(async () => {
    await context?.close();
    await t?.stop();
    await new Promise((resolve) => pageServer?.close(resolve));
    if (userDataDir) await rm(userDataDir, { recursive: true, force: true });
  });

  it("lists the workspaces with their counts, then shows status changes live", async () => {
    const names = ["alpha", "beta", "gamma"];
    const ids: string[] = [];
    for (const name of names) ids.push(await create(name));
    const initial = (
      await admin<{ workspaces: { edges: { node: { id: string; status: string } }[] } }>(
        "{ workspaces(first: 10) { edges { node { id status } } } }",
      )
    ).workspaces.edges.map((e) => e.node);
    const statusOf = (id: string | undefined) => initial.find((n) => n.id === id)?.status;
    const removed = ids[1] as string;

    const query = new URLSearchParams({ api: `${t.url}/graphql`, token: viewerToken });
    await page.goto(`${pageOrigin}/?${query}`);
    const loaded = await until((s) => s.state === "live" && s.rows.length === 3);
    expect(loaded.rows).toEqual(names.map((name, i) => ({ id: ids[i], name, status: statusOf(ids[i]) })));
    expect(loaded.total).toBe("3");
    const expectedCounts: Record<string, number> = {};
    for (const n of initial) expectedCounts[n.status] = (expectedCounts[n.status] ?? 0) + 1;
    for (const [status, count] of Object.entries(expectedCounts)) expect(loaded.counts[status]).toBe(count);

    // Removed through the API: the page hears it over its SSE stream.
    await admin("mutation($id: ID!) { removeWorkspace(id: $id) { __typename } }", { id: removed });
    const after = await until((s) => s.rows.find((r) => r.id === removed)?.status === "REMOVED");
    expect(after.total).toBe("2");
    expect(after.state).toBe("live");
    const was = statusOf(removed) as string;
    expect(after.counts[was]).toBe(loaded.counts[was] - 1);

    // docs/canvas-example.png, rewritten only when asked (the token is left out of it).
    if (process.env.UPDATE_SCREENSHOT === "1") {
      await page.fill("input[name=token]", "");
      await page.screenshot({ path: SCREENSHOT });
    }
  }, 60_000);
});
