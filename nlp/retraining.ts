/**
 * Retraining from use, the pure part: merge the built-in training data with labels learned in
 * production (latest label per message wins), score a model's predictions on the frozen test split,
 * and decide whether a retrained model may replace the active one. No I/O: callers read the data,
 * train (training.ts) and store.
 */
import { createHash } from 'node:crypto';
import { hashExamples, splitExamples } from './data-io';
import { isBuiltInIntent } from './intents';
import { evaluate } from './metrics';
import { detectLanguage, normalizeText } from './text';
import { OUT_OF_SCOPE, type LabelledExample, type Language } from './types';

/** A label learned from use: a customer's clarification choice, an agent's correction, a corrected ticket category. */
export interface LearnedLabel {
  /** What is labelled (the message id): several labels of one message are one training row, the latest. */
  key: string;
  text: string;
  intent: string;
  /** Detected language of the message ('en', 'zh', or another code the model does not train on). */
  language?: string;
  source: string;
  /** When it was labelled; the latest per key wins (ties: the later in the list). */
  at: Date | number;
}

export interface TrainingProvenance {
  /** Built-in rows trained on (the built-in model's training split). */
  builtIn: number;
  /** Learned rows trained on, in all and by source (clarification, agent_correction, ticket_category). */
  learned: number;
  bySource: Record<string, number>;
  /** Labels replaced by a later label of the same message. */
  superseded: number;
  /** Learned rows left out because a frozen test row says the same: training on them would flatter the measurement. */
  excludedFrozenOverlap: number;
  /** Learned rows left out for an intent the model does not know, or no text. */
  excludedInvalid: number;
  /** Learned rows in a language the model does not speak (the bot hands those over). */
  excludedOtherLanguage: number;
}

export interface MergedTrainingSet {
  rows: LabelledExample[];
  provenance: TrainingProvenance;
  /** hashExamples of `rows`: the same data, the same hash. */
  dataHash: string;
}

