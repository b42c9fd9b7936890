/**
 * Stored model versions (table recommendation_models, owner of it). A version row carries the
 * snapshot bytes and its figures; exactly one may be active. Saving the same version again (same
 * data, same parameters) changes nothing but may activate it.
 */
import { and, desc, eq, notInArray, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../db';
import { NotFoundError } from '../errors';
import { recommendationModels } from '../schema';
import { serializeRecommender } from './snapshot';
import type { ModelInfo, Recommender } from './types';

/** Versions kept by default: the active one and a few before it (to roll back to). */
export const DEFAULT_KEEP_VERSIONS = 3;

export interface ModelVersion {
  versionId: string;
  algorithm: string;
  params: Record<string, unknown>;
  dataHash: string;
  customers: number;
  items: number;
  interactions: number;
  modelBytes: number;
  trainingMs: number;
  metrics: Record<string, unknown>;
  snapshotBytes: number;
  active: boolean;
  trainedAt: Date;
  activatedAt: Date | null;
}

export interface SaveModelOptions {
  /** Make it the active version (default true). */
  activate?: boolean;
  /** Offline quality figures to keep with the version. */
  metrics?: Record<string, unknown>;
  /** Versions to keep after saving, the active one included (default 3). */
  keep?: number;
}

export interface SaveModelResult {
  version: ModelVersion;
  /** False when this version was stored already (same data and parameters). */
  created: boolean;
  /** The version became active now (it was not before). */
  activated: boolean;
  pruned: string[];
}

const summaryColumns = {
  versionId: recommendationModels.versionId,
  algorithm: recommendationModels.algorithm,
  params: recommendationModels.params,
  dataHash: recommendationModels.dataHash,
  customers: recommendationModels.customers,
  items: recommendationModels.items,
  interactions: recommendationModels.interactions,
  modelBytes: recommendationModels.modelBytes,
  trainingMs: recommendationModels.trainingMs,
  metrics: recommendationModels.metrics,
  snapshotBytes: sql<number>`octet_length(${recommendationModels.snapshot})::int`,
  active: recommendationModels.active,
  trainedAt: recommendationModels.trainedAt,
  activatedAt: recommendationModels.activatedAt,
};

export class RecommendationModelStore {
  constructor(private readonly db: Db) {}

  /** Stores a trained model (its snapshot), activates it unless told not to, prunes old versions; one transaction. */
  async save(model: Recommender, options: SaveModelOptions = {}): Promise<SaveModelResult> {
    return this.saveSnapshot(serializeRecommender(model), model.info, options);
  }

  /** The same for a model serialized elsewhere (the training thread): its snapshot bytes and info. */
  async saveSnapshot(snapshot: Buffer, info: ModelInfo, options: SaveModelOptions = {}): Promise<SaveModelResult> {
    return this.db.transaction(async (tx) => {
      // Serialise savers: activation and pruning decide over several rows.
      await tx.execute(sql`select pg_advisory_xact_lock(727031)`);
      const inserted = await tx
        .insert(recommendationModels)
        .values({
          versionId: info.versionId,
          algorithm: info.algorithm,
          params: info.params,
          dataHash: info.dataHash,
          customers: info.customers,
          items: info.items,
          interactions: info.interactions,
          modelBytes: info.modelBytes,
          trainingMs: info.trainingMs,
          metrics: options.metrics ?? {},
          snapshot,
          trainedAt: info.trainedAt,
        })
        .onConflictDoNothing({ target: recommendationModels.versionId })
        .returning({ versionId: recommendationModels.versionId });
      let activated = false;
      if (options.activate ?? true) activated = await this.activateIn(tx, info.versionId);
      const pruned = await this.pruneIn(tx, options.keep ?? DEFAULT_KEEP_VERSIONS);
      const version = (await this.versionIn(tx, info.versionId))!;
      return { version, created: inserted.length === 1, activated, pruned };
    });
  }

  /** Makes a stored version the active one; returns false when it already was. */
  async activate(versionId: string): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(727031)`);
      return this.activateIn(tx, versionId);
    });
  }

  /** Id of the active version (cheap: what web processes poll). */
  async activeVersionId(): Promise<string | null> {
    const rows = await this.db.select({ versionId: recommendationModels.versionId }).from(recommendationModels).where(eq(recommendationModels.active, true));
    return rows[0]?.versionId ?? null;
  }

  /** The active version with its snapshot bytes, or null when none was trained yet. */
  async loadActive(): Promise<{ version: ModelVersion; snapshot: Buffer } | null> {
    const rows = await this.db
      .select({ ...summaryColumns, snapshot: recommendationModels.snapshot })
      .from(recommendationModels)
      .where(eq(recommendationModels.active, true));
    if (rows.length === 0) return null;
    const { snapshot, ...version } = rows[0];
    return { version, snapshot };
  }

  /** Every stored version, newest first (without the bytes). */
  async list(): Promise<ModelVersion[]> {
    return this.db.select(summaryColumns).from(recommendationModels).orderBy(desc(recommendationModels.trainedAt), desc(recommendationModels.versionId));
  }

  /** Keeps the active version and the newest others up to `keep` in all; returns the deleted ids. */
  async prune(keep = DEFAULT_KEEP_VERSIONS): Promise<string[]> {
    return this.db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(727031)`);
      return this.pruneIn(tx, keep);
    });
  }

  private async activateIn(tx: DbOrTx, versionId: string): Promise<boolean> {
    const target = await tx.select({ active: recommendationModels.active }).from(recommendationModels).where(eq(recommendationModels.versionId, versionId));
    if (target.length === 0) throw new NotFoundError(`recommendation model ${versionId}`);
    if (target[0].active) return false;
    await tx.update(recommendationModels).set({ active: false }).where(eq(recommendationModels.active, true));
    await tx.update(recommendationModels).set({ active: true, activatedAt: new Date() }).where(eq(recommendationModels.versionId, versionId));
    return true;
  }

  private async pruneIn(tx: DbOrTx, keep: number): Promise<string[]> {
    const all = await tx
      .select({ versionId: recommendationModels.versionId, active: recommendationModels.active })
      .from(recommendationModels)
      .orderBy(desc(recommendationModels.trainedAt), desc(recommendationModels.versionId));
    const kept = new Set(all.filter((r) => r.active).map((r) => r.versionId));
    for (const r of all) if (kept.size < Math.max(1, keep)) kept.add(r.versionId);
    const doomed = all.map((r) => r.versionId).filter((id) => !kept.has(id));
    if (doomed.length > 0) {
      await tx.delete(recommendationModels).where(and(eq(recommendationModels.active, false), notInArray(recommendationModels.versionId, [...kept])));
    }
    return doomed;
  }

  private async versionIn(tx: DbOrTx, versionId: string): Promise<ModelVersion | null> {
    const rows = await tx.select(summaryColumns).from(recommendationModels).where(eq(recommendationModels.versionId, versionId));
    return rows[0] ?? null;
  }
}
