import type { Page } from 'playwright-core';
import type { Application } from '../../bot/application';
import { startInProcessApp } from '../support/apps';
import { openBrowser, screenshot, type Browser } from '../support/browser';
import { createScratchDatabase } from '../support/database';
import { makeUser, PASSWORD } from '../api/consoleClient';

/**
 * What a new customer sees on the chat page and what their agent sees of them: the layout of a fresh
 * chat and of the product carousel (measured in headless Chromium), an agent's reply marked as a
 * person's, and the ticket and customer panel built from the whole conversation.
 */
describe('the chat page and the ticket it leads to', () => {
  let app: Application & { url: string };
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let browser: Browser;

  beforeAll(async () => {
    scratch = await createScratchDatabase('chat_page');
    app = await startInProcessApp({ DATABASE_URL: scratch.url, DEMO_SEED: 'always' });
    browser = await openBrowser(app.url);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    await scratch?.drop();
  });

  async function openChat(query = '') {
    const page = await browser.newPage();
    await page.setViewportSize({ width: 1100, height: 900 });
    await page.goto(`${app.url}/?new${query}`);
    const said = (text: string | RegExp) => page.getByRole('paragraph').filter({ hasText: text }).last();
    const box = page.getByRole('textbox').or(page.locator('input[data-id="webchat-sendbox-input"]')).first();
    const write = async (text: string) => {
      await box.fill(text);
      await box.press('Enter');
    };
    return { page, said, write };
  }

  /** Where an element is, in the page's CSS pixels. */
  const rect = (page: Page, selector: string) =>
    page.locator(selector).last().evaluate((el) => {
      const r = el.getBoundingClientRect();
      return { top: r.top, bottom: r.bottom, left: r.left, right: r.right, width: r.width, height: r.height };
    });

  it('a fresh chat shows the welcome at the top, with no empty area above it', async () => {
    const { page, said } = await openChat();
    await said(/Concierge, the virtual assistant/).waitFor();
    const pane = await rect(page, '.webchat__basic-transcript__scrollable');
    const welcome = await said(/Concierge, the virtual assistant/).evaluate((el) => el.closest('.webchat__bubble')!.getBoundingClientRect().top);
    expect(pane.height).toBeGreaterThan(600);
    expect(welcome - pane.top).toBeLessThan(40);
    await screenshot(page, 'chat-fresh');
    await page.close();
  });

  it('the recommendation carousel shows a scroll control while cards are cut at the edge, and it scrolls', async () => {
    const { page, said, write } = await openChat();
    await said(/Concierge, the virtual assistant/).waitFor();
    await write('what would you recommend?');
    await said(/what other customers like right now/).waitFor();
    const carousel = page.locator('.webchat__carousel-layout').last();
    await carousel.locator('.webchat__carousel-filmstrip-attachment').nth(3).waitFor();
    const strip = carousel.locator('.react-film__filmstrip');
    const overflow = await strip.evaluate((el) => ({ scroll: el.scrollWidth, client: el.clientWidth }));
    expect(overflow.scroll).toBeGreaterThan(overflow.client);
    // The mouse is not over the carousel: the control is shown all the same, inside the carousel, on top of the cut card.
    const layout = await rect(page, '.webchat__carousel-layout');
    const next = carousel.locator('.react-film__flipper--right .react-film__flipper__body');
    await page.waitForTimeout(1500); // Web Chat hides its controls 1 s after the last hover or scroll
    const control = await next.evaluate((el) => {
      const r = el.getBoundingClientRect();
      const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
      return { left: r.left, right: r.right, width: r.width, onTop: !!hit && el.closest('.react-film__flipper')!.contains(hit) };
    });
    expect(control.width).toBeGreaterThan(20);
    expect(control.left).toBeGreaterThanOrEqual(layout.left);
    expect(control.right).toBeLessThanOrEqual(layout.right);
    expect(control.onTop).toBe(true);
    await screenshot(page, 'chat-carousel');
    await next.click();
    await page.waitForFunction(() => (document.querySelector('.webchat__carousel-layout .react-film__filmstrip') as HTMLElement).scrollLeft > 0);
    await page.close();
  });

  it("an agent's reply carries their name and role; the ticket and the customer panel tell the problem, the mood and both languages", async () => {
    const rita = await makeUser(app, 'agent', ['billing'], 'Rita Replies');
    await app.support.agents.setStatus(rita.id, 'online');

    const { page, said, write } = await openChat();
    await said(/Concierge, the virtual assistant/).waitFor();
    await write('你好');
    await said('您好！今天有什么可以帮您？').waitFor();
    await write('I was charged twice, this is outrageous');
    await said(/Rita Replies will be with you in a moment/).waitFor();

    const ticket = (await app.support.tickets.list({ queueIds: ['billing'] })).find((t) => t.assignedAgentId === rita.id)!;
    await app.handoff!.agentReply(ticket.id, { id: rita.id, role: 'agent' }, 'I can see the double charge and I am refunding it now.');
    const reply = said('I can see the double charge and I am refunding it now.');
    await reply.waitFor();
    // The person's name (in bold) and role are in the same bubble as their words; the bot's bubbles have none.
    const bubble = page.locator('.webchat__bubble').filter({ has: reply });
    await bubble.getByText('Rita Replies').waitFor();
    expect(await bubble.innerText()).toMatch(/^Rita Replies · Support agent\n/);
    expect(await bubble.locator('strong').innerText()).toBe('Rita Replies');
    expect(await page.locator('.webchat__bubble').filter({ hasText: 'Concierge, the virtual assistant' }).innerText()).not.toMatch(/Support agent/);
    await screenshot(page, 'chat-agent-reply');

    // What an agent types is shown as written: no image (remote or not), no HTML, no disguised link.
    const hostile = 'Look: ![pixel](http://203.0.113.9/pixel.png) <img src="http://203.0.113.9/x.png" onerror="window.pwned=1"> [your bank](http://203.0.113.9/) **loud** -- "quoted" www.example.com a@b.co\nsecond line';
    await app.handoff!.agentReply(ticket.id, { id: rita.id, role: 'agent' }, hostile);
    const shown = page.locator('.webchat__bubble').filter({ hasText: 'second line' }).last();
    await shown.waitFor();
    expect(await shown.locator('img').count()).toBe(0);
    expect(await shown.locator('a').count()).toBe(0);
    expect(await shown.locator('strong').allInnerTexts()).toEqual(['Rita Replies']);
    expect((await shown.innerText()).replace(/^Rita Replies · Support agent\n+/, '')).toBe(hostile);
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
    expect(browser.foreignRequests.filter((u) => u.includes('203.0.113.9'))).toEqual([]);

    // The agent's console: the subject is the problem, the sentiment the conversation's, both languages, the mood negative.
    const agentPage = await browser.newPage();
    await agentPage.setViewportSize({ width: 1366, height: 900 });
    await agentPage.goto(`${app.url}/console/`);
    await agentPage.getByLabel('Email').fill(rita.email);
    await agentPage.getByLabel('Password').fill(PASSWORD);
    await agentPage.getByRole('button', { name: 'Sign in' }).click();
    await agentPage.getByRole('heading', { name: 'Inbox' }).waitFor();
    await agentPage.getByRole('navigation', { name: 'Tickets' }).getByRole('button', { name: /charged twice/ }).first().click();
    const conversation = agentPage.getByRole('main');
    await conversation.getByRole('heading', { name: `#${ticket.number} I was charged twice, this is outrageous` }).waitFor();
    await conversation.getByText(/^Sentiment: (Negative|Very negative) \(-0\.\d\d\)$/).waitFor();
    const learned = agentPage.getByRole('complementary', { name: 'Customer' }).getByRole('region', { name: 'Learned from conversations' });
    const fact = (name: string) => learned.locator('dt', { hasText: name }).locator('xpath=following-sibling::dd');
    await learned.waitFor();
    expect((await fact('Writes in').innerText()).split(', ').sort()).toEqual(['en', 'zh']);
    const mood = await fact('Mood').innerText();
    expect(mood).not.toMatch(/Improving/);
    expect(mood).toMatch(/\(-0\.\d\d\)$/);
    await screenshot(agentPage, 'console-ticket-from-conversation');
    expect(browser.foreignRequests).toEqual([]);
    await agentPage.close();
    await page.close();
  });
});
