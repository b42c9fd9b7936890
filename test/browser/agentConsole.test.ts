import type { ConsoleMessage, Page, Request, Response } from 'playwright-core';
import type { Application } from '../../bot/application';
import { startInProcessApp } from '../support/apps';
import { openBrowser, screenshot, type Browser } from '../support/browser';
import { createScratchDatabase } from '../support/database';
import { makeUser, openTicket, PASSWORD } from '../api/consoleClient';

/**
 * What a new agent and supervisor meet in the browser: signing in brings the agent online with the
 * waiting tickets of their queues (capacity respected) on a tab that shows them; the summary never
 * covers the conversation; the right column says what to do when no ticket is open; the dashboard's
 * sign-in returns to the dashboard; a normal load logs no error and no failed request.
 */
describe('the agent console and dashboard for a new user', () => {
  let app: Application & { url: string };
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let browser: Browser;

  beforeAll(async () => {
    scratch = await createScratchDatabase('agent_console');
    app = await startInProcessApp({ DATABASE_URL: scratch.url });
    browser = await openBrowser(app.url);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    await scratch?.drop();
  });

  /** Errors in the page's console, uncaught exceptions and requests that failed or answered 4xx/5xx. */
  function watch(page: Page): string[] {
    const problems: string[] = [];
    page.on('console', (m: ConsoleMessage) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r: Request) => {
      // A live stream cut when the page closes, or a request a reload cancels, is not a failure of the page.
      if (!r.url().endsWith('/api/events') && r.failure()?.errorText !== 'net::ERR_ABORTED') problems.push(`failed: ${r.url()} ${r.failure()?.errorText}`);
    });
    page.on('response', (r: Response) => {
      if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
    });
    return problems;
  }

  async function newPage(): Promise<Page> {
    await browser.context.clearCookies();
    const page = await browser.newPage();
    await page.setViewportSize({ width: 1366, height: 768 });
    return page;
  }

  async function signIn(page: Page, email: string) {
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  const box = (page: Page, selector: string) =>
    page.locator(selector).first().evaluate((el) => {
      const r = el.getBoundingClientRect();
      return { top: r.top, bottom: r.bottom, left: r.left, right: r.right, height: r.height };
    });

  it('an agent signs in while tickets wait in their queue: they come online and see the tickets they were given, up to their capacity', async () => {
    const wes = await makeUser(app, 'agent', ['orders'], 'Wes Waiting');
    await app.support.agents.upsert({ userId: wes.id, skills: app.support.config.queues.find((q) => q.id === 'orders')!.categories, languages: ['en'], maxConcurrent: 2, queues: ['orders'] });
    expect((await app.support.agents.get(wes.id))!.status).toBe('offline');
    const waiting = [];
    for (const text of ['Where is my parcel? It was due Monday', 'My order 10077 never arrived', 'The tracking of my order has not moved for a week']) waiting.push(await openTicket(app, 'shipping_info', text));
    expect(waiting.every((t) => t.queueId === 'orders' && t.status === 'new' && !t.assignedAgentId)).toBe(true);

    const page = await newPage();
    const problems = watch(page);
    await page.goto(`${app.url}/console/`);
    await signIn(page, wes.email);
    await page.getByRole('heading', { name: 'Inbox' }).waitFor();
    // Online, said clearly in the status switch.
    await page.getByRole('radiogroup', { name: 'Your status' }).locator('[role="radio"][aria-checked="true"]', { hasText: 'Online' }).waitFor();
    // The console opens on "Mine", which holds the two tickets auto-assignment gave them (capacity 2).
    const tickets = page.getByRole('navigation', { name: 'Tickets' });
    await tickets.getByRole('tab', { name: /Mine/, selected: true }).waitFor();
    const mine = tickets.getByRole('list', { name: 'Mine tickets' }).getByRole('button');
    await mine.nth(1).waitFor();
    expect(await mine.count()).toBe(2);
    await expect(tickets.getByRole('tab', { name: /Waiting/ }).innerText()).resolves.toMatch(/1$/);
    const agent = (await app.support.agents.get(wes.id))!;
    expect(agent).toMatchObject({ status: 'online', activeTickets: 2 });
    const after = await Promise.all(waiting.map((t) => app.support.tickets.get(t.id)));
    expect(after.filter((t) => t!.assignedAgentId === wes.id)).toHaveLength(2);
    // The oldest two, in queue order.
    expect(after[0]!.assignedAgentId).toBe(wes.id);
    expect(after[1]!.assignedAgentId).toBe(wes.id);
    await screenshot(page, 'console-signed-in-online');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('an agent at capacity, or a supervisor, opens on the tab with the waiting work', async () => {
    const sue = await makeUser(app, 'supervisor', [], 'Sue Supervisor');
    await openTicket(app, 'account_access', 'I cannot log in to my account');
    const page = await newPage();
    await page.goto(`${app.url}/console/`);
    await signIn(page, sue.email);
    const tickets = page.getByRole('navigation', { name: 'Tickets' });
    await tickets.getByRole('tab', { name: /All open/, selected: true }).waitFor();
    await tickets.getByRole('button', { name: /cannot log in/ }).waitFor();
    await page.close();
  });

  it('the summary sits above the conversation and covers none of it', async () => {
    const tia = await makeUser(app, 'agent', ['billing'], 'Tia Timeline');
    await app.support.agents.setStatus(tia.id, 'online');
    const customer = await app.crm.customers.resolve({ kind: 'test', externalId: 'summary-customer', displayName: 'Sam Summary' });
    const conversationId = 'summary-conversation';
    const said = ['Hello', 'I want to talk to a human', 'I was charged twice for order 10042, this is outrageous, I want my money back today please'];
    const start = Date.now() - 60_000;
    for (const [i, text] of said.entries()) {
      await app.crm.timeline.record({ customerId: customer.id, channel: 'test', conversationId, direction: 'inbound', author: 'customer', text, activityId: `in-${i}`, at: new Date(start + i * 2000) });
      await app.crm.timeline.record({ customerId: customer.id, channel: 'test', conversationId, direction: 'outbound', author: 'bot', text: `Reply ${i}: let me see what I can do for you.`, activityId: `out-${i}`, at: new Date(start + i * 2000 + 1000) });
    }
    const { ticket } = await app.support.tickets.open({
      customerId: customer.id,
      channel: 'test',
      conversationId,
      intent: 'billing',
      language: 'en',
      sentiment: -0.7,
      recentMessages: said,
      entities: [{ type: 'order_number', text: '10042' }, { type: 'money', text: '49.90 EUR' }],
      trigger: 'complaint',
    });
    expect(ticket.summary.length).toBeGreaterThan(60);

    for (const [width, height] of [[1366, 768], [1100, 700], [1280, 600], [1024, 560], [1920, 1080], [1366, 500]]) {
      const page = await newPage();
      await page.setViewportSize({ width, height });
      await page.goto(`${app.url}/console/#ticket=${ticket.id}`);
      await signIn(page, tia.email);
      await page.getByRole('main').getByRole('heading', { name: new RegExp(`#${ticket.number}`) }).waitFor();
      const log = page.getByRole('log', { name: 'Messages' });
      await log.getByText('Hello', { exact: true }).waitFor();
      // Scrolled to the top, the first message sits below the summary; the summary is not on top of any message.
      await log.evaluate((el) => (el.scrollTop = 0));
      const summary = await box(page, '.conversation .summary');
      const messages = await box(page, '.conversation .messages');
      const first = await box(page, '.conversation .messages .msg');
      expect(summary.height).toBeGreaterThan(0);
      expect(messages.top).toBeGreaterThanOrEqual(summary.bottom);
      expect(first.top).toBeGreaterThanOrEqual(summary.bottom);
      const covered = await page.locator('.conversation .messages .msg .bubble').first().evaluate((el) => {
        const r = el.getBoundingClientRect();
        const hit = document.elementFromPoint(r.left + 10, r.top + r.height / 2);
        return !!hit && !el.contains(hit);
      });
      expect(covered).toBe(false);
      await screenshot(page, `console-summary-${width}`);
      await page.close();
    }
  });

  it('with no ticket open, the right column shows the queues and what to do next', async () => {
    const uma = await makeUser(app, 'agent', ['technical'], 'Uma Unselected');
    await openTicket(app, 'technical_issue', 'The app crashes at checkout');
    await app.support.agents.setStatus(uma.id, 'away');
    const page = await newPage();
    await page.goto(`${app.url}/console/`);
    await signIn(page, uma.email);
    await page.getByRole('heading', { name: 'Inbox' }).waitFor();
    const aside = page.getByRole('complementary', { name: 'Queue overview' });
    await aside.getByRole('heading', { name: 'Your queues' }).waitFor();
    const technical = aside.getByRole('row', { name: /Technical/ });
    await technical.waitFor();
    expect(await technical.innerText()).toMatch(/\b\d+\b/);
    await aside.getByText(/You are online/).waitFor();
    const next = aside.getByRole('button', { name: /Open the next ticket/ });
    await next.click();
    await page.getByRole('main').getByRole('heading', { name: /crashes at checkout/ }).waitFor();
    await page.getByRole('complementary', { name: 'Customer' }).waitFor();
    await page.close();
  });

  it("the dashboard's sign-in card brings a supervisor back to the dashboard", async () => {
    const dora = await makeUser(app, 'supervisor', [], 'Dora Dashboard');
    const page = await newPage();
    await page.goto(`${app.url}/dashboard/`);
    await page.getByRole('link', { name: /Sign in/ }).click();
    await signIn(page, dora.email);
    await page.waitForURL(`${app.url}/dashboard/`);
    await page.getByRole('link', { name: 'Agent console' }).waitFor();
    // Signed out from inside the dashboard: its card leads back the same way.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('link', { name: /Sign in/ }).click();
    await signIn(page, dora.email);
    await page.waitForURL(`${app.url}/dashboard/`);
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    await page.close();
  });

  it('the return address after sign-in stays on this site', async () => {
    const vic = await makeUser(app, 'agent', ['billing'], 'Vic Visitor');
    const page = await newPage();
    await page.goto(`${app.url}/console/?next=${encodeURIComponent('//evil.example/dashboard/')}`);
    await signIn(page, vic.email);
    await page.getByRole('heading', { name: 'Inbox' }).waitFor();
    expect(new URL(page.url()).host).toBe(new URL(app.url).host);
    expect(browser.foreignRequests.filter((u) => u.includes('evil.example'))).toEqual([]);
    await page.close();
  });

  it('loading the console, signed out and signed in, logs no error and no failed request', async () => {
    const xena = await makeUser(app, 'agent', ['billing'], 'Xena Quiet');
    const page = await newPage();
    const problems = watch(page);
    await page.goto(`${app.url}/console/`);
    await page.getByRole('heading', { name: 'Sign in to Concierge' }).waitFor();
    await signIn(page, xena.email);
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
    await page.reload();
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to Concierge' }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Sign in to Concierge' }).waitFor();
    expect(problems).toEqual([]);
    await page.close();
  });
});
