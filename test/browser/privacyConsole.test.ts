import fs from 'node:fs';
import type { Page } from 'playwright-core';
import type { Application } from '../../bot/application';
import { startInProcessApp } from '../support/apps';
import { openBrowser, screenshot, type Browser } from '../support/browser';
import { makeUser, PASSWORD } from '../api/consoleClient';

/**
 * Customer 360 for a privacy officer: "Export data" runs the export (the job in this process) and
 * offers the archive for download; "Erase customer…" asks for a confirmation naming the customer, then
 * erases them and says what went. An agent sees neither button.
 */
describe('privacy actions in the console', () => {
  let app: Application & { url: string };
  let browser: Browser;

  beforeAll(async () => {
    app = await startInProcessApp({}, 'all');
    browser = await openBrowser(app.url);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  async function signIn(page: Page, email: string) {
    await page.setViewportSize({ width: 1440, height: 1000 });
    await page.goto(`${app.url}/console/`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Inbox' }).waitFor();
  }

  async function openCustomer(page: Page) {
    await page.getByRole('tab', { name: /All open/ }).click();
    await page.getByRole('navigation', { name: 'Tickets' }).getByRole('button', { name: /charged twice/ }).click();
    const panel = page.getByRole('complementary', { name: 'Customer' });
    await panel.getByRole('heading', { name: 'Erin Erasable' }).waitFor();
    await panel.getByRole('tab', { name: 'Profile' }).click();
    await panel.getByRole('list', { name: 'Identities' }).waitFor();
    return panel;
  }

  it('exports and downloads the archive, then erases the customer after a confirmation naming them', async () => {
    const email = `erin.${Date.now()}@example.com`;
    const customer = await app.crm.customers.resolve({ kind: 'email', externalId: email, displayName: 'Erin Erasable' });
    await app.crm.timeline.record({ customerId: customer.id, channel: 'email', conversationId: `mail-${customer.id}`, direction: 'inbound', author: 'customer', text: 'I was charged twice for my kettle', activityId: 'e1' });
    await app.support.tickets.open({ customerId: customer.id, channel: 'email', conversationId: `mail-${customer.id}`, intent: 'billing', language: 'en', sentiment: -0.3, recentMessages: ['I was charged twice for my kettle'], entities: [], trigger: 'asked_for_person' });

    const agent = await makeUser(app, 'agent', ['billing'], 'Agnes Agent');
    const agentPage = await browser.newPage();
    await signIn(agentPage, agent.email);
    const agentPanel = await openCustomer(agentPage);
    expect(await agentPanel.getByRole('button', { name: 'Export data' }).count()).toBe(0);
    expect(await agentPanel.getByRole('button', { name: 'Erase customer…' }).count()).toBe(0);
    await agentPage.close();
    // One browser profile: the agent's session cookie goes before the officer signs in.
    await browser.context.clearCookies();

    const officer = await makeUser(app, 'privacy', [], 'Priya Privacy');
    const page = await browser.newPage();
    await signIn(page, officer.email);
    const panel = await openCustomer(page);
    await panel.getByRole('button', { name: 'Export data' }).click();
    await panel.getByRole('status').filter({ hasText: 'Export ready' }).waitFor({ timeout: 30_000 });
    const [download] = await Promise.all([page.waitForEvent('download'), panel.getByRole('button', { name: 'Download the archive (JSON)' }).click()]);
    const archive = JSON.parse(fs.readFileSync((await download.path())!, 'utf8'));
    expect(archive.data.identities.map((i: { externalId: string }) => i.externalId)).toEqual([email]);
    expect(archive.summary).toContain('Erin Erasable');

    await panel.getByRole('button', { name: 'Erase customer…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Erase Erin Erasable?' });
    await dialog.waitFor();
    await screenshot(page, 'privacy-erase-confirmation');
    await dialog.getByRole('button', { name: 'Erase Erin Erasable' }).click();
    await page.getByRole('status').filter({ hasText: 'Erin Erasable was erased' }).waitFor({ timeout: 30_000 });
    // The closed, anonymised ticket leaves the open list (the erasure's live event), and the buttons are done.
    await page.getByRole('navigation', { name: 'Tickets' }).getByText('Erin Erasable').waitFor({ state: 'detached' });
    expect(await panel.getByRole('button', { name: 'Erase customer…' }).isDisabled()).toBe(true);
    // The panel keeps no name: the reloaded ticket is anonymous.
    await panel.getByRole('heading', { name: 'Erin Erasable' }).waitFor({ state: 'detached' });
    expect(await app.crm.customers.findByIdentity('email', email)).toBeNull();
    expect(await app.crm.timeline.forCustomer(customer.id)).toEqual([]);
    await screenshot(page, 'privacy-erased');
  });
});
