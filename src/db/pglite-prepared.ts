import { type PGlite, parse, protocol } from "@electric-sql/pglite";

const { serialize } = protocol;

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/**
 * Named prepared statements on PGlite, each run in one call into the
 * database. PGlite's `query()` crosses into WebAssembly six times per
 * statement (parse, describe, bind, describe, execute, sync) and parses and
 * plans the text every time: about 750 µs of the one thread for the
 * heartbeat's statement, against about 250 µs prepared (BENCHMARKS.md).
 *
 * A name is parsed once, on its first use, and keeps its text: another text
 * under the same name is a programming error and throws. Every call takes
 * PGlite's own locks in the order `query()` takes them, so it waits for an
 * open transaction and never interleaves with another statement. Errors
 * are PGlite's DatabaseError, as from `query()`; the Sync sent with each
 * call leaves the session ready for the next statement either way.
 */
export function pglitePrepared(pglite: PGlite) {
  const statements = new Map<string, { text: string; types: number[] }>();

  async function prepare(name: string, text: string) {
    const known = statements.get(name);
    if (known) {
      if (known.text !== text) throw new Error(`The prepared statement "${name}" was given another text.`);
      return known;
    }
    const { messages } = await pglite.execProtocol(
      concat([serialize.parse({ name, text }), serialize.describe({ type: "S", name }), serialize.sync()]),
    );
    const statement = { text, types: parse.parseDescribeStatementResults(messages) };
    statements.set(name, statement);
    return statement;
  }

  return async function query<T>(name: string, text: string, params: unknown[] = []): Promise<T[]> {
    await pglite._checkReady();
    return pglite._runExclusiveTransaction(() =>
      pglite._runExclusiveQuery(async () => {
        const { types } = await prepare(name, text);
        // Parameters as query() sends them: the type's serializer, else the text form.
        const values = params.map((value, i) => {
          if (value === null || value === undefined) return null;
          const serializer = pglite.serializers[types[i] as number];
          return serializer ? serializer(value) : String(value);
        });
        const { messages } = await pglite.execProtocol(
          concat([
            serialize.bind({ statement: name, values }),
            serialize.describe({ type: "P" }),
            serialize.execute({}),
            serialize.sync(),
          ]),
        );
        return (parse.parseResults(messages, pglite.parsers)[0]?.rows ?? []) as T[];
      }),
    );
  };
}
