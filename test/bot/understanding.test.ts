import { and, eq } from 'drizzle-orm';
import { loadDefaultNlpEngine, type AnalyzeHints, type NlpEngine } from '../../nlp';
import { messages } from '../../crm/schema';
import type { StoredUnderstanding } from '../../crm';
import type { Application } from '../../bot/application';
import { sharedNlpCache, startInProcessApp } from '../support/apps';
import { ambiguousMessage } from '../support/clarification';
import { DirectLineClient, type DlActivity } from '../support/directLineClient';

/**
 * One understanding per customer message, on the website: the real default engine, wrapped to count
 * its analyze calls, behind the whole app (Direct Line, timeline, learning, dialogs, handoff).
 */
describe('understanding each message once (website)', () => {
  let app: Application & { url: string };
  let engine: NlpEngine;
  const calls: Array<{ text: string; hints?: AnalyzeHints }> = [];

  beforeAll(async () => {
    engine = await loadDefaultNlpEngine({ cacheDir: sharedNlpCache });
    const countedEngine: NlpEngine = {
      modelInfo: engine.modelInfo,
      analyze: (text, hints) => {
        calls.push({ text, hints });
        return engine.analyze(text, hints);
      },
    };
    app = await startInProcessApp({}, 'web', { nlpEngine: countedEngine });
  });
  afterAll(() => app.stop());

  /** The stored inbound message of a Direct Line activity. */
  async function storedId(c: DirectLineClient, activityId: string): Promise<string> {
    const [row] = await app.database.db
      .select({ id: messages.id })
      .from(messages)
      .where(and(eq(messages.conversationId, c.conversationId), eq(messages.activityId, activityId), eq(messages.direction, 'inbound')));
    return row.id;
  }

  /** The message's understanding once its turn has recorded the outcome. */
  async function understood(c: DirectLineClient, activityId: string): Promise<StoredUnderstanding> {
    const id = await storedId(c, activityId);
    for (;;) {
      const row = await app.crm.understanding.forMessage(id);
      if (row?.outcome) return row;
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  async function turn(c: DirectLineClient, text: string, extra: Record<string, unknown> = {}): Promise<{ id: string; reply: DlActivity; row: StoredUnderstanding }> {
    const id = await c.say(text, extra);
    const reply = await c.replyTo(id);
    return { id, reply, row: await understood(c, id) };
  }

  it('analyzes every message exactly once across a conversation with a clarification and a handoff, and records each understanding with its outcome', async () => {
    const ambiguous = await ambiguousMessage(engine);
    const c = await DirectLineClient.open(app.url);
    const before = calls.length;

    const hello = await turn(c, 'hello');
    expect(hello.reply.text).toBe('Hello! How can I help you today?');
    expect(hello.row).toMatchObject({ channel: 'directline', conversationId: c.conversationId, language: 'en', intent: 'greeting', outcome: 'answered', modelVersion: engine.modelInfo.id });

    // "Did you mean … or …?" with suggested actions; the customer taps the second choice.
    const asked = await turn(c, ambiguous.text);
    expect(asked.reply.text).toMatch(/^Did you mean .+ or .+\?$/);
    const actions = (asked.reply.suggestedActions as { actions: Array<{ type: string; title: string; text: string; value: { intent: string; messageId: string } }> }).actions;
    expect(actions.map((a) => a.value.intent)).toEqual([...ambiguous.options, 'something_else']);
    expect(actions.map((a) => a.type)).toEqual(['messageBack', 'messageBack', 'messageBack']);
    const askedId = await storedId(c, asked.id);
    expect(actions[0].value.messageId).toBe(askedId);
    expect(asked.row).toMatchObject({ outcome: 'clarified', intent: ambiguous.modelTop, outOfScope: false });
    expect(asked.row.ranking.slice(0, 2).map((r) => r.name).sort()).toEqual([...ambiguous.options].sort());

    const chosen = actions[1];
    const answer = await turn(c, chosen.text, { value: chosen.value });
    expect(answer.reply.text).not.toMatch(/Did you mean|Sorry, I didn't/);
    expect(answer.row).toMatchObject({ outcome: 'answered', outcomeReason: 'clarification_choice' });
    expect(await app.crm.understanding.labelsOf(askedId)).toEqual([
      expect.objectContaining({ source: 'clarification', messageId: askedId, text: ambiguous.text, language: 'en', intent: ambiguous.options[1], previousIntent: ambiguous.modelTop, labelledBy: 'customer' }),
    ]);

    const order = await turn(c, 'where is my order A10042?');
    expect(order.row).toMatchObject({ intent: 'order_status', outcome: 'answered' });

    const person = await turn(c, 'I want to talk to a person about my bill');
    expect(person.reply.text).toMatch(/connecting you with a member of our team/);
    expect(person.row).toMatchObject({ intent: 'human_agent', outcome: 'handed_over', outcomeReason: 'asked_for_person' });
    expect((await app.support.tickets.findOpenForConversation('directline', c.conversationId))!).toMatchObject({ category: 'billing', language: 'en' });

    // While the ticket waits, the message goes to it (its sentiment from the turn's understanding).
    const waiting = await turn(c, 'are you still there? it is urgent');
    expect(waiting.reply.text).toMatch(/added that to your ticket/);
    expect(waiting.row).toMatchObject({ outcome: 'handed_over', outcomeReason: 'waiting_for_agent' });

    const texts = ['hello', ambiguous.text, chosen.text, 'where is my order A10042?', 'I want to talk to a person about my bill', 'are you still there? it is urgent'];
    // One call per message; the request for a person was read without its request words (the topic).
    expect(calls.length - before).toBe(texts.length);
    expect(calls.slice(before).map((x) => x.text.replace(/\s+/g, ' ').trim())).toEqual([...texts.slice(0, 4), 'about my bill', texts[5]]);
    expect((await app.crm.understanding.forConversation('directline', c.conversationId)).map((r) => r.outcome)).toEqual(['answered', 'clarified', 'answered', 'answered', 'handed_over', 'handed_over']);
    c.close();
  });

  it('hands a German message to a person, says so in English, and puts German on the ticket', async () => {
    const c = await DirectLineClient.open(app.url);
    const before = calls.length;
    const id = await c.say('Ich möchte meine Bestellung stornieren');
    const first = await c.replyTo(id);
    expect(first.text).toBe('Sorry, I can only help in English and Chinese, so I am getting a member of our team for you.');
    const second = await c.waitFor((a) => a.replyToId === id && a.id !== first.id);
    expect(second.text).toMatch(/^I am connecting you with a member of our team \(ticket #\d+\)/);
    const ticket = (await app.support.tickets.findOpenForConversation('directline', c.conversationId))!;
    expect(ticket.language).toBe('de');
    expect(ticket.summary).toMatch(/writes in a language the bot does not speak/);
    expect(await understood(c, id)).toMatchObject({ language: 'de', outcome: 'other_language', outcomeReason: 'language:de' });
    expect(calls.length - before).toBe(1);
    c.close();
  });

  it('a re-run turn records the understanding once', async () => {
    const c = await DirectLineClient.open(app.url);
    const { id, row } = await turn(c, 'thanks a lot');
    const stored = await storedId(c, id);
    expect(await app.crm.understanding.record({ ...row, messageId: stored, intent: 'billing', sentiment: { label: row.sentimentLabel, score: row.sentimentScore } })).toBe(false);
    expect(await app.crm.understanding.recordOutcome(stored, 'not_understood')).toBe(false);
    expect(await app.crm.understanding.forMessage(stored)).toMatchObject({ intent: 'thanks', outcome: 'answered' });
    c.close();
  });
});
