import { startInProcessApp } from '../support/apps';
import { openBrowser, screenshot, type Browser } from '../support/browser';
import type { Application } from '../../bot/application';
import { AgentEvaluationService } from '../../crm/scores';
import { ConsoleClient, makeUser, PASSWORD } from '../api/consoleClient';

/**
 * Acceptance: the CSAT survey reaches the customer's Web Chat after the (shortened) delay, the
 * customer rates it in the card, and the rating shows in the agent's score (CSAT average and response
 * rate, and the CSAT component of the composite). Headless Chromium for the customer, the console API
 * for the agent; the app runs in one process with its workers (role `all`).
 */
describe('CSAT survey in Web Chat', () => {
  let app: Application & { url: string };
  let browser: Browser;

  beforeAll(async () => {
    app = await startInProcessApp({ CSAT_SURVEY_DELAY_SECONDS: '1', PENDING_REMINDER_SECONDS: '1', PENDING_AUTO_CLOSE_SECONDS: '1' }, 'all');
    browser = await openBrowser(app.url);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('resolve → the survey card after the delay → the customer rates 4 with a comment → thanked, and the agent’s score counts it', async () => {
    const start = new Date(Date.now() - 60_000);
    const bea = await makeUser(app, 'agent', ['billing'], 'Bea Billing');
    const agent = await new ConsoleClient(app.url).signIn(bea.email, PASSWORD);
    expect((await agent.put('/api/agents/me/status', { status: 'online' })).status).toBe(200);

    const page = await browser.newPage();
    await page.goto(`${app.url}/?new`);
    const chat = { getByText: (text: string | RegExp) => page.getByRole('paragraph').filter({ hasText: text }).last() };
    await chat.getByText(/Concierge, the virtual assistant/).waitFor();
    const box = page.getByRole('textbox').or(page.locator('input[data-id="webchat-sendbox-input"]')).first();
    await box.fill('I want to talk to a person, I was charged twice');
    await box.press('Enter');
    await chat.getByText(/Bea Billing will be with you/).waitFor();

    const [ticket] = (await agent.get('/api/tickets?open=true')).body.tickets as Array<{ id: string; number: number }>;
    expect((await agent.post(`/api/tickets/${ticket.id}/reply`, { text: 'I have refunded the second charge.' })).status).toBe(200);
    await chat.getByText('I have refunded the second charge.').waitFor();
    expect((await agent.post(`/api/tickets/${ticket.id}/resolve`)).status).toBe(200);
    await chat.getByText(/marked as resolved/).waitFor();
    const resolvedAt = Date.now();

    // The survey card, after the configured delay.
    const question = page.getByText(`How would you rate the help you got with ticket #${ticket.number}?`);
    await question.waitFor();
    expect(Date.now() - resolvedAt).toBeGreaterThanOrEqual(500);
    await page.getByText('How did we do?').waitFor();
    const good = page.getByRole('radio', { name: '4 – Good' });
    await good.waitFor();
    await screenshot(page, 'csat-survey-card');

    await good.check();
    await page.getByRole('textbox', { name: /Anything you would like to add/ }).fill('Quick and friendly, thank you');
    // The card's own button (Web Chat also keeps an off-screen copy for screen readers).
    await page.getByRole('button', { name: 'Send rating' }).and(page.locator('.ac-pushButton')).click();
    await chat.getByText('Thank you for your rating!').waitFor();
    await screenshot(page, 'csat-survey-thanks');
    expect(browser.foreignRequests).toEqual([]);

    // The rating is in the agent's score for the period.
    const [score] = (await new AgentEvaluationService(app.database.db).evaluate({ start, end: new Date(Date.now() + 60_000) })).filter((s) => s.agentId === bea.id);
    expect(score.figures).toMatchObject({ ticketsHandled: 1, csatRatings: 1, csatAverage: 4, csatRequested: 1, csatResponded: 1, csatResponseRate: 1 });
    const csat = score.components.find((c) => c.key === 'csat')!;
    expect(csat).toMatchObject({ included: true, value: 4, subscore: 0.75 });
    expect(csat.points).toBeGreaterThan(0);
    expect(score.components.find((c) => c.key === 'csatResponseRate')).toMatchObject({ included: true, value: 1, subscore: 1 });
    expect(score.composite).toBeCloseTo(score.components.reduce((sum, c) => sum + c.points, 0), 1);
    // The comment is kept with the rating.
    const events = await app.support.tickets.events(ticket.id);
    expect(events.filter((e) => e.type === 'csat').map((e) => e.data)).toEqual([{ agentId: bea.id, rating: 4, resolution: 1, comment: 'Quick and friendly, thank you' }]);
    await page.close();
  });

  it('the agent replies "waiting on the customer" from the console; the customer is reminded, then the ticket is closed', async () => {
    // Only Ben takes billing tickets now.
    for (const a of await app.support.agents.list()) if (a.status === 'online') await app.support.agents.setStatus(a.userId, 'offline');
    const ben = await makeUser(app, 'agent', ['billing'], 'Ben Billing');
    await app.support.agents.setStatus(ben.id, 'online');
    await browser.context.clearCookies();
    const console = await browser.newPage();
    await console.setViewportSize({ width: 1366, height: 768 });
    await console.goto(`${app.url}/console/`);
    await console.getByLabel('Email').fill(ben.email);
    await console.getByLabel('Password').fill(PASSWORD);
    await console.getByRole('button', { name: 'Sign in' }).click();
    await console.getByRole('heading', { name: 'Inbox' }).waitFor();

    const customer = await browser.newPage();
    await customer.goto(`${app.url}/?new`);
    const chat = { getByText: (text: string | RegExp) => customer.getByRole('paragraph').filter({ hasText: text }).last() };
    await chat.getByText(/Concierge, the virtual assistant/).waitFor();
    const box = customer.getByRole('textbox').first();
    await box.fill('I want to talk to a person, I was charged twice on my invoice');
    await box.press('Enter');
    await chat.getByText(/Ben Billing will be with you/).waitFor();

    await console.getByRole('navigation', { name: 'Tickets' }).getByRole('button', { name: /charged twice on my invoice/ }).click();
    await console.getByLabel('Reply to the customer').fill('Which invoice number is it?');
    await console.getByLabel('Waiting on the customer').check();
    await console.getByRole('button', { name: 'Send', exact: true }).click();
    await console.getByRole('log', { name: 'Messages' }).getByText('Which invoice number is it?').waitFor();
    const [ticket] = await app.support.tickets.list({ assignedAgentId: ben.id });
    expect(['pending_customer', 'closed']).toContain(ticket.status);

    await chat.getByText(`Just checking in on ticket #${ticket.number}: we are waiting for your reply. If we do not hear from you, we will close the ticket.`).waitFor();
    await chat.getByText(`We have closed ticket #${ticket.number} because we did not hear back. If you still need help, just write here.`).waitFor();
    await screenshot(customer, 'followup-reminder-auto-close');
    expect((await app.support.tickets.get(ticket.id))!.status).toBe('closed');
    expect((await app.support.agents.require(ben.id)).activeTickets).toBe(0);
    expect(browser.foreignRequests).toEqual([]);
    await console.close();
    await customer.close();
  });
});
