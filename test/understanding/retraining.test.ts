import { decideActivation, DEFAULT_ACTIVATION_POLICY, latestLabels, mergeTrainingData, retrainedVersionId, scoreFrozen, sentenceKey, type FrozenScores, type LearnedLabel } from '../../nlp/retraining';
import type { LabelledExample } from '../../nlp';

/** The pure part of retraining: what is trained on, how a model is scored, when it may replace the active one. */
describe('retraining: merge, scores, activation decision', () => {
  const base: LabelledExample[] = [
    ...Array.from({ length: 10 }, (_, i) => ({ text: `where is my order number ${i}`, intent: 'order_status', lang: 'en' as const })),
    ...Array.from({ length: 10 }, (_, i) => ({ text: `我的订单${i}在哪里`, intent: 'order_status', lang: 'zh' as const })),
  ];
  const label = (key: string, intent: string, at: number, text = `message ${key}`, source = 'agent_correction', language?: string): LearnedLabel => ({ key, text, intent, source, at, language });

  it('latest label per message wins, whatever the source', () => {
    const { latest, superseded } = latestLabels([label('m1', 'billing', 1, 'x', 'clarification'), label('m1', 'complaint', 3, 'x'), label('m2', 'thanks', 2), label('m1', 'feedback', 2, 'x', 'ticket_category')]);
    expect(superseded).toBe(2);
    expect(latest.map((l) => [l.key, l.intent, l.source])).toEqual([
      ['m1', 'complaint', 'agent_correction'],
      ['m2', 'thanks', 'agent_correction'],
    ]);
  });

  it('trains on the built-in training split plus every learned label, counted by source; frozen repeats, unknown intents and other languages stay out', () => {
    const frozen = new Set([sentenceKey('Is this the same as a TEST row?')]);
    const merged = mergeTrainingData(
      base,
      [
        label('a', 'complaint', 1, 'the box arrived crushed'),
        label('b', 'billing', 1, '为什么扣了两次钱', 'clarification'),
        label('c', 'billing', 1, 'is this the same as a  test row?'),
        label('d', 'not_an_intent', 1),
        label('e', 'billing', 1, 'warum wurde ich zweimal belastet', 'agent_correction', 'de'),
        label('a', 'shipping_info', 0, 'the box arrived crushed', 'ticket_category'),
      ],
      { frozenSentences: frozen },
    );
    // 20 % of each (intent, language) group is held out, as for the built-in model.
    expect(merged.provenance).toEqual({ builtIn: 16, learned: 2, bySource: { agent_correction: 1, clarification: 1 }, superseded: 1, excludedFrozenOverlap: 1, excludedInvalid: 1, excludedOtherLanguage: 1 });
    expect(merged.rows.slice(-2)).toEqual([
      { text: 'the box arrived crushed', intent: 'complaint', lang: 'en' },
      { text: '为什么扣了两次钱', intent: 'billing', lang: 'zh' },
    ]);
    // Same data, same hash and version id; another label, another.
    const again = mergeTrainingData(base, [label('b', 'billing', 1, '为什么扣了两次钱', 'clarification'), label('a', 'complaint', 1, 'the box arrived crushed')], { frozenSentences: frozen });
    expect(again.dataHash).toBe(merged.dataHash);
    expect(retrainedVersionId(again.dataHash, { o: 1 })).toBe(retrainedVersionId(merged.dataHash, { o: 1 }));
    expect(retrainedVersionId(again.dataHash, { o: 1 })).toMatch(/^intent-[0-9a-f]{12}$/);
    expect(mergeTrainingData(base, [label('a', 'feedback', 1, 'the box arrived crushed')]).dataHash).not.toBe(merged.dataHash);
  });

  it('scores predictions on the frozen rows: accuracy overall and per language, OOS recall, in-scope accuracy', () => {
    const rows: LabelledExample[] = [
      { text: 'a', intent: 'billing', lang: 'en' },
      { text: 'b', intent: 'billing', lang: 'en' },
      { text: 'c', intent: 'out_of_scope', lang: 'en' },
      { text: 'd', intent: 'out_of_scope', lang: 'en' },
      { text: '甲', intent: 'thanks', lang: 'zh' },
      { text: '乙', intent: 'out_of_scope', lang: 'zh' },
    ];
    const s = scoreFrozen(rows, ['billing', 'out_of_scope', 'out_of_scope', 'thanks', 'thanks', 'out_of_scope'], 'h1');
    expect(s).toMatchObject({ n: 6, accuracy: 0.6667, oosRecall: 0.6667, inScopeAccuracy: 0.6667, frozenHash: 'h1' });
    expect(s.byLanguage).toEqual({ en: { n: 4, accuracy: 0.5, oosRecall: 0.5, inScopeAccuracy: 0.5 }, zh: { n: 2, accuracy: 1, oosRecall: 1, inScopeAccuracy: 1 } });
    expect(() => scoreFrozen(rows, ['billing'], 'h1')).toThrow();
  });

  const scores = (accuracy: number, oosRecall: number, en = accuracy, zh = accuracy): FrozenScores => ({
    n: 4000, accuracy, macroF1: accuracy, oosRecall, inScopeAccuracy: accuracy, frozenHash: 'frozen-1',
    byLanguage: { en: { n: 2000, accuracy: en, oosRecall, inScopeAccuracy: en }, zh: { n: 2000, accuracy: zh, oosRecall, inScopeAccuracy: zh } },
  });

  it('activates a model that is not worse beyond the tolerances (0.2 points accuracy, 0.5 per language, 1 point OOS recall)', () => {
    expect(DEFAULT_ACTIVATION_POLICY).toEqual({ accuracyTolerance: 0.002, languageAccuracyTolerance: 0.005, oosRecallTolerance: 0.01 });
    const active = scores(0.879, 0.705);
    expect(decideActivation(scores(0.879, 0.705), active)).toMatchObject({ activate: true, failed: [] });
    // Exactly at the tolerance: still not worse.
    expect(decideActivation(scores(0.877, 0.695, 0.874, 0.880), active)).toMatchObject({ activate: true, failed: [], reason: 'not worse than the active model on the frozen split' });
    expect(decideActivation(scores(0.91, 0.8), active).activate).toBe(true);
    expect(decideActivation(scores(0.5, 0.1), null)).toMatchObject({ activate: true, checks: [] });
  });

  it('rejects a deliberately bad candidate, naming each failed metric', () => {
    const active = scores(0.879, 0.705, 0.873, 0.885);
    const bad = decideActivation(scores(0.83, 0.705, 0.79, 0.87), active);
    expect(bad.activate).toBe(false);
    expect(bad.failed).toEqual(['accuracy', 'accuracy_en', 'accuracy_zh']);
    expect(bad.reason).toMatch(/^worse than the active model on the frozen split: accuracy 83 % vs 87.9 % \(tolerance 0.2 points\)/);
    // Accuracy within tolerance but fewer out-of-scope messages caught: rejected on OOS recall alone.
    expect(decideActivation(scores(0.879, 0.69, 0.873, 0.885), active)).toMatchObject({ activate: false, failed: ['oosRecall'] });
    // One language losing more than 0.5 points is rejected even when the other gains it back.
    expect(decideActivation(scores(0.879, 0.705, 0.86, 0.898), active)).toMatchObject({ activate: false, failed: ['accuracy_en'] });
    // Scores of another frozen split are not comparable.
    expect(() => decideActivation({ ...scores(0.9, 0.8), frozenHash: 'other' }, active)).toThrow(/different frozen splits/);
  });
});
