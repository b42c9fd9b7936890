import type { Page } from 'playwright-core';
import type { Application } from '../../bot/application';
import { customerPanelSchema } from '../../bot/api/schemas';
import { CustomerValueStore } from '../../crm/value';
import { startInProcessApp } from '../support/apps';
import { openBrowser, screenshot, type Browser } from '../support/browser';
import { DirectLineClient } from '../support/directLineClient';
import { ConsoleClient, makeUser, PASSWORD } from './consoleClient';

/**
 * `npm start` as a whole (role all, demo shop): customer value is computed at start, a web visitor
 * states preferences, proves who they are and asks for a person; the agent's customer panel (API and
 * console page) shows the value and what the bot learned.
 */
describe('customer value and learned profile in the customer panel', () => {
  let app: Application & { url: string };
  let browser: Browser;
  let danaId: string;
  let ticketId: string;
  beforeAll(async () => {
    app = await startInProcessApp({ DEMO_SEED: 'always', CUSTOMER_VALUE_CRON: 'off', AGENT_EVALUATION_CRON: 'off' }, 'all');
    danaId = (await app.crm.customers.findByIdentity('email', 'dana.demo@example.com'))!.id;
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('the visitor chats, proves who they are and asks for a person; the panel has value and learned profile', async () => {
    // The demo shop's orders were scored at start (the table was empty).
    const value = await new CustomerValueStore(app.database.db).get(danaId);
    expect(value).toMatchObject({ frequency: 3, monetaryMinor: 4200 + 5900 + 12700, currency: 'EUR' });

    const c = await DirectLineClient.open(app.url);
    const liked = await c.say("I love candles, but I don't like plastic. I prefer email.");
    await c.replyTo(liked);
    const proof = await c.say('my email is dana.demo@example.com and my order is A10042');
    expect((await c.replyTo(proof)).text).toBe('Thanks, Dana Demo, you are verified: I have linked this chat to your account.');
    const human = await c.say('I want to talk to a person about my order');
    expect((await c.replyTo(human)).text).toMatch(/connecting you with a member of our team \(ticket #\d+\)/);
    const ticket = (await app.support.tickets.list({ customerId: danaId }))[0];
    expect(ticket).toBeDefined();
    ticketId = ticket.id;

    const supervisor = await makeUser(app, 'supervisor');
    const client = await new ConsoleClient(app.url).signIn(supervisor.email, PASSWORD);
    const res = await client.get(`/api/customers/${danaId}`);
    expect(res.status).toBe(200);
    const panel = customerPanelSchema.parse(res.body);
    expect(panel.value).toEqual({
      segment: value!.segment,
      scores: value!.scores,
      recencyDays: 0,
      frequency: 3,
      monetaryMinor: 22800,
      ltvMinor: value!.ltvMinor,
      currency: 'EUR',
      pAlive: value!.pAlive,
      churnRisk: value!.churnRisk,
      asOf: value!.asOf.toISOString(),
      computedAt: value!.computedAt.toISOString(),
    });
    expect(panel.learned).toMatchObject({
      language: 'en',
      likes: [{ term: 'candles', skus: ['CANDLE-CEDAR'], source: { text: "I love candles, but I don't like plastic. I prefer email." } }],
      dislikes: [{ term: 'plastic', skus: [] }],
      contactPreference: { channel: 'email' },
    });
    expect(panel.learned!.sentiment.count).toBe(3);

    // Documented in the OpenAPI document of the console API.
    const docs = (await client.get('/api/docs')).body;
    expect(Object.keys(docs.components.schemas)).toEqual(expect.arrayContaining(['CustomerValue', 'LearnedProfile']));

    // A customer nobody scored and who never wrote: both null, not an error.
    const stranger = await app.crm.customers.resolve({ kind: 'test', externalId: `stranger-${Date.now()}` });
    await app.support.tickets.open({ customerId: stranger.id, channel: 'test', conversationId: `conv-${Date.now()}`, intent: 'general', language: 'en', sentiment: 0, recentMessages: ['hi'], entities: [], trigger: 'asked_for_person' });
    const empty = customerPanelSchema.parse((await client.get(`/api/customers/${stranger.id}`)).body);
    expect([empty.value, empty.learned]).toEqual([null, null]);
  });

  it('the console shows the customer value and the learned preferences', async () => {
    browser = await openBrowser(app.url);
    const supervisor = await makeUser(app, 'supervisor', [], 'Sam Supervisor');
    const page: Page = await browser.newPage();
    await page.setViewportSize({ width: 1366, height: 900 });
    await page.goto(`${app.url}/console/`);
    await page.getByLabel('Email').fill(supervisor.email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Inbox' }).waitFor();
    const ticket = (await app.support.tickets.get(ticketId))!;
    await page.getByRole('navigation', { name: 'Tickets' }).getByRole('button', { name: new RegExp(ticket.subject.slice(0, 20)) }).first().click();
    const panel = page.getByRole('complementary', { name: 'Customer' });
    const valueSection = panel.getByRole('region', { name: 'Customer value' });
    await valueSection.waitFor();
    const value = (await new CustomerValueStore(app.database.db).get(danaId))!;
    await valueSection.getByText(value.segment, { exact: true }).waitFor();
    await valueSection.getByText(`${value.scores.r} · ${value.scores.f} · ${value.scores.m}`).waitFor();
    const learned = panel.getByRole('region', { name: 'Learned from conversations' });
    await learned.getByText('candles').waitFor();
    await learned.getByText('plastic').waitFor();
    await learned.getByText('email', { exact: true }).waitFor();
    await screenshot(page, 'console-customer-value');
    await page.close();
  });
});
