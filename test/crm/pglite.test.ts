import fs from 'node:fs';
import { createCrm, openDatabase } from '../../crm';
import { tempDir } from '../support/apps';

/** Smoke suite on the embedded default (PGlite): migrations apply, data persists across reopen. */
it('runs the stores on PGlite and keeps data across a reopen', async () => {
  const dataDir = tempDir('pglite');
  const first = await openDatabase({ dataDir });
  expect(first.kind).toBe('pglite');
  const crm = createCrm(first.db);
  const customer = await crm.customers.resolve({ kind: 'directline', externalId: 'dl_smoke' });
  await crm.transcripts.createConversation('smoke-conv', 'dl_smoke');
  await crm.transcripts.append('smoke-conv', [{ type: 'message', text: 'one' }, { type: 'message', text: 'two' }]);
  // A retried client activity is stored once, and takes no sequence number (the unique index refuses it).
  const posted = await crm.transcripts.append('smoke-conv', [{ type: 'message', text: 'retried' }], { clientActivityId: 'c-1', pendingTurn: true, ownerUserId: 'dl_smoke' });
  const retried = await crm.transcripts.append('smoke-conv', [{ type: 'message', text: 'retried' }], { clientActivityId: 'c-1', pendingTurn: true, ownerUserId: 'dl_smoke' });
  expect(posted.created).toBe(true);
  expect(retried).toEqual({ activities: [posted.activities[0]], created: false });
  expect((await crm.transcripts.append('smoke-conv', [{ type: 'message', text: 'not yours' }], { ownerUserId: 'dl_other' })).activities).toEqual([]);
  expect((await crm.transcripts.append('smoke-conv', [{ type: 'message', text: 'three' }])).activities[0].id).toBe('smoke-conv|0000003');
  await crm.state.write({ 'smoke/state': { step: 1 } });
  await first.close();
  expect(fs.existsSync(`${dataDir}/pglite`)).toBe(true);

  const second = await openDatabase({ dataDir });
  try {
    const again = createCrm(second.db);
    expect((await again.customers.resolve({ kind: 'directline', externalId: 'dl_smoke' })).id).toBe(customer.id);
    expect((await again.transcripts.since('smoke-conv', null)).activities.map((a) => a.text)).toEqual(['one', 'two', 'retried', 'three']);
    expect((await again.state.read(['smoke/state']))['smoke/state'].step).toBe(1);
    await second.ping();
  } finally {
    await second.close();
  }
}, 60_000);