/** One label per key: the latest (by `at`, then list order). */
export function latestLabels(labels: readonly LearnedLabel[]): { latest: LearnedLabel[]; superseded: number } {
  const byKey = new Map<string, LearnedLabel>();
  for (const l of labels) {
    const prev = byKey.get(l.key);
    if (!prev || +l.at >= +prev.at) byKey.set(l.key, l);
  }
  // Stable order (by key), so the training set and its hash do not depend on the query's order.
  const latest = [...byKey.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { latest, superseded: labels.length - latest.length };
}

/** How two texts are compared for "the same sentence": normalised, lower case, single spaces. */
export function sentenceKey(text: string): string {
  return normalizeText(text).toLowerCase().replace(/\s+/g, ' ').trim();
}

export interface MergeOptions {
  /** Fraction of the built-in rows held out, as the built-in model does (default 0.2): only its training split is used. */
  holdout?: number;
  /** sentenceKey of every frozen test row: learned rows saying the same are not trained on. */
  frozenSentences?: ReadonlySet<string>;
}

/**
 * The rows a retrained model learns from: the built-in model's training split (so the retrained and
 * the built-in model differ only by what was learned) and every learned label, the latest per message.
 */
export function mergeTrainingData(base: readonly LabelledExample[], labels: readonly LearnedLabel[], o: MergeOptions = {}): MergedTrainingSet {
  const holdout = o.holdout ?? 0.2;
  const builtIn = holdout > 0 ? splitExamples([...base], holdout).train : [...base];
  const { latest, superseded } = latestLabels(labels);
  const bySource: Record<string, number> = {};
  const learnedRows: LabelledExample[] = [];
  let excludedFrozenOverlap = 0;
  let excludedInvalid = 0;
  let excludedOtherLanguage = 0;
  for (const l of latest) {
    const text = normalizeText(l.text).trim();
    if (!text || !isBuiltInIntent(l.intent)) {
      excludedInvalid++;
      continue;
    }
    if (o.frozenSentences?.has(sentenceKey(text))) {
      excludedFrozenOverlap++;
      continue;
    }
    if (l.language && l.language !== 'en' && l.language !== 'zh') {
      excludedOtherLanguage++;
      continue;
    }
    const lang: Language = l.language === 'en' || l.language === 'zh' ? l.language : detectLanguage(text).language;
    learnedRows.push({ text, intent: l.intent, lang });
    bySource[l.source] = (bySource[l.source] ?? 0) + 1;
  }
  // Each correction counts once, like a built-in row: one corrected message among thousands still
  // changes its own reading (measured with 2,299 and 16,965 built-in rows), and a wrong label weighs little.
  const rows = [...builtIn, ...learnedRows];
  return {
    rows,
    provenance: { builtIn: builtIn.length, learned: learnedRows.length, bySource, superseded, excludedFrozenOverlap, excludedInvalid, excludedOtherLanguage },
    dataHash: hashExamples(rows),
  };
}

/** A version id for a retrained model: its training rows and options, nothing else (same data, same id). */
export function retrainedVersionId(dataHash: string, options: unknown): string {
  return `intent-${createHash('sha256').update(JSON.stringify({ dataHash, options })).digest('hex').slice(0, 12)}`;
}

export interface LanguageScores {
  n: number;
  accuracy: number;
  oosRecall: number | null;
  inScopeAccuracy: number | null;
}

/** A model's figures on the frozen test split (fractions in [0, 1]). */
export interface FrozenScores {
  n: number;
  accuracy: number;
  macroF1: number;
  /** Share of out_of_scope rows predicted out of scope. */
  oosRecall: number | null;
  /** Share of in-scope rows given their intent. */
  inScopeAccuracy: number | null;
  byLanguage: Partial<Record<Language, LanguageScores>>;
  /** Which frozen split (hash of its rows): scores of different splits are not compared. */
  frozenHash: string;
}

const round = (x: number) => Math.round(x * 10_000) / 10_000;

function figures(gold: string[], predicted: string[]): { n: number; accuracy: number; oosRecall: number | null; inScopeAccuracy: number | null } {
  let ok = 0;
  let oos = 0;
  let oosHit = 0;
  let inScope = 0;
  let inScopeHit = 0;
  for (let i = 0; i < gold.length; i++) {
    const hit = gold[i] === predicted[i];
    if (hit) ok++;
    if (gold[i] === OUT_OF_SCOPE) {
      oos++;
      if (predicted[i] === OUT_OF_SCOPE) oosHit++;
    } else {
      inScope++;
      if (hit) inScopeHit++;
    }
  }
  return {
    n: gold.length,
    accuracy: gold.length ? round(ok / gold.length) : 0,
    oosRecall: oos ? round(oosHit / oos) : null,
    inScopeAccuracy: inScope ? round(inScopeHit / inScope) : null,
  };
}

/** Scores from the final labels a model gave the frozen rows (out_of_scope when it rejected one). */
export function scoreFrozen(rows: readonly LabelledExample[], predictions: readonly string[], frozenHash: string): FrozenScores {
  if (rows.length !== predictions.length) throw new Error('scoreFrozen: one prediction per row');
  const gold = rows.map((r) => r.intent);
  const predicted = [...predictions];
  const all = figures(gold, predicted);
  const byLanguage: Partial<Record<Language, LanguageScores>> = {};
  const langs = rows.map((r) => r.lang ?? detectLanguage(normalizeText(r.text)).language);
  for (const lang of ['en', 'zh'] as Language[]) {
    const idx = langs.flatMap((l, i) => (l === lang ? [i] : []));
    if (idx.length) byLanguage[lang] = figures(idx.map((i) => gold[i]), idx.map((i) => predicted[i]));
  }
  return { ...all, macroF1: round(evaluate(gold, predicted).macroF1), byLanguage, frozenHash };
}

/**
 * When a retrained model may replace the active one: on the frozen split, no figure lower than the
 * active model's by more than its tolerance (fractions: 0.002 = 0.2 percentage points). Overall
 * accuracy is the main gate; each language's accuracy has its own, looser tolerance (half the rows,
 * so twice the noise) so that a gain in one language cannot hide a loss in the other; OOS recall
 * guards the fallback (a model that answers everything looks accurate and stops saying "I don't know").
 * In-scope accuracy is reported, not gated: overall accuracy and OOS recall already bound it.
 */
export interface ActivationPolicy {
  accuracyTolerance: number;
  languageAccuracyTolerance: number;
  oosRecallTolerance: number;
}

export const DEFAULT_ACTIVATION_POLICY: Readonly<ActivationPolicy> = Object.freeze({
  accuracyTolerance: 0.002,
  languageAccuracyTolerance: 0.005,
  oosRecallTolerance: 0.01,
});

export interface ActivationCheck {
  /** 'accuracy', 'accuracy_en', 'accuracy_zh', 'oosRecall'. */
  metric: string;
  candidate: number | null;
  active: number | null;
  tolerance: number;
  /** candidate ≥ active − tolerance; true when either side cannot be measured. */
  passed: boolean;
}

export interface ActivationDecision {
  activate: boolean;
  checks: ActivationCheck[];
  /** The metrics that failed, e.g. ['accuracy', 'accuracy_en']. */
  failed: string[];
  /** Why, in one sentence. */
  reason: string;
}

/** Decides whether `candidate` may replace `active` (null: nothing is active, so it may). */
export function decideActivation(candidate: FrozenScores, active: FrozenScores | null, policy: ActivationPolicy = DEFAULT_ACTIVATION_POLICY): ActivationDecision {
  if (!active) return { activate: true, checks: [], failed: [], reason: 'no active model to compare with' };
  if (active.frozenHash !== candidate.frozenHash) throw new Error('decideActivation: scores of different frozen splits');
  const check = (metric: string, c: number | null | undefined, a: number | null | undefined, tolerance: number): ActivationCheck => {
    const cv = c ?? null;
    const av = a ?? null;
    // A tiny epsilon: scores are rounded fractions, "equal" must pass.
    return { metric, candidate: cv, active: av, tolerance, passed: cv === null || av === null || cv >= av - tolerance - 1e-9 };
  };
  const checks = [
    check('accuracy', candidate.accuracy, active.accuracy, policy.accuracyTolerance),
    ...(['en', 'zh'] as Language[]).map((l) => check(`accuracy_${l}`, candidate.byLanguage[l]?.accuracy, active.byLanguage[l]?.accuracy, policy.languageAccuracyTolerance)),
    check('oosRecall', candidate.oosRecall, active.oosRecall, policy.oosRecallTolerance),
  ];
  const failed = checks.filter((c) => !c.passed).map((c) => c.metric);
  const pts = (x: number) => `${Math.round(x * 1000) / 10}`;
  const reason = failed.length
    ? `worse than the active model on the frozen split: ${checks
        .filter((c) => !c.passed)
        .map((c) => `${c.metric} ${pts(c.candidate!)} % vs ${pts(c.active!)} % (tolerance ${pts(c.tolerance)} points)`)
        .join('; ')}`
    : 'not worse than the active model on the frozen split';
  return { activate: failed.length === 0, checks, failed, reason };
}
