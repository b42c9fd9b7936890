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

    // The agent replies; the customer sees it in Web Chat.
    const reply = agentPage.getByLabel('Reply to the customer');
    await reply.fill('Hi, this is Bea from billing. I can see the double charge and I am refunding it now.');
    await reply.press('Enter');
    await log.getByText('Hi, this is Bea from billing.', { exact: false }).waitFor();
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
});
