import { sql } from 'drizzle-orm';
import type { Locator, Page } from 'playwright-core';
import { CommerceStore, seedDemoCatalog } from '../../crm/commerce';
import { IdentityLinker, ProfileStore } from '../../crm/identity';
import type { Application } from '../../bot/application';
import { startInProcessApp } from '../support/apps';
import { openBrowser, screenshot, type Browser } from '../support/browser';
import { makeUser, PASSWORD } from '../api/consoleClient';

/**
 * Acceptance (issue #6, Customer 360 in the console): an agent opens a ticket's customer (a website
 * visitor with a long chat history), sees their identities and timeline (with "load older"), tags them,
 * sets a declared attribute and a consent flag, finds their duplicate profile from the shop (email, three
 * orders, an email message), sees the merge preview (what moves, which values win), merges it and sees
 * its identity, message and orders in the panel, then
 * undoes the merge and sees them gone. A merge the server refuses (409) shows a readable message.
 */
describe('Customer 360 in the agent console', () => {
  let app: Application & { url: string };
  let browser: Browser;

  beforeAll(async () => {
    app = await startInProcessApp();
    browser = await openBrowser(app.url);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  const rows = async <T>(query: ReturnType<typeof sql>) => ((await app.database.db.execute(query)) as unknown as { rows: T[] }).rows;

  /** The website visitor with a ticket in billing, and the shop's profile of the same person. */
  async function setUp() {
    const now = Date.now();
    const visitor = await app.crm.customers.resolve({ kind: 'directline', externalId: `dl-visitor-${now}-0123456789`, displayName: 'Dana' });
    // 30 chat messages over the last weeks: more than one page of the timeline.
    for (let i = 0; i < 30; i += 1) {
      await app.crm.timeline.record({
        customerId: visitor.id,
        channel: 'directline',
        conversationId: `web-${now}`,
        direction: i % 2 === 0 ? 'inbound' : 'outbound',
        author: i % 2 === 0 ? 'customer' : 'bot',
        text: i === 0 ? 'Oldest message: do you ship to Austria?' : i % 2 === 0 ? `Question number ${i}` : `Bot answer number ${i}`,
        activityId: `web-${now}-${i}`,
        at: new Date(now - (30 - i) * 3_600_000 * 12),
      });
    }
    const { ticket } = await app.support.tickets.open({
      customerId: visitor.id,
      channel: 'directline',
      conversationId: `web-${now}`,
      intent: 'billing',
      language: 'en',
      sentiment: -0.3,
      recentMessages: ['I was charged twice for my kettle'],
      entities: [],
      trigger: 'asked_for_person',
    });

    // The shop's profile: email identity, three orders, a product view and an email.
    await seedDemoCatalog(app.database.db, app.crm.customers);
    const shop = await app.crm.customers.resolve({ kind: 'email', externalId: 'dana.demo@example.com' });
    const [kettle] = await rows<{ id: string }>(sql`select id::text from products where sku = 'KETTLE-GOOSE'`);
    await new CommerceStore(app.database.db).recordEvents([{ customerId: shop.id, type: 'view', productId: kettle.id, at: new Date(now - 7_200_000), idempotencyKey: `view-${now}`, source: 'website' }]);
    await app.crm.timeline.record({ customerId: shop.id, channel: 'email', conversationId: `mail-${now}`, direction: 'inbound', author: 'customer', text: 'Any news on my refund?', activityId: `mail-${now}`, at: new Date(now - 60_000) });
    // That email is a billing ticket too: an agent may find and merge only profiles they may see (their
    // queues' customers), and this billing agent serves billing.
    await app.support.tickets.open({ customerId: shop.id, channel: 'email', conversationId: `mail-${now}`, intent: 'billing', language: 'en', sentiment: 0, recentMessages: ['Refund for my kettle order, please'], entities: [], trigger: 'asked_for_person' });

    const profiles = new ProfileStore(app.database.db);
    await profiles.declareAttribute('plan', 'string', 'Plan');
    await profiles.declareAttribute('loyalty_points', 'number');
    // The shop's profile disagrees on two things the agent sets below: the plan, and an earlier consent decision.
    await profiles.update(shop.id, { attributes: { plan: 'Silver' }, consent: { email_marketing: false } }, 'import:shop');
    return { ticket, visitor, shop, profiles };
  }

  async function signIn(page: Page, email: string) {
    await page.setViewportSize({ width: 1440, height: 1000 });
    await page.goto(`${app.url}/console/`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Inbox' }).waitFor();
  }

  /** The browser's next profile write has been answered. */
  const profileSaved = (page: Page) => page.waitForResponse((r) => r.request().method() === 'PATCH' && r.url().endsWith('/profile') && r.ok());

  const texts = async (list: Locator) => (await list.getByRole('listitem').allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim());

  it('shows identities and the timeline, edits the profile, merges a duplicate found by email and undoes the merge', async () => {
    const { ticket, visitor, shop, profiles } = await setUp();
    const agent = await makeUser(app, 'agent', ['billing'], 'Bea Billing');

    const page = await browser.newPage();
    await signIn(page, agent.email);
    await page.getByRole('tab', { name: /All open/ }).click();
    await page.getByRole('navigation', { name: 'Tickets' }).getByRole('button', { name: /charged twice/ }).click();
    const panel = page.getByRole('complementary', { name: 'Customer' });
    await panel.getByRole('heading', { name: 'Dana' }).waitFor();
    // The console's own overview stays the first tab.
    await panel.getByRole('tab', { name: 'Overview', selected: true }).waitFor();

    // Profile: one identity, the website visitor.
    await panel.getByRole('tab', { name: 'Profile' }).click();
    const identities = panel.getByRole('list', { name: 'Identities' });
    await identities.getByText('Website visitor').waitFor();
    expect(await texts(identities)).toEqual([expect.stringMatching(/^Website visitor\s*dl-visit…\s*since /)]);

    // Tags: add "vip" (stored, shown in the list and at a glance); an invalid tag is refused in place.
    await panel.getByLabel('New tag').fill('vip');
    await panel.getByRole('button', { name: 'Add tag' }).click();
    await panel.getByRole('button', { name: 'Remove tag vip' }).waitFor();
    await panel.getByRole('list', { name: 'Customer tags' }).getByText('vip').waitFor();
    expect((await profiles.get(visitor.id)).tags).toEqual(['vip']);
    await panel.getByLabel('New tag').fill('a,b');
    await panel.getByRole('button', { name: 'Add tag' }).click();
    await panel.getByRole('alert').filter({ hasText: 'no commas' }).waitFor();
    await panel.getByLabel('New tag').fill('');

    // Declared attributes get an input of their type; a number saves as a number.
    await panel.getByLabel(/^Plan/).fill('Gold');
    await panel.getByLabel(/^Loyalty points/).fill('120');
    await Promise.all([profileSaved(page), panel.getByRole('button', { name: 'Save attributes' }).click()]);
    expect((await profiles.get(visitor.id)).attributes).toEqual({ plan: 'Gold', loyalty_points: 120 });
    expect(await panel.getByLabel(/^Loyalty points/).getAttribute('type')).toBe('number');

    // Consent: toggling records the decision with its time and who made it.
    const emailConsent = panel.getByRole('switch', { name: 'Email marketing' });
    expect(await emailConsent.getAttribute('aria-checked')).toBe('false');
    await emailConsent.click();
    await panel.getByRole('switch', { name: 'Email marketing', checked: true }).waitFor();
    await panel.getByText(/^Granted .+ · by you$/).waitFor();
    expect((await profiles.get(visitor.id)).consent.email_marketing).toMatchObject({ granted: true, source: `agent:${agent.id}` });
    await Promise.all([profileSaved(page), panel.getByRole('combobox', { name: 'Preferred language' }).selectOption('de')]);
    expect((await profiles.get(visitor.id)).language).toBe('de');
    await screenshot(page, 'customer360-profile');

    // Timeline: newest first, 25 a page; "Load older" brings the oldest chat message.
    await panel.getByRole('tab', { name: 'Timeline' }).click();
    const feed = panel.getByRole('feed', { name: 'Customer timeline' });
    await feed.locator('[data-kind="ticket"]').getByText(/charged twice/).waitFor();
    await panel.getByRole('button', { name: 'Load older' }).waitFor();
    expect(await feed.locator('li.tl-entry').count()).toBe(25);
    expect(await feed.getByText('Oldest message: do you ship to Austria?').count()).toBe(0);
    await panel.getByRole('button', { name: 'Load older' }).click();
    await feed.getByText('Oldest message: do you ship to Austria?').waitFor();
    expect(await feed.locator('li.tl-entry').count()).toBe(31);
    expect(await panel.getByRole('button', { name: 'Load older' }).count()).toBe(0);
    // Kind filters: without messages only the ticket is left.
    await panel.getByRole('button', { name: 'Messages', pressed: true }).click();
    await panel.getByRole('button', { name: 'Messages', pressed: false }).waitFor();
    await page.waitForFunction(() => document.querySelectorAll('[role="feed"] li[data-kind="message"]').length === 0);
    expect(await feed.locator('li.tl-entry').count()).toBe(1);
    await panel.getByRole('button', { name: 'Messages', pressed: false }).click();
    await feed.locator('[data-kind="message"]').first().waitFor();
    expect(await feed.getByText('Any news on my refund?').count()).toBe(0);

    // Merge: search the duplicate by email; the result says what matched and how many orders it has.
    await panel.getByRole('tab', { name: 'Profile' }).click();
    await panel.getByRole('button', { name: 'Merge a duplicate…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Find the other profile').fill('dana.demo@example.com');
    const result = dialog.getByRole('list', { name: 'Matching profiles' }).getByRole('button', { name: /dana\.demo@example\.com/ });
    await result.waitFor();
    expect((await result.textContent())!.replace(/\s+/g, ' ')).toMatch(/Matched by (email|Email handle) · 3 orders · last contact/);
    await screenshot(page, 'customer360-merge-search');
    await result.click();
    // The preview (the server's merge rules, nothing written yet): what moves, and which value wins where they differ.
    const moves = dialog.getByRole('list', { name: 'What moves to Dana' });
    await moves.getByText('orders').waitFor();
    expect(await texts(moves)).toEqual(['1 channel identity', '1 message', '1 ticket', '3 orders', '1 shop event']);
    const conflicts = dialog.getByRole('list', { name: 'Where both profiles differ' });
    expect(await texts(conflicts)).toEqual([
      'NameDana (Dana) wins over Dana Demo',
      'PlanGold (Dana) wins over Silver',
      expect.stringMatching(/^Email marketinggranted .+ \(Dana, the later decision\) wins over withdrawn .+$/),
    ]);
    expect(await dialog.getByRole('button', { name: 'Merge profiles' }).isEnabled()).toBe(true);
    expect(await rows(sql`select 1 from customer_merges where merged_id = ${shop.id}`)).toEqual([]);
    await dialog.getByLabel(/^Reason/).fill('same person, wrote from the shop account');
    await screenshot(page, 'customer360-merge-confirm');
    await dialog.getByRole('button', { name: 'Merge profiles' }).click();
    await dialog.waitFor({ state: 'detached' });

    // The panel refreshes: the email identity and a merge record, with undo.
    const notice = panel.getByRole('status').filter({ hasText: 'Merged' });
    await notice.getByText(/ moved/).waitFor();
    expect(await notice.textContent()).toMatch(/1 identity, 1 message, 3 orders, 1 event, 1 ticket moved/);
    await identities.getByText('dana.demo@example.com').waitFor();
    expect((await identities.locator('.kind-badge').allTextContents()).sort()).toEqual(['Email', 'Website visitor']);
    const merges = panel.getByRole('list', { name: 'Merges' });
    await merges.getByText(/Merged in /).waitFor();
    expect(await texts(merges)).toEqual([expect.stringMatching(/by you · “same person, wrote from the shop account”Undo merge$/)]);
    const [merge] = await rows<{ id: string; survivor_id: string; merged_id: string }>(sql`select id::text, survivor_id::text, merged_id::text from customer_merges where merged_id = ${shop.id}`);
    expect(merge).toMatchObject({ survivor_id: visitor.id, merged_id: shop.id });

    // …and the timeline now has the other profile's message, orders and product view.
    await panel.getByRole('tab', { name: 'Timeline' }).click();
    await feed.getByText('Any news on my refund?').waitFor();
    await feed.locator('[data-kind="order"]').getByText('Order A10042').waitFor();
    await feed.locator('[data-kind="event"]').getByText('Gooseneck kettle').waitFor();
    await feed.locator('[data-kind="message"]', { hasText: 'Any news on my refund?' }).getByText('on Email').waitFor();
    await screenshot(page, 'customer360-timeline-merged');

    // A tag added after the merge (another agent, meanwhile) is a later decision: the undo keeps it and says so.
    await rows(sql`update customer_profiles set tags = array_append(tags, 'callback-requested') where customer_id = ${visitor.id}`);
    // Undo from the notice: the rows go back, the merge is struck through in the list.
    await notice.getByRole('button', { name: 'Undo merge' }).click();
    await panel.getByRole('status').filter({ hasText: /Merge undone: 1 identity, 1 message, 3 orders, 1 event, 1 ticket moved back to .+\. Kept one change made after the merge \(tags\)\./ }).waitFor();
    expect((await rows<{ tags: string[] }>(sql`select tags from customer_profiles where customer_id = ${visitor.id}`))[0].tags).toContain('callback-requested');
    await page.waitForFunction(() => !document.querySelector('[role="feed"]')?.textContent?.includes('Any news on my refund?'));
    expect(await feed.locator('[data-kind="order"]').count()).toBe(0);
    await panel.getByRole('tab', { name: 'Profile' }).click();
    await merges.locator('li.undone').getByText(/Undone /).waitFor();
    expect(await merges.getByRole('button', { name: 'Undo merge' }).count()).toBe(0);
    expect(await identities.getByText('dana.demo@example.com').count()).toBe(0);
    expect(await texts(identities)).toHaveLength(1);
    expect(await merges.locator('li.undone .what').evaluate((el) => getComputedStyle(el).textDecorationLine)).toBe('line-through');
    const [undone] = await rows<{ undone_at: string | null }>(sql`select undone_at from customer_merges where id = ${merge.id}`);
    expect(undone.undone_at).not.toBeNull();
    await screenshot(page, 'customer360-undone');

    // A merge the server refuses (the duplicate was merged elsewhere meanwhile) reads as a sentence.
    await panel.getByRole('button', { name: 'Merge a duplicate…' }).click();
    await dialog.getByLabel('Find the other profile').fill('dana.demo@example.com');
    await result.click();
    const other = await app.crm.customers.resolve({ kind: 'phone', externalId: `+4930${Date.now()}`, displayName: 'Dana on the phone' });
    await new IdentityLinker(app.database.db).merge({ survivorId: other.id, mergedId: shop.id, actor: 'api' });
    await dialog.getByRole('button', { name: 'Merge profiles' }).click();
    await dialog.getByRole('alert').filter({ hasText: 'That profile has already been merged into another one.' }).waitFor();
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(await texts(identities)).toHaveLength(1);
    await panel.getByRole('heading', { name: 'Dana' }).waitFor();
    expect(ticket.customerId).toBe(visitor.id);

    expect(browser.foreignRequests).toEqual([]);
    await page.close();
  });
});
