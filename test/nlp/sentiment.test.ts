import { defaultSentimentAnalyzer } from '../../nlp/default';
import { lexiconSentiment, SentimentAnalyzer } from '../../nlp/sentiment';
import { hashSentimentFeatures } from '../../nlp/sentimentModel';

const hashFeaturesSum = (text: string): number => hashSentimentFeatures(text, 'en', 18).val.reduce((a, b) => a + b, 0);

describe('sentiment', () => {
  const s = defaultSentimentAnalyzer();

  test('plain polarity in both languages, scores in [-1, 1]', () => {
    for (const [text, lang, label] of [
      ['thank you so much, the delivery was great', 'en', 'positive'],
      ['this is terrible, the blender broke after a day', 'en', 'negative'],
      ['where is my order', 'en', 'neutral'],
      ['服务很好，非常满意', 'zh', 'positive'],
      ['质量太差了，很失望', 'zh', 'negative'],
      ['我的订单到哪了', 'zh', 'neutral'],
    ] as const) {
      const r = s.analyze(text, lang);
      expect([text, r.label]).toEqual([text, label]);
      expect(r.score).toBeGreaterThanOrEqual(-1);
      expect(r.score).toBeLessThanOrEqual(1);
    }
  });

  test("words that are names of Object's own properties are plain words (they once made the score NaN)", () => {
    for (const text of ['McLaren win the Constructors\' Championship', 'constructor toString valueOf hasOwnProperty __proto__', 'isPrototypeOf watching']) {
      const lex = lexiconSentiment(text, 'en');
      expect([text, Number.isFinite(lex.score), lex.hits]).toEqual([text, true, 0]);
      expect(Number.isFinite(hashFeaturesSum(text))).toBe(true);
    }
  });

  test('negation flips polarity', () => {
    expect(lexiconSentiment('good', 'en').score).toBeGreaterThan(0);
    expect(lexiconSentiment('not good', 'en').score).toBeLessThan(0);
    expect(s.analyze('I am not happy with this', 'en').label).toBe('negative');
    expect(lexiconSentiment('满意', 'zh').score).toBeGreaterThan(0);
    expect(lexiconSentiment('不是很满意', 'zh').score).toBeLessThan(0);
    expect(s.analyze('我对这个不太满意', 'zh').label).toBe('negative');
    // "不错" is one positive word, not a negated "错"
    expect(s.analyze('质量不错', 'zh').label).toBe('positive');
  });

  test('the clause after "but" dominates', () => {
    expect(s.analyze('the jacket is nice but the delivery was awful', 'en').label).toBe('negative');
    expect(s.analyze('the delivery was slow but the jacket is lovely', 'en').label).toBe('positive');
    expect(s.analyze('东西不错，但是物流太慢了', 'zh').label).toBe('negative');
    expect(s.analyze('物流有点慢，不过东西很好', 'zh').label).toBe('positive');
  });

  test('intensifiers, exclamation marks and ALL CAPS strengthen', () => {
    const base = lexiconSentiment('this is bad', 'en').score;
    expect(lexiconSentiment('this is very bad', 'en').score).toBeLessThan(base);
    expect(lexiconSentiment('this is bad!!!', 'en').score).toBeLessThan(base);
    expect(lexiconSentiment('this is BAD', 'en').score).toBeLessThan(base);
    expect(lexiconSentiment('很好', 'zh').score).toBeGreaterThan(lexiconSentiment('好', 'zh').score);
  });

  test('the trained component catches complaints without sentiment words', () => {
    expect(lexiconSentiment('waiting for my refund for three weeks now', 'en').hits).toBe(0);
    expect(s.analyze('waiting for my refund for three weeks now', 'en').label).toBe('negative');
    expect(s.analyze('still waiting for my refund after three weeks', 'en').label).toBe('negative');
    expect(s.analyze('我的退款三周了还没到', 'zh').label).toBe('negative');
  });

  test('lexicon-only analyzer works without training data', () => {
    const lex = SentimentAnalyzer.train([]);
    expect(lex.analyze('awesome, thanks!', 'en').label).toBe('positive');
    expect(lex.analyze('', 'en')).toEqual({ label: 'neutral', score: 0 });
  });
  test('negation ends at punctuation in both languages', () => {
    // 没 in 没人处理 must not reach past the comma and flip 失望 (it scored positive before).
    expect(lexiconSentiment('等了一个星期都没人处理，太失望了', 'zh').score).toBeLessThan(-0.3);
    expect(s.analyze('等了一个星期都没人处理，太失望了', 'zh').label).toBe('negative');
    expect(lexiconSentiment('没有问题，很满意', 'zh').score).toBeGreaterThan(0);
    expect(lexiconSentiment('not what I ordered, terrible', 'en').score).toBeLessThan(-0.3);
    expect(lexiconSentiment('no. great job', 'en').score).toBeGreaterThan(0);
    expect(lexiconSentiment('not great', 'en').score).toBeLessThan(0);
  });

  test('emoticons, emoji, -ing forms and frustration without sentiment words', () => {
    expect(lexiconSentiment('ok :(', 'en').score).toBeLessThan(0);
    expect(lexiconSentiment('been trying to get through for an hour :/', 'en').score).toBeLessThan(0);
    expect(lexiconSentiment('arrived today :)', 'en').score).toBeGreaterThan(0);
    expect(lexiconSentiment('收到了👍', 'zh').score).toBeGreaterThan(0);
    expect(lexiconSentiment('又坏了😡', 'zh').score).toBeLessThan(0);
    expect(lexiconSentiment('this is so disappointing', 'en').score).toBeLessThan(0);
    expect(lexiconSentiment("I've been on hold for an hour", 'en').score).toBeLessThan(0);
    expect(lexiconSentiment('still no refund', 'en').score).toBeLessThan(0);
    expect(lexiconSentiment('到现在都没人回复我', 'zh').score).toBeLessThan(0);
    // A plain request stays neutral: a colon or a URL-like token is no emoticon.
    expect(s.analyze('order A10042: where is it?', 'en').label).toBe('neutral');
  });
});
