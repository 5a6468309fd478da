import pg from "pg";

/**
 * Follows one PostgreSQL NOTIFY channel on a dedicated connection, so every
 * instance hears of a change another instance committed. `live` is false
 * while the connection is down: callers must not trust what they cached
 * then (anything may have changed unheard), and a reconnect counts as a
 * change.
 */
export type ChangeWatch = {
  readonly live: boolean;
  /**
   * Settles once the first connection attempt has (live) or has not (retrying
   * in the background) succeeded: awaited at start, so the caches behind the
   * watch are trusted from the first request instead of being dropped by the
   * watch's own first change a moment later. Bounded by the connect timeout.
   */
  readonly firstAttempt: Promise<void>;
  close(): Promise<void>;
};

export function watchPostgresChannel(url: string, channel: string, onChange: (payload?: string) => void): ChangeWatch {
  let client: pg.Client | null = null;
  let live = false;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  let delay = 250;

  const connect = async () => {
    if (closed) return;
    const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
    const lost = () => {
      if (client !== c) return;
      client = null;
      live = false;
      onChange();
      c.end().catch(() => {});
      schedule();
    };
    c.on("error", lost);
    c.on("end", lost);
    c.on("notification", (n) => onChange(n.payload));
    try {
      await c.connect();
      await c.query(`LISTEN ${channel}`);
      // Closed while this attempt was under way: nobody will end this connection but us.
      if (closed) {
        c.removeListener("end", lost);
        await c.end().catch(() => {});
        return;
      }
      client = c;
      live = true;
      delay = 250;
      // Whatever happened while nobody listened is unknown: treat it as a change.
      onChange();
    } catch {
      c.end().catch(() => {});
      schedule();
    }
  };
  const schedule = () => {
    if (closed) return;
    retry = setTimeout(connect, delay);
    retry.unref();
    delay = Math.min(delay * 2, 10_000);
  };
  const firstAttempt = connect();
  return {
    get live() {
      return live;
    },
    firstAttempt,
    async close() {
      closed = true;
      live = false;
      clearTimeout(retry);
      const c = client;
      client = null;
      await c?.end().catch(() => {});
    },
  };
}
