import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import express from 'express';
import type { Queue } from 'bullmq';
import pino from 'pino';
import { authenticate, requireRole, SESSION_COOKIE } from '../../bot/auth';
import { errorHandler } from '../../bot/errors';
import { createQueues, QUEUE_ADMIN_PATH, QUEUE_NAMES, queueAdminRoutes, SLA_JOB_NAME } from '../../workers';
import { MAIN_REDIS_URL, openDesk, testPrefix } from './fixtures/helpers';

/** The bull-board dashboard behind the console's own session and role checks. */
describe('queue admin dashboard', () => {
  let desk: Awaited<ReturnType<typeof openDesk>>;
  let queues: Record<string, Queue>;
  let server: http.Server;
  let base: string;

  beforeAll(async () => {
    desk = await openDesk();
    queues = createQueues({ redisUrl: MAIN_REDIS_URL, prefix: testPrefix() });
    const app = express();
    app.use(queueAdminRoutes({ queues, requireAdmin: [authenticate(desk.crm.sessions), requireRole('admin')] }));
    app.use(errorHandler(pino({ level: 'silent' })));
    server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    for (const q of Object.values(queues)) {
      await q.obliterate({ force: true });
      await q.close();
    }
    await desk.database.close();
  });

  async function sessionCookie(role: 'agent' | 'supervisor' | 'admin'): Promise<string> {
    const user = await desk.crm.users.create({ email: `${role}-${randomUUID().slice(0, 8)}@example.test`, displayName: `Test ${role}`, role, password: 'correct horse battery staple' });
    const { token } = await desk.crm.sessions.create(user.id);
    return `${SESSION_COOKIE}=${token}`;
  }

  it('refuses visitors without a session (401) and agents and supervisors (403)', async () => {
    const anonymous = await fetch(`${base}${QUEUE_ADMIN_PATH}`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ error: { code: 'not_signed_in' } });
    expect((await fetch(`${base}${QUEUE_ADMIN_PATH}/api/queues`)).status).toBe(401);
    for (const role of ['agent', 'supervisor'] as const) {
      const cookie = await sessionCookie(role);
      expect((await fetch(`${base}${QUEUE_ADMIN_PATH}`, { headers: { cookie } })).status).toBe(403);
      expect((await fetch(`${base}${QUEUE_ADMIN_PATH}/api/queues`, { headers: { cookie } })).status).toBe(403);
    }
  });

  it('shows admins the queues and their jobs', async () => {
    await queues.slaTimers.add(SLA_JOB_NAME, { ticketId: randomUUID(), kind: 'first_response' }, { jobId: 'sla/first_response/dashboard-test', delay: 3_600_000 });
    const cookie = await sessionCookie('admin');
    const page = await fetch(`${base}${QUEUE_ADMIN_PATH}`, { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(await page.text()).toContain('Concierge queues');
    const api = await fetch(`${base}${QUEUE_ADMIN_PATH}/api/queues?activeQueue=sla-timers&status=delayed&page=1`, { headers: { cookie } });
    expect(api.status).toBe(200);
    const body = (await api.json()) as { queues: Array<{ name: string; counts: Record<string, number>; jobs: Array<{ id: string }> }> };
    // Every queue of the system (QUEUE_NAMES grows as jobs are added).
    expect(body.queues.map((q) => q.name).sort()).toEqual(Object.values(QUEUE_NAMES).sort());
    const sla = body.queues.find((q) => q.name === 'sla-timers')!;
    expect(sla.counts.delayed).toBe(1);
    expect(sla.jobs.map((j) => j.id)).toEqual(['sla/first_response/dashboard-test']);
  });
});
