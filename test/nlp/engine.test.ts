import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IntentClassifier } from '../../nlp/classifier';
import { readExamples, splitExamples } from '../../nlp/data-io';
import { DEFAULT_ENGINE_CLASSIFIER_OPTIONS, DEFAULT_INTENTS_FILE, loadDefaultNlpEngine } from '../../nlp/default';
import type { Analysis, NlpEngine } from '../../nlp/types';

const now = new Date('2026-11-18T12:00:00Z');
let cacheDir: string;
let engine: NlpEngine;

beforeAll(async () => {
  cacheDir = mkdtempSync(join(tmpdir(), 'nlp-engine-test-'));
  engine = await loadDefaultNlpEngine({ cacheDir });
});
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

function expectValid(a: Analysis): void {
  expect(['en', 'zh']).toContain(a.language);
  expect(a.languageConfidence).toBeGreaterThanOrEqual(0);
  expect(a.languageConfidence).toBeLessThanOrEqual(1);
  expect(typeof a.intent.name).toBe('string');
  expect(a.intent.confidence).toBeGreaterThanOrEqual(0);
  expect(a.intent.confidence).toBeLessThanOrEqual(1);
  expect(a.ranking.length).toBeLessThanOrEqual(5);
  for (let i = 1; i < a.ranking.length; i++) expect(a.ranking[i - 1].confidence).toBeGreaterThanOrEqual(a.ranking[i].confidence);
  expect(typeof a.outOfScope).toBe('boolean');
  expect(['negative', 'neutral', 'positive']).toContain(a.sentiment.label);
  expect(Math.abs(a.sentiment.score)).toBeLessThanOrEqual(1);
  expect(Array.isArray(a.entities)).toBe(true);
}

