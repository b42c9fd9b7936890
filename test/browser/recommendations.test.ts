import { sql } from 'drizzle-orm';
import type { Page } from 'playwright-core';
import { DEMO_ORDERS, DEMO_PRODUCTS } from '../../crm/commerce';
import { IdentityLinker } from '../../crm/identity';
import { RecommendationService, type ProductCard } from '../../crm/recommendations';
import type { Application } from '../../bot/application';
import { startInProcessApp } from '../support/apps';
import { openBrowser, screenshot, type Browser } from '../support/browser';
import { createScratchDatabase } from '../support/database';
import { makeUser, PASSWORD } from '../api/consoleClient';

/**
 * Acceptance (issue #6): a returning customer (a web visitor linked to the demo shop's Dana, who has
 * orders) asks the bot for recommendations in Web Chat and gets product cards, none of which they
 * bought; the conversation goes to a person, whose console shows the same products with explanations
 * and, in the transcript, which products the bot showed.
 * The app trains its model at start (small demo catalogue, no version stored yet).
 */
describe('recommendations in the browser', () => {
  let app: Application & { url: string };
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let browser: Browser;

  beforeAll(async () => {
    scratch = await createScratchDatabase('recs_browser');
    app = await startInProcessApp({ DATABASE_URL: scratch.url, DEMO_SEED: 'always' });
    browser = await openBrowser(app.url);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    await scratch?.drop();
  });

  const bought = DEMO_ORDERS.flatMap((o) => o.lines.map(([sku]) => DEMO_PRODUCTS.find((p) => p.sku === sku)!.name));
  const discontinued = DEMO_PRODUCTS.filter((p) => p.active === false).map((p) => p.name);

  it('Web Chat shows the returning customer cards of products they never bought; the agent console shows the same list with explanations', async () => {
    const agent = await makeUser(app, 'agent', app.support.config.queues.map((q) => q.id), 'Rita Recommends');
    await app.support.agents.setStatus(agent.id, 'online');

    // The visitor opens the chat and says hello: a new customer for a new Web Chat user.
    const customerPage = await browser.newPage();
    await customerPage.setViewportSize({ width: 1100, height: 900 });
    await customerPage.goto(`${app.url}/?new`);
    const said = (text: string | RegExp) => customerPage.getByRole('paragraph').filter({ hasText: text }).last();
    await said(/Concierge, the virtual assistant/).waitFor();
    const box = customerPage.getByRole('textbox').or(customerPage.locator('input[data-id="webchat-sendbox-input"]')).first();
    await box.fill('hello');
    await box.press('Enter');
    await said('Hello! How can I help you today?').waitFor();

    // They prove who they are (order A10042 of dana.demo@example.com): the visitor is linked to Dana.
    const [{ customer_id: visitorId }] = (
      (await app.database.db.execute(sql`select customer_id::text from identities where kind = 'directline' order by created_at desc limit 1`)) as unknown as { rows: Array<{ customer_id: string }> }
    ).rows;
    const dana = await app.crm.customers.resolve({ kind: 'email', externalId: 'dana.demo@example.com' });
    const link = await new IdentityLinker(app.database.db).linkByOrderProof({ customerId: visitorId, email: 'dana.demo@example.com', orderNumber: 'A10042' });
    expect(link).toMatchObject({ linked: true, customerId: dana.id });

    // What the served model recommends for Dana (another service instance, same stored version).
    const reference = new RecommendationService({ db: app.database.db, autoTrainMaxProducts: 0 });
    await reference.start();
    const expected: ProductCard[] = (await reference.recommendFor(dana.id, { k: 4 })).cards;
    await reference.close();
    expect(expected).toHaveLength(4);
    expect(expected.some((c) => c.source === 'personalized' && /^Because you bought /.test(c.explanation))).toBe(true);

    await box.fill('Can you recommend something for me?');
    await box.press('Enter');
    await said('Here are a few picks for you, based on what you bought before:').waitFor();
    const carousel = customerPage.locator('.webchat__carousel-filmstrip').last();
    await carousel.waitFor();
    for (const card of expected) {
      await carousel.getByText(card.name, { exact: true }).waitFor({ state: 'attached' });
      await carousel.getByText(card.explanation, { exact: true }).first().waitFor({ state: 'attached' });
    }
    // Card titles are text blocks of their own; a bought product appears only inside "Because you bought …".
    const blocks = (await carousel.locator('.ac-textBlock').allTextContents()).map((t) => t.trim());
    expect(blocks.filter((t) => DEMO_PRODUCTS.some((p) => p.name === t))).toEqual(expected.map((c) => c.name));
    for (const name of [...bought, ...discontinued]) expect(blocks).not.toContain(name);
    expect(await carousel.getByRole('button', { name: 'Tell me more' }).count()).toBe(4);
    await screenshot(customerPage, 'recommendations-webchat');

    // The customer wants a person: the ticket goes to the online agent.
    await box.fill('I would like to talk to a person about these, please');
    await box.press('Enter');
    await said(/Rita Recommends will be with you/).waitFor();

    const agentPage = await browser.newPage();
    await agentPage.setViewportSize({ width: 1366, height: 900 });
    await agentPage.goto(`${app.url}/console/`);
    await agentPage.getByLabel('Email').fill(agent.email);
    await agentPage.getByLabel('Password').fill(PASSWORD);
    await agentPage.getByRole('button', { name: 'Sign in' }).click();
    await agentPage.getByRole('heading', { name: 'Inbox' }).waitFor();
    const tickets = agentPage.getByRole('navigation', { name: 'Tickets' });
    await tickets.getByRole('button', { name: /talk to a person/ }).click();
    // The transcript says which products the bot showed (the cards themselves are not text), on a line of its own.
    const log = agentPage.getByRole('log', { name: 'Messages' });
    const shown = expected.map((c) => `• ${c.name} (€${(c.priceMinor / 100).toFixed(2)})`);
    const carouselBubble = log.locator('.msg.bot .bubble').filter({ hasText: shown[0] });
    await carouselBubble.waitFor();
    expect(await carouselBubble.innerText()).toBe(['Here are a few picks for you, based on what you bought before:', 'Shown:', ...shown].join('\n'));
    const panel = agentPage.getByRole('complementary', { name: 'Customer' });
    await panel.getByRole('heading', { name: 'Dana Demo' }).waitFor();
    await panel.getByRole('heading', { name: 'Recommendations' }).waitFor();
    const list = panel.getByRole('list', { name: 'Recommended products' });
    await list.waitFor();
    const items = list.getByRole('listitem');
    expect(await items.count()).toBe(expected.length);
    for (const [i, card] of expected.entries()) {
      await items.nth(i).getByText(card.name).waitFor();
      await items.nth(i).getByText(card.explanation, { exact: true }).waitFor();
    }
    const names = (await list.locator('.rec-name').allTextContents()).map((t) => t.trim());
    for (const [i, card] of expected.entries()) expect(names[i].startsWith(card.name)).toBe(true);
    for (const name of [...bought, ...discontinued]) expect(names.some((n) => n.startsWith(name))).toBe(false);
    await list.scrollIntoViewIfNeeded();
    await screenshot(agentPage, 'recommendations-console');
    await carouselBubble.scrollIntoViewIfNeeded();
    await screenshot(agentPage, 'recommendations-console-transcript');

    expect(browser.foreignRequests).toEqual([]);
    await customerPage.close();
    await agentPage.close();
  });
});
