/**
 * Encryption in transit, on real servers of the test's own: a throwaway CA and a server certificate
 * for `localhost` (openssl, in a temporary directory), a redis-server listening with TLS only, and a
 * scratch PostgreSQL cluster with ssl=on. Our connection factories (bot/redis.ts, workers/queues.ts,
 * crm/db.ts) connect with rediss:// and sslmode=verify-full against that CA, and refuse a server whose
 * certificate another CA signed or whose name is not the one connected to.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { ensureRedis, redisClient, RedisUnavailableError } from '../../bot/redis';
import { openDatabase, postgresConnectionString } from '../../crm';
import { queryRows } from '../../crm/commerce/rows';
import { connectionFromUrl, createQueue, QUEUE_NAMES, redisTlsOptions } from '../../workers';
import { freePort } from '../workers/fixtures/helpers';

const silent = pino({ level: 'silent' });

interface TlsFiles {
  dir: string;
  ca: string;
  otherCa: string;
  cert: string;
  key: string;
}

/** A CA, a certificate for DNS name `localhost` only (not 127.0.0.1) signed by it, and an unrelated CA. */
function makeCertificates(): TlsFiles {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'concierge-tls-'));
  const f = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  for (const ca of ['ca', 'other-ca']) openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f(`${ca}.key`), '-out', f(`${ca}.pem`), '-days', '2', '-subj', `/CN=Concierge test ${ca}`);
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('server.key'), '-out', f('server.csr'), '-subj', '/CN=localhost');
  fs.writeFileSync(f('ext.cnf'), 'subjectAltName=DNS:localhost\n');
  openssl('x509', '-req', '-in', f('server.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('server.pem'), '-days', '2', '-extfile', f('ext.cnf'));
  fs.chmodSync(f('server.key'), 0o600);
  return { dir, ca: f('ca.pem'), otherCa: f('other-ca.pem'), cert: f('server.pem'), key: f('server.key') };
}

/** Resolves once the child prints `ready` (stdout or stderr); rejects if it exits first. */
function whenReady(child: ChildProcess, ready: RegExp, what: string): Promise<void> {
  let out = '';
  return new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      if (ready.test(out)) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${what} exited (${code}): ${out}`)));
  });
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** The first of `names` found in the PostgreSQL binary folders of this kind of machine. */
function pgBinary(name: string): string {
  for (const dir of ['/usr/local/bin', '/usr/lib/postgresql/15/bin', ...(process.env.PATH ?? '').split(path.delimiter)]) {
    const candidate = path.join(dir, name);
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new Error(`${name} not found`);
}

describe('TLS in transit', () => {
  let files: TlsFiles;
  beforeAll(() => {
    files = makeCertificates();
  });
  afterAll(() => {
    fs.rmSync(files.dir, { recursive: true, force: true });
  });

  it('pure: rediss:// gets TLS (with the CA when given, SNI from the host name), redis:// none; a CA file makes the database URL verify-full', () => {
    expect(redisTlsOptions('redis://localhost:6379')).toEqual({});
    expect(redisTlsOptions('rediss://cache.example.com:6380/2', 'PEM')).toEqual({ tls: { ca: 'PEM', servername: 'cache.example.com' } });
    expect(redisTlsOptions('rediss://10.0.0.5:6380')).toEqual({ tls: {} });
    expect(connectionFromUrl('rediss://:secret@cache.example.com:6380/1', {}, 'PEM')).toMatchObject({ host: 'cache.example.com', port: 6380, db: 1, password: 'secret', tls: { ca: 'PEM' } });
    expect(postgresConnectionString('postgres://u@db.example.com/app')).toBe('postgres://u@db.example.com/app');
    const withCa = new URL(postgresConnectionString('postgres://u@db.example.com/app', '/etc/ssl/db-ca.pem'));
    expect(Object.fromEntries(withCa.searchParams)).toEqual({ sslrootcert: '/etc/ssl/db-ca.pem', sslmode: 'verify-full' });
    // The URL's own choices stay.
    const own = new URL(postgresConnectionString('postgres://u@db.example.com/app?sslmode=verify-ca&sslrootcert=/a.pem', '/b.pem'));
    expect(Object.fromEntries(own.searchParams)).toEqual({ sslmode: 'verify-ca', sslrootcert: '/a.pem' });
  });

  describe('Redis with TLS only (rediss://)', () => {
    let server: ChildProcess | undefined;
    let port: number;
    beforeAll(async () => {
      port = await freePort();
      server = spawn(
        'redis-server',
        ['--port', '0', '--tls-port', String(port), '--bind', '127.0.0.1', '--tls-cert-file', files.cert, '--tls-key-file', files.key, '--tls-ca-cert-file', files.ca, '--tls-auth-clients', 'no', '--save', '', '--appendonly', 'no'],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      await whenReady(server, /Ready to accept connections/, 'redis-server with TLS');
    }, 30_000);
    afterAll(async () => {
      await stop(server);
    });

    it('our clients and queues connect over TLS, the certificate verified against REDIS_TLS_CA_FILE', async () => {
      const ca = fs.readFileSync(files.ca, 'utf8');
      const url = `rediss://localhost:${port}`;
      const endpoint = await ensureRedis({ url, defaulted: false, dataDir: files.dir, log: silent, tlsCa: ca });
      expect(endpoint).toEqual({ url, tlsCa: ca });
      const client = redisClient(endpoint);
      try {
        expect(await client.ping()).toBe('PONG');
        // The server sees this connection on its TLS port: there is no other.
        expect(await client.config('GET', 'port')).toEqual(['port', '0']);
      } finally {
        client.disconnect();
      }
      const queue = createQueue(QUEUE_NAMES.retention, { redisUrl: url, prefix: '{tls-test}', redisTlsCa: ca });
      try {
        const job = await queue.add('probe', { over: 'tls' }, { jobId: 'tls-probe' });
        expect((await queue.getJob(job.id!))?.data).toEqual({ over: 'tls' });
      } finally {
        await queue.obliterate({ force: true });
        await queue.close();
      }
    });

    it('refuses the server when another CA is given, or when the name connected to is not on its certificate', async () => {
      const otherCa = fs.readFileSync(files.otherCa, 'utf8');
      const ca = fs.readFileSync(files.ca, 'utf8');
      const failure = async (url: string, tlsCa: string) => {
        const client = redisClient({ url, tlsCa }, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
        // ioredis reports the TLS failure as an 'error' event; connect() then rejects with "Connection is closed".
        const errors: string[] = [];
        client.on('error', (err: Error) => errors.push(err.message));
        try {
          const connected = await client.connect().then(() => true, () => false);
          return connected ? 'connected' : errors.join(' | ');
        } finally {
          client.disconnect();
        }
      };
      expect(await failure(`rediss://localhost:${port}`, otherCa)).toMatch(/self[- ]signed|unable to verify|certificate/i);
      expect(await failure(`rediss://127.0.0.1:${port}`, ca)).toMatch(/altnames|does not match|Hostname/i);
      // At start, the same refusal stops the process with the Redis advice rather than running unencrypted.
      await expect(ensureRedis({ url: `rediss://localhost:${port}`, defaulted: false, dataDir: files.dir, log: silent, tlsCa: otherCa })).rejects.toThrow(RedisUnavailableError);
    });
  });

  describe('PostgreSQL with ssl=on (sslmode=verify-full)', () => {
    let server: ChildProcess | undefined;
    let port: number;
    let pgDir: string;
    beforeAll(async () => {
      port = await freePort();
      pgDir = path.join(files.dir, 'pg');
      fs.mkdirSync(pgDir);
      for (const name of ['server.pem', 'server.key']) fs.copyFileSync(path.join(files.dir, name), path.join(pgDir, name));
      fs.chmodSync(path.join(pgDir, 'server.key'), 0o600);
      // PostgreSQL refuses to run as root: as root (this machine), the cluster belongs to the postgres user.
      const asRoot = process.getuid?.() === 0;
      const run = (binary: string, args: string[]) => (asRoot ? { command: 'runuser', args: ['-u', 'postgres', '--', binary, ...args] } : { command: binary, args });
      if (asRoot) {
        fs.chmodSync(files.dir, 0o755);
        execFileSync('chown', ['-R', 'postgres', pgDir]);
      }
      const initdb = run(pgBinary('initdb'), ['-D', path.join(pgDir, 'data'), '-A', 'trust', '-U', 'postgres', '--no-sync']);
      execFileSync(initdb.command, initdb.args, { stdio: 'pipe' });
      const postgres = run(pgBinary('postgres'), [
        '-D', path.join(pgDir, 'data'), '-p', String(port), '-k', pgDir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off',
        '-c', 'ssl=on', '-c', `ssl_cert_file=${path.join(pgDir, 'server.pem')}`, '-c', `ssl_key_file=${path.join(pgDir, 'server.key')}`,
      ]);
      server = spawn(postgres.command, postgres.args, { stdio: ['ignore', 'pipe', 'pipe'] });
      await whenReady(server, /database system is ready to accept connections/, 'postgres with ssl');
    }, 60_000);
    afterAll(async () => {
      await stop(server);
    });

    it('crm/db.ts connects with DATABASE_SSL_CA_FILE (verify-full) and migrates; the session is encrypted', async () => {
      const database = await openDatabase({ url: `postgres://postgres@localhost:${port}/postgres`, sslCaFile: files.ca, poolSize: 2 });
      try {
        const [row] = await queryRows<{ ssl: boolean; version: string }>(database.db, sql`select ssl, version from pg_stat_ssl where pid = pg_backend_pid()`);
        expect(row.ssl).toBe(true);
        expect(row.version).toMatch(/^TLSv1\.[23]$/);
        // Migrated: the retention function of the latest migration is there.
        expect(await queryRows(database.db, sql`select 1 from pg_proc where proname = 'audit_log_purge'`)).toHaveLength(1);
      } finally {
        await database.close();
      }
      // The same from the URL alone (?sslmode=verify-full&sslrootcert=…).
      const fromUrl = await openDatabase({ url: `postgres://postgres@localhost:${port}/postgres?sslmode=verify-full&sslrootcert=${encodeURIComponent(files.ca)}`, poolSize: 1 });
      await fromUrl.close();
    }, 60_000);

    it('refuses the server when another CA is given, or when the name connected to is not on its certificate', async () => {
      await expect(openDatabase({ url: `postgres://postgres@localhost:${port}/postgres`, sslCaFile: files.otherCa, poolSize: 1 })).rejects.toThrow(/self[- ]signed|unable to verify|certificate/i);
      await expect(openDatabase({ url: `postgres://postgres@127.0.0.1:${port}/postgres`, sslCaFile: files.ca, poolSize: 1 })).rejects.toThrow(/altnames|does not match|Hostname/i);
    }, 30_000);
  });
});
