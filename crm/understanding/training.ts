/**
 * Intent model retraining from the database: the learned labels (intent_labels) and the version
 * active now go into a training run (a worker thread by default), whose versions are stored with
 * their scores, provenance and the activation decision (IntentModelStore.saveTrained). The first run
 * also stores the built-in model as the baseline, so there is always an active version to compare
 * with and to roll back to.
 */
import { createHash } from 'node:crypto';
import { hashExamples, readExamples } from '../../nlp/data-io';
import { DEFAULT_INTENTS_FILE } from '../../nlp/default';
import type { ActivationPolicy } from '../../nlp/retraining';
import type { Db } from '../db';
import { IntentModelStore, type SaveTrainedResult, type TrainedIntentModel } from './intentModels';
import { IntentLabelStore } from './labels';
import { IntentTrainingThread } from './trainingThread';
import { FROZEN_INTENT_SPLIT, frozenHashOf, runIntentTraining, type IntentTrainingInput, type IntentTrainingOutput, type TrainedIntentModelBytes } from './trainingRun';

export interface IntentTrainerOptions {
  db: Db;
  store?: IntentModelStore;
  labels?: IntentLabelStore;
  /** Built-in training data and the frozen split (defaults: nlp/data/intents, nlp/data/frozen/intent-test). */
  baseDataPath?: string;
  frozenPath?: string;
  policy?: ActivationPolicy;
  /** Versions kept besides the active and pinned one. */
  keep?: number;
  now?: () => Date;
  /** `thread` (default): a worker thread, so the process keeps serving; `inline`: this thread. */
  execution?: 'thread' | 'inline';
}

export interface IntentTrainingResult {
  baseline?: SaveTrainedResult;
  candidate?: SaveTrainedResult;
  candidateSkipped?: IntentTrainingOutput['candidateSkipped'];
  /** Where the candidate's rows came from (also when skipped). */
  provenance: IntentTrainingOutput['provenance'];
  /** The version active after the run. */
  activeVersionId: string | null;
  /** Some version became active in this run (web processes must load it). */
  activated: string | null;
  pruned: string[];
  frozenRows: number;
  threadId: number;
}

function toStored(m: TrainedIntentModelBytes): TrainedIntentModel {
  const { trainedAtMs, modelJsonGz, weightsGz, ...rest } = m;
  return {
    ...rest,
    modelJsonGz: Buffer.from(modelJsonGz.buffer, modelJsonGz.byteOffset, modelJsonGz.byteLength),
    weightsGz: Buffer.from(weightsGz.buffer, weightsGz.byteOffset, weightsGz.byteLength),
    trainedAt: new Date(trainedAtMs),
  };
}

export class IntentModelTrainer {
  readonly store: IntentModelStore;
  readonly labels: IntentLabelStore;

  constructor(private readonly o: IntentTrainerOptions) {
    this.store = o.store ?? new IntentModelStore(o.db);
    this.labels = o.labels ?? new IntentLabelStore(o.db);
  }

  /** Hash of the built-in training data on disk (a stored version of other data is stale). */
  baseDataHash(): string {
    return hashExamples(readExamples(this.o.baseDataPath ?? DEFAULT_INTENTS_FILE));
  }

  /** Fingerprint of what a training would learn from (built-in data and labels): one job per stamp. */
  async stamp(): Promise<string> {
    return createHash('sha256').update(`${this.baseDataHash()}:${await this.labels.stamp()}`).digest('hex').slice(0, 16);
  }

  /**
   * Trains a version from the built-in data and the learned labels, scores it on the frozen split and
   * stores it: activated when not worse than the active version, else kept as rejected (or, while a
   * version is pinned, stored as 'pinned'). Training the same rows again stores nothing new.
   */
  async train(): Promise<IntentTrainingResult> {
    const [labels, active, known] = await Promise.all([this.labels.learnedLabels(), this.store.active(), this.store.versionIds()]);
    const frozenHash = frozenHashOf(readExamples(this.o.frozenPath ?? FROZEN_INTENT_SPLIT));
    const baseDataHash = this.baseDataHash();
    // The built-in model is stored when nothing is active, and again when a release brought new built-in
    // data (the active version learned from the old): it then competes with the active one like any candidate.
    const trainBaseline = !active || (active.baseDataHash !== baseDataHash && !(await this.store.hasBuiltIn(baseDataHash)));
    let rescore: IntentTrainingInput['rescore'];
    if (active && active.scores.frozenHash !== frozenHash) {
      const bytes = await this.store.bytes(active.versionId);
      if (bytes) rescore = { versionId: active.versionId, ...bytes };
    }
    const input: IntentTrainingInput = {
      baseDataPath: this.o.baseDataPath,
      frozenPath: this.o.frozenPath,
      labels: labels.map((l) => ({ ...l, at: +l.at })),
      trainBaseline,
      knownVersionIds: [...known],
      rescore,
      trainedAtMs: (this.o.now?.() ?? new Date()).getTime(),
    };
    const out = (this.o.execution ?? 'thread') === 'thread' ? await new IntentTrainingThread().run(input) : await runIntentTraining(input, 0);
    const saved = await this.store.saveTrained({
      baseline: out.baseline && toStored(out.baseline),
      candidate: out.candidate && toStored(out.candidate),
      rescoredActive: out.rescored,
      policy: this.o.policy,
      keep: this.o.keep,
    });
    const activeVersionId = await this.store.activeVersionId();
    const activated = saved.candidate?.activated ? saved.candidate.version.versionId : saved.baseline?.activated ? saved.baseline.version.versionId : null;
    return {
      baseline: saved.baseline,
      candidate: saved.candidate,
      candidateSkipped: out.candidateSkipped,
      provenance: out.provenance,
      activeVersionId,
      activated,
      pruned: saved.pruned,
      frozenRows: out.frozenRows,
      threadId: out.threadId,
    };
  }
}
