import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'drizzle-orm';
import { startInProcessApp, tempDir } from '../support/apps';
import type { Application } from '../../bot/application';
import { ConsoleClient, makeUser, PASSWORD } from './consoleClient';
import { seedCustomer, type SeededCustomer } from '../privacy/seedCustomer';

const run = promisify(execFile);
const repoRoot = path.resolve(__dirname, '..', '..');

/**
 * Data subject requests through the console API (and the CLI): admins and the privacy role ask for
 * exports and erasures, processed by the PrivacyRequestJob; supervisors see the list; agents get 403,
 * recorded in the audit log; bad input is a 4xx that writes nothing.
 */
describe('console API: privacy requests', () => {
  let app: Application & { url: string };
  let seeded: SeededCustomer;
  let admin: ConsoleClient;
  let officer: ConsoleClient;
  let supervisor: ConsoleClient;
  let agent: ConsoleClient;

  beforeAll(async () => {
    app = await startInProcessApp({ CSAT_SURVEY_DELAY_SECONDS: '1' }, 'all');
    seeded = await seedCustomer(app);
    const signedIn = async (role: 'agent' | 'supervisor' | 'admin' | 'privacy', queues: string[] = []) => {
      const user = await makeUser(app, role, queues);
      return { user, client: await new ConsoleClient(app.url).signIn(user.email, PASSWORD) };
    };
    admin = (await signedIn('admin')).client;
    officer = (await signedIn('privacy')).client;
    supervisor = (await signedIn('supervisor')).client;
    agent = (await signedIn('agent', ['billing'])).client;
  }, 120_000);
  afterAll(async () => {
    await app?.stop();
  });

  const count = async () => ((await app.database.db.execute(sql`select count(*)::int as n from privacy_requests`)) as unknown as { rows: Array<{ n: number }> }).rows[0].n;

  /** Until the job has processed it: the worker runs in this process; its completion is only visible in the row. */
  async function completed(client: ConsoleClient, id: string) {
    for (const until = Date.now() + 30_000; Date.now() < until; ) {
      const res = await client.get(`/api/privacy/requests/${id}`);
      if (res.body.request?.status === 'completed') return res.body.request;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`request ${id} not completed`);
  }

  it('refuses agents (403, audited), answers 4xx to bad input and writes nothing', async () => {
    const before = await count();
    const refused = await agent.post('/api/privacy/requests', { customerId: seeded.customerId, kind: 'erasure' });
    expect(refused.status).toBe(403);
    expect((await agent.get('/api/privacy/requests')).status).toBe(403);
    expect((await supervisor.post('/api/privacy/requests', { customerId: seeded.customerId, kind: 'export' })).status).toBe(403);
    const audits = (await app.database.db.execute(sql`select action, actor_role, detail from audit_log where customer_id = ${seeded.customerId} and detail->>'refused' = 'true' order by at`)) as unknown as { rows: Array<{ action: string; actor_role: string; detail: Record<string, unknown> }> };
    expect(audits.rows.map((r) => [r.action, r.actor_role])).toEqual([
      ['erase', 'agent'],
      ['export', 'supervisor'],
    ]);
    for (const body of [{ customerId: 'nope', kind: 'export' }, { customerId: seeded.customerId, kind: 'delete' }, { customerId: seeded.customerId }, { customerId: seeded.customerId, kind: 'export', extra: 1 }, 'not json']) {
      const res = await officer.request('POST', '/api/privacy/requests', body);
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
    }
    expect((await officer.post('/api/privacy/requests', { customerId: '00000000-0000-4000-8000-000000000000', kind: 'export' })).status).toBe(404);
    expect((await officer.get('/api/privacy/requests/not-a-uuid')).status).toBe(400);
    expect((await officer.get('/api/privacy/requests/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await officer.get('/api/privacy/requests?status=bogus')).status).toBe(400);
    expect((await officer.get('/api/privacy/requests/%E0%A4%A/archive')).status).toBe(400);
    expect((await new ConsoleClient(app.url).get('/api/privacy/requests')).status).toBe(401);
    expect(await count()).toBe(before);
  });

  it('exports through the job; the archive is read back by the privacy role only; supervisors see the list with deadlines', async () => {
    const res = await officer.post('/api/privacy/requests', { customerId: seeded.customerId, kind: 'export' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ created: true, request: { kind: 'export', source: 'console', customerId: seeded.customerId, overdue: false } });
    const id = res.body.request.id as string;
    expect(Date.parse(res.body.request.dueAt) - Date.parse(res.body.request.requestedAt)).toBe(30 * 86_400_000);
    const done = await completed(officer, id);
    expect(done.outcome.counts.messages).toBeGreaterThan(0);

    const archive = await officer.get(`/api/privacy/requests/${id}/archive`);
    expect(archive.status).toBe(200);
    expect(JSON.stringify(archive.body.data)).toContain(seeded.email);
    expect(archive.body.summary).toContain(seeded.name);
    expect((await agent.get(`/api/privacy/requests/${id}/archive`)).status).toBe(403);
    expect((await supervisor.get(`/api/privacy/requests/${id}/archive`)).status).toBe(403);

    const list = await supervisor.get(`/api/privacy/requests?customerId=${seeded.customerId}`);
    expect(list.status).toBe(200);
    expect(list.body.requests.map((r: { id: string }) => r.id)).toContain(id);
    expect((await supervisor.get(`/api/privacy/requests/${id}`)).body.request).toMatchObject({ id, status: 'completed', hasArchive: true });

    const doc = (await admin.get('/api/docs')).body;
    expect(Object.keys(doc.paths).filter((p) => p.startsWith('/api/privacy'))).toEqual(['/api/privacy/requests', '/api/privacy/requests/{id}', '/api/privacy/requests/{id}/archive']);
    // An erasure's request has no archive.
    const entries = (await app.database.db.execute(sql`select action, actor_role, detail from audit_log where customer_id = ${seeded.customerId} and action = 'export' and detail->>'refused' is null order by at`)) as unknown as { rows: Array<{ actor_role: string; detail: Record<string, unknown> }> };
    expect(entries.rows.map((r) => [r.actor_role, r.detail.requestId])).toEqual([
      ['privacy', id],
      ['privacy', id],
    ]);
  });

  it('an admin’s erasure leaves nothing findable in search or the Customer 360 API', async () => {
    const res = await admin.post('/api/privacy/requests', { customerId: seeded.customerId, kind: 'erasure' });
    expect(res.status).toBe(201);
    const done = await completed(admin, res.body.request.id);
    expect(done.outcome.counts.messages).toBeGreaterThan(0);
    expect((await admin.post(`/api/privacy/requests/${done.id}/archive`, {})).status).toBe(404);
    expect((await admin.get(`/api/privacy/requests/${done.id}/archive`)).status).toBe(409);

    for (const q of [seeded.email, seeded.name, seeded.phone, seeded.retailId, seeded.orderNumber]) {
      const found = await admin.get(`/api/customers?q=${encodeURIComponent(q)}`);
      expect({ q, status: found.status, customers: found.body.customers }).toEqual({ q, status: 200, customers: [] });
    }
    const panels = await Promise.all(['', '/profile', '/history'].map((part) => admin.get(`/api/customers/${seeded.customerId}${part}`)));
    for (const p of panels) {
      const text = JSON.stringify(p.body);
      for (const n of [seeded.email, seeded.name, seeded.phone, seeded.orderNumber, seeded.csatComment, ...seeded.texts]) expect(text).not.toContain(n);
    }
    expect((await admin.post('/api/privacy/requests', { customerId: seeded.customerId, kind: 'export' })).status).toBe(409);
    // Nothing new is written to the anonymous row: a profile edit is refused.
    const edit = await admin.request('PATCH', `/api/customers/${seeded.customerId}/profile`, { addTags: ['vip'] });
    expect({ status: edit.status, code: edit.body.error?.code }).toEqual({ status: 409, code: 'erased_customer' });
  });

  it('the CLI exports by email, shows the status, and erases only with --yes', async () => {
    const email = `cli.${Date.now()}@example.com`;
    const customer = await app.crm.customers.resolve({ kind: 'email', externalId: email, displayName: 'Clio Command' });
    await app.crm.timeline.record({ customerId: customer.id, channel: 'email', conversationId: `cli-${customer.id}`, direction: 'inbound', author: 'customer', text: 'Please send me my data', activityId: 'a1' });
    const dataDir = tempDir('privacy-cli');
    const crm = (args: string[]) =>
      run(process.execPath, [path.join(repoRoot, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'crm/cli.ts', ...args], {
        cwd: repoRoot,
        env: { ...process.env, DATABASE_URL: process.env.TEST_DATABASE_URL!, DATA_DIR: dataDir, DOTENV_CONFIG_QUIET: 'true', PRIVACY_ARCHIVE_KEY: Buffer.alloc(32, 7).toString('base64') },
        timeout: 60_000,
      });
    const out = path.join(dataDir, 'export.json');
    const exported = await crm(['privacy', 'export', email.toUpperCase(), '--out', out]);
    expect(exported.stdout).toMatch(/export [0-9a-f-]{36}: written to/);
    const archive = JSON.parse(fs.readFileSync(out, 'utf8'));
    expect(archive.data.messages.map((m: { text: string }) => m.text)).toEqual(['Please send me my data']);
    expect(archive.summary).toContain('Clio Command');
    const [stored] = fs.readdirSync(path.join(dataDir, 'privacy-exports'));
    expect(fs.readFileSync(path.join(dataDir, 'privacy-exports', stored)).includes(Buffer.from('Clio Command'))).toBe(false);
    const requestId = /export ([0-9a-f-]{36})/.exec(exported.stdout)![1];
    expect((await crm(['privacy', 'status', requestId])).stdout).toContain(`${requestId}  export   completed`);

    await expect(crm(['privacy', 'erase', email])).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('--yes') });
    expect(await app.crm.customers.findByIdentity('email', email)).not.toBeNull();
    const erased = await crm(['privacy', 'erase', customer.id, '--yes']);
    expect(erased.stdout).toMatch(/erasure [0-9a-f-]{36} completed: .*"messages":1/);
    expect(await app.crm.customers.findByIdentity('email', email)).toBeNull();
    expect((await crm(['privacy', 'status'])).stdout).toMatch(/open privacy request/);
  });
});
