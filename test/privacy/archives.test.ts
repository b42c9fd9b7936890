import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { parseConfig, ConfigError } from '../../config';
import { createCrm, openDatabase } from '../../crm';
import { ArchiveUnreadableError, createPrivacy, EncryptedArchiveStore, ErasedCustomerError, openArchive, parseArchiveKey, resolveArchiveKey, sealArchive, tombstoneHash } from '../../crm/privacy';
import { tempDir } from '../support/apps';

describe('privacy archives at rest', () => {
  it('seals with AES-256-GCM bound to the request id: a changed byte, another key or another request id does not open', () => {
    const key = randomBytes(32);
    const sealed = sealArchive(key, 'req-1', Buffer.from('{"email":"a@example.com"}'));
    expect(sealed.includes(Buffer.from('a@example.com'))).toBe(false);
    expect(openArchive(key, 'req-1', sealed).toString()).toBe('{"email":"a@example.com"}');
    expect(() => openArchive(randomBytes(32), 'req-1', sealed)).toThrow(ArchiveUnreadableError);
    expect(() => openArchive(key, 'req-2', sealed)).toThrow(ArchiveUnreadableError);
    const changed = Buffer.from(sealed);
    changed[changed.length - 1] ^= 1;
    expect(() => openArchive(key, 'req-1', changed)).toThrow(ArchiveUnreadableError);
    expect(() => openArchive(key, 'req-1', Buffer.from('plain'))).toThrow(ArchiveUnreadableError);
  });

  it('parses PRIVACY_ARCHIVE_KEY in the config (base64 or hex, 32 bytes) and refuses anything else', () => {
    const key = randomBytes(32);
    expect(parseConfig({ PRIVACY_ARCHIVE_KEY: key.toString('base64') }).PRIVACY_ARCHIVE_KEY).toEqual(key);
    expect(parseConfig({ PRIVACY_ARCHIVE_KEY: key.toString('hex') }).PRIVACY_ARCHIVE_KEY).toEqual(key);
    expect(parseConfig({}).PRIVACY_ARCHIVE_KEY).toBeUndefined();
    for (const bad of ['short', randomBytes(16).toString('base64'), 'z'.repeat(64)]) {
      expect(() => parseConfig({ PRIVACY_ARCHIVE_KEY: bad })).toThrow(ConfigError);
    }
    expect(parseArchiveKey(key.toString('base64url'))).toEqual(key);
  });

  it('without a configured key, generates one into DATA_DIR once (mode 0600) and reuses it', () => {
    const dataDir = tempDir('archive-key');
    const first = resolveArchiveKey({ dataDir });
    expect(first.origin).toBe('generated');
    expect(fs.statSync(first.file!).mode & 0o777).toBe(0o600);
    const second = resolveArchiveKey({ dataDir });
    expect(second).toMatchObject({ origin: 'data_dir' });
    expect(second.key).toEqual(first.key);
    const configured = randomBytes(32);
    expect(resolveArchiveKey({ dataDir, configured })).toEqual({ key: configured, origin: 'config' });
  });

  it('runs export and erasure on PGlite (the embedded default): archive written encrypted, tombstone refuses the handle', async () => {
    const dataDir = tempDir('privacy-pglite');
    const database = await openDatabase({ dataDir });
    try {
      const crm = createCrm(database.db);
      const customer = await crm.customers.resolve({ kind: 'email', externalId: 'lite@example.com', displayName: 'Lite Person' });
      await crm.timeline.record({ customerId: customer.id, channel: 'email', conversationId: 'mail-1', direction: 'inbound', author: 'customer', text: 'Delete me please', activityId: 'm1' });
      const dir = path.join(dataDir, 'exports');
      const privacy = createPrivacy({ db: database.db, archives: new EncryptedArchiveStore({ dir, key: randomBytes(32) }) });
      const exported = await privacy.process((await privacy.requestExport(customer.id, 'cli')).id);
      expect(exported.outcome).toMatchObject({ counts: { messages: 1, identities: 1 } });
      const [file] = fs.readdirSync(dir);
      expect(fs.readFileSync(path.join(dir, file)).includes(Buffer.from('Delete me please'))).toBe(false);
      expect((await privacy.readArchive(exported.id, null)).data.messages[0].text).toBe('Delete me please');

      const first = await privacy.requestErasure(customer.id, 'cli');
      expect((await privacy.requestErasure(customer.id, 'console')).id).toBe(first.id);
      const erased = await privacy.process(first.id);
      expect(erased.outcome).toMatchObject({ counts: { messages: 1, identities: 1, tombstones: 1 } });
      expect(await crm.timeline.forCustomer(customer.id)).toEqual([]);
      await expect(crm.customers.resolve({ kind: 'email', externalId: 'lite@example.com' })).rejects.toBeInstanceOf(ErasedCustomerError);
      expect(tombstoneHash('email', ' LITE@example.com ')).toBe(tombstoneHash('email', 'lite@example.com'));
      expect(tombstoneHash('phone', '+44 (20) 7946-0000')).toBe(tombstoneHash('phone', '+442079460000'));
    } finally {
      await database.close();
    }
  }, 60_000);
});
