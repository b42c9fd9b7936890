import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import { eq } from 'drizzle-orm';
import { startInProcessApp } from '../support/apps';
import { openBrowser, screenshot, type Browser } from '../support/browser';
import type { Application } from '../../bot/application';
import { intentLabels } from '../../crm/schema';
import { makeUser, PASSWORD } from '../api/consoleClient';
import { recordBotReply, recordUnderstood } from '../understanding/fixtures';

/**
 * Acceptance (issue item 6) in headless Chromium: an agent opens a ticket, sees under each customer
 * message what the bot understood, marks one "Bot misunderstood", picks what the customer meant from
 * the intent list, and corrects the ticket's category; both land in intent_labels.
 */
describe('console in the browser: teaching the bot', () => {
  let app: Application & { url: string };
  let browser: Browser;
  let bea: { id: string; email: string };
  let ticketId: string;
  let misread: string;
  let first: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    app = await startInProcessApp();
    bea = await makeUser(app, 'agent', ['billing'], 'Bea Billing');
    await app.support.agents.setStatus(bea.id, 'online');
    const customer = await app.crm.customers.resolve({ kind: 'directline', externalId: `dl_${randomUUID()}`, displayName: 'Casey Customer' });
    const conversationId = `conv-${randomUUID()}`;
    const t0 = Date.now() - 120_000;
    first = await recordUnderstood(app.database.db, { customerId: customer.id, conversationId, text: 'why is there a second charge for my tea subscription', intent: 'billing', confidence: 0.71, at: new Date(t0) });
    await recordBotReply(app.database.db, { customerId: customer.id, conversationId, text: 'I can help with billing questions.', at: new Date(t0 + 1000) });
    misread = await recordUnderstood(app.database.db, { customerId: customer.id, conversationId, text: 'no I mean I want to stop the monthly box', intent: 'cancel_order', confidence: 0.48, outcome: 'handed_over', reason: 'unresolved', at: new Date(t0 + 2000) });
    const { ticket } = await app.support.tickets.open({
      customerId: customer.id, channel: 'directline', conversationId, intent: 'billing', language: 'en', sentiment: -0.2, recentMessages: ['no I mean I want to stop the monthly box'], entities: [], trigger: 'unresolved',
    });
    ticketId = ticket.id;
    browser = await openBrowser(app.url);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  async function signIn(page: Page) {
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.goto(`${app.url}/console/`);
    await page.getByLabel('Email').fill(bea.email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Inbox' }).waitFor();
  }

  it('an agent marks a misunderstood message and says what the customer meant, then corrects the category', async () => {
    const page = await browser.newPage();
    await signIn(page);
    await page.getByRole('navigation', { name: 'Tickets' }).getByRole('button', { name: /stop the monthly box/ }).click();
    const log = page.getByRole('log', { name: 'Messages' });
    await log.getByText('no I mean I want to stop the monthly box').waitFor();

    // Under each customer message (not the bot's): the bot's reading of it.
    const firstReading = log.getByRole('group', { name: /What the bot understood of: why is there a second charge/ });
    await firstReading.getByText(/Bot: Billing and payments\s+71 %/).waitFor();
    const reading = log.getByRole('group', { name: /What the bot understood of: no I mean I want to stop/ });
    await reading.getByText(/Bot: Cancel an order\s+48 % · handed over/).waitFor();
    expect(await log.getByRole('group', { name: /What the bot understood of: I can help/ }).count()).toBe(0);

    await reading.getByRole('button', { name: /^Bot misunderstood: no I mean/ }).click();
    const form = reading.getByRole('form', { name: /Correct the bot/ });
    await form.getByLabel('What the customer meant').selectOption({ label: 'Subscription' });
    await form.getByRole('button', { name: 'Save correction' }).click();
    await reading.getByText('Meant: Subscription').waitFor();
    expect(await app.database.db.select().from(intentLabels).where(eq(intentLabels.messageId, misread))).toEqual([
      expect.objectContaining({ intent: 'subscription', source: 'agent_correction', previousIntent: 'cancel_order', labelledBy: `agent:${bea.id}`, ticketId, text: 'no I mean I want to stop the monthly box' }),
    ]);
    // Reloaded, the console shows the correction (it is stored, not only on the page).
    await page.reload();
    await page.getByRole('navigation', { name: 'Tickets' }).getByRole('button', { name: /stop the monthly box/ }).click();
    await page.getByRole('log', { name: 'Messages' }).getByRole('group', { name: /no I mean I want to stop/ }).getByText('Meant: Subscription').waitFor();

    // The ticket's category: billing → subscription (same queue); the message it came from is labelled too.
    const toolbar = page.getByRole('toolbar', { name: 'Ticket actions' });
    expect(await toolbar.getByLabel('Category').inputValue()).toBe('billing');
    await toolbar.getByLabel('Category').selectOption('subscription');
    await page.getByRole('main').locator('.conv-sub').getByText('subscription', { exact: true }).waitFor();
    expect((await app.support.tickets.get(ticketId))!).toMatchObject({ category: 'subscription', queueId: 'billing' });
    await firstReading.getByText('Meant: Subscription').waitFor();
    const labels = await app.database.db.select().from(intentLabels).where(eq(intentLabels.messageId, first));
    expect(labels).toEqual([expect.objectContaining({ intent: 'subscription', source: 'ticket_category', previousIntent: 'billing', labelledBy: `agent:${bea.id}` })]);
    await screenshot(page, 'console-corrections');
    expect(pageErrors).toEqual([]);
    expect(browser.foreignRequests).toEqual([]);
    await page.close();
  });
});
