import type { Page } from 'playwright-core';
import { ProfileStore } from '../../crm/identity';
import type { Application } from '../../bot/application';
import { startInProcessApp } from '../support/apps';
import { openBrowser, screenshot, type Browser } from '../support/browser';
import { makeUser, openTicket, PASSWORD } from '../api/consoleClient';

/**
 * Admins declare custom attributes in the console: a bad key is refused in place (nothing sent), a good
 * declaration appears in the table, an agent then sees it (label, description, an input of its type) on
 * a customer's Profile tab and fills it in, the table counts the profile, the admin edits the label and
 * deletes the attribute after a confirmation that says the stored value goes too. Agents and
 * supervisors have no such screen. A refusal by the server (the attribute was deleted meanwhile) reads as a sentence.
 */
describe('custom attributes in the agent console', () => {
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

  async function signIn(page: Page, email: string, path = '/console/') {
    await page.goto(`${app.url}${path}`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Inbox' }).waitFor();
  }
  async function signOut(page: Page) {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
  }
  const cells = async (page: Page, key: string) =>
    (await page.locator(`tr[data-key="${key}"]`).locator('th, td').allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim());

  it('declares an attribute that agents then fill in, edits it and deletes it with its values', async () => {
    const profiles = new ProfileStore(app.database.db);
    const ticket = await openTicket(app, 'billing', 'Which tier am I on?');
    const admin = await makeUser(app, 'admin', [], 'Ada Admin');
    const agent = await makeUser(app, 'agent', ['billing'], 'Bea Billing');
    const supervisor = await makeUser(app, 'supervisor', [], 'Sam Supervisor');

    const page = await browser.newPage();
    await page.setViewportSize({ width: 1440, height: 1000 });
    const writes: string[] = [];
    page.on('request', (r) => {
      if (['PUT', 'PATCH', 'DELETE'].includes(r.method()) && r.url().includes('/api/customer-attributes')) writes.push(`${r.method()} ${new URL(r.url()).pathname}`);
    });

    // Admin: the navigation leads to the screen; nothing is declared yet.
    await signIn(page, admin.email);
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Custom attributes' }).click();
    const screen = page.getByRole('main', { name: 'Custom attributes' });
    await screen.getByText('None yet: declare the first one below.').waitFor();
    expect(page.url()).toMatch(/\/console\/#attributes$/);
    expect(await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Custom attributes' }).getAttribute('aria-current')).toBe('page');

    // A key the API would refuse is refused in place, and nothing is sent.
    await screen.getByLabel('Key', { exact: true }).fill('Loyalty Tier');
    await screen.getByRole('button', { name: 'Declare attribute' }).click();
    await screen.getByRole('alert').filter({ hasText: 'A key starts with a lower-case letter and has only lower-case letters (a–z), digits and _' }).waitFor();
    expect(await screen.getByLabel('Key', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    expect(writes).toEqual([]);
    expect(await profiles.declared()).toEqual([]);
    await screenshot(page, 'attributes-bad-key');

    // A good one is declared and shows in the table.
    await screen.getByLabel('Key', { exact: true }).fill('loyalty_tier');
    await screen.getByLabel('Type').selectOption({ label: 'Text' });
    await screen.getByLabel('Label (optional)').fill('Loyalty tier');
    await screen.getByLabel('Description (optional)').fill('From the shop: bronze, silver or gold.');
    await screen.getByRole('button', { name: 'Declare attribute' }).click();
    await screen.getByRole('status').filter({ hasText: 'Declared loyalty_tier. Agents can fill it in on the Profile tab now.' }).waitFor();
    await screen.locator('tr[data-key="loyalty_tier"]').waitFor();
    expect(await cells(page, 'loyalty_tier')).toEqual(['loyalty_tier', 'Loyalty tier', 'Text string', 'From the shop: bronze, silver or gold.', '0', 'EditDelete']);
    expect(await profiles.declared()).toEqual([{ key: 'loyalty_tier', type: 'string', label: 'Loyalty tier', description: 'From the shop: bronze, silver or gold.' }]);
    expect(writes).toEqual(['PUT /api/customer-attributes/loyalty_tier']);
    // Declaring the same key again is caught before it would overwrite the declaration.
    await screen.getByLabel('Key', { exact: true }).fill('loyalty_tier');
    await screen.getByRole('button', { name: 'Declare attribute' }).click();
    await screen.getByRole('alert').filter({ hasText: 'loyalty_tier is already declared: edit it in the table.' }).waitFor();
    expect(writes).toHaveLength(1);
    await screen.getByLabel('Key', { exact: true }).fill('');
    await screenshot(page, 'attributes-declared');
    await signOut(page);

    // The agent: no such screen, not even by its address; the Profile tab has the new attribute.
    await signIn(page, agent.email, '/console/#attributes');
    expect(await page.getByRole('link', { name: 'Custom attributes' }).count()).toBe(0);
    expect(await page.getByRole('main', { name: 'Custom attributes' }).count()).toBe(0);
    await page.getByRole('tab', { name: /All open/ }).click();
    await page.getByRole('navigation', { name: 'Tickets' }).getByRole('button', { name: /Which tier am I on/ }).click();
    const panel = page.getByRole('complementary', { name: 'Customer' });
    await panel.getByRole('heading', { name: 'Casey Customer' }).waitFor();
    await panel.getByRole('tab', { name: 'Profile' }).click();
    const tier = panel.getByLabel(/^Loyalty tier/);
    await tier.waitFor();
    expect(await tier.getAttribute('type')).toBe('text');
    const about = panel.getByText('From the shop: bronze, silver or gold.');
    expect(await tier.getAttribute('aria-describedby')).toBe(await about.getAttribute('id'));
    await tier.fill('gold');
    await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'PATCH' && r.url().endsWith('/profile') && r.ok()),
      panel.getByRole('button', { name: 'Save attributes' }).click(),
    ]);
    expect((await profiles.get(ticket.customerId)).attributes).toEqual({ loyalty_tier: 'gold' });
    await screenshot(page, 'attributes-agent-profile');
    await signOut(page);

    // A supervisor has no such screen either.
    await signIn(page, supervisor.email);
    expect(await page.getByRole('link', { name: 'Custom attributes' }).count()).toBe(0);
    expect(await page.getByRole('main', { name: 'Custom attributes' }).count()).toBe(0);
    await signOut(page);

    // Admin again, straight to the screen by its address: the table counts the agent's value.
    await page.goto(`${app.url}/console/#attributes`);
    await page.getByLabel('Email').fill(admin.email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await screen.locator('tr[data-key="loyalty_tier"]').waitFor();
    expect((await cells(page, 'loyalty_tier'))[4]).toBe('1');

    // Edit: label and description change; the stored value stays.
    await screen.getByRole('button', { name: 'Edit loyalty_tier' }).click();
    const edit = page.getByRole('dialog', { name: 'Edit Loyalty tier' });
    await edit.getByLabel('Label').fill('Shop tier');
    await edit.getByLabel('Description').fill('');
    await edit.getByRole('button', { name: 'Save' }).click();
    await edit.waitFor({ state: 'detached' });
    await screen.getByRole('status').filter({ hasText: 'Saved loyalty_tier.' }).waitFor();
    await page.waitForFunction(() => document.querySelector('tr[data-key="loyalty_tier"] td')?.textContent === 'Shop tier');
    expect(await cells(page, 'loyalty_tier')).toEqual(['loyalty_tier', 'Shop tier', 'Text string', '—', '1', 'EditDelete']);
    expect(await profiles.declared()).toEqual([{ key: 'loyalty_tier', type: 'string', label: 'Shop tier', description: null }]);
    expect((await profiles.get(ticket.customerId)).attributes).toEqual({ loyalty_tier: 'gold' });

    // Delete: the confirmation says the stored value goes too; Cancel keeps everything.
    await screen.getByRole('button', { name: 'Delete loyalty_tier' }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete Shop tier?' });
    await confirm.getByText(/1 customer profile holds a value/).waitFor();
    expect((await confirm.locator('.attr-consequence').innerText()).replace(/\s+/g, ' ').trim()).toBe(
      '1 customer profile holds a value for loyalty_tier. Deleting removes the attribute and that value from every profile, in one step. ' +
        'Agents no longer see it on the Profile tab, and it cannot be undone: declaring loyalty_tier again starts empty.',
    );
    await screenshot(page, 'attributes-delete-confirm');
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await confirm.waitFor({ state: 'detached' });
    expect(writes.filter((w) => w.startsWith('DELETE'))).toEqual([]);
    expect(await profiles.declared()).toHaveLength(1);

    await screen.getByRole('button', { name: 'Delete loyalty_tier' }).click();
    await confirm.getByText(/1 customer profile holds a value/).waitFor();
    await confirm.getByRole('button', { name: 'Delete attribute' }).click();
    await confirm.waitFor({ state: 'detached' });
    await screen.getByRole('status').filter({ hasText: 'Deleted loyalty_tier: its value was removed from 1 profile.' }).waitFor();
    await screen.getByText('None yet: declare the first one below.').waitFor();
    expect(await profiles.declared()).toEqual([]);
    expect((await profiles.get(ticket.customerId)).attributes).toEqual({});

    // The server's refusal reads as a sentence: an attribute deleted by someone else while being edited.
    await profiles.declareAttribute('contract_end', 'date', 'Contract end');
    await page.reload();
    await screen.locator('tr[data-key="contract_end"]').waitFor();
    expect(await cells(page, 'contract_end')).toEqual(['contract_end', 'Contract end', 'Date date', '—', '0', 'EditDelete']);
    await screen.getByRole('button', { name: 'Edit contract_end' }).click();
    const stale = page.getByRole('dialog', { name: 'Edit Contract end' });
    await stale.getByLabel('Description').fill('When the service contract ends');
    await profiles.deleteAttribute('contract_end');
    await stale.getByRole('button', { name: 'Save' }).click();
    await stale.getByRole('alert').filter({ hasText: 'That attribute no longer exists (someone else deleted it). The list is up to date again.' }).waitFor();
    // …and it was not declared again by the edit.
    expect(await profiles.declared()).toEqual([]);
    await stale.getByRole('button', { name: 'Close' }).click();
    await stale.waitFor({ state: 'detached' });
    await screen.getByText('None yet: declare the first one below.').waitFor();

    expect(browser.foreignRequests).toEqual([]);
    await page.close();
  });
});
