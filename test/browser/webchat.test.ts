import type { Page } from 'playwright-core';
import { spawnApp, tempDir, type ChildApp } from '../support/apps';
import { openBrowser, screenshot, type Browser } from '../support/browser';

/**
 * The customer's view: Web Chat in headless Chromium against the app as `npm start` runs it, on the
 * embedded database (no DATABASE_URL). The page must load nothing from any other host.
 */
describe('customer chat in the browser', () => {
  let app: ChildApp;
  let browser: Browser;

  beforeAll(async () => {
    app = await spawnApp({ DATABASE_URL: undefined, DATA_DIR: tempDir('browser-data') });
    browser = await openBrowser(app.url);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    expect(await app?.stop()).toBe(0);
  });

  async function chat(page: Page, transport: 'websocket' | 'polling') {
    const socketUrls: string[] = [];
    page.on('websocket', (ws) => socketUrls.push(ws.url()));
    await page.goto(`${app.url}/?new&transport=${transport}`);
    // Web Chat renders each message's text as markdown paragraphs.
    const log = { getByText: (text: string | RegExp) => page.getByRole('paragraph').filter({ hasText: text }).last() };
    await log.getByText(/Concierge, the virtual assistant/).waitFor();
    const box = page.getByRole('textbox').or(page.locator('input[data-id="webchat-sendbox-input"]')).first();
    await box.fill('hello');
    await box.press('Enter');
    await log.getByText('Hello! How can I help you today?').waitFor();
    await box.fill('help');
    await box.press('Enter');
    await log.getByText('What can I help you with?').waitFor();
    await page.getByRole('toolbar', { name: 'Suggested actions' }).getByRole('button', { name: 'Returns' }).click();
    await log.getByText(/return most items within 30 days/).waitFor();
    return socketUrls;
  }

  it('greets and answers over the WebSocket stream', async () => {
    const page = await browser.newPage();
    const sockets = await chat(page, 'websocket');
    expect(sockets.some((u) => /\/v3\/directline\/conversations\/[^/]+\/stream/.test(u))).toBe(true);
    await screenshot(page, 'webchat-websocket');
    expect(browser.foreignRequests).toEqual([]);
    await page.close();
  });

  it('asks a Chinese customer for the order number in Chinese', async () => {
    const page = await browser.newPage();
    await page.goto(`${app.url}/?new&locale=zh-CN`);
    const said = (text: string | RegExp) => page.getByRole('paragraph').filter({ hasText: text }).last();
    await said(/您好，我是 Concierge 智能助手/).waitFor();
    const box = page.getByRole('textbox').first();
    await box.fill('你好，我的订单到哪里了？');
    await box.press('Enter');
    await said('好的，请问您的订单号是多少？（例如 #A12345）').waitFor();
    // A12345 is not an order of the demo shop this app seeded on its empty database; A10042 is.
    await box.fill('订单号是 A12345');
    await box.press('Enter');
    await said(/没有找到订单 A12345/).waitFor();
    await box.fill('我的订单 A10042 到哪里了？');
    await box.press('Enter');
    await said(/订单 A10042：已发货/).waitFor();
    await screenshot(page, 'webchat-chinese-order');
    expect(browser.foreignRequests).toEqual([]);
    await page.close();
  });

  it('greets and answers over polling', async () => {
    const page = await browser.newPage();
    const polls: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'GET' && /\/activities(\?|$)/.test(r.url())) polls.push(r.url());
    });
    const sockets = await chat(page, 'polling');
    expect(sockets).toEqual([]);
    expect(polls.length).toBeGreaterThan(1);
    await screenshot(page, 'webchat-polling');
    expect(browser.foreignRequests).toEqual([]);
    await page.close();
  });
});