describe('default engine', () => {
  test('model info records the data hash and the frozen split metrics', () => {
    expect(engine.modelInfo.id).toMatch(/^intent-/);
    expect(engine.modelInfo.dataHash).toMatch(/^[0-9a-f]{16}$/);
    expect(engine.modelInfo.metrics?.accuracy).toBeGreaterThan(0.7);
    expect(engine.modelInfo.metrics?.accuracy_en).toBeGreaterThan(0.7);
    expect(engine.modelInfo.metrics?.accuracy_zh).toBeGreaterThan(0.7);
    expect(engine.modelInfo.metrics?.oosRecall).toBeGreaterThan(0.5);
  });

  test('English messages: intent, ranking, entities, sentiment together', async () => {
    const a = await engine.analyze('Where is my order #A12345? It was supposed to arrive yesterday', { now });
    expectValid(a);
    expect(a.language).toBe('en');
    expect(a.intent.name).toBe('order_status');
    expect(a.outOfScope).toBe(false);
    expect(a.ranking).toHaveLength(5);
    expect(a.ranking[0]).toEqual(a.intent);
    expect(a.entities.map((e) => [e.type, e.value])).toEqual([
      ['order_number', 'A12345'],
      ['date', { date: '2026-11-17' }],
    ]);
  });

  test.each([
    ['I want to cancel my order', 'cancel_order'],
    ['how do I get a refund for a broken kettle', 'return_refund'],
    ['I forgot my password and cannot log in', 'account_access'],
    ['can I speak to a real person please', 'human_agent'],
    ['do you ship to Canada', 'shipping_info'],
    ['thanks a lot!', 'thanks'],
  ])('en intent: %s → %s', async (text, intent) => {
    expect((await engine.analyze(text)).intent.name).toBe(intent);
  });

  test.each([
    ['我上周一买的耳机还没到', 'order_status'],
    ['我要取消订单', 'cancel_order'],
    ['怎么申请退款', 'return_refund'],
    ['转人工客服', 'human_agent'],
    ['你好', 'greeting'],
    ['运费多少钱', 'shipping_info'],
  ])('zh intent: %s → %s', async (text, intent) => {
    const a = await engine.analyze(text, { now });
    expect(a.language).toBe('zh');
    expect(a.intent.name).toBe(intent);
  });

  test('Chinese analysis resolves 上周一 and products against the catalog', async () => {
    const a = await engine.analyze('我上周一买的极光耳机还没到', {
      now,
      products: [{ id: 'p1', name: 'Aurora Headphones', aliases: ['极光耳机'] }],
    });
    expect(a.entities).toEqual([
      { type: 'date', text: '上周一', start: 1, end: 4, value: { date: '2026-11-09' } },
      { type: 'product', text: '极光耳机', start: 6, end: 10, value: { id: 'p1', name: 'Aurora Headphones' } },
    ]);
  });

  test('out-of-scope messages are flagged in both languages', async () => {
    const oos = ['tell me a joke', 'who won the football match last night', 'what is the capital of Australia', '给我讲个笑话', '今天天气怎么样', '珠穆朗玛峰有多高'];
    const flagged: string[] = [];
    for (const text of oos) {
      const a = await engine.analyze(text);
      if (a.outOfScope) {
        expect(a.intent.name).toBe('out_of_scope');
        flagged.push(text);
      }
    }
    // OOS recall on the held-out split is about 75 %; allow one miss here.
    expect(flagged.length).toBeGreaterThanOrEqual(oos.length - 1);
    for (const text of ['where is my parcel', '我要退货', 'cancel my subscription', '发票怎么开']) {
      expect([text, (await engine.analyze(text)).outOfScope]).toEqual([text, false]);
    }
  });

  test('language detection picks the dominant script; hints override it', async () => {
    expect((await engine.analyze('我的order什么时候到')).language).toBe('zh');
    expect((await engine.analyze('where is my 订单 please, it is late')).language).toBe('en');
    const forced = await engine.analyze('hello', { language: 'zh' });
    expect(forced.language).toBe('zh');
    expect(forced.languageConfidence).toBe(1);
  });

  test('bad inputs return valid results and never throw', async () => {
    const inputs: unknown[] = [
      '',
      '   \n\t  ',
      'a'.repeat(100 * 1024),
      'where is my order '.repeat(6000),
      '\u0000\u0001\u0007where\u001b[31m is my order\u0000',
      '😀😀😂👍',
      '🙂',
      'hello 你好 where is 我的订单 #A12345 😀',
      '\uD800 broken surrogate \uDFFF',
      '!!!???...',
      null,
      undefined,
      12345,
    ];
    for (const input of inputs) {
      const a = await engine.analyze(input as string, { now: new Date('invalid'), products: 'nope' as never });
      expectValid(a);
    }
    const empty = await engine.analyze('');
    expect(empty).toMatchObject({ outOfScope: true, intent: { name: 'out_of_scope' }, sentiment: { label: 'neutral', score: 0 }, entities: [] });
    const emoji = await engine.analyze('😀😀😂👍');
    expect(emoji.outOfScope).toBe(true);
  });

  test('a 100 KB message is analysed quickly', async () => {
    const started = Date.now();
    await engine.analyze('my parcel is late and I am upset. '.repeat(3200));
    expect(Date.now() - started).toBeLessThan(2000);
  });

  test('the second start loads the cached model instead of retraining', async () => {
    expect(readdirSync(cacheDir).filter((d) => d.startsWith('default-'))).toHaveLength(1);
    const started = Date.now();
    const again = await loadDefaultNlpEngine({ cacheDir });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(again.modelInfo).toEqual(engine.modelInfo);
    const text = 'I was charged twice for one order';
    expect(await again.analyze(text, { now })).toEqual(await engine.analyze(text, { now }));
  });
});

describe('determinism', () => {
  test('retraining with the same data and seed gives identical predictions', async () => {
    // A subset keeps this fast; the property does not depend on size.
    const { test: train, train: test } = splitExamples(readExamples(DEFAULT_INTENTS_FILE), 0.3);
    const opts = { ...DEFAULT_ENGINE_CLASSIFIER_OPTIONS, linear: { ...DEFAULT_ENGINE_CLASSIFIER_OPTIONS.linear!, seed: 7, epochs: 4 } };
    const a = await IntentClassifier.train(train, opts);
    const b = await IntentClassifier.train(train, opts);
    expect(Array.from(a.model.weights)).toEqual(Array.from(b.model.weights));
    const sample = test.slice(0, 80);
    const pa = await Promise.all(sample.map((e) => a.predict(e.text)));
    const pb = await Promise.all(sample.map((e) => b.predict(e.text)));
    expect(pa.map((p) => p.ranking)).toEqual(pb.map((p) => p.ranking));
    // and a different seed gives a (slightly) different model
    const c = await IntentClassifier.train(train, { ...opts, linear: { ...opts.linear, seed: 8 } });
    expect(Array.from(c.model.weights)).not.toEqual(Array.from(a.model.weights));
  });
});
