import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DecryptError, KeyRing, loadOrCreateLocalKey } from "../../src/secrets/keyring.js";

const newKey = () => randomBytes(32).toString("base64");
const AAD = "workspace-secret:0b9a4c1e-2f6d-4e8a-9c3b-5d7e1f2a3b4c:OPENAI_API_KEY";

/** Flips one bit of the decoded bytes of one dot-separated part of the envelope. */
function tamper(envelope: string, part: number, byte = 0): string {
  const parts = envelope.split(".");
  const bytes = Buffer.from(parts[part] as string, "base64url");
  bytes[byte] = (bytes[byte] as number) ^ 0x01;
  parts[part] = bytes.toString("base64url");
  return parts.join(".");
}

describe("KeyRing", () => {
  const ring = new KeyRing(newKey());

  it("opens what it sealed, including empty, multi-byte and 64 KiB values", () => {
    for (const value of ["sk-live-123", "", "clé 🔑 ключ", "x".repeat(64 * 1024)]) {
      expect(ring.decrypt(ring.encrypt(value, AAD), AAD)).toBe(value);
    }
  });

  it("seals the same value twice into different envelopes (a random nonce per value)", () => {
    const a = ring.encrypt("same plaintext", AAD);
    const b = ring.encrypt("same plaintext", AAD);
    expect(a).not.toBe(b);
    expect(a.split(".")[2]).not.toBe(b.split(".")[2]);
    expect(a).not.toContain("same plaintext");
    expect(ring.decrypt(a, AAD)).toBe("same plaintext");
    expect(ring.decrypt(b, AAD)).toBe("same plaintext");
  });

  it("refuses a tampered envelope, whichever part was changed", () => {
    const sealed = ring.encrypt("sk-tamper-me", AAD);
    const body = Buffer.from(sealed.split(".")[3] as string, "base64url");
    const tampered = [
      sealed.replace(/^v1\./, "v2."), // version
      tamper(sealed, 1), // key id
      tamper(sealed, 2), // nonce
      tamper(sealed, 3, 0), // ciphertext
      tamper(sealed, 3, body.length - 1), // authentication tag
    ];
    for (const envelope of tampered) {
      expect(envelope).not.toBe(sealed);
      expect(() => ring.decrypt(envelope, AAD), envelope).toThrow(DecryptError);
    }
  });

  it("binds a value to its row: sealed for one AAD, it does not open under another", () => {
    const sealed = ring.encrypt("sk-row-bound", AAD);
    expect(() => ring.decrypt(sealed, AAD.replace("OPENAI_API_KEY", "ANTHROPIC_API_KEY"))).toThrow(DecryptError);
    expect(() => ring.decrypt(sealed, "org-secret:OPENAI_API_KEY")).toThrow(DecryptError);
    expect(() => ring.decrypt(sealed, "")).toThrow(DecryptError);
  });

  it("keeps opening values sealed with an old key after a rotation, and only while that key is kept", () => {
    const keyA = newKey();
    const keyB = newKey();
    const sealedWithA = new KeyRing(keyA).encrypt("sk-before-rotation", AAD);

    const rotated = new KeyRing(keyB, [keyA]);
    expect(rotated.decrypt(sealedWithA, AAD)).toBe("sk-before-rotation");
    // New values are sealed with the current key: a ring of B alone opens them.
    const sealedAfter = rotated.encrypt("sk-after-rotation", AAD);
    expect(new KeyRing(keyB).decrypt(sealedAfter, AAD)).toBe("sk-after-rotation");
    expect(() => new KeyRing(keyA).decrypt(sealedAfter, AAD)).toThrow(DecryptError);

    expect(() => new KeyRing(keyB).decrypt(sealedWithA, AAD)).toThrow(DecryptError);
    expect(() => new KeyRing(keyB, [newKey()]).decrypt(sealedWithA, AAD)).toThrow(DecryptError);
  });

  it("refuses malformed envelopes with DecryptError, never another error", () => {
    const sealed = ring.encrypt("sk-shape", AAD);
    const [version, id, nonce, body] = sealed.split(".") as [string, string, string, string];
    const malformed = [
      "",
      "not an envelope",
      "v1",
      `${version}.${id}.${nonce}`,
      `${version}.${id}.${nonce}.${body}.extra`,
      `${version}..${nonce}.${body}`,
      `${version}.${id}..${body}`,
      `${version}.${id}.${nonce}.`,
      `${version}.${id}.${Buffer.alloc(8).toString("base64url")}.${body}`, // nonce of the wrong length
      `${version}.${id}.${nonce}.${Buffer.alloc(15).toString("base64url")}`, // shorter than a tag
      `${version}.${id}.${nonce}.${body.slice(0, -4)}`, // truncated
    ];
    for (const envelope of malformed) {
      expect(() => ring.decrypt(envelope, AAD), JSON.stringify(envelope)).toThrow(DecryptError);
    }
  });
});

describe("loadOrCreateLocalKey", () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });
  const tempDir = async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "cp-keyring-"));
    dirs.push(dir);
    return dir;
  };

  it("creates a 32-byte key readable by the owner only, and reuses it on the next call", async () => {
    const dataDir = path.join(await tempDir(), "nested", "data");
    const first = await loadOrCreateLocalKey(dataDir);
    expect(Buffer.from(first, "base64")).toHaveLength(32);

    const file = path.join(dataDir, "secrets.key");
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await readFile(file, "utf8")).trim()).toBe(first);

    const second = await loadOrCreateLocalKey(dataDir);
    expect(second).toBe(first);
    // The reused key opens what the first one sealed.
    const sealed = new KeyRing(first).encrypt("sk-persisted", AAD);
    expect(new KeyRing(second).decrypt(sealed, AAD)).toBe("sk-persisted");
  });

  it("gives concurrent first calls the same key", async () => {
    const dataDir = await tempDir();
    const keys = await Promise.all(Array.from({ length: 8 }, () => loadOrCreateLocalKey(dataDir)));
    expect(new Set(keys).size).toBe(1);
    expect(Buffer.from(keys[0] as string, "base64")).toHaveLength(32);
    // The file is written under a private name and linked into place; no draft is left behind.
    expect(await readdir(dataDir)).toEqual(["secrets.key"]);
  });

  it("refuses a key file that does not hold a 32-byte key instead of sealing with it", async () => {
    const dataDir = await tempDir();
    for (const content of ["", "\n", "c2hvcnQ=\n"]) {
      await writeFile(path.join(dataDir, "secrets.key"), content, { mode: 0o600 });
      await expect(loadOrCreateLocalKey(dataDir)).rejects.toThrow(
        /secrets\.key does not hold a base64 key of 32 bytes/,
      );
    }
  });

  it("keeps an existing key file rather than replacing it", async () => {
    const dataDir = await tempDir();
    const existing = newKey();
    await writeFile(path.join(dataDir, "secrets.key"), `${existing}\n`, { mode: 0o600 });
    expect(await loadOrCreateLocalKey(dataDir)).toBe(existing);
  });
});
