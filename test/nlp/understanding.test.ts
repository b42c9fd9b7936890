import { DEFAULT_CLARIFICATION_POLICY, planAnalysis, understandAnalysis, identifyLanguage, languageEvidence, loadDefaultNlpEngine, messageLanguage, understandMessage, type AnalyzeHints, type NlpEngine } from '../../nlp';
import { sharedNlpCache } from '../support/apps';

/** The real default engine, with every analyze call counted. */
function counted(engine: NlpEngine): NlpEngine & { calls: Array<{ text: string; hints?: AnalyzeHints }> } {
  const calls: Array<{ text: string; hints?: AnalyzeHints }> = [];
  return {
    calls,
    modelInfo: engine.modelInfo,
    analyze: (text, hints) => {
      calls.push({ text, hints });
      return engine.analyze(text, hints);
    },
  };
}

let engine: NlpEngine;
beforeAll(async () => {
  engine = await loadDefaultNlpEngine({ cacheDir: sharedNlpCache });
});

describe('the language of a message', () => {
  test.each([
    ['Ich möchte meine Bestellung stornieren', 'de'],
    ['Wo ist mein Paket?', 'de'],
    ['Je voudrais annuler ma commande', 'fr'],
    ['Le colis est arrivé abîmé', 'fr'],
    ['Quiero cancelar mi pedido', 'es'],
    ['Mi pedido no ha llegado', 'es'],
    ['Voglio annullare il mio ordine', 'it'],
    ['Quero cancelar o meu pedido', 'pt'],
    ['Ik wil mijn bestelling annuleren', 'nl'],
    ['注文をキャンセルしたいです', 'ja'],
    ['주문을 취소하고 싶어요', 'ko'],
    ['Я хочу отменить заказ', 'ru'],
    ['أريد إلغاء طلبي', 'ar'],
    ['我的订单A10042到哪了', 'zh'],
    ['帮我把邮箱改成anna.lee@example.com', 'zh'],
  ])('%s → %s', (text, code) => {
    expect(identifyLanguage(text).code).toBe(code);
    expect(messageLanguage(text, { conversationLanguage: 'en' }).code).toBe(code);
  });

  test.each([
    'I love my Bosch Kaffeemaschine, where is it?',
    'Is the café au lait mug dishwasher safe?',
    'Can I return the Müller Kaffeemühle?',
    'my email is jean.dupont@example.fr',
    'I ordered the Crème Brûlée set from you',
    'where is my order A10042?',
  ])('English with foreign words, product names, emails and order numbers stays English: %s', (text) => {
    expect(messageLanguage(text, { conversationLanguage: 'de' }).code).toBe('en');
  });

  test('short ambiguous messages stay in the conversation language; the Chinese locale breaks the tie at the start', () => {
    for (const text of ['ok', 'A10042', 'dana.demo@example.com', '👍', '1']) {
      expect([text, messageLanguage(text, { conversationLanguage: 'zh' }).code]).toEqual([text, 'zh']);
      expect([text, messageLanguage(text, { conversationLanguage: 'de' }).code]).toEqual([text, 'de']);
      expect([text, messageLanguage(text, { locale: 'zh-CN' }).code]).toEqual([text, 'zh']);
      expect([text, messageLanguage(text, {}).code]).toEqual([text, 'en']);
      expect(languageEvidence(text)).toBe(false);
    }
    // One English word already says English.
    expect(messageLanguage('hello', { conversationLanguage: 'zh' }).code).toBe('en');
    expect(messageLanguage('Ich möchte meine Bestellung stornieren').reply).toBe('en');
  });

  test('none of the English training rows reads as another language', () => {
    // The rows are the project's own (nlp/data/intents), not a test set.
    const { readExamples } = require('../../nlp/data-io') as typeof import('../../nlp/data-io');
    const { DEFAULT_INTENTS_FILE } = require('../../nlp/default') as typeof import('../../nlp/default');
    const english = readExamples(DEFAULT_INTENTS_FILE).filter((e) => e.lang === 'en');
    expect(english.length).toBeGreaterThan(1000);
    expect(english.filter((e) => identifyLanguage(e.text).code !== 'en').map((e) => e.text)).toEqual([]);
  });
});

