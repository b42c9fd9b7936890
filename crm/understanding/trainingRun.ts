/**
 * The CPU-heavy part of an intent retraining, free of database I/O so it runs the same on the calling
 * thread and in a worker thread (trainingThread.ts): read the built-in data and the frozen split,
 * merge the learned labels, train (nlp `trainIntentModel`), score on the frozen split, pack the
 * model's files. The frozen rows are only predicted and counted here, never trained on, logged or
 * returned.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_DATA_DIR, DEFAULT_ENGINE_CLASSIFIER_OPTIONS, DEFAULT_HOLDOUT, DEFAULT_INTENTS_FILE } from '../../nlp/default';
import { hashExamples, readExamples } from '../../nlp/data-io';
import { loadModel, saveModel } from '../../nlp/model-store';
import { evaluateClassifier, trainIntentModel } from '../../nlp/training';
import type { IntentClassifier } from '../../nlp/classifier';
import type { LabelledExample } from '../../nlp/types';
import { mergeTrainingData, retrainedVersionId, scoreFrozen, sentenceKey, type FrozenScores, type LearnedLabel, type TrainingProvenance } from '../../nlp/retraining';
import { packModelDir, unpackModelDir } from './modelBundle';

/** The frozen intent test split (nlp/README.md): evaluation only. */
export const FROZEN_INTENT_SPLIT = join(DEFAULT_DATA_DIR, 'frozen', 'intent-test');

/** Labels as they cross a thread boundary (the time as epoch ms). */
export type PortableLabel = Omit<LearnedLabel, 'at'> & { at: number };

export interface IntentTrainingInput {
  /** Built-in training data (default nlp/data/intents). */
  baseDataPath?: string;
  /** The frozen split (default nlp/data/frozen/intent-test). */
  frozenPath?: string;
  labels: PortableLabel[];
  /** Also train and score the built-in model (the first training: nothing is stored yet to compare with). */
  trainBaseline: boolean;
  /** Versions stored already: a candidate among them is not trained again. */
  knownVersionIds: string[];
  /** The active version's bytes, when its scores are of another frozen split: scored again. */
  rescore?: { versionId: string; modelJsonGz: Uint8Array; weightsGz: Uint8Array };
  /** The run's clock (the caller's, so a thread and an inline run agree). */
  trainedAtMs: number;
}

export interface TrainedIntentModelBytes {
  versionId: string;
  baseDataHash: string;
  trainingDataHash: string;
  provenance: Record<string, number>;
  scores: FrozenScores;
  params: Record<string, unknown>;
  trainingMs: number;
  modelBytes: number;
  modelJsonGz: Uint8Array;
  weightsGz: Uint8Array;
  trainedAtMs: number;
}

export interface IntentTrainingOutput {
  baseDataHash: string;
  frozenHash: string;
  frozenRows: number;
  baseline?: TrainedIntentModelBytes;
  candidate?: TrainedIntentModelBytes;
  /** Why no candidate was trained: no labels to learn, or the same training rows are stored already. */
  candidateSkipped?: { versionId: string | null; reason: 'no_labels' | 'stored' };
  /** The provenance the candidate has (also when skipped as stored). */
  provenance: TrainingProvenance;
  rescored?: { versionId: string; scores: FrozenScores };
  threadId: number;
}

/** What identifies how a retrained model is trained (part of its version id). */
export function retrainingOptions() {
  return { classifier: DEFAULT_ENGINE_CLASSIFIER_OPTIONS, holdout: DEFAULT_HOLDOUT, features: 'sparse' as const };
}

export function frozenHashOf(rows: LabelledExample[]): string {
  return hashExamples(rows);
}

async function score(classifier: IntentClassifier, frozen: LabelledExample[], frozenHash: string): Promise<FrozenScores> {
  const { predictions } = await evaluateClassifier(classifier, frozen);
  return scoreFrozen(frozen, predictions, frozenHash);
}

