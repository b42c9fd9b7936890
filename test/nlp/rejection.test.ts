import { IntentClassifier, fitRejection } from '../../nlp/classifier';
import { choosePolicy, measurePolicy, type LabelledUnderstanding } from '../../nlp/clarificationPolicy';
import { genericClassifierOptions } from '../../nlp/default';
import { rejectionScores, rejectionTradeOff } from '../../nlp/rejection';
import { OUT_OF_SCOPE, type LabelledExample } from '../../nlp/types';

// Classes: 0 = billing, 1 = order_status, 2 = out_of_scope.
const OOS = 2;

describe('rejection scores', () => {
  test('every score is higher for a message the out-of-scope class wins than for a confident in-scope one', () => {
    const inScope = rejectionScores([4, 0, -1], 1, OOS);
    const outside = rejectionScores([0, -0.5, 3], 1, OOS);
    expect(inScope.inTop).toBe(0);
    expect(outside.top).toBe(OOS);
    expect(outside.inTop).toBe(0);
    for (const name of ['prob', 'oos', 'margin', 'energy', 'gap'] as const) expect(outside[name]).toBeGreaterThan(inScope[name]);
    expect(outside.gap).toBeCloseTo(3);
    expect(inScope.gap).toBeCloseTo(-5);
  });

  test('without an out-of-scope class the gap never rejects and the probability score still does', () => {
    const r = rejectionScores([0.1, 0], 1, -1);
    expect(r.gap).toBe(-Infinity);
    expect(r.oos).toBe(0);
    expect(r.prob).toBeGreaterThan(0.4);
  });

  test('the fitted threshold separates out-of-scope rows the class alone misses', () => {
    // Out-of-scope rows whose own class loses narrowly (gap -0.5) and in-scope rows far below (gap -4).
    const raw = [
      ...Array.from({ length: 20 }, () => Float64Array.from([3, 0, -1])),
      ...Array.from({ length: 10 }, () => Float64Array.from([1, 0, 0.5])),
    ];
    const ys = [...raw.slice(0, 20).map(() => 0), ...raw.slice(20).map(() => OOS)];
    const fitted = fitRejection(raw, ys, 1, OOS, 'balanced', 'gap');
    expect(fitted.score).toBe('gap');
    expect(fitted.threshold).toBeGreaterThan(-4);
    expect(fitted.threshold).toBeLessThan(-0.5);
    // The class alone (threshold 0) would have caught none of them.
    expect(raw.slice(20).every((s) => rejectionScores(s, 1, OOS).gap < 0)).toBe(true);
  });

  test('the trade-off table goes from few to many rejections and marks the fitted threshold', () => {
    const rows = [
      ...Array.from({ length: 10 }, (_, i) => ({ gold: 'billing', inTop: 'billing', oosScore: -2 + i / 10 })),
      ...Array.from({ length: 10 }, (_, i) => ({ gold: OUT_OF_SCOPE, inTop: 'billing', oosScore: -1.5 + i / 5 })),
    ];
    const points = rejectionTradeOff(rows, -0.5, OUT_OF_SCOPE);
    expect(points.filter((p) => p.chosen)).toHaveLength(1);
    for (let i = 1; i < points.length; i++) {
      expect(points[i].threshold).toBeLessThan(points[i - 1].threshold);
      expect(points[i].oosRecall).toBeGreaterThanOrEqual(points[i - 1].oosRecall);
      expect(points[i].inScopeAccuracy).toBeLessThanOrEqual(points[i - 1].inScopeAccuracy);
    }
  });
});

describe('the generic preset with an out_of_scope class', () => {
  const topics: Record<string, string[]> = {
    billing: ['invoice', 'charge', 'payment', 'card', 'refund of a charge', 'receipt', 'bill', 'price'],
    order_status: ['parcel', 'delivery', 'tracking', 'shipment', 'package', 'courier', 'order', 'arrival'],
  };
  const frames = ['where is my {}', 'question about my {}', 'help with the {}', 'my {} is wrong', 'I need the {}', 'what about the {}'];
  const rows: LabelledExample[] = [];
  for (const [intent, words] of Object.entries(topics)) for (const w of words) for (const f of frames) rows.push({ text: f.replace('{}', w), intent, lang: 'en' });
  const outside = ['weather tomorrow', 'tell me a joke', 'capital of peru', 'play some jazz', 'set an alarm', 'book a flight', 'who won the match', 'translate hello'];
  for (const t of outside) rows.push({ text: t, intent: OUT_OF_SCOPE, lang: 'en' });

  test('fits a balanced rejection on folds instead of a threshold that rejects nothing', async () => {
    const options = genericClassifierOptions(rows);
    expect(options.calibrationFolds).toBe(4);
    expect(options.oosObjective).toBe('balanced');
    const c = await IntentClassifier.train(rows, options);
    expect(c.state.rejection?.threshold).toBeLessThan(Number.MAX_VALUE);
    const unseen = ['what is the meaning of life', 'recipe for pancakes', 'how tall is everest'];
    const rejected = await Promise.all(unseen.map(async (t) => (await c.predict(t, 'en')).outOfScope));
    expect(rejected.filter(Boolean).length).toBeGreaterThanOrEqual(2);
    expect((await c.predict('where is my parcel', 'en')).label).toBe('order_status');
  });

  test('without an out_of_scope class the preset is unchanged', () => {
    expect(genericClassifierOptions(rows.filter((r) => r.intent !== OUT_OF_SCOPE)).calibrationFolds).toBe(1);
  });
});

describe('clarification policy by measurement', () => {
  const u = (ranking: Array<[string, number]>, outOfScope = false) => ({
    intent: ranking[0][0],
    confidence: ranking[0][1],
    ranking: ranking.map(([name, confidence]) => ({ name, confidence })),
    outOfScope,
  });
  const rows: LabelledUnderstanding[] = [
    { gold: 'billing', understanding: u([['billing', 0.95], ['order_status', 0.03]]) },
    // A near tie the model gets wrong: asking costs 0.25, answering costs 1.
    { gold: 'billing', understanding: u([['order_status', 0.5], ['billing', 0.45]]) },
    { gold: OUT_OF_SCOPE, understanding: u([[OUT_OF_SCOPE, 0.9], ['billing', 0.05]], true) },
  ];

  test('prices answers, questions and not-understood', () => {
    const never = measurePolicy(rows, { answerAbove: 0, askMargin: 0, notUnderstoodBelow: 0 });
    expect([never.answeredRight, never.answeredWrong, never.notUnderstood]).toEqual([1, 1, 1]);
    expect(never.cost).toBeCloseTo(1 / 3);
    const asks = measurePolicy(rows, { answerAbove: 0.7, askMargin: 0.12, notUnderstoodBelow: 0 });
    expect([asks.answeredRight, asks.askedUseful, asks.notUnderstood]).toEqual([1, 1, 1]);
    expect(asks.cost).toBeCloseTo(0.25 / 3);
  });

  test('the cheapest policy asks about the near tie', () => {
    const best = choosePolicy(rows);
    expect(best.askedUseful).toBe(1);
    expect(best.answeredWrong).toBe(0);
  });
});
