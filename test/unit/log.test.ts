import { execFileSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createLogger, type LogLevel, REDACTED } from "../../src/log.js";

const ROOT = path.resolve(import.meta.dirname, "../..");

/** Runs a script against src/log.ts in a process of its own; its stdout. */
function run(script: string): string {
  return execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    cwd: ROOT,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
}

type Line = { level: string; time: string; msg: string; [k: string]: unknown };
function captured(level: LogLevel = "debug") {
  const raw: string[] = [];
  const log = createLogger(level, (line) => raw.push(line));
  return { log, raw, lines: () => raw.map((l) => JSON.parse(l) as Line) };
}

describe("lines", () => {
  it("are one JSON object each, with the level's name, an ISO time and the message", () => {
    const { log, raw, lines } = captured();
    log.info({ msg: "hello", n: 1 });
    expect(raw).toHaveLength(1);
    expect(raw[0]?.endsWith("\n")).toBe(true);
    const [line] = lines();
    expect(line).toMatchObject({ level: "info", msg: "hello", n: 1 });
    expect(new Date(line?.time as string).toISOString()).toBe(line?.time);
  });

  it("honour LOG_LEVEL: below it nothing is written, and silent writes nothing", () => {
    const warn = captured("warn");
    warn.log.debug({ msg: "d" });
    warn.log.info({ msg: "i" });
    warn.log.warn({ msg: "w" });
    warn.log.error({ msg: "e" });
    expect(warn.lines().map((l) => [l.level, l.msg])).toEqual([
      ["warn", "w"],
      ["error", "e"],
    ]);
    const silent = captured("silent");
    silent.log.error({ msg: "e" });
    expect(silent.raw).toEqual([]);
  });

  it("carry the request id a child was bound to, and the parent's lines do not", () => {
    const { log, lines } = captured();
    const child = log.child({ requestId: "req-42" });
    child.info({ msg: "in the request" });
    log.info({ msg: "outside" });
    expect(lines()).toEqual([
      expect.objectContaining({ msg: "in the request", requestId: "req-42" }),
      expect.not.objectContaining({ requestId: expect.anything() }),
    ]);
  });
});

describe("redaction", () => {
  it("never writes a credential, a secret value, a key or an operation's variables, top level or in their containers", () => {
    const { log, raw, lines } = captured();
    const values = {
      authorization: "Bearer tok-authorization-0123456789",
      header: "Bearer tok-header-0123456789",
      cookie: "session=tok-cookie-0123456789",
      joinToken: "tok-join-0123456789",
      authToken: "tok-instance-0123456789",
      token: "tok-plain-0123456789",
      apiToken: "tok-api-0123456789",
      secret: "secret-inbound-0123456789",
      secretValue: "secret-value-0123456789",
      key: "key-material-0123456789",
      variable: "secret-in-variables-0123456789",
      param: "Bearer tok-connection-param-0123456789",
      databaseUrl: "postgres://app:db-password-0123456789@db/app",
    };
    log.info({ msg: "top level", authorization: values.authorization, token: values.token, key: values.key });
    log.info({
      msg: "top level, more",
      authToken: values.authToken,
      joinToken: values.joinToken,
      apiToken: values.apiToken,
      platformInboundSecret: values.secret,
      variables: { input: { key: "OPENAI_API_KEY", value: values.variable } },
    });
    log.warn({
      msg: "containers",
      method: "POST",
      headers: { authorization: values.header, cookie: values.cookie, "content-type": "application/json" },
      connectionParams: { authorization: values.param },
      input: { key: "OPENAI_API_KEY", value: values.secretValue },
      config: { encryptionKey: values.key, databaseUrl: values.databaseUrl, port: 4000 },
    });
    const out = raw.join("");
    for (const [name, value] of Object.entries(values)) expect(out, name).not.toContain(value);
    const [top, more, containers] = lines();
    expect(top).toMatchObject({ authorization: REDACTED, token: REDACTED, key: REDACTED });
    expect(more).toMatchObject({
      authToken: REDACTED,
      joinToken: REDACTED,
      apiToken: REDACTED,
      platformInboundSecret: REDACTED,
      variables: REDACTED,
    });
    // Only the secret part of a container goes: what is around it stays readable.
    expect(containers).toMatchObject({
      method: "POST",
      headers: { authorization: REDACTED, cookie: REDACTED, "content-type": "application/json" },
      connectionParams: REDACTED,
      input: { key: "OPENAI_API_KEY", value: REDACTED },
      config: { encryptionKey: REDACTED, databaseUrl: REDACTED, port: 4000 },
    });
  });

  it("applies to a child's lines and to what it was bound with", () => {
    const { log, raw } = captured();
    log.child({ requestId: "r-1", authorization: "Bearer bound-0123456789" }).info({ msg: "x", token: "t-0123456789" });
    expect(raw.join("")).not.toMatch(/bound-0123456789|t-0123456789/);
    expect(raw.join("")).toContain('"requestId":"r-1"');
  });
});

describe("errors", () => {
  it("are written with their type, message once and stack frames, and nothing else they carry", () => {
    const { log, lines } = captured();
    const err = Object.assign(new Error("duplicate key value violates unique constraint"), {
      code: "23505",
      detail: "Key (value)=(row-value-that-must-not-leak) already exists.",
    });
    const wrapped = new Error("register failed", { cause: err });
    log.error({ msg: "unexpected error", err: wrapped });
    const [line] = lines();
    const logged = line?.err as { type: string; message: string; stack: string; cause: Record<string, unknown> };
    expect(logged).toMatchObject({ type: "Error", message: "register failed" });
    expect(logged.stack).toMatch(/^\s+at .*log\.test\.ts/);
    expect(logged.stack).not.toContain("register failed");
    expect(logged.cause).toMatchObject({ type: "Error", code: "23505", message: err.message });
    expect(JSON.stringify(line)).not.toContain("row-value-that-must-not-leak");
  });

  it("cut a long message (a database error may quote a row)", () => {
    const { log, lines } = captured();
    log.error({ msg: "x", err: new Error("y".repeat(5000)) });
    const [line] = lines();
    expect((line?.err as { message?: string } | undefined)?.message).toHaveLength(500);
  });
});

describe("stdout", () => {
  it("writes every line, in order, when the process exits in the same turn", () => {
    const out = run(`
      import { createLogger } from "./src/log.ts";
      const log = createLogger("info");
      for (let i = 0; i < 20000; i++) log.info({ msg: "line", i });
      log.error({ msg: "last words" });
      process.exit(0);
    `);
    const lines = out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Line);
    expect(lines).toHaveLength(20001);
    expect(lines.slice(0, -1).every((l, i) => l.i === i)).toBe(true);
    expect(lines.at(-1)?.msg).toBe("last words");
  });

  it("flush() resolves once every line logged before it is written", () => {
    const out = run(`
      import { createLogger } from "./src/log.ts";
      const log = createLogger("info");
      for (let i = 0; i < 20000; i++) log.info({ msg: "line", i });
      await log.flush();
      process.stdout.write("after flush\\n");
    `);
    const lines = out.trim().split("\n");
    expect(lines).toHaveLength(20001);
    expect(lines.at(-1)).toBe("after flush");
  });
});
