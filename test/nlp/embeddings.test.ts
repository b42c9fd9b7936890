/**
 * @jest-environment ./test/nlp/onnxEnvironment.js
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { IntentClassifier } from '../../nlp/classifier';
import { DEFAULT_ENGINE_CLASSIFIER_OPTIONS, DEFAULT_INTENTS_FILE, loadDefaultNlpEngine, loadEngineFromModelDir } from '../../nlp/default';
import { readExamples } from '../../nlp/data-io';
import { createTransformersEmbedder, findLocalModel } from '../../nlp/embeddings';
import { main } from '../../nlp/cli';
import type { Embedder } from '../../nlp/classifier';
import type { LabelledExample } from '../../nlp/types';
import { writeTinyModel } from './tinyModel';

const MODEL = 'test-org/tiny-encoder';
const WORDS = 'where is my order parcel package track refund return money back broken hello hi thanks cancel please the a i want to'.split(' ');
const CJK = '我的订单到哪了退款货钱你好谢取消'.split('');

let modelsDir: string;
let embedder: Embedder;

beforeAll(async () => {
  modelsDir = mkdtempSync(join(tmpdir(), 'nlp-emb-test-'));
  writeTinyModel(join(modelsDir, MODEL), [...WORDS, ...CJK], 16);
  embedder = await createTransformersEmbedder({ modelsDir, model: MODEL });
});
afterAll(() => rmSync(modelsDir, { recursive: true, force: true }));

const norm = (v: Float32Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

describe('transformers.js embedding layer (generated tiny ONNX model)', () => {
  test('the local model is found and produces normalised, deterministic sentence vectors', async () => {
    expect(findLocalModel(modelsDir)).toBe(MODEL);
    expect(embedder.id).toBe(MODEL);
    expect(embedder.dim).toBe(16);
    const [a, b, c, empty] = await embedder.embed(['where is my order', 'refund my money', '我的订单', '']);
    for (const v of [a, b, c, empty]) expect(norm(v)).toBeCloseTo(1, 4);
    expect(Array.from(a)).not.toEqual(Array.from(b));
    const [a2] = await embedder.embed(['where is my order']);
    expect(Array.from(a2)).toEqual(Array.from(a));
  });

  test('embeddings are appended as classifier features and used for prediction', async () => {
    const rows: LabelledExample[] = [];
    const add = (intent: string, texts: string[]) => texts.forEach((text) => rows.push({ text, intent }));
    add('order_status', ['where is my order', 'track my parcel', 'where is my package', 'track the order please', '我的订单到哪了', '订单到哪了']);
    add('return_refund', ['i want a refund', 'refund my money please', 'return the broken package', 'money back please', '我要退款', '退钱']);
    add('greeting', ['hello', 'hi', 'hi there', 'hello please', '你好', '你好你好']);
    const withEmb = await IntentClassifier.train(rows, { calibrationFraction: 0 }, embedder);
    const without = await IntentClassifier.train(rows, { calibrationFraction: 0 });
    expect(withEmb.usesEmbeddings).toBe(true);
    expect(withEmb.model.numFeatures).toBe(without.model.numFeatures + 16);
    // the dense block carries non-zero weights
    const K = withEmb.model.numClasses;
    const dense = withEmb.model.weights.slice((withEmb.model.numFeatures - 16) * K);
    expect(dense.some((w) => Math.abs(w) > 1e-6)).toBe(true);
    const x = await withEmb.vector('where is my order', 'en');
    expect(x.idx.length).toBe((await without.vector('where is my order', 'en')).idx.length + 16);
    expect((await withEmb.predict('where is my parcel')).ranking[0].name).toBe('order_status');
    expect((await withEmb.predict('我要退款')).ranking[0].name).toBe('return_refund');
  });

  test('CLI train with --models-dir records the embedding model; loading needs modelsDir', async () => {
    const out: string[] = [];
    const dir = join(modelsDir, 'trained');
    const data = join(modelsDir, 'small.jsonl');
    const rows = [
      ...['where is my order', 'track my parcel', 'where is my package', 'track the order please', 'my order is late', 'where is the parcel'].map((text) => ({ text, intent: 'order_status' })),
      ...['i want a refund', 'refund my money please', 'return the broken package', 'money back please', 'i want to return it', 'refund please'].map((text) => ({ text, intent: 'return_refund' })),
      ...['hello', 'hi', 'hi there', 'hello hello', 'hey hi', 'hello there'].map((text) => ({ text, intent: 'greeting' })),
    ];
    writeFileSync(data, rows.map((r) => JSON.stringify(r)).join('\n'));
    await main(['train', '--data', data, '--out', dir, '--models-dir', modelsDir, '--embedding-model', MODEL], {
      out: (s) => out.push(s),
      input: Readable.from(['']),
    });
    const summary = JSON.parse(out[out.length - 1]);
    expect(summary.id).toMatch(/-emb$/);
    await expect(loadEngineFromModelDir(dir)).rejects.toThrow(/modelsDir/);
    const engine = await loadEngineFromModelDir(dir, { modelsDir });
    const a = await engine.analyze('where is my order');
    expect(a.intent.name).toBe('order_status');
  });

  test('loadDefaultNlpEngine uses a configured models folder, and falls back without one', async () => {
    const cacheDir = join(modelsDir, 'cache');
    // The default options on a sample of the default data (the first 60 rows of each intent), fewer
    // epochs: two trainings of all 18,000 rows would take most of a minute.
    const classifier = { ...DEFAULT_ENGINE_CLASSIFIER_OPTIONS, linear: { ...DEFAULT_ENGINE_CLASSIFIER_OPTIONS.linear!, epochs: 4 } };
    const dataFile = join(modelsDir, 'sample.jsonl');
    const perIntent = new Map<string, number>();
    const sample = readExamples(DEFAULT_INTENTS_FILE).filter((e) => {
      const n = perIntent.get(e.intent) ?? 0;
      perIntent.set(e.intent, n + 1);
      return n < 60;
    });
    writeFileSync(dataFile, sample.map((e) => JSON.stringify(e)).join('\n') + '\n');
    const engine = await loadDefaultNlpEngine({ cacheDir, modelsDir, embeddingModel: MODEL, classifier, dataFile });
    expect(engine.modelInfo.id).toMatch(/-emb$/);
    expect((await engine.analyze('I want to cancel my order')).intent.name).toBe('cancel_order');
    const warnings: string[] = [];
    const fallback = await loadDefaultNlpEngine({ cacheDir, classifier, dataFile, modelsDir: join(modelsDir, 'missing'), onWarning: (w) => warnings.push(w) });
    expect(fallback.modelInfo.id).not.toMatch(/-emb$/);
    expect(warnings.join(' ')).toMatch(/embeddings disabled/);
  });

  test('remote models stay disabled unless enabled explicitly', async () => {
    await expect(createTransformersEmbedder({ modelsDir, model: 'Xenova/not-here' })).rejects.toThrow(/remote models disabled/);
  });
});
