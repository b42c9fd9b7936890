/**
 * Snapshot format of a trained model, so a model trained once (by the worker job) can be stored as
 * bytes (PostgreSQL bytea) and served by every web process without retraining.
 *
 * Layout: magic `CRMS`, format version (uint32 LE), header length (uint32 LE), the JSON header
 * (model info, serving scaling, catalogue, customer and item ids, array directory, sha256 of the
 * payload), zero padding to an 8-byte boundary, then every typed array at an 8-byte aligned offset.
 * Restoring rebuilds the same matrix and scorer, so the restored model gives the same recommendations.
 */
import { createHash } from 'node:crypto';
import { restoreAls } from './als';
import { restoreEase } from './ease';
import { restoreItemKnn } from './itemKnn';
import type { InteractionMatrix } from './matrix';
import { assembleRecommender, recommenderParts, type ServingScaling } from './model';
import type { ItemScorer, ScorerState } from './scorer';
import type { CatalogItem, ModelInfo, Recommender } from './types';

const MAGIC = Buffer.from('CRMS', 'ascii');
export const SNAPSHOT_FORMAT_VERSION = 1;

type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;
type ArrayType = 'f32' | 'f64' | 'i32' | 'u8';

const CONSTRUCTORS = { f32: Float32Array, f64: Float64Array, i32: Int32Array, u8: Uint8Array } as const;

/** The matrix arrays a snapshot carries (indices maps are rebuilt from the ids). */
const MATRIX_ARRAYS = ['rowPtr', 'colIdx', 'values', 'purchased', 'lastAt', 'customerLastAt', 'colPtr', 'rowIdx', 'colValues', 'popularity'] as const;

interface ArrayEntry {
  name: string;
  type: ArrayType;
  offset: number;
  length: number;
}

interface SnapshotHeader {
  info: Omit<ModelInfo, 'trainedAt'> & { trainedAt: string };
  scaling: ServingScaling;
  catalog: CatalogItem[];
  customerIds: string[];
  itemIds: string[];
  nnz: number;
  scorer: { kind: ScorerState['kind']; scalars: Record<string, number> } | null;
  arrays: ArrayEntry[];
  /** sha256 of everything after the header padding. */
  payloadSha256: string;
}

export class SnapshotError extends Error {
  constructor(message: string) {
    super(`recommendation snapshot: ${message}`);
    this.name = 'SnapshotError';
  }
}

function typeOf(a: TypedArray): ArrayType {
  if (a instanceof Float32Array) return 'f32';
  if (a instanceof Float64Array) return 'f64';
  if (a instanceof Int32Array) return 'i32';
  return 'u8';
}

const align8 = (n: number): number => (n + 7) & ~7;

/** Serialises a model built by trainRecommender (or restored by deserializeRecommender). */
export function serializeRecommender(model: Recommender): Buffer {
  const { info, matrix, scorer, catalog, scaling } = recommenderParts(model);
  if (scorer && !scorer.exportState) throw new SnapshotError(`the ${info.algorithm} scorer cannot be exported`);
  const state = scorer?.exportState?.() ?? null;
  const named: Array<[string, TypedArray]> = MATRIX_ARRAYS.map((k) => [`matrix.${k}`, matrix[k]]);
  if (state) for (const [k, a] of Object.entries(state.arrays)) named.push([`scorer.${k}`, a]);

  const arrays: ArrayEntry[] = [];
  let offset = 0;
  for (const [name, a] of named) {
    arrays.push({ name, type: typeOf(a), offset, length: a.length });
    offset = align8(offset + a.byteLength);
  }
  const payload = Buffer.alloc(offset);
  named.forEach(([, a], i) => payload.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), arrays[i].offset));

  const header: SnapshotHeader = {
    info: { ...info, trainedAt: info.trainedAt.toISOString() },
    scaling,
    catalog: catalog.map((c) => ({ ...c })),
    customerIds: matrix.customerIds,
    itemIds: matrix.itemIds,
    nnz: matrix.nnz,
    scorer: state ? { kind: state.kind, scalars: state.scalars } : null,
    arrays,
    payloadSha256: createHash('sha256').update(payload).digest('hex'),
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const prefix = Buffer.alloc(12);
  MAGIC.copy(prefix, 0);
  prefix.writeUInt32LE(SNAPSHOT_FORMAT_VERSION, 4);
  prefix.writeUInt32LE(json.length, 8);
  const headerEnd = align8(12 + json.length);
  return Buffer.concat([prefix, json, Buffer.alloc(headerEnd - 12 - json.length), payload]);
}

