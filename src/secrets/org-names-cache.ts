import { randomUUID } from "node:crypto";

type Row = { key: string };

/** The NOTIFY channel every instance listens on for org secret changes. */
export const ORG_SECRETS_CHANNEL = "org_secrets_changed";

/**
 * The org secret names between two changes, so discovery and create's gate
 * need no query per request. A write through this process invalidates it at
 * once; another instance's write arrives by NOTIFY. While `trusted()` is
 * false (the notification connection is down) nothing is served from it, and
 * a read that raced an invalidation is not kept.
 */
export class OrgSecretNamesCache {
  /** Frozen and handed out as it is: callers may key work on its identity. */
  private rows: readonly Row[] | null = null;
  private generation = 0;
  /** Sent with this process's NOTIFYs: their echo needs no second invalidation. */
  readonly origin = randomUUID();

  constructor(private readonly trusted: () => boolean = () => true) {}

  invalidate(): void {
    this.generation++;
    this.rows = null;
  }

  /**
   * A NOTIFY arrived. This process's own writes invalidated at commit
   * already; invalidating again on their echo would only cost a read.
   */
  heard(payload?: string): void {
    if (payload !== this.origin) this.invalidate();
  }

  async read(load: () => Promise<Row[]>): Promise<Iterable<Row>> {
    if (this.rows && this.trusted()) return this.rows;
    const generation = this.generation;
    const rows = await load();
    // A bad row is left for the gate's reader to refuse, and never cached.
    if (generation === this.generation && this.trusted() && rows.every((r) => typeof r.key === "string")) {
      this.rows = Object.freeze(rows.map((r) => Object.freeze({ key: r.key })));
      return this.rows;
    }
    return rows;
  }
}
