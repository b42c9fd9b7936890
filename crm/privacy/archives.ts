/**
 * Export archives at rest: AES-256-GCM (node:crypto) under the key from configuration
 * (PRIVACY_ARCHIVE_KEY), one file per request. The request id is the additional authenticated data, so
 * a file renamed to another request's name does not decrypt. Read back only through this store.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { CrmError } from '../errors';

const MAGIC = Buffer.from('CCX1');
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class ArchiveUnreadableError extends CrmError {
  constructor(why: string) {
    super(`the export archive cannot be read: ${why}`, 'archive_unreadable');
  }
}

/** Encrypts (pure): MAGIC | iv | tag | ciphertext. */
export function sealArchive(key: Buffer, requestId: string, plaintext: Buffer): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(requestId));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([MAGIC, iv, cipher.getAuthTag(), body]);
}

export function openArchive(key: Buffer, requestId: string, sealed: Buffer): Buffer {
  if (sealed.length < MAGIC.length + IV_BYTES + TAG_BYTES || !sealed.subarray(0, MAGIC.length).equals(MAGIC)) throw new ArchiveUnreadableError('not an archive of this format');
  const iv = sealed.subarray(MAGIC.length, MAGIC.length + IV_BYTES);
  const tag = sealed.subarray(MAGIC.length + IV_BYTES, MAGIC.length + IV_BYTES + TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(Buffer.from(requestId));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(sealed.subarray(MAGIC.length + IV_BYTES + TAG_BYTES)), decipher.final()]);
  } catch {
    throw new ArchiveUnreadableError('wrong key, or the file was changed');
  }
}

export class EncryptedArchiveStore {
  constructor(private readonly o: { dir: string; key: Buffer }) {
    if (o.key.length !== 32) throw new Error('the archive key must be 32 bytes (AES-256)');
  }

  /** Writes the archive for a request; returns the file name (the same for a retry, which overwrites it). */
  async write(requestId: string, content: unknown): Promise<string> {
    const file = `${requestId}.json.enc`;
    await fs.promises.mkdir(this.o.dir, { recursive: true, mode: 0o700 });
    const sealed = sealArchive(this.o.key, requestId, Buffer.from(JSON.stringify(content)));
    // Written whole then renamed: a crash leaves no half file under the final name.
    const tmp = path.join(this.o.dir, `.${file}.${process.pid}.tmp`);
    await fs.promises.writeFile(tmp, sealed, { mode: 0o600 });
    await fs.promises.rename(tmp, path.join(this.o.dir, file));
    return file;
  }

  async read<T = unknown>(requestId: string, file: string): Promise<T> {
    if (path.basename(file) !== file) throw new ArchiveUnreadableError('bad file name');
    let sealed: Buffer;
    try {
      sealed = await fs.promises.readFile(path.join(this.o.dir, file));
    } catch {
      throw new ArchiveUnreadableError('the file is missing');
    }
    return JSON.parse(openArchive(this.o.key, requestId, sealed).toString('utf8')) as T;
  }

  pathOf(file: string): string {
    return path.join(this.o.dir, path.basename(file));
  }
}

/**
 * The archive key: PRIVACY_ARCHIVE_KEY when configured; otherwise one generated once and kept in
 * DATA_DIR (mode 0600), as the Direct Line signing key is. `generated` tells the caller to say so.
 */
export function resolveArchiveKey(o: { configured?: Buffer; dataDir: string }): { key: Buffer; origin: 'config' | 'data_dir' | 'generated'; file?: string } {
  if (o.configured) return { key: o.configured, origin: 'config' };
  const file = path.join(o.dataDir, 'privacy-archive.key');
  try {
    const key = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
    if (key.length === 32) return { key, origin: 'data_dir', file };
  } catch {
    // not there yet
  }
  fs.mkdirSync(o.dataDir, { recursive: true });
  const key = randomBytes(32);
  try {
    fs.writeFileSync(file, key.toString('base64'), { mode: 0o600, flag: 'wx' });
  } catch {
    // Another process wrote it first: use theirs.
    return { key: Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64'), origin: 'data_dir', file };
  }
  return { key, origin: 'generated', file };
}

/** Parses a configured key: 32 bytes as base64 (44 characters) or hex (64); null when it is neither. */
export function parseArchiveKey(text: string): Buffer | null {
  const t = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(t)) return Buffer.from(t, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(t)) {
    const b = Buffer.from(t.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    return b.length === 32 ? b : null;
  }
  return null;
}
