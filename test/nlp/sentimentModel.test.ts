import { readFileSync } from 'node:fs';
import { SENTIMENT_MODEL_FILE, shippedSentimentAnalyzer } from '../../nlp/default';
import { FROZEN_SENTIMENT_TEST, frozenSentimentScores } from '../../nlp/sentimentBuild';
import { SentimentModel, sentimentFeatureStrings, type SentimentModelFile } from '../../nlp/sentimentModel';
import type { Language } from '../../nlp/types';

/** The target for negative F1 on the frozen customer-service set, per language. */
const FROZEN_NEGATIVE_F1_TARGET = 0.85;

describe('shipped sentiment model', () => {
  const s = shippedSentimentAnalyzer();
  const label = (text: string, lang: Language) => s.analyze(text, lang).label;

  test('is the trained model, not the lexicon blend', () => {
    expect(s.kind).toBe('model');
  });

  test('Chinese negation stops at the comma', () => {
    // The 没 of 没人处理 used to reach 失望 and turn the message positive.
    expect(label('等了一个星期都没人处理，太失望了', 'zh')).toBe('negative');
    expect(label('我不满意', 'zh')).toBe('negative');
    expect(label('没问题，谢谢', 'zh')).not.toBe('negative');
    expect(label('没有任何问题，非常满意', 'zh')).toBe('positive');
    const features = sentimentFeatureStrings('等了一个星期都没人处理，太失望了', 'zh').map(([f]) => f);
    expect(features).toContain('¬处理');
    expect(features).not.toContain('¬失望');
  });

  test('English negation stays in its clause', () => {
    expect(label('not bad at all', 'en')).not.toBe('negative');
    expect(label('I am not happy with this', 'en')).toBe('negative');
    expect(label("this isn't what I was promised", 'en')).toBe('negative');
    const features = sentimentFeatureStrings('not working, but thanks', 'en').map(([f]) => f);
    expect(features).toContain('¬work');
    expect(features).not.toContain('¬thank');
  });

  test('emoticons and emoji', () => {
    expect(label(':(', 'en')).toBe('negative');
    expect(label(':/', 'en')).toBe('negative');
    expect(label('😡', 'zh')).toBe('negative');
    expect(label('😡', 'en')).toBe('negative');
    expect(label(':)', 'en')).toBe('positive');
    expect(label('parcel came today :)', 'en')).toBe('positive');
  });

  test('waiting, repeated contact and no reply are negative without a sentiment word', () => {
    for (const [text, lang] of [
      ["I've been on hold for an hour", 'en'],
      ['still no refund', 'en'],
      ["third time I'm writing", 'en'],
      ['Your chat support is not working', 'en'],
      ['been trying to get through for an hour :/', 'en'],
      ['到现在都没人回复我', 'zh'],
      ['客服电话打了一下午都打不通', 'zh'],
    ] as Array<[string, Language]>) {
      expect([text, label(text, lang)]).toEqual([text, 'negative']);
    }
  });

  test('neutral requests and questions stay neutral', () => {
    for (const [text, lang] of [
      ['where is my order A10042?', 'en'],
      ['how do I return a pair of shoes', 'en'],
      ['can I change the email on my account', 'en'],
      ['what time do you open on Saturday', 'en'],
      ['我想查一下订单状态', 'zh'],
      ['退货要怎么办理', 'zh'],
      ['怎么修改账户手机号', 'zh'],
    ] as Array<[string, Language]>) {
      expect([text, label(text, lang)]).toEqual([text, 'neutral']);
    }
  });

  test('the score is in [-1, 1] and agrees in sign with the label', () => {
    for (const [text, lang] of [
      ['', 'en'],
      ['!!!!!!', 'en'],
      ['THIS IS THE WORST SERVICE EVER!!!! 😡😡😡', 'en'],
      ['thank you so so much ❤️❤️', 'en'],
      ['差'.repeat(5000), 'zh'],
      ['a'.repeat(100_000), 'en'],
      ['好评！', 'zh'],
    ] as Array<[string, Language]>) {
      const r = s.analyze(text, lang);
      expect(r.score).toBeGreaterThanOrEqual(-1);
      expect(r.score).toBeLessThanOrEqual(1);
      if (r.label === 'negative') expect(r.score).toBeLessThan(0);
      if (r.label === 'positive') expect(r.score).toBeGreaterThan(0);
    }
  });

  test('the model file re-evaluated on the frozen set gives the figures its provenance records, above the target', () => {
    const file = JSON.parse(readFileSync(SENTIMENT_MODEL_FILE, 'utf8')) as SentimentModelFile;
    const recorded = file.provenance.frozenScores as Record<'en' | 'zh', { f1: number; accuracy: number; n: number }>;
    const measured = frozenSentimentScores(SentimentModel.fromFile(file), FROZEN_SENTIMENT_TEST);
    for (const lang of ['en', 'zh'] as const) {
      expect(measured[lang].n).toBeGreaterThanOrEqual(300);
      expect(measured[lang].f1).toBeCloseTo(recorded[lang].f1, 3);
      expect(measured[lang].accuracy).toBeCloseTo(recorded[lang].accuracy, 3);
      expect(measured[lang].f1).toBeGreaterThanOrEqual(FROZEN_NEGATIVE_F1_TARGET);
    }
  });
});
