import nock from 'nock';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { startInProcessApp } from '../support/apps';
import { channelToken as signedChannelToken, nockMicrosoftAuth, signingKey } from '../support/microsoftEndpoints';
import type { Application } from '../../bot/application';
import { users } from '../../crm/schema';
import { ambiguousMessage } from '../support/clarification';

/**
 * The Teams path: Bot Framework authentication on /api/messages and replies through the Bot Connector.
 * nock stands in for Microsoft's servers (OpenID metadata, signing keys, Entra token endpoint, the channel).
 */
const APP_ID = '11111111-2222-3333-4444-555555555555';
const TENANT = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
const SERVICE_URL = 'https://smba.trafficmanager.net/teams/';
const KID = 'concierge-test-key';

const rsaKey = () => signingKey(KID);
const channelToken = (privateKey: KeyObject, overrides: Record<string, unknown> = {}) => signedChannelToken(privateKey, { appId: APP_ID, serviceUrl: SERVICE_URL, kid: KID }, overrides);

function teamsMessage(text: string, id = `msg-${Math.random().toString(36).slice(2)}`) {
  return {
    type: 'message',
    id,
    text,
    channelId: 'msteams',
    serviceUrl: SERVICE_URL,
    timestamp: new Date().toISOString(),
    locale: 'en-US',
    from: { id: '29:teams-user-1', name: 'Dana Customer', aadObjectId: 'c0ffee00-0000-4000-8000-000000000001' },
    recipient: { id: `28:${APP_ID}`, name: 'Concierge' },
    conversation: { id: 'a:teams-conversation-1', conversationType: 'personal', tenantId: TENANT },
    channelData: { tenant: { id: TENANT } },
  };
}

