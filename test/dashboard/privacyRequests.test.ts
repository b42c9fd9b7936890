import type { Page } from 'playwright-core';
import type { Application } from '../../bot/application';
import { PrivacyRequests } from '../../crm/privacy';
import { startInProcessApp } from '../support/apps';
import { openBrowser, screenshot, type Browser } from '../support/browser';
import { ConsoleClient, makeUser, PASSWORD } from '../api/consoleClient';

const DAY = 86_400_000;

/**
 * The dashboard's "Privacy requests" tab: a supervisor sees every data-subject request (made through
 * the real privacy service, one of them 31 days old and still open) with kind, status, where it came
 * from, requested, due (the overdue one marked, in words and colour) and completed; an agent gets
 * 403 from the list's API.
 */
describe('privacy requests on the supervisor dashboard', () => {
  let app: Application & { url: string };
  let browser: Browser;
  const cspViolations: string[] = [];

  beforeAll(async () => {
    app = await startInProcessApp();
    browser = await openBrowser(app.url);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  const customer = (name: string) => app.crm.customers.resolve({ kind: 'email', externalId: `${name.toLowerCase().replace(/\s+/g, '.')}.${Date.now()}@example.com`, displayName: name });

  async function openDashboard(email: string): Promise<Page> {
    const page = await browser.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') cspViolations.push(m.text());
    });
    page.on('pageerror', (e) => cspViolations.push(`page error: ${e.message}`));
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.goto(`${app.url}/console/?next=/dashboard/%23privacy`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/dashboard\//);
    return page;
  }

  it('lists the requests with kind, status, requested, due and completed; the overdue one is marked', async () => {
    // A request made 31 days ago and never processed: past its 30-day deadline.
    const late = await new PrivacyRequests(app.database.db, () => new Date(Date.now() - 31 * DAY)).create({ customerId: (await customer('Olga Overdue')).id, kind: 'export', source: 'console' });
    const pending = await app.privacy.requestErasure((await customer('Pia Pending')).id, 'chat', null);
    const done = await app.privacy.process((await app.privacy.requestExport((await customer('Carl Completed')).id, 'api', null)).id);
    expect(done.status).toBe('completed');

    const supervisor = await makeUser(app, 'supervisor');
    const page = await openDashboard(supervisor.email);
    const tab = page.getByRole('tab', { name: 'Privacy requests' });
    // The link's #privacy opened the tab.
    await page.getByRole('tab', { name: 'Privacy requests', selected: true }).waitFor();
    const table = page.getByRole('table', { name: 'Privacy requests' });
    await table.waitFor();
    const rows = table.locator('tbody tr');
    const cells = async (i: number) => (await rows.nth(i).locator('td').allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim());
    expect(await rows.count()).toBe(3);
    const ref = (id: string) => `#${id.slice(0, 8).toUpperCase()}`;
    // Open ones first by deadline (the overdue one leads), then the completed.
    expect(await cells(0)).toEqual([ref(late.id), 'Copy of data', 'Pending', 'Console', expect.stringMatching(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/), expect.stringMatching(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2} Overdue$/), '—']);
    expect(await cells(1)).toEqual([ref(pending.id), 'Erasure', 'Pending', 'Chat', expect.any(String), expect.stringMatching(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/), '—']);
    expect(await cells(2)).toEqual([ref(done.id), 'Copy of data', 'Completed', 'API', expect.any(String), expect.any(String), expect.stringMatching(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/)]);
    // Highlighted: the overdue row only.
    expect(await rows.nth(0).getAttribute('class')).toBe('overdue');
    expect(await rows.nth(1).getAttribute('class')).toBe('');
    const background = await rows.nth(0).evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(background).not.toBe(await rows.nth(1).evaluate((el) => getComputedStyle(el).backgroundColor));
    await page.getByText('2 open · 1 overdue').waitFor();
    await screenshot(page, 'dashboard-privacy-requests');

    // The tab keeps its place in the URL; the team tab is one click away.
    expect(new URL(page.url()).hash).toBe('#privacy');
    await page.getByRole('tab', { name: 'Team' }).click();
    await page.getByRole('heading', { name: 'Agent ranking' }).waitFor();
    await tab.click();
    await table.waitFor();
    expect(cspViolations).toEqual([]);
    expect(browser.foreignRequests).toEqual([]);
    await page.close();
  });

  it('an agent may not read the list', async () => {
    const agent = await makeUser(app, 'agent', ['billing']);
    const client = await new ConsoleClient(app.url).signIn(agent.email, PASSWORD);
    expect((await client.get('/api/privacy/requests')).status).toBe(403);
  });
});