/** Restores a serving model from serializeRecommender's bytes; throws SnapshotError on anything malformed. */
export function deserializeRecommender(bytes: Uint8Array): Recommender {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 12 || !buf.subarray(0, 4).equals(MAGIC)) throw new SnapshotError('not a snapshot (bad magic)');
  const version = buf.readUInt32LE(4);
  if (version !== SNAPSHOT_FORMAT_VERSION) throw new SnapshotError(`format ${version} is not supported (expected ${SNAPSHOT_FORMAT_VERSION})`);
  const jsonLength = buf.readUInt32LE(8);
  if (12 + jsonLength > buf.length) throw new SnapshotError('truncated header');
  let header: SnapshotHeader;
  try {
    header = JSON.parse(buf.subarray(12, 12 + jsonLength).toString('utf8')) as SnapshotHeader;
  } catch (err) {
    throw new SnapshotError(`unreadable header (${(err as Error).message})`);
  }
  const payload = buf.subarray(align8(12 + jsonLength));
  if (createHash('sha256').update(payload).digest('hex') !== header.payloadSha256) throw new SnapshotError('payload checksum mismatch (corrupted or truncated)');

  const arrays = new Map<string, TypedArray>();
  for (const e of header.arrays) {
    const Ctor = CONSTRUCTORS[e.type];
    if (!Ctor) throw new SnapshotError(`unknown array type ${String(e.type)}`);
    const byteLength = e.length * Ctor.BYTES_PER_ELEMENT;
    if (e.offset + byteLength > payload.length) throw new SnapshotError(`array ${e.name} runs past the end`);
    // A copy: the source buffer may be unaligned (pooled Buffers) and must not be kept alive.
    // (Buffer#slice would be a view, hence a fresh ArrayBuffer.)
    const copy = new Uint8Array(byteLength);
    copy.set(payload.subarray(e.offset, e.offset + byteLength));
    arrays.set(e.name, new Ctor(copy.buffer, 0, e.length));
  }
  const take = <T extends TypedArray>(name: string, Ctor: new (...args: never[]) => T): T => {
    const a = arrays.get(name);
    if (!(a instanceof Ctor)) throw new SnapshotError(`array ${name} is missing or of the wrong type`);
    return a;
  };

  const { customerIds, itemIds } = header;
  const matrix: InteractionMatrix = {
    customerIds,
    itemIds,
    customerIndex: new Map(customerIds.map((id, i) => [id, i])),
    itemIndex: new Map(itemIds.map((id, i) => [id, i])),
    rowPtr: take('matrix.rowPtr', Int32Array),
    colIdx: take('matrix.colIdx', Int32Array),
    values: take('matrix.values', Float64Array),
    purchased: take('matrix.purchased', Uint8Array),
    lastAt: take('matrix.lastAt', Float64Array),
    customerLastAt: take('matrix.customerLastAt', Float64Array),
    colPtr: take('matrix.colPtr', Int32Array),
    rowIdx: take('matrix.rowIdx', Int32Array),
    colValues: take('matrix.colValues', Float64Array),
    popularity: take('matrix.popularity', Float64Array),
    nnz: header.nnz,
  };
  if (matrix.rowPtr.length !== customerIds.length + 1 || matrix.popularity.length !== itemIds.length || matrix.colIdx.length !== header.nnz) {
    throw new SnapshotError('matrix sizes do not match the ids');
  }

  let scorer: ItemScorer | null = null;
  if (header.scorer) {
    const state: ScorerState = { kind: header.scorer.kind, scalars: header.scorer.scalars, arrays: {} };
    for (const [name, a] of arrays) {
      if (name.startsWith('scorer.') && !(a instanceof Uint8Array)) state.arrays[name.slice('scorer.'.length)] = a;
    }
    try {
      scorer = state.kind === 'ease' ? restoreEase(state) : state.kind === 'item-knn' ? restoreItemKnn(state) : state.kind === 'als' ? restoreAls(state) : null;
    } catch (err) {
      throw new SnapshotError((err as Error).message);
    }
    if (!scorer) throw new SnapshotError(`unknown scorer kind ${String(state.kind)}`);
  }
  const info: ModelInfo = { ...header.info, trainedAt: new Date(header.info.trainedAt) };
  return assembleRecommender({ info, matrix, scorer, catalog: header.catalog, scaling: header.scaling });
}
