import nock from 'nock';
import type { KeyObject } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { startInProcessApp } from '../support/apps';
import { channelToken, nockMicrosoftAuth, signingKey } from '../support/microsoftEndpoints';
import type { Application } from '../../bot/application';
import { deliveries, ticketEvents, users } from '../../crm/schema';
import { deliveryJobId, QUEUE_NAMES } from '../../workers';
import { awaitCompleted, MAIN_REDIS_URL, queueEvents } from './fixtures/helpers';
import { runQueuePrefix } from '../support/redisNames';

/**
 * The CSAT survey for a Teams customer: the card goes out as a proactive message through the Bot
 * Connector (nock stands in for Microsoft's servers), the customer's submit comes back on
 * /api/messages with the card's `value`, and the rating is recorded.
 */
const APP_ID = '66666666-2222-3333-4444-555555555555';
const TENANT = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
const SERVICE_URL = 'https://smba.trafficmanager.net/teams/';
const KID = 'concierge-followup-test-key';
const CONVERSATION = 'a:teams-conversation-csat';

describe('CSAT survey on Teams', () => {
  const { privateKey, jwk } = signingKey(KID);
  let app: Application & { url: string };

  const token = (key: KeyObject) => channelToken(key, { appId: APP_ID, serviceUrl: SERVICE_URL, kid: KID });
  const teamsActivity = (extra: Record<string, unknown>) => ({
    type: 'message',
    id: `msg-${Math.random().toString(36).slice(2)}`,
    channelId: 'msteams',
    serviceUrl: SERVICE_URL,
    timestamp: new Date().toISOString(),
    locale: 'en-US',
    from: { id: '29:teams-user-csat', name: 'Dana Customer', aadObjectId: 'c0ffee00-0000-4000-8000-0000000000c5' },
    recipient: { id: `28:${APP_ID}`, name: 'Concierge' },
    conversation: { id: CONVERSATION, conversationType: 'personal', tenantId: TENANT },
    channelData: { tenant: { id: TENANT } },
    ...extra,
  });
  const post = (body: unknown) =>
    fetch(`${app.url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token(privateKey)}` }, body: JSON.stringify(body) });

  beforeAll(async () => {
    nockMicrosoftAuth({ tenant: TENANT, jwk: jwk });
    app = await startInProcessApp({ MicrosoftAppId: APP_ID, MicrosoftAppPassword: 'test-password', MicrosoftAppTenantId: TENANT, CSAT_SURVEY_DELAY_SECONDS: '0' }, 'all');
  });
  afterAll(async () => {
    await app.stop();
    nock.cleanAll();
    nock.enableNetConnect();
  });

  it('the survey card goes out through the Bot Connector; the Teams submit is recorded and thanked', async () => {
    const [user] = await app.database.db.insert(users).values({ email: 'teams.csat@agents.test', displayName: 'Tess Billing', role: 'agent', passwordHash: 'x' }).returning();
    await app.support.agents.upsert({ userId: user.id, skills: ['billing'], languages: ['en'], maxConcurrent: 3, queues: ['billing'] });
    await app.support.agents.setStatus(user.id, 'online');

    const outgoing: Array<{ auth?: string; body: { text?: string; attachments?: Array<{ contentType: string; content: any }> } }> = [];
    const waiters: Array<() => void> = [];
    nock('https://smba.trafficmanager.net')
      .persist()
      .post(new RegExp(`/teams/v3/conversations/${encodeURIComponent(CONVERSATION)}/activities`))
      .reply(function (_path, body) {
        outgoing.push({ auth: this.req.headers.authorization as string | undefined, body: body as never });
        for (const w of waiters.splice(0)) w();
        return [200, { id: `teams-out-${outgoing.length}` }];
      });
    const sent = (test: (b: (typeof outgoing)[number]['body']) => boolean) =>
      new Promise<(typeof outgoing)[number]>((resolve) => {
        const check = () => {
          const hit = outgoing.find((o) => test(o.body));
          if (hit) resolve(hit);
          else waiters.push(check);
        };
        check();
      });

    expect((await post(teamsActivity({ text: 'I want to talk to a person about my bill' }))).status).toBe(200);
    await sent((b) => /Tess Billing will be with you/.test(b.text ?? ''));
    const ticket = (await app.support.tickets.findOpenForConversation('msteams', CONVERSATION))!;
    const events = await queueEvents(QUEUE_NAMES.deliveries, MAIN_REDIS_URL, runQueuePrefix());
    const recorded = awaitCompleted(events, [deliveryJobId(`csat-${ticket.id}-1`)]);
    await app.handoff!.resolve(ticket.id, user.id);

    const card = await sent((b) => (b.attachments ?? []).some((a) => a.contentType === 'application/vnd.microsoft.card.adaptive'));
    expect(card.auth).toBe('Bearer bot-access-token-from-entra');
    const data = card.body.attachments![0].content.actions[0].data;
    expect(data).toEqual({ type: 'concierge.csat', ticketId: ticket.id, resolution: 1, deliveryId: `csat-${ticket.id}-1` });
    expect((await recorded).get(deliveryJobId(`csat-${ticket.id}-1`))).toMatchObject({ outcome: 'delivered', activityIds: [expect.stringMatching(/^teams-out-/)] });
    await events.close();
    const [delivered] = await app.database.db.select().from(deliveries).where(eq(deliveries.id, `csat-${ticket.id}-1`));
    expect(delivered).toMatchObject({ kind: 'csat_survey', channel: 'msteams', conversationId: CONVERSATION });

    // Teams sends an Action.Submit as a message whose value is the card's data plus the inputs.
    expect((await post(teamsActivity({ value: { ...data, rating: '5', comment: 'Great' } }))).status).toBe(200);
    await sent((b) => b.text === 'Thank you for your rating!');
    const ratings = await app.database.db.select().from(ticketEvents).where(and(eq(ticketEvents.ticketId, ticket.id), eq(ticketEvents.type, 'csat')));
    expect(ratings.map((r) => r.data)).toEqual([{ agentId: user.id, rating: 5, resolution: 1, comment: 'Great' }]);
  });
});
