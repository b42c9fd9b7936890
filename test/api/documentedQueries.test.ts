import { startInProcessApp } from '../support/apps';
import { createScratchDatabase } from '../support/database';
import type { Application } from '../../bot/application';
import { ConsoleClient, makeUser, openTicket, PASSWORD } from './consoleClient';

interface Parameter {
  name: string;
  in: string;
  schema: { enum?: string[]; items?: { enum?: string[] }; anyOf?: Array<{ enum?: string[] }> };
}

/** The values the OpenAPI document says a query parameter accepts (enums, enums of lists, enums in a union). */
function documentedValues(p: Parameter): string[] {
  const s = p.schema;
  return [...(s.enum ?? []), ...(s.items?.enum ?? []), ...(s.anyOf ?? []).flatMap((a) => a.enum ?? [])];
}

/** What the API description promises about query parameters is what the API accepts. */
describe('documented query parameters', () => {
  let app: Application & { url: string };
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let admin: ConsoleClient;
  let agentId: string;

  beforeAll(async () => {
    scratch = await createScratchDatabase('documented_queries');
    app = await startInProcessApp({ DATABASE_URL: scratch.url });
    const a = await makeUser(app, 'admin');
    agentId = (await makeUser(app, 'agent', ['billing'])).id;
    admin = await new ConsoleClient(app.url).signIn(a.email, PASSWORD);
  });
  afterAll(async () => {
    await app?.stop();
    await scratch?.drop();
  });

  it('GET /api/tickets?status=open lists every open ticket, as the document says, and no resolved or closed one', async () => {
    const waiting = await openTicket(app, 'billing', 'charged twice');
    const resolved = await openTicket(app, 'billing', 'wrong amount on my invoice');
    await app.support.tickets.resolve(resolved.id, agentId, { reason: 'resolved' });
    await app.support.agents.setStatus(agentId, 'online');
    const assigned = await openTicket(app, 'billing', 'refund never came');
    expect((await app.support.tickets.get(assigned.id))!.status).toBe('assigned');

    const doc = (await admin.get('/api/docs')).body;
    const status = (doc.paths['/api/tickets'].get.parameters as Parameter[]).find((p) => p.name === 'status')!;
    expect(documentedValues(status)).toContain('open');

    const res = await admin.get('/api/tickets?status=open');
    expect(res.status).toBe(200);
    const ids = (res.body.tickets as Array<{ id: string; status: string }>).map((t) => t.id).sort();
    expect(ids).toEqual([waiting.id, assigned.id].sort());
    // The same as open=true; combined with another status, still every open one plus that one.
    expect((await admin.get('/api/tickets?open=true')).body.tickets.map((t: { id: string }) => t.id).sort()).toEqual(ids);
    expect((await admin.get('/api/tickets?status=open,resolved')).body.tickets).toHaveLength(3);
    expect((await admin.get('/api/tickets?open=false')).body.tickets.map((t: { id: string }) => t.id)).toEqual([resolved.id]);
    expect((await admin.get('/api/tickets?status=open&open=false')).body.tickets).toEqual([]);
  });

  it('every enum value the document lists for a query parameter is accepted (200), and an undocumented one is refused (400)', async () => {
    const ticket = await openTicket(app, 'billing', 'charged twice again');
    const ids: Record<string, string> = { customers: ticket.customerId, dashboard: agentId };
    const doc = (await admin.get('/api/docs')).body as { paths: Record<string, Record<string, { parameters?: Parameter[] }>> };
    const checked: string[] = [];
    for (const [path, operations] of Object.entries(doc.paths)) {
      const get = operations.get;
      if (!get?.parameters) continue;
      const concrete = path.replace('{id}', ids[path.split('/')[2]] ?? ticket.id);
      for (const p of get.parameters.filter((x) => x.in === 'query')) {
        const values = documentedValues(p);
        for (const value of values) {
          const url = `${concrete}?${p.name}=${encodeURIComponent(value)}`;
          const res = await admin.get(url);
          expect({ url, status: res.status }).toEqual({ url, status: 200 });
          checked.push(`${path} ${p.name}=${value}`);
        }
        if (values.length) {
          const url = `${concrete}?${p.name}=not-a-documented-value`;
          expect({ url, status: (await admin.get(url)).status }).toEqual({ url, status: 400 });
        }
      }
    }
    // The parameters with enums this document has today (so the loop above did run over them).
    for (const expected of ['/api/tickets status=open', '/api/tickets status=closed', '/api/tickets priority=urgent', '/api/tickets assigned=unassigned', '/api/tickets open=false', '/api/dashboard/score-trend kind=week']) expect(checked).toContain(expected);
  });
});
