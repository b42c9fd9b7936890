import { startInProcessApp } from '../support/apps';
import { openBrowser, type Browser } from '../support/browser';
import type { Application } from '../../bot/application';
import { createQueue, QUEUE_NAMES } from '../../workers';
import { DEMO_PASSWORD } from '../../crm/users/demo';
import { ConsoleClient } from '../api/consoleClient';
import { runQueuePrefix } from '../support/redisNames';

const BERLIN = 'Europe/Berlin';
/** Independent of crm/calendar: the wall clock (`YYYY-MM-DD HH:MM`) in Berlin. */
const berlinWall = (d: Date | string) => new Intl.DateTimeFormat('sv-SE', { timeZone: BERLIN, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(d));

/**
 * A Berlin support team (SUPPORT_TIME_ZONE=Europe/Berlin, demo history): the dashboard API names the
 * zone and counts days, periods and "evaluate now" in it; the page shows its labels in it and says
 * so once.
 */
describe('supervisor dashboard in the support time zone', () => {
  let app: Application & { url: string };
  let supervisor: ConsoleClient;
  let browser: Browser | undefined;

  beforeAll(async () => {
    app = await startInProcessApp({ DEMO_SEED: 'always', SUPPORT_TIME_ZONE: 'europe/berlin' });
    supervisor = await new ConsoleClient(app.url).signIn('supervisor@demo.concierge', DEMO_PASSWORD);
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('the periods response names the zone; the demo history is 28 Berlin days, midnight to midnight', async () => {
    const res = await supervisor.get('/api/dashboard/periods');
    expect(res.status).toBe(200);
    expect(res.body.timeZone).toBe(BERLIN);
    const periods = res.body.periods as Array<{ start: string; end: string; kind: string; agents: number }>;
    expect(periods).toHaveLength(28);
    for (const p of periods) expect({ kind: p.kind, start: berlinWall(p.start).slice(11), end: berlinWall(p.end).slice(11) }).toEqual({ kind: 'day', start: '00:00', end: '00:00' });
    // Latest first, tiling: each day ends where the later one starts; the latest ends at today's midnight.
    for (let i = 1; i < periods.length; i++) expect(periods[i].end).toBe(periods[i - 1].start);
    expect(berlinWall(periods[0].end)).toBe(`${berlinWall(new Date()).slice(0, 10)} 00:00`);
    const trend = await supervisor.get('/api/dashboard/score-trend?kind=day');
    expect(trend.body.periods).toHaveLength(28);
  });

  it('day parameters and "the last N days" are Berlin days', async () => {
    const given = await supervisor.get('/api/dashboard/volume?start=2026-11-20&end=2026-11-22');
    expect(given.status).toBe(200);
    expect(given.body.period).toEqual({ start: '2026-11-19T23:00:00.000Z', end: '2026-11-21T23:00:00.000Z' });
    expect(given.body.days.map((d: { day: string }) => d.day)).toEqual(['2026-11-20', '2026-11-21']);
    const recent = await supervisor.get('/api/dashboard/sentiment?days=7');
    expect(recent.body.days).toHaveLength(7);
    expect(recent.body.days[6].day).toBe(berlinWall(new Date()).slice(0, 10));
    expect(berlinWall(recent.body.period.start).slice(11)).toBe('00:00');
  });

  it('"Evaluate now" without a period queues the Berlin yesterday', async () => {
    const res = await supervisor.post('/api/dashboard/evaluate', {});
    expect(res.status).toBe(202);
    const { start, end } = res.body.period as { start: string; end: string };
    expect(berlinWall(end)).toBe(`${berlinWall(new Date()).slice(0, 10)} 00:00`);
    expect(berlinWall(start).slice(11)).toBe('00:00');
    expect([23, 24, 25]).toContain((Date.parse(end) - Date.parse(start)) / 3_600_000);
    const queue = createQueue(QUEUE_NAMES.agentEvaluation, { redisUrl: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379', prefix: runQueuePrefix() });
    try {
      const job = await queue.getJob(res.body.jobId);
      expect(job?.data).toEqual({ granularity: 'day', start, end });
      await job?.remove(); // no worker runs in this web-only app
    } finally {
      await queue.close();
    }
  });

  it('the page labels periods in Berlin time and names the zone once', async () => {
    browser = await openBrowser(app.url);
    const [name, value] = supervisor.cookie.split('=');
    await browser.context.addCookies([{ name, value, url: app.url }]);
    const page = await browser.newPage();
    await page.goto(`${app.url}/dashboard/`);
    await page.getByText(`times in ${BERLIN}`).waitFor();
    expect(await page.getByText(/times in /).count()).toBe(1);
    const periods = (await supervisor.get('/api/dashboard/periods')).body.periods as Array<{ start: string }>;
    const berlinDay = new Intl.DateTimeFormat('en-GB', { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', timeZone: BERLIN }).format(new Date(periods[0].start));
    const picker = page.getByRole('combobox', { name: 'Score period' });
    await picker.locator('option').first().waitFor({ state: 'attached' });
    expect(await picker.locator('option').first().textContent()).toBe(`${berlinDay} · 3 agents`);
    await page.close();
  });
});