describe('Teams through the Bot Connector', () => {
  const key = rsaKey();
  let app: Application & { url: string };

  beforeAll(async () => {
    nockMicrosoftAuth({ tenant: TENANT, jwk: key.jwk });
    app = await startInProcessApp({ MicrosoftAppId: APP_ID, MicrosoftAppPassword: 'test-password', MicrosoftAppTenantId: TENANT });
  });

  afterAll(async () => {
    await app.stop();
    nock.cleanAll();
    nock.enableNetConnect();
  });

  const post = (body: unknown, authorization?: string) =>
    fetch(`${app.url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
      body: JSON.stringify(body),
    });

  it('refuses a request without a token (401)', async () => {
    const res = await post(teamsMessage('hi'));
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
  });

  it('refuses a forged token (401)', async () => {
    const forged = channelToken(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
    const res = await post(teamsMessage('hi'), `Bearer ${forged}`);
    expect(res.status).toBe(401);
  });

  it('refuses a token for another bot (401)', async () => {
    const res = await post(teamsMessage('hi'), `Bearer ${channelToken(key.privateKey, { aud: 'another-app-id' })}`);
    expect(res.status).toBe(401);
  });

  it('answers a Teams message through the Bot Connector with the bot token, and keeps both in the timeline', async () => {
    const sent: Array<{ path: string; auth: string | undefined; body: { text?: string; replyToId?: string } }> = [];
    const replied = new Promise<void>((resolve) => {
      nock('https://smba.trafficmanager.net')
        .post(/\/teams\/v3\/conversations\/.+\/activities/)
        .reply(function (path, body) {
          sent.push({ path, auth: this.req.headers.authorization as string | undefined, body: body as { text?: string } });
          resolve();
          return [200, { id: 'teams-reply-1' }];
        });
    });
    const message = teamsMessage('hello');
    const res = await post(message, `Bearer ${channelToken(key.privateKey)}`);
    expect(res.status).toBe(200);
    await replied;
    expect(sent).toHaveLength(1);
    expect(sent[0].path).toContain(encodeURIComponent('a:teams-conversation-1'));
    expect(sent[0].auth).toBe('Bearer bot-access-token-from-entra');
    expect(sent[0].body).toMatchObject({ text: 'Hello! How can I help you today?', replyToId: message.id });

    const customer = await app.crm.customers.findByIdentity('msteams', message.from.aadObjectId);
    expect(customer?.displayName).toBe('Dana Customer');
    const timeline = await app.crm.timeline.forCustomer(customer!.id);
    expect(timeline.map((m) => [m.channel, m.direction, m.text])).toEqual([
      ['msteams', 'inbound', 'hello'],
      ['msteams', 'outbound', 'Hello! How can I help you today?'],
    ]);
  });

  it('hands a Teams customer to an agent, whose reply goes out through the Bot Connector with the bot token', async () => {
    const [user] = await app.database.db.insert(users).values({ email: 'teams.agent@agents.test', displayName: 'Tess Billing', role: 'agent', passwordHash: 'x' }).returning();
    await app.support.agents.upsert({ userId: user.id, skills: ['billing'], languages: ['en'], maxConcurrent: 3, queues: ['billing'] });
    await app.support.agents.setStatus(user.id, 'online');

    const outgoing: Array<{ path: string; auth?: string; body: { text?: string; replyToId?: string } }> = [];
    let notify: () => void = () => undefined;
    nock('https://smba.trafficmanager.net')
      .persist()
      .post(/\/teams\/v3\/conversations\/[^/]*teams-conversation-handoff[^/]*\/activities/)
      .reply(function (path, body) {
        outgoing.push({ path, auth: this.req.headers.authorization as string | undefined, body: body as { text?: string } });
        notify();
        return [200, { id: `teams-out-${outgoing.length}` }];
      });
    const sentCount = (n: number) => new Promise<void>((resolve) => {
      notify = () => outgoing.length >= n && resolve();
      notify();
    });

    const message = { ...teamsMessage('I want to talk to a person about my bill'), conversation: { id: 'a:teams-conversation-handoff', conversationType: 'personal', tenantId: TENANT } };
    expect((await post(message, `Bearer ${channelToken(key.privateKey)}`)).status).toBe(200);
    await sentCount(1);
    expect(outgoing[0].body.text).toMatch(/Tess Billing will be with you/);
    const ticket = (await app.support.tickets.findOpenForConversation('msteams', 'a:teams-conversation-handoff'))!;
    expect(ticket).toMatchObject({ category: 'billing', assignedAgentId: user.id, channel: 'msteams' });

    await app.handoff!.agentReply(ticket.id, { id: user.id, role: 'agent' }, 'Hello from Tess, I am looking at your bill.');
    await sentCount(2);
    expect(outgoing[1].path).toContain(encodeURIComponent('a:teams-conversation-handoff'));
    expect(outgoing[1].auth).toBe('Bearer bot-access-token-from-entra');
    // Teams shows every message under the bot's name: the agent's name leads their words.
    expect(outgoing[1].body.text).toBe('**Tess Billing**: Hello from Tess, I am looking at your bill.');
    const timeline = await app.crm.timeline.forConversation('msteams', 'a:teams-conversation-handoff');
    expect(timeline.map((m) => m.author)).toEqual(['customer', 'bot', `agent:${user.id}`]);
    // The record keeps the agent's words as written.
    expect(timeline[2].text).toBe('Hello from Tess, I am looking at your bill.');
  });

  it('asks "Did you mean … or …?" with an Adaptive Card, follows the choice submitted and keeps it as a labelled example', async () => {
    const ambiguous = await ambiguousMessage();
    const outgoing: Array<{ text?: string; replyToId?: string; attachments?: Array<{ contentType: string; content: any }> }> = [];
    let notify: () => void = () => undefined;
    // Its own service URL (a Teams region), so the earlier tests' interceptors do not take its replies.
    const serviceUrl = 'https://smba.trafficmanager.net/emea/';
    const token = () => `Bearer ${signedChannelToken(key.privateKey, { appId: APP_ID, serviceUrl, kid: KID })}`;
    nock('https://smba.trafficmanager.net')
      .persist()
      .post(/\/emea\/v3\/conversations\/.+\/activities/)
      .reply(function (_path, body) {
        outgoing.push(body as (typeof outgoing)[number]);
        notify();
        return [200, { id: `teams-clarify-${outgoing.length}` }];
      });
    const sentCount = (n: number) => new Promise<void>((resolve) => {
      notify = () => outgoing.length >= n && resolve();
      notify();
    });
    const conversation = { id: 'a:teams-conversation-clarify', conversationType: 'personal', tenantId: TENANT };
    const question = { ...teamsMessage(ambiguous.text), serviceUrl, conversation };
    expect((await post(question, token())).status).toBe(200);
    await sentCount(1);
    const card = outgoing[0].attachments?.[0];
    expect(card?.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(card!.content.body[0].text).toMatch(/^Did you mean .+ or .+\?$/);
    const actions = card!.content.actions as Array<{ type: string; title: string; data: { type: string; intent: string; messageId: string } }>;
    expect(actions.map((a) => [a.type, a.data.intent])).toEqual([['Action.Submit', ambiguous.options[0]], ['Action.Submit', ambiguous.options[1]], ['Action.Submit', 'something_else']]);
    expect(actions[2].title).toBe('Something else');
    const messageId = actions[0].data.messageId;
    expect(await app.crm.understanding.forMessage(messageId)).toMatchObject({ channel: 'msteams', outcome: 'clarified', intent: ambiguous.modelTop });

    // What Teams posts for an Action.Submit: a message without text whose value is the action's data.
    const { text: _none, ...submit } = { ...teamsMessage(''), serviceUrl, conversation, value: actions[0].data };
    expect((await post(submit, token())).status).toBe(200);
    await sentCount(2);
    expect(outgoing[1].text).not.toMatch(/Did you mean|Sorry, I didn't/);
    expect(await app.crm.understanding.labelsOf(messageId)).toEqual([
      expect.objectContaining({ source: 'clarification', text: ambiguous.text, language: 'en', intent: ambiguous.options[0], previousIntent: ambiguous.modelTop, labelledBy: 'customer' }),
    ]);
  });

  it('stores a Teams message with its card number masked', async () => {
    // The turn (and its reply to the channel) is over when /api/messages answers.
    nock('https://smba.trafficmanager.net').post(/\/teams\/v3\/conversations\/[^/]*teams-conversation-card[^/]*\/activities/).times(5).reply(200, { id: 'teams-reply-card' });
    const message = {
      ...teamsMessage('my card 4111-1111-1111-1111 was charged twice'),
      from: { id: '29:teams-user-card', name: 'Card Customer', aadObjectId: 'c0ffee00-0000-4000-8000-0000000000c4' },
      conversation: { id: 'a:teams-conversation-card', conversationType: 'personal', tenantId: TENANT },
    };
    const res = await post(message, `Bearer ${channelToken(key.privateKey)}`);
    expect(res.status).toBe(200);
    const timeline = await app.crm.timeline.forConversation('msteams', 'a:teams-conversation-card');
    expect(timeline.find((m) => m.direction === 'inbound')!.text).toBe('my card [card •••• 1111] was charged twice');
    expect(timeline.map((m) => m.text).join('\n')).not.toMatch(/4111.?1111.?1111.?1111/);
  });

  it('tells a Teams customer erased at their request, who writes again, that their data is gone, and keeps nothing of it', async () => {
    const sent: string[] = [];
    // This conversation's own interceptor (earlier tests leave theirs for any conversation).
    nock('https://smba.trafficmanager.net')
      .post(/\/teams\/v3\/conversations\/[^/]*teams-conversation-erased[^/]*\/activities/)
      .times(5)
      .reply(function (_path, body) {
        sent.push((body as { text?: string }).text ?? '');
        return [200, { id: 'teams-reply-erased' }];
      });
    const from = { id: '29:teams-user-erased', name: 'Erased Customer', aadObjectId: 'c0ffee00-0000-4000-8000-0000000000e5' };
    const conversation = { id: 'a:teams-conversation-erased', conversationType: 'personal', tenantId: TENANT };
    expect((await post({ ...teamsMessage('hello'), from, conversation }, `Bearer ${channelToken(key.privateKey)}`)).status).toBe(200);
    const customer = (await app.crm.customers.findByIdentity('msteams', from.aadObjectId))!;
    await app.privacy.process((await app.privacy.requestErasure(customer.id, 'cli', null)).id);
    sent.length = 0;

    const again = await post({ ...teamsMessage('hello again, I am Erased Customer'), from, conversation }, `Bearer ${channelToken(key.privateKey)}`);
    expect(again.status).toBe(200);
    expect(sent).toEqual([expect.stringMatching(/^Your personal data was deleted at your request/)]);
    expect(await app.crm.customers.findByIdentity('msteams', from.aadObjectId)).toBeNull();
    expect(await app.crm.timeline.forConversation('msteams', conversation.id)).toEqual([]);
  });

  it('rejects a malformed activity with a valid token (400)', async () => {
    const res = await post({ type: 'message', text: 'no conversation' }, `Bearer ${channelToken(key.privateKey)}`);
    expect(res.status).toBe(400);
  });
});
