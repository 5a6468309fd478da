import { createServer, type Server } from "node:net";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { watchPostgresChannel } from "../../src/db/notifications.js";

// The NOTIFY watch behind the API-token and org-secret caches. Its first
// connection is awaited at start: before it, every cached answer is
// distrusted, and the moment it becomes live it drops the caches (a change
// may have gone unheard). Awaiting it keeps that drop before the first request.
// It needs a PostgreSQL, not the app's backend: unit tests run in the pglite
// project only, so it runs there whenever TEST_DATABASE_URL is set (CI sets it).
const databaseUrl = process.env.TEST_DATABASE_URL;
const enabled = Boolean(databaseUrl);

describe.skipIf(!enabled)(
  `watchPostgresChannel (${enabled ? "on TEST_DATABASE_URL" : "skipped: needs TEST_DATABASE_URL"})`,
  () => {
    it("is live once its first attempt settles, and hears a NOTIFY with its payload", async () => {
      const heard: (string | undefined)[] = [];
      const watch = watchPostgresChannel(databaseUrl as string, "change_watch_test", (p) => heard.push(p));
      try {
        await watch.firstAttempt;
        expect(watch.live).toBe(true);
        // Becoming live is itself a change: whatever happened before was unheard.
        expect(heard).toEqual([undefined]);
        const client = new pg.Client({ connectionString: databaseUrl });
        await client.connect();
        await client.query("NOTIFY change_watch_test, 'from-another-instance'");
        await client.end();
        for (let i = 0; i < 100 && heard.length < 2; i++) await new Promise((r) => setTimeout(r, 50));
        expect(heard).toEqual([undefined, "from-another-instance"]);
      } finally {
        await watch.close();
      }
      expect(watch.live).toBe(false);
    });

    describe("a server that never answers", () => {
      let silent: Server;
      let port: number;
      beforeAll(async () => {
        // Accepts connections and says nothing: the connect timeout must bound the first attempt.
        silent = createServer(() => {});
        await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
        port = (silent.address() as { port: number }).port;
      });
      afterAll(() => new Promise((r) => silent.close(r)));

      it("settles the first attempt anyway, not live, and keeps retrying until closed", async () => {
        const watch = watchPostgresChannel(`postgres://postgres@127.0.0.1:${port}/none`, "x", () => {});
        await watch.firstAttempt;
        expect(watch.live).toBe(false);
        await watch.close();
      }, 20_000);
    });
  },
);
