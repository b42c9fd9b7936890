import fs from 'node:fs';
import type { Page } from 'playwright-core';
import { startInProcessApp } from '../support/apps';
import { openBrowser, screenshot, type Browser } from '../support/browser';
import type { Application } from '../../bot/application';
import { AgentEvaluationService } from '../../crm/scores';
import { seedDemoActivity } from '../../crm/reports';
import { RecommendationModelStore, RecommendationTrainer } from '../../crm/recommendations';
import { createQueue, QUEUE_NAMES } from '../../workers';
import { DEMO_PASSWORD } from '../../crm/users/demo';
import { ConsoleClient } from '../api/consoleClient';
import { runQueuePrefix } from '../support/redisNames';

/**
 * Acceptance (issue #5): on a fresh install's demo data (DEMO_SEED=always on an empty database), a
 * supervisor signs in at the console, opens the dashboard from its header and sees real charts drawn
 * from the data (Chart.js instances with data points, canvases with pixels); the screenshot is kept
 * as test-artifacts/dashboard.png. An agent gets 403 on the page and on the API.
 */
describe('supervisor dashboard in the browser', () => {
  let app: Application & { url: string };
  let browser: Browser;
  let startMs: number;
  const cspViolations: string[] = [];

  beforeAll(async () => {
    const started = Date.now();
    app = await startInProcessApp({ DEMO_SEED: 'always' });
    startMs = Date.now() - started;
    browser = await openBrowser(app.url);
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  function watch(page: Page): Page {
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy|Refused to/.test(m.text())) cspViolations.push(m.text());
    });
    page.on('pageerror', (e) => cspViolations.push(`page error: ${e.message}`));
    return page;
  }

  /** What Chart.js drew on each canvas of the page: chart type, data points, and painted pixels. */
  async function drawnCharts(page: Page, scope = 'body') {
    return page.evaluate((selector) => {
      const Chart = (window as unknown as { Chart: { getChart(c: HTMLCanvasElement): { config: { type: string }; data: { datasets: Array<{ data: Array<number | null> }> } } | undefined } }).Chart;
      return Array.from(document.querySelectorAll<HTMLCanvasElement>(`${selector} canvas`)).map((canvas) => {
        const chart = Chart.getChart(canvas);
        const ctx = canvas.getContext('2d')!;
        const pixels = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
        let painted = 0;
        for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted += 1;
        return {
          label: canvas.getAttribute('aria-label'),
          type: chart?.config.type ?? null,
          points: chart ? chart.data.datasets.reduce((n, d) => n + d.data.filter((v) => v !== null && v !== undefined).length, 0) : 0,
          paintedShare: painted / (canvas.width * canvas.height),
        };
      });
    }, scope);
  }

  it('seeds four weeks of demo history with daily scores, once', async () => {
    const client = await new ConsoleClient(app.url).signIn('supervisor@demo.concierge', DEMO_PASSWORD);
    const periods = (await client.get('/api/dashboard/periods')).body.periods as Array<{ kind: string; agents: number }>;
    expect(periods).toHaveLength(28);
    expect(periods.every((p) => p.kind === 'day' && p.agents === 3)).toBe(true);
    // The history leaves nothing open (no demo agent gets a ticket without a conversation).
    expect((await client.get('/api/dashboard/queues')).body.totals).toMatchObject({ backlog: 0, waiting: 0 });
    // Customers asking for a person now, while every demo agent is offline: they wait in their queues.
    for (const [intent, text, sentiment] of [
      ['billing', 'I was charged twice, I need a person now', -0.7],
      ['shipping_info', 'My parcel is a week late', -0.3],
      ['technical_issue', 'The app crashes at checkout', -0.2],
    ] as const) {
      const customer = await app.crm.customers.resolve({ kind: 'test', externalId: `dash-${intent}`, displayName: `Waiting ${intent}` });
      await app.support.tickets.open({ customerId: customer.id, channel: 'test', conversationId: `dash-${intent}`, intent, language: 'en', sentiment, recentMessages: [text], entities: [], trigger: 'asked_for_person' });
    }
    const health = (await client.get('/api/dashboard/queues')).body;
    expect(health.totals).toMatchObject({ backlog: 3, waiting: 3, assigned: 0, onlineAgents: 0 });
    expect(health.queues.find((q: { queueId: string }) => q.queueId === 'billing')).toMatchObject({ backlog: 1, waiting: 1, level: 'critical' });
    // A second start (or call) on the same database writes nothing.
    const again = await seedDemoActivity({ db: app.database.db, scores: new AgentEvaluationService(app.database.db), routing: app.support.config, agents: await app.support.agents.list() });
    expect(again).toEqual({ tickets: 0, events: 0, days: 0 });
    // The whole start, demo history and 28 evaluations included, stays within seconds.
    expect(startMs).toBeLessThan(60_000);
  });

  it('a supervisor signs in at the console, opens the dashboard and sees charts drawn from the data', async () => {
    const page = watch(await browser.newPage());
    await page.setViewportSize({ width: 1440, height: 900 });
    // Anonymous: the page points to the console's sign-in, which comes back to the dashboard.
    await page.goto(`${app.url}/dashboard/`);
    await page.getByRole('heading', { name: 'Sign in first' }).waitFor();
    await page.getByRole('link', { name: 'Sign in' }).click();
    await page.getByLabel('Email').fill('supervisor@demo.concierge');
    await page.getByLabel('Password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${app.url}/dashboard/`);

    const ranking = page.getByRole('table', { name: 'Agents ranked by score' });
    await ranking.getByRole('button', { name: /Bea Billing/ }).waitFor();
    expect(await ranking.locator('tbody tr').count()).toBe(3);
    const firstRank = await ranking.locator('tbody tr').first().locator('td').first().textContent();
    expect(firstRank).toBe('1');
    await page.getByRole('article', { name: 'Queue Billing' }).getByText('critical').waitFor({ state: 'attached' });
    await page.getByRole('img', { name: /^CSAT distribution: 1 stars \d+/ }).waitFor();
    await page.getByRole('img', { name: /^Sentiment trend/ }).waitFor();
    await page.getByRole('img', { name: /^Scores of 3 agents over 28 evaluations/ }).waitFor();

    const charts = await drawnCharts(page);
    expect(charts.map((c) => c.type)).toEqual(['line', 'bar', 'line', 'bar']); // team scores, CSAT, sentiment, volume
    for (const c of charts) {
      expect({ label: c.label, hasPoints: c.points > 0, painted: c.paintedShare > 0.01 }).toEqual({ label: c.label, hasPoints: true, painted: true });
    }
    // The CSAT bars are the API's counts.
    const csat = await page.evaluate(async () => (await (await fetch('/api/dashboard/csat?days=28')).json()).overall.counts as number[]);
    const drawn = await page.evaluate(() => {
      const canvas = document.querySelector('canvas[aria-label^="CSAT distribution"]') as HTMLCanvasElement;
      return (window as unknown as { Chart: { getChart(c: HTMLCanvasElement): { data: { datasets: Array<{ data: number[] }> } } } }).Chart.getChart(canvas).data.datasets[0].data;
    });
    expect(drawn).toEqual(csat);
    expect(csat.reduce((a, b) => a + b, 0)).toBeGreaterThan(20);

    // An agent's detail: trend line charts per figure, the explanation and the tickets behind it.
    await ranking.getByRole('button', { name: /Gia General/ }).click();
    const detail = page.getByRole('region', { name: 'Gia General' });
    await detail.getByText(/^Composite = /).waitFor();
    await detail.getByRole('img', { name: 'Gia General: Score over time' }).waitFor();
    const trendCharts = await drawnCharts(page, '.detail');
    expect(trendCharts).toHaveLength(6);
    for (const c of trendCharts) {
      expect({ label: c.label, type: c.type, enough: c.points >= 20, painted: c.paintedShare > 0.005 }).toEqual({ label: c.label, type: 'line', enough: true, painted: true });
    }
    expect(await detail.locator('table.tickets tbody tr').count()).toBeGreaterThan(0);

    const shot = await screenshot(page, 'dashboard');
    expect(fs.statSync(shot).size).toBeGreaterThan(50_000);

    // CSV export of the shown period.
    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Export CSV' }).click();
    const file = await (await download).path();
    const csv = fs.readFileSync(file!, 'utf8').split('\r\n');
    expect(csv[0]).toMatch(/^period_start,period_end,rank,agent_id,agent,email,composite,/);
    expect(csv.filter(Boolean)).toHaveLength(4);

    // Evaluate now: the job is queued for the shown period.
    await page.getByRole('button', { name: 'Evaluate now' }).click();
    await page.getByRole('status').filter({ hasText: /Evaluation queued for/ }).waitFor();
    const queue = createQueue(QUEUE_NAMES.agentEvaluation, { redisUrl: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379', prefix: runQueuePrefix() });
    try {
      const periods = (await page.evaluate(async () => (await (await fetch('/api/dashboard/periods')).json()).periods)) as Array<{ start: string; end: string }>;
      const id = `evaluation/${periods[0].start.replace(/:00\.000Z$/, 'Z').replace(/:/g, '')}/${periods[0].end.replace(/:00\.000Z$/, 'Z').replace(/:/g, '')}`;
      const job = await queue.getJob(id);
      expect(job?.data).toEqual({ granularity: 'day', start: periods[0].start, end: periods[0].end });
      await job?.remove(); // no worker runs in this web-only app
    } finally {
      await queue.close();
    }

    expect(cspViolations).toEqual([]);
    expect(browser.foreignRequests).toEqual([]);
    await page.close();
  });

  it('recommendations: the model versions table marks the active one; activating another through the UI moves the marker and pins it; unpin', async () => {
    const store = new RecommendationModelStore(app.database.db);
    // The demo shop's model (trained at start), and a newer version trained now with another algorithm.
    const [demo] = await store.list();
    expect(demo).toMatchObject({ active: true });
    const knn = await new RecommendationTrainer({ db: app.database.db, algorithm: 'item-knn', execution: 'inline' }).trainAndActivate();
    expect(knn.activated).toBe(true);
    const queue = createQueue(QUEUE_NAMES.recommendationTraining, { redisUrl: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379', prefix: runQueuePrefix() });
    try {
      await queue.obliterate({ force: true }); // this run's Redis database: nothing pending from earlier runs

      const page = watch(await browser.newPage());
      await page.setViewportSize({ width: 1440, height: 900 });
      await page.goto(`${app.url}/dashboard/`);
      const table = page.getByRole('table', { name: 'Recommendation model versions' });
      const row = (versionId: string) => table.locator('tbody tr').filter({ hasText: versionId });
      const status = (versionId: string) => row(versionId).locator('td').nth(1).textContent();
      await row(knn.info.versionId).waitFor();
      expect(await table.locator('tbody tr').count()).toBe(2);
      expect(await table.locator('tbody tr').first().textContent()).toContain(knn.info.versionId); // newest first
      expect([await status(knn.info.versionId), await status(demo.versionId)]).toEqual(['Active', 'stored']);
      // The metrics as stored, readable: "HR@k <hit rate> vs popularity <baseline>".
      const m = demo.metrics as { k: number; hitRate: number; popularityHitRate: number; evaluatedCustomers: number };
      expect(m.evaluatedCustomers).toBeGreaterThan(10);
      expect(await row(demo.versionId).locator('.quality').textContent()).toBe(`HR@${m.k} ${m.hitRate.toFixed(2)} vs popularity ${m.popularityHitRate.toFixed(2)}`);
      expect(await row(knn.info.versionId).getByRole('button', { name: /^Activate/ }).count()).toBe(0);

      // Activate asks first; cancelling changes nothing.
      await row(demo.versionId).getByRole('button', { name: `Activate ${demo.versionId}` }).click();
      const confirm = page.getByRole('group', { name: `Confirm activating ${demo.versionId}` });
      await confirm.getByText('Serve this version to every customer? It stays pinned (trainings do not replace it) until you unpin it.').waitFor();
      await confirm.getByRole('button', { name: 'Cancel' }).click();
      await confirm.waitFor({ state: 'detached' });
      expect(await store.activeVersionId()).toBe(knn.info.versionId);

      await row(demo.versionId).getByRole('button', { name: `Activate ${demo.versionId}` }).click();
      await confirm.getByRole('button', { name: 'Yes, activate' }).click();
      await page.getByRole('status').filter({ hasText: `Now serving ${demo.versionId}, pinned` }).waitFor();
      await row(knn.info.versionId).getByRole('button', { name: `Activate ${knn.info.versionId}` }).waitFor();
      expect([await status(demo.versionId), await status(knn.info.versionId)]).toEqual(['Active pinned', 'stored']);
      expect(await store.activeVersionId()).toBe(demo.versionId);
      // The pin: who and when (the signed-in demo supervisor), and what it means.
      const pin = await store.pinned();
      expect(pin).toMatchObject({ versionId: demo.versionId, pinnedBy: { name: 'Sam Supervisor' } });
      const pinNote = page.getByRole('note', { name: 'Pinned model version' });
      const pinnedOn = pin!.pinnedAt.toISOString().slice(0, 16).replace('T', ' '); // in the support time zone (UTC here), named once in the toolbar
      expect((await pinNote.locator('span').textContent())?.trim()).toBe(`Pinned by Sam Supervisor on ${pinnedOn}: new versions are stored, not served.`);
      await screenshot(page, 'dashboard-recommendations');

      // Train now while pinned: one job queued for the workers (none run in this web-only app), its result to be stored only.
      await page.getByRole('button', { name: 'Train now' }).click();
      await page.getByRole('status').filter({ hasText: /^Training queued \(job / }).waitFor();
      expect(await page.getByRole('status').textContent()).toContain(`${demo.versionId} is pinned: the result will be stored, not served`);
      const jobs = await queue.getJobs(['waiting']);
      expect(jobs.map((j) => j.data)).toEqual([{ reason: 'on-demand', stamp: expect.any(String) }]);

      // Unpin: the note goes, the same version stays served, and it can be pinned again from its row.
      await pinNote.getByRole('button', { name: 'Unpin' }).click();
      await page.getByRole('status').filter({ hasText: 'Unpinned: the next training activates its result.' }).waitFor();
      await pinNote.waitFor({ state: 'detached' });
      await row(demo.versionId).getByRole('button', { name: `Pin ${demo.versionId}` }).waitFor();
      expect(await status(demo.versionId)).toBe('Active');
      expect(await store.pinned()).toBeNull();
      expect(await store.activeVersionId()).toBe(demo.versionId);
      expect(cspViolations).toEqual([]);
      await page.close();
    } finally {
      await queue.obliterate({ force: true });
      await queue.close();
    }
  });

  it('an agent gets 403 on the page and on the API, and no dashboard link in the console', async () => {
    await browser.context.clearCookies();
    const page = watch(await browser.newPage());
    await page.goto(`${app.url}/console/`);
    await page.getByLabel('Email').fill('billing@demo.concierge');
    await page.getByLabel('Password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Inbox' }).waitFor();
    expect(await page.getByRole('link', { name: 'Supervisor dashboard' }).count()).toBe(0);
    const res = await page.goto(`${app.url}/dashboard/`);
    expect(res!.status()).toBe(403);
    await page.getByRole('heading', { name: 'Supervisors only' }).waitFor();
    await screenshot(page, 'dashboard-forbidden');
    const api = await page.evaluate(async () => {
      const r = await fetch('/api/dashboard/ranking');
      return { status: r.status, body: await r.json() };
    });
    expect(api).toEqual({ status: 403, body: { error: { code: 'forbidden', message: 'this needs the role supervisor or admin' } } });
    expect(cspViolations).toEqual([]);
    await page.close();
  });
});
