import type { Page } from 'playwright-core';
import { startInProcessApp } from '../support/apps';
import { openBrowser, screenshot, type Browser } from '../support/browser';
import { createScratchDatabase } from '../support/database';
import type { Application } from '../../bot/application';
import { makeUser, PASSWORD } from '../api/consoleClient';

/**
 * Acceptance: a customer in Web Chat asks for a person; the ticket reaches the online billing agent's
 * console live (no reload); they talk; the agent resolves. Two pages in headless Chromium, nothing
 * loaded from any other host.
 */
describe('agent console in the browser', () => {
  let app: Application & { url: string };
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let browser: Browser;

  beforeAll(async () => {
    scratch = await createScratchDatabase('console_browser');
    app = await startInProcessApp({ DATABASE_URL: scratch.url });
    browser = await openBrowser(app.url);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    await scratch?.drop();
  });

  async function signIn(page: Page, email: string) {
    await browser.context.clearCookies();
    await page.setViewportSize({ width: 1366, height: 768 });
    await page.goto(`${app.url}/console/`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Inbox' }).waitFor();
  }

  it('shows the sign-in page and refuses a wrong password', async () => {
    const page = await browser.newPage();
    await page.setViewportSize({ width: 1366, height: 768 });
    await page.goto(`${app.url}/console/`);
    await page.getByLabel('Email').fill('nobody@test.concierge');
    await page.getByLabel('Password').fill('wrong password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'Wrong email or password.' }).waitFor();
    await screenshot(page, 'console-sign-in');
    await page.close();
  });

  it('customer asks for a person in Web Chat; the billing agent gets it live, they talk, the agent resolves', async () => {
    const bea = await makeUser(app, 'agent', ['billing'], 'Bea Billing');
    await makeUser(app, 'agent', ['orders'], 'Oscar Orders');

    const agentPage = await browser.newPage();
    await signIn(agentPage, bea.email);
    let navigations = 0;
    agentPage.on('framenavigated', (f) => {
      if (f === agentPage.mainFrame()) navigations += 1;
    });
    const statusGroup = agentPage.getByRole('radiogroup', { name: 'Your status' });
    await statusGroup.getByRole('radio', { name: 'Online' }).click();
    await statusGroup.locator('[role="radio"][aria-checked="true"]', { hasText: 'Online' }).waitFor();
    await agentPage.getByRole('status').filter({ hasText: 'Live' }).waitFor();
    const tickets = agentPage.getByRole('navigation', { name: 'Tickets' });
    await tickets.getByText('No tickets here right now.').waitFor();

    // The customer, on the website.
    const customerPage = await browser.newPage();
    await customerPage.goto(`${app.url}/?new`);
    const chat = { getByText: (text: string | RegExp) => customerPage.getByRole('paragraph').filter({ hasText: text }).last() };
    await chat.getByText(/Concierge, the virtual assistant/).waitFor();
    const box = customerPage.getByRole('textbox').or(customerPage.locator('input[data-id="webchat-sendbox-input"]')).first();
    await box.fill('I want to talk to a person, I was charged twice');
    await box.press('Enter');
    await chat.getByText(/Bea Billing will be with you/).waitFor();

    // The ticket appears in the agent's inbox without a reload.
    const item = tickets.getByRole('button', { name: /charged twice/ });
    await item.waitFor();
    expect(navigations).toBe(0);
    const ticket = (await app.support.tickets.list({ queueIds: ['billing'] }))[0];
    expect(ticket).toMatchObject({ category: 'billing', queueId: 'billing', status: 'assigned', assignedAgentId: bea.id });
    expect(['high', 'urgent']).toContain(ticket.priority);
    // The priority reflects the customer's (negative) sentiment, among its stated reasons.
    expect(ticket.sentiment).toBeLessThan(-0.15);
    expect((ticket.routing as { priority?: string[] }).priority?.join('; ')).toMatch(/negative sentiment/);
    await item.getByText(ticket.priority, { exact: true }).waitFor();

    await item.click();
    const conversation = agentPage.getByRole('main');
    await conversation.getByRole('heading', { name: /charged twice/ }).waitFor();
    const log = agentPage.getByRole('log', { name: 'Messages' });
    await log.getByText('I want to talk to a person, I was charged twice').waitFor();
    const customerPanel = agentPage.getByRole('complementary', { name: 'Customer' });
    await customerPanel.getByRole('heading', { name: 'Sentiment trend' }).waitFor();
    await customerPanel.getByRole('img', { name: /Sentiment trend over \d+ readings/ }).waitFor();
    await customerPanel.getByRole('button', { name: new RegExp(`#${ticket.number}`) }).waitFor();
    expect(await agentPage.getByLabel('Priority').inputValue()).toBe(ticket.priority);

    // A reply the database cannot store (here a NUL) is refused with 400 and the agent is told why;
    // the draft stays in the box to fix, and nothing reaches the customer.
    const reply = agentPage.getByLabel('Reply to the customer');
    const unstorable = 'Refunded\u0000 now';
    await reply.evaluate((el, value) => {
      (el as HTMLTextAreaElement).value = value;
      el.dispatchEvent(new Event('input', { bubbles: true }));
    }, unstorable);
    await reply.press('Enter');
    await conversation.getByRole('alert').filter({ hasText: /body field text contains a NUL character/ }).waitFor();
    expect(await reply.inputValue()).toBe(unstorable);

    // The agent replies; the customer sees it in Web Chat.
    await reply.fill('Hi, this is Bea from billing. I can see the double charge and I am refunding it now.');
    await reply.press('Enter');
    await log.getByText('Hi, this is Bea from billing.', { exact: false }).waitFor();
    await conversation.getByRole('alert').waitFor({ state: 'detached' });
    await chat.getByText(/Hi, this is Bea from billing\. I can see the double charge/).waitFor();

    // The customer answers; the agent sees it live.
    await box.fill('Thank you so much! It was order 10042.');
    await box.press('Enter');
    await log.getByText('Thank you so much! It was order 10042.').waitFor();
    expect(navigations).toBe(0);
    const shot = await screenshot(agentPage, 'console-conversation');
    expect(shot).toMatch(/console-conversation\.png$/);

    // Resolve: the ticket leaves "Mine", the customer is told, the bot answers again.
    await agentPage.getByRole('toolbar', { name: 'Ticket actions' }).getByRole('button', { name: 'Resolve' }).click();
    await conversation.getByText('Resolved', { exact: true }).first().waitFor();
    expect((await app.support.tickets.get(ticket.id))!.status).toBe('resolved');
    await tickets.getByText('No tickets here right now.').waitFor();
    await tickets.getByRole('tab', { name: /Resolved/ }).click();
    await tickets.getByRole('button', { name: /charged twice/ }).waitFor();
    await chat.getByText(/marked as resolved/).waitFor();
    await screenshot(customerPage, 'console-customer-webchat');

    expect(navigations).toBe(0);
    expect(browser.foreignRequests).toEqual([]);
    await customerPage.close();
    await agentPage.close();
  });

  it('a supervisor sees every queue, changes a priority and transfers a ticket from the console', async () => {
    const sam = await makeUser(app, 'supervisor', [], 'Sam Supervisor');
    const oscar = await makeUser(app, 'agent', ['orders'], 'Oscar Orders 2');
    await app.support.agents.setStatus(oscar.id, 'online');
    const customer = await app.crm.customers.resolve({ kind: 'test', externalId: 'browser-sup', displayName: 'Dana Doe' });
    const open = (conversationId: string, intent: string, text: string, sentiment: number) =>
      app.support.tickets.open({ customerId: customer.id, channel: 'test', conversationId, intent, language: 'en', sentiment, recentMessages: [text], entities: [{ type: 'order_number', text: '10042' }], trigger: 'asked_for_person' });
    const { ticket: late } = await open('sup-1', 'shipping_info', 'My parcel is a week late', -0.3);
    await app.support.agents.setStatus(oscar.id, 'away');
    const { ticket: account } = await open('sup-2', 'account_access', 'I cannot log in to my account', -0.8);

    const page = await browser.newPage();
    await signIn(page, sam.email);
    const tickets = page.getByRole('navigation', { name: 'Tickets' });
    await tickets.getByRole('tab', { name: /All open/ }).click();
    await tickets.getByRole('button', { name: /parcel is a week late/ }).waitFor();
    await tickets.getByRole('button', { name: /cannot log in/ }).click();
    await page.getByRole('main').getByRole('heading', { name: /cannot log in/ }).waitFor();
    await page.getByRole('complementary', { name: 'Customer' }).getByRole('heading', { name: 'Dana Doe' }).waitFor();
    await page.getByLabel('Priority').selectOption('low');
    await tickets.getByRole('button', { name: /cannot log in/ }).getByText('low', { exact: true }).waitFor();
    expect((await app.support.tickets.get(account.id))!.priority).toBe('low');
    await page.getByLabel('Reassign to').selectOption(oscar.id);
    await tickets.getByRole('button', { name: /cannot log in/ }).getByText('Oscar Orders 2').waitFor();
    expect((await app.support.tickets.get(account.id))!).toMatchObject({ assignedAgentId: oscar.id, status: 'assigned' });
    await tickets.getByRole('button', { name: /parcel is a week late/ }).click();
    await page.getByRole('main').getByRole('heading', { name: /parcel is a week late/ }).waitFor();
    await page.getByRole('log', { name: 'Messages' }).waitFor();
    await screenshot(page, 'console-supervisor');
    expect(late.queueId).toBe('orders');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to Concierge' }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Sign in to Concierge' }).waitFor();
    expect(browser.foreignRequests).toEqual([]);
    await page.close();
  });
});
