import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { chmod, link, mkdir, readFile, unlink, writeFile } from "node:fs/promises";
import path from "node:path";

const VERSION = "v1";

type Key = { id: string; bytes: Buffer };

export class DecryptError extends Error {
  override name = "DecryptError";
}

const keyId = (bytes: Buffer) =>
  createHash("sha256").update("workspace-cp key id").update(bytes).digest("hex").slice(0, 12);
const toKey = (base64: string): Key => {
  const bytes = Buffer.from(base64, "base64");
  return { id: keyId(bytes), bytes };
};

/**
 * AES-256-GCM with a random 96-bit nonce per value. The envelope
 * `v1.<keyId>.<nonce>.<ciphertext+tag>` names the key that sealed it, so
 * older keys keep opening their values after a rotation. The additional data
 * binds a value to where it is stored: a ciphertext copied to another row
 * does not open.
 */
export class KeyRing {
  private readonly current: Key;
  private readonly byId: Map<string, Key>;

  constructor(currentBase64: string, oldBase64: readonly string[] = []) {
    this.current = toKey(currentBase64);
    const all = [this.current, ...oldBase64.map(toKey)];
    this.byId = new Map(all.map((k) => [k.id, k]));
  }

  /** Whether a stored envelope is sealed with the current key (nothing left to re-encrypt). */
  sealedWithCurrent(envelope: string): boolean {
    return envelope.startsWith(this.currentPrefix);
  }

  /** The start of every envelope the current key seals: what a query can filter on. */
  get currentPrefix(): string {
    return `${VERSION}.${this.current.id}.`;
  }

  encrypt(plaintext: string, aad: string): string {
    const nonce = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.current.bytes, nonce);
    cipher.setAAD(Buffer.from(aad, "utf8"));
    const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final(), cipher.getAuthTag()]);
    return [VERSION, this.current.id, nonce.toString("base64url"), body.toString("base64url")].join(".");
  }

  /** Throws DecryptError for an unknown key, a malformed envelope or a failed tag. */
  decrypt(envelope: string, aad: string): string {
    const [version, id, nonceText, bodyText, extra] = envelope.split(".");
    if (version !== VERSION || !id || !nonceText || !bodyText || extra !== undefined) {
      throw new DecryptError("malformed secret envelope");
    }
    const key = this.byId.get(id);
    if (!key) throw new DecryptError(`secret sealed with unknown key ${id}`);
    const nonce = Buffer.from(nonceText, "base64url");
    const body = Buffer.from(bodyText, "base64url");
    if (nonce.length !== 12 || body.length < 16) throw new DecryptError("malformed secret envelope");
    try {
      const decipher = createDecipheriv("aes-256-gcm", key.bytes, nonce);
      decipher.setAAD(Buffer.from(aad, "utf8"));
      decipher.setAuthTag(body.subarray(body.length - 16));
      return Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]).toString("utf8");
    } catch {
      throw new DecryptError("secret failed authentication (wrong key or tampered value)");
    }
  }
}

/**
 * The embedded default keeps a generated key beside the database (mode 0600);
 * production passes SECRETS_ENCRYPTION_KEY and nothing is written.
 */
export async function loadOrCreateLocalKey(dataDir: string): Promise<string> {
  const file = localKeyFile(dataDir);
  try {
    return await readLocalKey(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  await mkdir(dataDir, { recursive: true });
  const key = randomBytes(32).toString("base64");
  // Written whole under a private name, then linked into place: link fails if
  // another process got there first, and nobody ever reads a half-written key.
  const draft = `${file}.${process.pid}.${randomBytes(6).toString("hex")}`;
  await writeFile(draft, `${key}\n`, { mode: 0o600, flag: "wx" });
  try {
    await link(draft, file).catch((err) => {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    });
  } finally {
    await unlink(draft).catch(() => {});
  }
  await chmod(file, 0o600);
  return readLocalKey(file);
}

export const localKeyFile = (dataDir: string) => path.join(dataDir, "secrets.key");

/** The generated key of an embedded DATA_DIR; throws (ENOENT) if there is none. */
export async function readLocalKey(file: string): Promise<string> {
  const key = (await readFile(file, "utf8")).trim();
  if (Buffer.from(key, "base64").length !== 32) throw new Error(`${file} does not hold a base64 key of 32 bytes`);
  return key;
}
