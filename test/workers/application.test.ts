import { inArray } from 'drizzle-orm';
import { outbox } from '../../crm/schema';
import { startInProcessApp } from '../support/apps';
import { openTicket } from './fixtures/helpers';

/** The workers as the application wires them (role `all`): relay running, dashboard behind admin auth. */
describe('workers in the application', () => {
  it('role all: the relay moves a new ticket\'s SLA timers to the queue, /admin/queues asks for a session, stop is clean', async () => {
    const app = await startInProcessApp({}, 'all');
    try {
      expect(app.workers).toBeDefined();
      const ticket = await openTicket(app);
      await app.workers!.relay.drained();
      const rows = await app.database.db.select().from(outbox).where(inArray(outbox.dedupeKey, [`sla:first_response:${ticket.id}`, `sla:resolution:${ticket.id}`]));
      expect(rows).toHaveLength(2);
      expect(rows.every((r) => r.relayedAt !== null)).toBe(true);
      const job = await app.workers!.queues.slaTimers.getJob(`sla/first_response/${ticket.id}`);
      expect(job?.data).toEqual({ ticketId: ticket.id, kind: 'first_response' });
      expect(await job?.isDelayed()).toBe(true);
      await job?.remove();
      for (const key of ['sla/first_response/warning', 'sla/resolution/warning', 'sla/resolution']) await (await app.workers!.queues.slaTimers.getJob(`${key}/${ticket.id}`))?.remove();

      const res = await fetch(`${app.url}/admin/queues`);
      expect(res.status).toBe(401);
    } finally {
      await app.stop();
    }
  });
});
