import { createServer, type Server, type Socket } from "node:net";
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

    it("closed while its first attempt is under way, keeps no connection", async () => {
      const channel = `change_watch_closed_${process.pid}`;
      const watch = watchPostgresChannel(databaseUrl as string, channel, () => {});
      await watch.close(); // before the attempt has connected
      await watch.firstAttempt;
      expect(watch.live).toBe(false);
      const admin = new pg.Client({ connectionString: databaseUrl });
      await admin.connect();
      try {
        const { rows } = await admin.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE query = $1",
          [`LISTEN ${channel}`],
        );
        expect(rows[0]?.n).toBe(0);
      } finally {
        await admin.end();
      }
    });

    describe("a server that never answers", () => {
      let silent: Server;
      let port: number;
      const accepted = new Set<Socket>();
      beforeAll(async () => {
        // Accepts connections and says nothing: the connect timeout must bound the first attempt.
        silent = createServer((socket) => {
          accepted.add(socket);
          socket.once("close", () => accepted.delete(socket));
        });
        await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
        port = (silent.address() as { port: number }).port;
      });
      // close() waits for every accepted connection to end; the ones the watch gave up on may not by themselves.
      afterAll(async () => {
        for (const socket of accepted) socket.destroy();
        await new Promise((r) => silent.close(r));
      });

      it("settles the first attempt anyway, not live, and keeps retrying until closed", async () => {
        const watch = watchPostgresChannel(`postgres://postgres@127.0.0.1:${port}/none`, "x", () => {});
        await watch.firstAttempt;
        expect(watch.live).toBe(false);
        await watch.close();
      }, 20_000);
    });
  },
);
