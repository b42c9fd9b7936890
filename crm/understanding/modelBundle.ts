/**
 * An nlp model directory (model.json + weights.bin, nlp/model-store.ts) as bytes for the database
 * and back. Each file is gzipped on its own: the vocabulary (JSON) shrinks several-fold, the float32
 * weights by about a third.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';

export interface ModelBytes {
  modelJsonGz: Buffer;
  weightsGz: Buffer;
}

export function packModelDir(dir: string): ModelBytes & { modelBytes: number } {
  const json = readFileSync(join(dir, 'model.json'));
  const weights = readFileSync(join(dir, 'weights.bin'));
  return { modelJsonGz: gzipSync(json, { level: 6 }), weightsGz: gzipSync(weights, { level: 6 }), modelBytes: json.length + weights.length };
}

/**
 * Writes the model into `dir` (created whole under a temporary name, then renamed, so a reader or a
 * concurrent writer never sees half a model). An existing complete `dir` is kept as it is.
 */
export function unpackModelDir(bytes: ModelBytes, dir: string): void {
  if (existsSync(join(dir, 'model.json')) && existsSync(join(dir, 'weights.bin'))) return;
  // Not ours to keep: a directory without both files was not written by this function.
  if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
  mkdirSync(dirname(dir), { recursive: true });
  const tmp = `${dir}.${process.pid}.${Date.now()}.tmp`;
  mkdirSync(tmp, { recursive: true });
  try {
    writeFileSync(join(tmp, 'weights.bin'), gunzipSync(bytes.weightsGz));
    writeFileSync(join(tmp, 'model.json'), gunzipSync(bytes.modelJsonGz));
    try {
      renameSync(tmp, dir);
    } catch (err) {
      // Another process wrote the same version first: theirs is complete, keep it.
      if (!(existsSync(dir) && statSync(dir).isDirectory())) throw err;
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