function pack(classifier: IntentClassifier, meta: Parameters<typeof saveModel>[2]) {
  const dir = mkdtempSync(join(tmpdir(), 'concierge-intent-'));
  try {
    saveModel(dir, classifier, meta);
    return packModelDir(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runIntentTraining(input: IntentTrainingInput, threadId = 0): Promise<IntentTrainingOutput> {
  const base = readExamples(input.baseDataPath ?? DEFAULT_INTENTS_FILE);
  const frozen = readExamples(input.frozenPath ?? FROZEN_INTENT_SPLIT);
  const baseDataHash = hashExamples(base);
  const frozenHash = frozenHashOf(frozen);
  const frozenSentences = new Set(frozen.map((r) => sentenceKey(r.text)));
  const options = retrainingOptions();
  const merged = mergeTrainingData(base, input.labels, { holdout: options.holdout, frozenSentences });
  const out: IntentTrainingOutput = { baseDataHash, frozenHash, frozenRows: frozen.length, provenance: merged.provenance, threadId };
  // A version's training time is the run's clock plus the time taken until it was trained: the
  // baseline, trained first, is older than the retrained version of the same run.
  const runStarted = Date.now();
  const trainedAt = () => input.trainedAtMs + (Date.now() - runStarted);

  if (input.rescore) {
    const dir = mkdtempSync(join(tmpdir(), 'concierge-intent-rescore-'));
    try {
      unpackModelDir({ modelJsonGz: Buffer.from(input.rescore.modelJsonGz), weightsGz: Buffer.from(input.rescore.weightsGz) }, join(dir, 'm'));
      const { classifier } = loadModel(join(dir, 'm'));
      out.rescored = { versionId: input.rescore.versionId, scores: await score(classifier, frozen, frozenHash) };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  if (input.trainBaseline) {
    // Exactly the built-in model the bot trains at start (loadDefaultNlpEngine): same rows, options and id.
    const started = Date.now();
    const trained = await trainIntentModel(base, { holdout: options.holdout, classifier: options.classifier });
    const trainingMs = Date.now() - started;
    const builtInRows = trained.meta.trainingExamples;
    out.baseline = {
      versionId: trained.meta.id,
      baseDataHash,
      trainingDataHash: trained.meta.dataHash,
      provenance: { builtIn: builtInRows, learned: 0 },
      scores: await score(trained.classifier, frozen, frozenHash),
      params: { ...options, kind: 'built-in' },
      trainingMs,
      ...pack(trained.classifier, trained.meta),
      trainedAtMs: trainedAt(),
    };
  }

  if (merged.provenance.learned === 0) {
    out.candidateSkipped = { versionId: null, reason: 'no_labels' };
    return out;
  }
  const versionId = retrainedVersionId(merged.dataHash, options);
  if (input.knownVersionIds.includes(versionId)) {
    out.candidateSkipped = { versionId, reason: 'stored' };
    return out;
  }
  const started = Date.now();
  // Every merged row trains: the built-in part is already the built-in model's training split.
  const trained = await trainIntentModel(merged.rows, { holdout: 0, classifier: options.classifier });
  const trainingMs = Date.now() - started;
  const provenance: Record<string, number> = {
    builtIn: merged.provenance.builtIn,
    learned: merged.provenance.learned,
    ...merged.provenance.bySource,
    superseded: merged.provenance.superseded,
    excludedFrozenOverlap: merged.provenance.excludedFrozenOverlap,
    excludedInvalid: merged.provenance.excludedInvalid,
    excludedOtherLanguage: merged.provenance.excludedOtherLanguage,
  };
  out.candidate = {
    versionId,
    baseDataHash,
    trainingDataHash: merged.dataHash,
    provenance,
    scores: await score(trained.classifier, frozen, frozenHash),
    params: { ...options, kind: 'retrained' },
    trainingMs,
    // The served engine reports this id (modelInfo.id), so understandings name the version.
    ...pack(trained.classifier, { ...trained.meta, id: versionId }),
    trainedAtMs: trainedAt(),
  };
  return out;
}
