import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { users } from '../../crm/schema';
import { startInProcessApp } from '../support/apps';
import { DirectLineClient } from '../support/directLineClient';
import type { Application } from '../../bot/application';
import { TestAdapter } from 'botbuilder';
import { RedactionMiddleware } from '../../bot/redactionMiddleware';

/**
 * Card numbers and IBANs are masked where a message enters (the Direct Line endpoint, the bot's first
 * middleware, an agent's reply): no table of the database holds the full number afterwards, and what
 * the customer's page shows is masked too. Emails stay (identity proof needs them).
 */
describe('redaction at ingest (website, real database)', () => {
  let app: Application & { url: string };

  beforeAll(async () => {
    app = await startInProcessApp();
  });
  afterAll(() => app.stop());

  /** Every row of every table of this file's database, as text. */
  async function wholeDatabase(): Promise<string> {
    const tables = (await app.database.db.execute(sql`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`)) as unknown as { rows: Array<{ table_name: string }> };
    const dumps: string[] = [];
    for (const { table_name } of tables.rows) {
      const res = (await app.database.db.execute(sql`select coalesce(string_agg(t::text, E'\n'), '') as dump from ${sql.identifier(table_name)} t`)) as unknown as { rows: Array<{ dump: string }> };
      dumps.push(`${table_name}: ${res.rows[0].dump}`);
    }
    return dumps.join('\n');
  }

  /** The text with every separator between digits removed, so "4111 1111-1111 1111" is found however it was written. */
  const digitsJoined = (text: string) => text.replace(/(?<=\d)[\s-]+(?=\d)/g, '');

  const CARD = '4111 1111 1111 1111';
  const SECOND_CARD = '5500-0000-0000-0004';
  const IBAN = 'DE89 3704 0044 0532 0130 00';
  const AGENT_CARD = '4000 0566 5566 5556';

  it('masks card numbers and IBANs in the ticket subject, summary, messages, transcript and timeline; keeps the last four and the email', async () => {
    const [user] = await app.database.db.insert(users).values({ email: `${randomUUID()}@agents.test`, displayName: 'Robin Billing', role: 'agent', passwordHash: 'x' }).returning();
    await app.support.agents.upsert({ userId: user.id, skills: ['billing', 'subscription'], languages: ['en'], maxConcurrent: 3, queues: ['billing'] });
    await app.support.agents.setStatus(user.id, 'online');

    const c = await DirectLineClient.open(app.url);
    const first = await c.say(`I want to talk to a person, I was charged twice on my card ${CARD}`, { channelData: { clientActivityID: 'card-1' } });
    expect((await c.replyTo(first)).text).toMatch(/connecting you with a member of our team/);
    // The page's own message comes back masked (Web Chat matches it by clientActivityID, not by text).
    const echo = await c.waitFor((a) => a.id === first);
    expect(echo.text).toBe('I want to talk to a person, I was charged twice on my card [card •••• 1111]');

    await c.say(`Please refund to ${IBAN}, or to my other card ${SECOND_CARD}. My email is dana.customer@example.com`);
    const ticket = (await app.support.tickets.findOpenForConversation('directline', c.conversationId))!;
    await app.handoff!.agentReply(ticket.id, { id: user.id, role: 'agent' }, `I see the two charges on ${AGENT_CARD}, refunding now.`);
    await c.waitFor((a) => /refunding now/.test(a.text ?? ''));

    const stored = (await app.support.tickets.get(ticket.id))!;
    const timeline = await app.crm.timeline.forConversation('directline', c.conversationId);
    const { activities: transcript } = await app.crm.transcripts.since(c.conversationId, null);
    const texts = {
      subject: stored.subject,
      summary: stored.summary,
      messages: timeline.map((m) => m.text).join('\n'),
      transcript: transcript.map((a) => String(a.text ?? '')).join('\n'),
      page: c.received.map((a) => a.text ?? '').join('\n'),
    };
    for (const [where, text] of Object.entries(texts)) {
      for (const full of [CARD, SECOND_CARD, AGENT_CARD, IBAN]) expect({ where, found: digitsJoined(text).includes(digitsJoined(full)) }).toEqual({ where, found: false });
    }
    expect(texts.subject).toContain('[card •••• 1111]');
    expect(texts.messages).toContain('I was charged twice on my card [card •••• 1111]');
    expect(texts.messages).toContain('Please refund to [IBAN •••• 3000], or to my other card [card •••• 0004]. My email is dana.customer@example.com');
    expect(texts.messages).toContain('I see the two charges on [card •••• 5556], refunding now.');
    expect(texts.transcript).toContain('[card •••• 1111]');
    expect(texts.transcript).toContain('[IBAN •••• 3000]');
    expect(texts.transcript).toContain('[card •••• 5556]');
    expect(texts.page).toContain('I see the two charges on [card •••• 5556], refunding now.');

    // Nowhere at all: tickets, ticket events, the timeline, understood messages, the transcript, bot state, the outbox.
    const everything = digitsJoined(await wholeDatabase());
    for (const full of [CARD, SECOND_CARD, AGENT_CARD, IBAN]) expect(everything.includes(digitsJoined(full))).toBe(false);
    expect(everything).toContain('dana.customer@example.com');
    const understood = await app.crm.understanding.forConversation('directline', c.conversationId);
    expect(understood.length).toBeGreaterThanOrEqual(2);
  });

  it('leaves order numbers, amounts, dates, phone numbers and Luhn-failing numbers as written', async () => {
    const c = await DirectLineClient.open(app.url);
    const text = 'Order A10042 of 2026-12-07 for $1,234.56 — call me on +86 138 0013 8000; the number 4111 1111 1111 1112 is not a card';
    const id = await c.say(text);
    await c.replyTo(id);
    const timeline = await app.crm.timeline.forConversation('directline', c.conversationId);
    expect(timeline.find((m) => m.direction === 'inbound')!.text).toBe(text);
    const { activities } = await app.crm.transcripts.since(c.conversationId, null);
    expect(activities.find((a) => a.id === id)!.text).toBe(text);
  });
});

describe('RedactionMiddleware (first on every adapter)', () => {
  it('hands the next middleware and the bot the masked text and card submit values', async () => {
    const seen: Array<{ text?: string; value?: unknown }> = [];
    const adapter = new TestAdapter(async (context) => {
      seen.push({ text: context.activity.text, value: context.activity.value });
      await context.sendActivity('ok');
    }).use(new RedactionMiddleware());
    await adapter.send('card 4111 1111 1111 1111 please').assertReply('ok');
    await adapter.send({ type: 'message', value: { iban: 'DE89370400440532013000', nested: ['5500 0000 0000 0004'], amount: 12 } }).assertReply('ok');
    expect(seen[0].text).toBe('card [card •••• 1111] please');
    expect(seen[1].value).toEqual({ iban: '[IBAN •••• 3000]', nested: ['[card •••• 0004]'], amount: 12 });
  });
});
