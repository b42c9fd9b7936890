/**
 * Model directory I/O: `model.json` (metadata, vocabulary, calibration, data hash, parameters,
 * metrics) and `weights.bin` (little-endian float32 weights then biases).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { IntentClassifier, type ClassifierState, type Embedder } from './classifier';
import type { LinearModel } from './linear';

export const MODEL_FORMAT = 'concierge-nlp/1';

export interface ModelMeta {
  format: string;
  id: string;
  dataHash: string;
  createdAt: string;
  trainingExamples: number;
  params: Record<string, unknown>;
  metrics?: Record<string, number>;
}

interface ModelFile extends ModelMeta {
  classifier: ClassifierState;
  numFeatures: number;
  numClasses: number;
}

export function saveModel(dir: string, clf: IntentClassifier, meta: Omit<ModelMeta, 'format'>): void {
  mkdirSync(dir, { recursive: true });
  const m = clf.model;
  const file: ModelFile = {
    format: MODEL_FORMAT,
    ...meta,
    classifier: clf.state,
    numFeatures: m.numFeatures,
    numClasses: m.numClasses,
  };
  const buf = Buffer.alloc((m.weights.length + m.bias.length) * 4);
  for (let i = 0; i < m.weights.length; i++) buf.writeFloatLE(m.weights[i], i * 4);
  for (let k = 0; k < m.bias.length; k++) buf.writeFloatLE(m.bias[k], (m.weights.length + k) * 4);
  // Write then rename, so a concurrent reader never sees a half-written model.
  const tmpW = join(dir, `weights.bin.${process.pid}.tmp`);
  const tmpJ = join(dir, `model.json.${process.pid}.tmp`);
  writeFileSync(tmpW, buf);
  writeFileSync(tmpJ, JSON.stringify(file));
  renameSync(tmpW, join(dir, 'weights.bin'));
  renameSync(tmpJ, join(dir, 'model.json'));
}

export function hasModel(dir: string): boolean {
  return existsSync(join(dir, 'model.json')) && existsSync(join(dir, 'weights.bin'));
}

export function readModelMeta(dir: string): ModelMeta {
  const { classifier: _c, ...meta } = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as ModelFile;
  return meta;
}

export function loadModel(dir: string, embedder?: Embedder): { classifier: IntentClassifier; meta: ModelMeta } {
  const file = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as ModelFile;
  if (file.format !== MODEL_FORMAT) throw new Error(`${dir}: unsupported model format ${String(file.format)}`);
  const buf = readFileSync(join(dir, 'weights.bin'));
  const nW = file.numFeatures * file.numClasses;
  if (buf.length !== (nW + file.numClasses) * 4) throw new Error(`${dir}: weights.bin has the wrong size`);
  const weights = new Float32Array(nW);
  const bias = new Float32Array(file.numClasses);
  for (let i = 0; i < nW; i++) weights[i] = buf.readFloatLE(i * 4);
  for (let k = 0; k < file.numClasses; k++) bias[k] = buf.readFloatLE((nW + k) * 4);
  const model: LinearModel = {
    loss: file.classifier.loss,
    numFeatures: file.numFeatures,
    numClasses: file.numClasses,
    weights,
    bias,
  };
  const { classifier: state, numFeatures: _f, numClasses: _k, ...meta } = file;
  return { classifier: new IntentClassifier(state, model, embedder), meta };
}
