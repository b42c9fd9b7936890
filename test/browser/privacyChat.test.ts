import { QueueEvents } from 'bullmq';
import type { Page } from 'playwright-core';
import type { Application } from '../../bot/application';
import { privacyRequestJobId, QUEUE_NAMES } from '../../workers';
import { startInProcessApp } from '../support/apps';
import { openBrowser, screenshot, type Browser } from '../support/browser';
import { runQueuePrefix } from '../support/redisNames';
import { ConsoleClient, makeUser, openTicket, PASSWORD } from '../api/consoleClient';
import { seedCustomer, type SeededCustomer } from '../privacy/seedCustomer';

/** Every kind of data issue #13 lists for an export, as the archive counts them. */
const EXPORTED_KINDS = ['identities', 'consentFlags', 'messages', 'understandings', 'intentLabels', 'transcripts', 'transcriptActivities', 'tickets', 'ticketEvents', 'csatAnswers', 'orders', 'orderLines', 'events', 'recommendationsShown', 'learnedProfile', 'customerValue', 'merges'];

/**
 * Acceptance (issue #13): a customer with data of every kind (seeded through the real services) asks
 * in Web Chat to have their data deleted, proves who they are with an email and an order number, and
 * confirms; their export taken before (through the privacy service) held every kind of data. The
 * erasure job runs in the app's workers; once it has completed the customer sees the "done" message in
 * the same chat, and an admin in the console finds nothing of them by name, email or order number.
 * Then the same in Chinese for a second customer. Headless Chromium; the app in one process (role all).
 */