describe('one understanding, one engine call', () => {
  test.each([
    // The topic of a request for a person: the request taken out of the text before the call.
    ['I want to talk to a person, I was charged twice', 'human_agent', 'billing'],
    ['I want to talk to a person about my bill', 'human_agent', 'billing'],
    ['I want to talk to someone about deleting my personal data', 'human_agent', 'privacy_request'],
    // A taste idiom said with "fan" before the call.
    ["I'm more of a tea person than a coffee person", 'preference', undefined],
    // A task in a clause beside a stated preference: the clauses are classified in the same call.
    ['I prefer email, and has A10042 shipped yet?', 'order_status', undefined],
    ["I like tea. where's A10042", 'order_status', undefined],
    ['help', 'help', undefined],
    ['please phone me', 'human_agent', undefined],
    ['我要退掉不喜欢的那个杯子', 'return_refund', undefined],
  ])('%s → %s (topic %s)', async (text, intent, topic) => {
    const e = counted(engine);
    const u = await understandMessage(e, text);
    expect(e.calls).toHaveLength(1);
    expect([text, u.intent, u.outOfScope]).toEqual([text, intent, false]);
    if (topic) expect(u.ranking[1]?.name).toBe(topic);
    expect(u.modelVersion).toBe(engine.modelInfo.id);
    expect(u.decision).toEqual({ action: 'answer', intent });
  });

  test('the engine classifies the segments it is given in the same call, in their order', async () => {
    const a = await engine.analyze('I prefer email, and has A10042 shipped yet?', { segments: ['I prefer email', 'and has A10042 shipped yet?', '   '] });
    expect(a.segments?.map((x) => x.text)).toEqual(['I prefer email', 'and has A10042 shipped yet?', '   ']);
    expect(a.segments?.[1].intent.name).toBe('order_status');
    expect(a.segments?.[2]).toMatchObject({ outOfScope: true, intent: { name: 'out_of_scope' } });
    expect((await engine.analyze('where is my parcel')).segments).toBeUndefined();
  });

  test('entities index into the customer text even when the text was rewritten before the call', async () => {
    const text = 'talk to a person about order A10042, email me at dana@example.com';
    const u = await understandMessage(engine, text);
    expect(u.intent).toBe('human_agent');
    for (const entity of u.entities) expect(text.slice(entity.start, entity.end)).toBe(entity.text);
    expect(u.entities.map((x) => x.type).sort()).toEqual(['email', 'order_number']);
  });

  test('a German message is understood as German, answered in English', async () => {
    const u = await understandMessage(engine, 'Ich möchte meine Bestellung stornieren');
    expect(u).toMatchObject({ detectedLanguage: 'de', language: 'en', languageEvidence: true });
  });

  test('the turn decision follows the clarification policy', async () => {
    const u = await understandMessage(engine, 'where is my parcel');
    expect(u.decision).toEqual({ action: 'answer', intent: 'order_status' });
    const never = await understandMessage(engine, 'where is my parcel', { policy: { ...DEFAULT_CLARIFICATION_POLICY, notUnderstoodBelow: 1.01 } });
    expect(never.decision).toEqual({ action: 'not_understood' });
    expect((await understandMessage(engine, 'what is the capital of france')).decision).toEqual({ action: 'not_understood' });
  });
});

describe('a task beside a stated preference', () => {
  const analysis = (segments: Array<[string, string, number]>) => ({
    language: 'en' as const,
    languageConfidence: 1,
    intent: { name: 'preference', confidence: 0.93 },
    ranking: [
      { name: 'preference', confidence: 0.93 },
      { name: 'order_status', confidence: 0.06 },
    ],
    outOfScope: false,
    sentiment: { label: 'neutral' as const, score: 0 },
    entities: [],
    segments: segments.map(([text, name, confidence]) => ({ text, intent: { name, confidence }, ranking: [{ name, confidence }], outOfScope: false })),
  });

  test('a clause that asks a task takes the message over from the preference the whole reads as', () => {
    const text = 'I prefer email, and has A10042 shipped yet?';
    const plan = planAnalysis(text);
    expect(plan.clauses).toEqual(['I prefer email', 'and has A10042 shipped yet']);
    const u = understandAnalysis(text, plan, analysis([['I prefer email', 'preference', 0.99], ['and has A10042 shipped yet', 'order_status', 0.9]]));
    expect([u.intent, u.rules]).toEqual(['order_status', ['task_beside_preference']]);
  });

  test('a clause the model alone reads as a request for a person does not hand over: "please don\'t call me"', () => {
    const text = "I prefer email, please don't call me";
    const u = understandAnalysis(text, planAnalysis(text), analysis([['I prefer email', 'preference', 0.99], ["please don't call me", 'human_agent', 0.97]]));
    expect(u.intent).toBe('preference');
  });

  test('a clause that asks for a person in words does', () => {
    const text = 'I prefer email, but get me a real person now';
    const u = understandAnalysis(text, planAnalysis(text), analysis([['I prefer email', 'preference', 0.99], ['get me a real person now', 'human_agent', 0.6]]));
    expect(u.intent).toBe('human_agent');
  });
});
