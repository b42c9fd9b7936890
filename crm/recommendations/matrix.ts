import { createHash } from 'node:crypto';
import type { CatalogItem, EventKind, EventWeights, Interaction, ValueScale } from './types';

export const DEFAULT_EVENT_WEIGHTS: EventWeights = { purchase: 1, add_to_cart: 0.3, view: 0.1 };

/**
 * Customer × item matrix in compressed sparse row form (and its transpose), built from raw events.
 * Ids are sorted so indices, ties and hashes do not depend on input order (determinism).
 */
export interface InteractionMatrix {
  customerIds: string[];
  itemIds: string[];
  customerIndex: Map<string, number>;
  itemIndex: Map<string, number>;
  /** CSR by customer: row u spans rowPtr[u]..rowPtr[u+1]. */
  rowPtr: Int32Array;
  colIdx: Int32Array;
  values: Float64Array;
  /** 1 where the pair includes at least one purchase (explanations say "bought" vs "viewed"). */
  purchased: Uint8Array;
  /** Epoch ms of the pair's latest event (NaN when events carry no time). */
  lastAt: Float64Array;
  /** Epoch ms of each customer's latest event (NaN when unknown). */
  customerLastAt: Float64Array;
  /** CSC by item (transpose), same values. */
  colPtr: Int32Array;
  rowIdx: Int32Array;
  colValues: Float64Array;
  /** Time-decayed popularity per item (sum over customers of value × decay of last event). */
  popularity: Float64Array;
  nnz: number;
}

export interface MatrixOptions {
  eventWeights?: Partial<EventWeights>;
  valueScale?: ValueScale;
  /** Half-life of popularity decay in days, relative to the newest event (default 30; 0 = no decay). */
  popularityHalfLifeDays?: number;
}

export function scaleValue(strength: number, scale: ValueScale): number {
  if (scale === 'capped') return Math.min(strength, 1);
  if (scale === 'log') return Math.log1p(strength);
  return strength;
}

function toMillis(at: Date | number | undefined): number {
  if (at === undefined) return NaN;
  return typeof at === 'number' ? at : at.getTime();
}

export function buildInteractionMatrix(interactions: readonly Interaction[], options: MatrixOptions = {}): InteractionMatrix {
  const weights: EventWeights = { ...DEFAULT_EVENT_WEIGHTS, ...options.eventWeights };
  const scale = options.valueScale ?? 'capped';
  const halfLifeDays = options.popularityHalfLifeDays ?? 30;

  const customerSet = new Set<string>();
  const itemSet = new Set<string>();
  for (const e of interactions) {
    if ((weights[e.kind ?? 'purchase'] ?? 0) <= 0) continue;
    customerSet.add(e.customerId);
    itemSet.add(e.itemId);
  }
  const customerIds = [...customerSet].sort(compareIds);
  const itemIds = [...itemSet].sort(compareIds);
  const customerIndex = new Map(customerIds.map((id, i) => [id, i]));
  const itemIndex = new Map(itemIds.map((id, i) => [id, i]));
  const nItems = itemIds.length;

  // Aggregate per pair: summed weight, latest time, purchased flag.
  const strength = new Map<number, number>();
  const latest = new Map<number, number>();
  const bought = new Set<number>();
  let newest = -Infinity;
  for (const e of interactions) {
    const kind: EventKind = e.kind ?? 'purchase';
    const w = weights[kind] ?? 0;
    if (w <= 0) continue;
    const key = customerIndex.get(e.customerId)! * nItems + itemIndex.get(e.itemId)!;
    strength.set(key, (strength.get(key) ?? 0) + w);
    if (kind === 'purchase') bought.add(key);
    const t = toMillis(e.at);
    if (!Number.isNaN(t)) {
      if (t > newest) newest = t;
      const prev = latest.get(key);
      if (prev === undefined || t > prev) latest.set(key, t);
    }
  }

  const keys = Float64Array.from(strength.keys()).sort();
  const nnz = keys.length;
  const rowPtr = new Int32Array(customerIds.length + 1);
  const colIdx = new Int32Array(nnz);
  const values = new Float64Array(nnz);
  const purchased = new Uint8Array(nnz);
  const lastAt = new Float64Array(nnz).fill(NaN);
  const customerLastAt = new Float64Array(customerIds.length).fill(NaN);
  const popularity = new Float64Array(nItems);
  const decayPerMs = halfLifeDays > 0 ? Math.LN2 / (halfLifeDays * 86_400_000) : 0;
  for (let p = 0; p < nnz; p++) {
    const key = keys[p];
    const u = Math.floor(key / nItems);
    const i = key - u * nItems;
    rowPtr[u + 1]++;
    colIdx[p] = i;
    const v = scaleValue(strength.get(key)!, scale);
    values[p] = v;
    purchased[p] = bought.has(key) ? 1 : 0;
    const t = latest.get(key);
    if (t !== undefined) {
      lastAt[p] = t;
      if (!(customerLastAt[u] >= t)) customerLastAt[u] = t;
    }
    const decay = t === undefined || decayPerMs === 0 ? 1 : Math.exp(-(newest - t) * decayPerMs);
    popularity[i] += v * decay;
  }
  for (let u = 0; u < customerIds.length; u++) rowPtr[u + 1] += rowPtr[u];

  const { colPtr, rowIdx, colValues } = transpose(rowPtr, colIdx, values, nItems);
  return {
    customerIds, itemIds, customerIndex, itemIndex, rowPtr, colIdx, values, purchased, lastAt, customerLastAt,
    colPtr, rowIdx, colValues, popularity, nnz,
  };
}

function transpose(rowPtr: Int32Array, colIdx: Int32Array, values: Float64Array, nCols: number) {
  const nnz = colIdx.length;
  const colPtr = new Int32Array(nCols + 1);
  for (let p = 0; p < nnz; p++) colPtr[colIdx[p] + 1]++;
  for (let i = 0; i < nCols; i++) colPtr[i + 1] += colPtr[i];
  const next = colPtr.slice(0, nCols);
  const rowIdx = new Int32Array(nnz);
  const colValues = new Float64Array(nnz);
  for (let u = 0; u + 1 < rowPtr.length; u++) {
    for (let p = rowPtr[u]; p < rowPtr[u + 1]; p++) {
      const q = next[colIdx[p]]++;
      rowIdx[q] = u;
      colValues[q] = values[p];
    }
  }
  return { colPtr, rowIdx, colValues };
}

/** Plain code-unit order: stable across locales, unlike localeCompare. */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Fingerprint of what the model learned from: the aggregated matrix plus the catalog. */
export function hashTrainingData(m: InteractionMatrix, catalog: readonly CatalogItem[]): string {
  const h = createHash('sha256');
  for (let u = 0; u < m.customerIds.length; u++) {
    const parts: string[] = [m.customerIds[u]];
    for (let p = m.rowPtr[u]; p < m.rowPtr[u + 1]; p++) {
      parts.push(`${m.itemIds[m.colIdx[p]]}:${m.values[p]}:${m.purchased[p]}`);
    }
    h.update(parts.join('\t'));
    h.update('\n');
  }
  const sortedCatalog = [...catalog].sort((a, b) => compareIds(a.itemId, b.itemId));
  for (const c of sortedCatalog) h.update(`#${c.itemId}\t${c.category ?? ''}\t${c.active === false ? 0 : 1}\n`);
  return h.digest('hex');
}
