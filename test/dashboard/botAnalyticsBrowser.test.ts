import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import { eq } from 'drizzle-orm';
import { startInProcessApp } from '../support/apps';
import { openBrowser, screenshot, type Browser } from '../support/browser';
import type { Application } from '../../bot/application';
import { customers, intentLabels } from '../../crm/schema';
import { makeUser, PASSWORD } from '../api/consoleClient';
import { recordUnderstood } from '../understanding/fixtures';

/**
 * Acceptance (issue item 7) in headless Chromium: a supervisor opens the dashboard's "Bot analytics"
 * tab and sees figures and charts drawn from stored understandings, the messages the bot did not
 * understand (times in the support team's zone, filtered by language, a link to the conversation),
 * labels one, and sees the intent model section.
 */
describe('dashboard in the browser: bot analytics', () => {
  let app: Application & { url: string };
  let browser: Browser;
  let sam: { email: string; id: string };
  let zhMessage: string;
  let enAt: Date;
  const pageErrors: string[] = [];
  const zone = 'Asia/Shanghai';

  beforeAll(async () => {
    app = await startInProcessApp({ SUPPORT_TIME_ZONE: zone });
    sam = await makeUser(app, 'supervisor', [], 'Sam Supervisor');
    const db = app.database.db;
    const [{ id: customerId }] = await db.insert(customers).values({ displayName: 'Browser Customer' }).returning({ id: customers.id });
    const ago = (h: number) => new Date(Date.now() - h * 3_600_000);
    const a = `conv-${randomUUID()}`;
    const b = `conv-${randomUUID()}`;
    await recordUnderstood(db, { customerId, conversationId: a, text: 'where is my parcel', intent: 'order_status', confidence: 0.93, at: ago(30) });
    await recordUnderstood(db, { customerId, conversationId: a, text: 'thank you!', intent: 'thanks', confidence: 0.97, at: ago(29.9) });
    enAt = ago(5);
    await recordUnderstood(db, { customerId, conversationId: b, text: 'the gizmo thing keeps blinking purple', intent: 'technical_issue', confidence: 0.22, outcome: 'not_understood', reason: 'low_confidence', at: enAt });
    zhMessage = await recordUnderstood(db, { customerId, conversationId: b, text: '那个蓝色的怎么弄', intent: 'product_question', confidence: 0.18, outcome: 'not_understood', reason: 'low_confidence', at: ago(4) });
    await recordUnderstood(db, { customerId, conversationId: b, text: 'let me speak to someone', intent: 'human_agent', confidence: 0.91, outcome: 'handed_over', reason: 'asked_for_person', at: ago(3.9) });
    browser = await openBrowser(app.url);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  async function signIn(page: Page) {
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.setViewportSize({ width: 1440, height: 1000 });
    await page.goto(`${app.url}/console/`);
    await page.getByLabel('Email').fill(sam.email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: 'Supervisor dashboard' }).click();
    await page.waitForURL(`${app.url}/dashboard/`);
  }

  it('the supervisor opens the bot analytics tab, sees the figures, charts and the not-understood list, and labels a message', async () => {
    const page = await browser.newPage();
    await signIn(page);
    await page.getByRole('tab', { name: 'Bot analytics' }).click();
    expect(new URL(page.url()).hash).toBe('#bot');
    const figures = page.getByLabel('Bot figures');
    await figures.getByText('customer messages').waitFor();
    // 5 messages; 2 of 5 not understood; 1 of 2 conversations resolved by the bot.
    expect((await figures.locator('.bot-kpi').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim())).toEqual([
      '5 customer messages',
      '50.0 % conversations resolved without a person 1 of 2',
      '40.0 % fallback (not understood) 2 messages',
      '0.0 % clarification asked 0 messages',
      '20.0 % handed over 1 messages',
      '0.0 % other language 0 messages',
    ]);
    await page.getByRole('img', { name: /^Bot outcome rates over 28 days/ }).waitFor();
    await page.getByRole('img', { name: /^Confidence histogram of 1 model versions/ }).waitFor();
    const drawn = await page.evaluate(() => {
      const Chart = (window as unknown as { Chart: { getChart(c: HTMLCanvasElement): { data: { datasets: Array<{ data: Array<number | null> }> } } | undefined } }).Chart;
      return Array.from(document.querySelectorAll<HTMLCanvasElement>('.bot-tab canvas')).map((c) => Chart.getChart(c)?.data.datasets.reduce((n, d) => n + d.data.filter((v) => v !== null && v !== 0).length, 0) ?? 0);
    });
    expect(drawn.length).toBeGreaterThanOrEqual(4);
    expect(drawn.every((n) => n > 0)).toBe(true);
    await page.getByRole('table', { name: 'Intents by volume' }).getByText('Order status (where is my order)').waitFor();
    await page.getByRole('list', { name: 'Reasons: Not understood (fallback)' }).getByText('low confidence').waitFor();

    // The messages the bot did not understand, newest first, at their time in the support team's zone.
    const list = page.getByRole('table', { name: 'Messages the bot did not understand' });
    await list.getByText('那个蓝色的怎么弄').waitFor();
    const rows = list.locator('tbody tr');
    expect(await rows.count()).toBe(2);
    expect(await rows.nth(1).locator('td').nth(2).textContent()).toBe('the gizmo thing keeps blinking purple');
    const p = Object.fromEntries(new Intl.DateTimeFormat('en-GB', { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: zone }).formatToParts(enAt).map((x) => [x.type, x.value]));
    expect(await rows.nth(1).locator('time').textContent()).toBe(`${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`);
    await page.getByText(`times in ${zone}`).waitFor({ state: 'attached' });

    // Chinese only.
    await page.getByLabel('Language', { exact: true }).selectOption('zh');
    await list.locator('tbody tr').filter({ hasText: 'the gizmo thing' }).waitFor({ state: 'detached' });
    await list.getByText('那个蓝色的怎么弄').waitFor();
    expect(await list.locator('tbody tr').count()).toBe(1);

    // The conversation it was said in.
    await list.getByRole('button', { name: 'View' }).click();
    const conversation = page.getByRole('region', { name: 'Conversation' });
    await conversation.getByText('let me speak to someone').waitFor();
    expect(await conversation.locator('li').count()).toBe(3);

    // Label it: the supervisor says what the customer meant.
    await list.getByRole('button', { name: /^Label it: 那个蓝色的怎么弄/ }).click();
    const form = list.getByRole('form', { name: /^Label: 那个蓝色的怎么弄/ });
    await form.getByLabel('What the customer meant').selectOption({ label: 'Question about a product' });
    await form.getByRole('button', { name: 'Save' }).click();
    await list.locator('.chip.labelled', { hasText: 'Question about a product' }).waitFor();
    expect(await app.database.db.select().from(intentLabels).where(eq(intentLabels.messageId, zhMessage))).toEqual([
      expect.objectContaining({ intent: 'product_question', source: 'agent_correction', labelledBy: `agent:${sam.id}`, language: 'zh' }),
    ]);

    // The intent model section: nothing stored yet, the bot serves the built-in model; one label waits.
    const models = page.getByRole('region', { name: 'Intent model versions' });
    await models.getByText(/No version stored yet: the bot serves the built-in model/).waitFor();
    await models.getByText('learned labels: 1 agent corrections').waitFor();
    await screenshot(page, 'dashboard-bot-analytics');

    // A reload keeps the tab (the URL says #bot).
    await page.reload();
    await page.getByLabel('Bot figures').waitFor();
    expect(pageErrors).toEqual([]);
    expect(browser.foreignRequests).toEqual([]);
    await page.close();
  });
});
