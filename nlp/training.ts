/** Training and evaluation of intent models: held-out split, metrics, per-language figures. */
import { IntentClassifier, type ClassifierOptions, type Embedder } from './classifier';
import { hashExamples, splitExamples } from './data-io';
import { evaluate, type EvalReport } from './metrics';
import type { ModelMeta } from './model-store';
import { MODEL_FORMAT } from './model-store';
import { detectLanguage, normalizeText } from './text';
import { OUT_OF_SCOPE, type Language, type LabelledExample } from './types';

export interface TrainModelOptions {
  classifier?: Partial<ClassifierOptions>;
  /** Fraction held out (deterministic, stratified by intent and language) for the recorded metrics. */
  holdout?: number;
  embedder?: Embedder;
  /** Rows to measure the model on instead of a held-out part (the built-in model's frozen split). */
  testRows?: LabelledExample[];
}

export interface TrainedModel {
  classifier: IntentClassifier;
  meta: ModelMeta;
  heldOut: LabelledExample[];
  evaluation?: ModelEvaluation;
}

export async function trainIntentModel(examples: LabelledExample[], options: TrainModelOptions = {}): Promise<TrainedModel> {
  const holdout = options.holdout ?? 0;
  const dataHash = hashExamples(examples);
  const { train, test } = holdout > 0 ? splitExamples(examples, holdout) : { train: examples, test: options.testRows ?? [] };
  const started = Date.now();
  const classifier = await IntentClassifier.train(train, options.classifier, options.embedder);
  const trainSeconds = (Date.now() - started) / 1000;
  const metrics: Record<string, number> = {
    trainingExamples: train.length,
    heldOutExamples: test.length,
    trainSeconds,
    temperature: classifier.state.temperature,
    oosThreshold: classifier.state.oosThreshold,
    ...(classifier.state.rejection ? { rejectionThreshold: classifier.state.rejection.threshold } : {}),
  };
  let evaluation: ModelEvaluation | undefined;
  if (test.length) {
    evaluation = await evaluateClassifier(classifier, test);
    Object.assign(metrics, flattenEvaluation(evaluation));
  }
  const seed = options.classifier?.linear?.seed ?? 42;
  const meta: ModelMeta = {
    format: MODEL_FORMAT,
    id: `intent-${dataHash.slice(0, 10)}-s${seed}${options.embedder ? '-emb' : ''}`,
    dataHash,
    createdAt: new Date().toISOString(),
    trainingExamples: train.length,
    params: { holdout, seed, classifier: options.classifier ?? {}, embedding: options.embedder?.id ?? null },
    metrics,
  };
  return { classifier, meta, heldOut: test, evaluation };
}

export interface LanguageFigures {
  n: number;
  accuracy: number;
  macroF1: number;
  oosRecall: number | null;
}

export interface ModelEvaluation {
  report: EvalReport;
  byLanguage: Partial<Record<Language, LanguageFigures>>;
  predictions: string[];
}

/** Final label of a prediction: out_of_scope when flagged, else the top intent. */
export async function evaluateClassifier(classifier: IntentClassifier, rows: LabelledExample[]): Promise<ModelEvaluation> {
  const langs = rows.map((r) => r.lang ?? detectLanguage(normalizeText(r.text)).language);
  const predictions: string[] = [];
  for (let i = 0; i < rows.length; i++) {
    const p = await classifier.predict(rows[i].text, langs[i]);
    predictions.push(p.label);
  }
  const gold = rows.map((r) => r.intent);
  const report = evaluate(gold, predictions);
  const byLanguage: Partial<Record<Language, LanguageFigures>> = {};
  for (const lang of ['en', 'zh'] as Language[]) {
    const idx = langs.map((l, i) => (l === lang ? i : -1)).filter((i) => i >= 0);
    if (!idx.length) continue;
    const r = evaluate(idx.map((i) => gold[i]), idx.map((i) => predictions[i]));
    byLanguage[lang] = { n: r.n, accuracy: r.accuracy, macroF1: r.macroF1, oosRecall: r.oosRecall };
  }
  return { report, byLanguage, predictions };
}

export function flattenEvaluation(e: ModelEvaluation): Record<string, number> {
  const m: Record<string, number> = {
    accuracy: round(e.report.accuracy),
    macroF1: round(e.report.macroF1),
  };
  if (e.report.oosRecall !== null) m.oosRecall = round(e.report.oosRecall);
  if (e.report.inScopeRejectRate !== null) m.inScopeRejectRate = round(e.report.inScopeRejectRate);
  for (const [lang, f] of Object.entries(e.byLanguage)) {
    m[`accuracy_${lang}`] = round(f.accuracy);
    m[`macroF1_${lang}`] = round(f.macroF1);
    if (f.oosRecall !== null) m[`oosRecall_${lang}`] = round(f.oosRecall);
  }
  return m;
}

function round(x: number): number {
  return Math.round(x * 10000) / 10000;
}
