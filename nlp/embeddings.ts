/**
 * Optional sentence embeddings through transformers.js (@huggingface/transformers), loaded from
 * a local models folder. Nothing is downloaded unless `allowRemoteModels` is explicitly true.
 * The library is loaded lazily so the engine works (and starts fast) without it.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Embedder } from './classifier';

export interface EmbedderOptions {
  /** Folder holding model folders (transformers.js `env.localModelPath`). */
  modelsDir: string;
  /**
   * Model folder name under modelsDir (may contain a "/", e.g. "Xenova/paraphrase-multilingual-MiniLM-L12-v2").
   * Default: that model if present, else the first folder under modelsDir holding a config.json.
   */
  model?: string;
  /** Allow fetching from the Hugging Face hub. Off by default: no network at run time. */
  allowRemoteModels?: boolean;
  /** ONNX weights variant: 'fp32' → onnx/model.onnx, 'q8' → onnx/model_quantized.onnx. */
  dtype?: 'fp32' | 'fp16' | 'q8' | 'int8' | 'uint8' | 'q4';
  /** Max texts per forward pass. */
  batchSize?: number;
}

export const DEFAULT_EMBEDDING_MODEL = 'Xenova/paraphrase-multilingual-MiniLM-L12-v2';

/** Find a usable model folder under modelsDir (a folder with config.json, one or two levels deep). */
export function findLocalModel(modelsDir: string, preferred?: string): string | undefined {
  const has = (rel: string) => existsSync(join(modelsDir, rel, 'config.json'));
  if (preferred) return has(preferred) ? preferred : undefined;
  if (has(DEFAULT_EMBEDDING_MODEL)) return DEFAULT_EMBEDDING_MODEL;
  if (!existsSync(modelsDir)) return undefined;
  const dirs = (p: string) =>
    readdirSync(p)
      .filter((n) => !n.startsWith('.') && statSync(join(p, n)).isDirectory())
      .sort();
  for (const a of dirs(modelsDir)) {
    if (has(a)) return a;
    for (const b of dirs(join(modelsDir, a))) if (has(`${a}/${b}`)) return `${a}/${b}`;
  }
  return undefined;
}

type Extractor = (texts: string[], opts: { pooling: 'mean'; normalize: boolean }) => Promise<{ dims: number[]; data: ArrayLike<number> }>;

interface TransformersModule {
  env: { allowRemoteModels: boolean; allowLocalModels: boolean; localModelPath: string };
  pipeline: (task: string, model: string, opts?: Record<string, unknown>) => Promise<Extractor>;
}

/**
 * Load transformers.js. Its package ships a CommonJS build for Node, so require() works under
 * ts-jest and tsx; the dynamic import (kept out of TypeScript's reach so it is not rewritten to
 * require) is the fallback for an ESM-only release.
 */
async function loadTransformers(): Promise<TransformersModule> {
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    return require('@huggingface/transformers') as TransformersModule;
  } catch (err) {
    if ((err as { code?: string }).code !== 'ERR_REQUIRE_ESM') throw err;
    const dynImport = new Function('s', 'return import(s)') as (s: string) => Promise<TransformersModule>;
    return dynImport('@huggingface/transformers');
  }
}

/** Create an Embedder backed by a local transformers.js feature-extraction model. */
export async function createTransformersEmbedder(options: EmbedderOptions): Promise<Embedder> {
  const model = findLocalModel(options.modelsDir, options.model) ?? options.model;
  if (!model) throw new Error(`no embedding model found under ${options.modelsDir}`);
  if (!options.allowRemoteModels && !existsSync(join(options.modelsDir, model, 'config.json'))) {
    throw new Error(`embedding model "${model}" not found under ${options.modelsDir} (remote models disabled)`);
  }
  const tf = await loadTransformers();
  // transformers.js configuration is process-global; set it right before loading this model.
  tf.env.allowRemoteModels = options.allowRemoteModels === true;
  tf.env.allowLocalModels = true;
  tf.env.localModelPath = options.modelsDir.endsWith('/') ? options.modelsDir : options.modelsDir + '/';
  const extractor = await tf.pipeline('feature-extraction', model, { dtype: options.dtype ?? 'fp32' });
  const batchSize = options.batchSize ?? 32;
  const probe = await extractor(['dimension probe'], { pooling: 'mean', normalize: true });
  const dim = probe.dims[probe.dims.length - 1];
  return {
    id: model,
    dim,
    async embed(texts: string[]): Promise<Float32Array[]> {
      const out: Float32Array[] = [];
      for (let i = 0; i < texts.length; i += batchSize) {
        // Empty strings would give an all-padding batch row; embed a single space instead.
        const batch = texts.slice(i, i + batchSize).map((t) => (t.trim() ? t.slice(0, 2000) : ' '));
        const res = await extractor(batch, { pooling: 'mean', normalize: true });
        const data = res.data;
        for (let r = 0; r < batch.length; r++) {
          const v = new Float32Array(dim);
          for (let d = 0; d < dim; d++) {
            const x = Number(data[r * dim + d]);
            v[d] = Number.isFinite(x) ? x : 0;
          }
          out.push(v);
        }
      }
      return out;
    },
  };
}