describe('privacy request in chat, end to end', () => {
  let app: Application & { url: string };
  let browser: Browser;
  let jobs: QueueEvents;
  /** Ids of privacy-request jobs completed since the test began (bullmq events, no polling). */
  const completed = new Set<string>();
  const waiters: Array<() => void> = [];

  beforeAll(async () => {
    app = await startInProcessApp({ CSAT_SURVEY_DELAY_SECONDS: '1' }, 'all');
    jobs = new QueueEvents(QUEUE_NAMES.privacyRequests, { connection: { url: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379' }, prefix: runQueuePrefix() });
    jobs.on('completed', ({ jobId }) => {
      completed.add(jobId);
      for (const w of waiters.splice(0)) w();
    });
    await jobs.waitUntilReady();
    browser = await openBrowser(app.url);
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await jobs?.close();
    await app?.stop();
  });

  const jobCompleted = async (jobId: string) => {
    while (!completed.has(jobId)) await new Promise<void>((resolve) => waiters.push(resolve));
  };

  /** The export of the customer, through the service, before anything is erased: every kind of data is in it. */
  async function exportBefore(seeded: SeededCustomer) {
    const request = await app.privacy.requestExport(seeded.customerId, 'cli', null);
    const done = await app.privacy.process(request.id);
    expect(done).toMatchObject({ status: 'completed', kind: 'export', hasArchive: true });
    const counts = done.outcome!.counts as Record<string, number>;
    expect(EXPORTED_KINDS.filter((k) => !(counts[k] > 0))).toEqual([]);
    const { data } = await app.privacy.readArchive(request.id, null);
    const json = JSON.stringify(data);
    for (const clear of [seeded.email, seeded.name, seeded.phone, seeded.orderNumber, seeded.csatComment, ...seeded.texts]) expect(json).toContain(clear);
  }

  async function openChat(locale: string): Promise<{ page: Page; say(text: string): Promise<void>; sees(text: string | RegExp): Promise<string>; tap(title: string): Promise<void> }> {
    const context = browser.context;
    const page = await context.newPage();
    await page.setExtraHTTPHeaders({ 'Accept-Language': locale });
    await page.goto(`${app.url}/?new`);
    const bubble = (text: string | RegExp) => page.getByRole('paragraph').filter({ hasText: text }).last();
    await bubble(/Concierge/).waitFor();
    const box = page.getByRole('textbox').or(page.locator('input[data-id="webchat-sendbox-input"]')).first();
    return {
      page,
      async say(text: string) {
        await box.fill(text);
        await box.press('Enter');
      },
      async sees(text: string | RegExp) {
        const b = bubble(text);
        await b.waitFor().catch(async (err: Error) => {
          // What the chat shows instead, in the failure.
          throw new Error(`${err.message}\nthe chat shows:\n${(await page.getByRole('paragraph').allTextContents()).join('\n')}`);
        });
        return (await b.textContent()) ?? '';
      },
      /** A suggested action under the last message (Web Chat also keeps a copy for screen readers). */
      tap: (title: string) => page.getByRole('toolbar', { name: 'Suggested actions' }).getByRole('button', { name: title }).click(),
    };
  }

  /**
   * What an admin's console search finds: the API the console's search box calls, and the box itself
   * (the merge dialog's), which must come to show the same: a list, or "No matching profile."
   */
  async function consoleFinds(admin: ConsoleClient, page: Page, query: string): Promise<number> {
    const api = await admin.get(`/api/customers?q=${encodeURIComponent(query)}&limit=10`);
    expect(api.status).toBe(200);
    const found = (api.body.customers as unknown[]).length;
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Find the other profile').fill(query);
    if (found === 0) await dialog.getByText('No matching profile.').waitFor();
    else await dialog.getByRole('list', { name: 'Matching profiles' }).waitFor();
    expect(await dialog.getByRole('list', { name: 'Matching profiles' }).count()).toBe(found === 0 ? 0 : 1);
    return found;
  }

  async function signInToConsole(email: string): Promise<Page> {
    // A fresh session: the browser profile still holds the previous test's admin.
    await browser.context.clearCookies();
    const page = await browser.newPage();
    await page.setViewportSize({ width: 1440, height: 1000 });
    await page.goto(`${app.url}/console/`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Inbox' }).waitFor();
    return page;
  }

  async function searchAsAdmin(seeded: SeededCustomer, controlSubject: RegExp) {
    const admin = await makeUser(app, 'admin');
    const client = await new ConsoleClient(app.url).signIn(admin.email, PASSWORD);
    const page = await signInToConsole(admin.email);
    // The search box: the merge dialog of another customer's ticket.
    await page.getByRole('tab', { name: /All open/ }).click();
    await page.getByRole('navigation', { name: 'Tickets' }).getByRole('button', { name: controlSubject }).first().click();
    const panel = page.getByRole('complementary', { name: 'Customer' });
    await panel.getByRole('tab', { name: 'Profile' }).click();
    await panel.getByRole('button', { name: 'Merge a duplicate…' }).click();
    // The search works: it finds the other customer.
    expect(await consoleFinds(client, page, 'Casey Customer')).toBeGreaterThan(0);
    for (const q of [seeded.name, seeded.email, seeded.orderNumber, seeded.phone]) expect({ q, found: await consoleFinds(client, page, q) }).toEqual({ q, found: 0 });
    await screenshot(page, `privacy-console-search-${seeded.orderNumber}`);
    await page.close();
  }

  it('EN: "delete my data" → proof → confirmation → the request is done, the customer is told, the console finds nothing', async () => {
    const seeded = await seedCustomer(app);
    const control = await openTicket(app, 'billing', 'A control ticket of another customer');
    await exportBefore(seeded);

    const chat = await openChat('en-GB');
    await chat.say('Please delete my data');
    await chat.sees('Before I file a deletion request, I need to check that you are the account holder.');
    await chat.sees('What email address do you use for your orders?');
    await chat.say(seeded.email);
    await chat.sees(/And the number of one of your orders/);
    await chat.say(`Order number ${seeded.orderNumber}`);
    await chat.sees(/you are verified/);
    await chat.sees(/^Deleting your data removes what we hold about you: .+Shall I file the deletion request\?$/);
    await chat.tap('Yes, delete my data');
    const filed = await chat.sees(/^Your deletion request #[0-9A-F]{8} is filed\./);
    const [erasure] = (await app.privacy.requests.list({ customerId: seeded.customerId })).filter((r) => r.kind === 'erasure');
    expect(erasure).toMatchObject({ source: 'chat', requestedBy: null });
    const reference = `#${erasure.id.slice(0, 8).toUpperCase()}`;
    expect(filed).toContain(reference);

    await jobCompleted(privacyRequestJobId(erasure.id));
    expect(await app.privacy.requests.get(erasure.id)).toMatchObject({ status: 'completed' });
    await chat.sees(`Your deletion request ${reference} is complete: we have deleted the personal data we held about you. This chat is no longer linked to any account.`);
    await screenshot(chat.page, 'privacy-chat-erased-en');
    await chat.page.close();

    expect(control.customerId).not.toBe(seeded.customerId);
    await searchAsAdmin(seeded, /A control ticket of another customer/);
    expect(browser.foreignRequests).toEqual([]);
  });

  it('ZH: 删除我的个人数据 → 验证身份 → 确认 → 完成通知，控制台查不到该客户', async () => {
    const seeded = await seedCustomer(app);
    await exportBefore(seeded);

    const chat = await openChat('zh-CN');
    await chat.say('删除我的个人数据');
    await chat.sees('提交删除申请前，我需要先核实您是账户本人。');
    await chat.sees(/请问您下单时使用的邮箱地址是/);
    await chat.say(`我的邮箱是 ${seeded.email}`);
    await chat.sees(/请再提供您的一个订单号/);
    await chat.say(`订单号 ${seeded.orderNumber}`);
    await chat.sees(/验证成功/);
    await chat.sees(/^删除后，我们将清除所持有的您的数据：.+确认提交删除申请吗？$/);
    await chat.tap('确认删除我的数据');
    await chat.sees(/^您的删除申请 #[0-9A-F]{8} 已提交/);
    const [erasure] = (await app.privacy.requests.list({ customerId: seeded.customerId })).filter((r) => r.kind === 'erasure');
    const reference = `#${erasure.id.slice(0, 8).toUpperCase()}`;

    await jobCompleted(privacyRequestJobId(erasure.id));
    await chat.sees(`您的删除申请 ${reference} 已完成：我们已删除所持有的您的个人数据。本次对话已不再关联任何账户。`);
    await screenshot(chat.page, 'privacy-chat-erased-zh');
    await chat.page.close();

    await searchAsAdmin(seeded, /A control ticket of another customer/);
    expect(browser.foreignRequests).toEqual([]);
  });

  it('EN: "I want a copy of my data" → proof → filed, no deletion warning → the job completes → told the copy is ready and how to get it', async () => {
    const seeded = await seedCustomer(app);
    const chat = await openChat('en-GB');
    await chat.say('I want a copy of my data');
    await chat.sees('Before I file a request for a copy of your data, I need to check that you are the account holder.');
    await chat.say(`${seeded.email}, order number ${seeded.orderNumber}`);
    await chat.sees(/you are verified/);
    await chat.sees(/^Your request for a copy of your data \(#[0-9A-F]{8}\) is filed\./);
    const [request] = (await app.privacy.requests.list({ customerId: seeded.customerId })).filter((r) => r.kind === 'export');
    expect(request).toMatchObject({ source: 'chat' });
    const reference = `#${request.id.slice(0, 8).toUpperCase()}`;
    await jobCompleted(privacyRequestJobId(request.id));
    expect(await app.privacy.requests.get(request.id)).toMatchObject({ status: 'completed', hasArchive: true });
    const ready = await chat.sees(`Your copy of your data (${reference}) is ready.`);
    // Nothing of the archive travels in chat: no link, no data.
    expect(ready).not.toMatch(/https?:|@/);
    expect(await chat.page.getByText(/Deleting your data removes/).count()).toBe(0);
    await chat.page.close();
  });
});
