/**
 * Stored model versions (table recommendation_models, owner of it). A version row carries the
 * snapshot bytes and its figures; exactly one may be active. Saving the same version again (same
 * data, same parameters) changes nothing but may activate it. A version activated by a supervisor is
 * pinned: while it is, saving stores new versions without activating them, and pruning keeps it.
 */
import { and, desc, eq, isNotNull, isNull, notInArray, sql } from 'drizzle-orm';
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
  /** Set while a supervisor holds this version active (only the active version can be pinned). */
  pin: ModelPin | null;
}

/** Who pinned a version: the actor (`agent:<user id>`) and the display name at the time. */
export interface PinAuthor {
  actor: string;
  name: string;
}

export interface ModelPin {
  versionId: string;
  pinnedAt: Date;
  pinnedBy: PinAuthor;
}

export interface ActivateOptions {
  /** Pin the version (a supervisor's choice): trainings then store new versions but do not activate them. */
  pinnedBy?: PinAuthor;
}

export interface SaveModelOptions {
  /** Make it the active version (default true), unless another version is pinned. */
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
  /** Why an activation asked for did not happen: 'pinned' when another version is pinned (see `pin`); null otherwise. */
  notActivatedReason: 'pinned' | null;
  /** The pin in force after saving, if any. */
  pin: ModelPin | null;
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
  pinnedAt: recommendationModels.pinnedAt,
  pinnedBy: recommendationModels.pinnedBy,
  pinnedByName: recommendationModels.pinnedByName,
};

type SummaryRow = { versionId: string; pinnedAt: Date | null; pinnedBy: string | null; pinnedByName: string | null };

function pinOf(row: SummaryRow): ModelPin | null {
  // The check constraint guarantees the three are set together.
  return row.pinnedAt ? { versionId: row.versionId, pinnedAt: row.pinnedAt, pinnedBy: { actor: row.pinnedBy!, name: row.pinnedByName! } } : null;
}

function versionOf<R extends SummaryRow>({ pinnedAt, pinnedBy, pinnedByName, ...rest }: R): Omit<R, 'pinnedAt' | 'pinnedBy' | 'pinnedByName'> & { pin: ModelPin | null } {
  return { ...rest, pin: pinOf({ versionId: rest.versionId, pinnedAt, pinnedBy, pinnedByName }) };
}

const noPin = { pinnedAt: null, pinnedBy: null, pinnedByName: null };

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
      let notActivatedReason: SaveModelResult['notActivatedReason'] = null;
      const pin = await this.pinIn(tx);
      if (options.activate ?? true) {
        // A pinned version holds: the new one is stored with its figures, to be activated by hand.
        if (pin && pin.versionId !== info.versionId) notActivatedReason = 'pinned';
        else activated = await this.activateIn(tx, info.versionId);
      }
      const pruned = await this.pruneIn(tx, options.keep ?? DEFAULT_KEEP_VERSIONS);
      const version = (await this.versionIn(tx, info.versionId))!;
      return { version, created: inserted.length === 1, activated, notActivatedReason, pin, pruned };
    });
  }

  /**
   * Makes a stored version the active one; returns false when it already was. With `pinnedBy` it is
   * pinned too (the pin moves to it; an existing pin on it is kept as it was). Activating another
   * version without `pinnedBy` drops the pin with the old active version.
   */
  async activate(versionId: string, o: ActivateOptions = {}): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(727031)`);
      const now = new Date();
      const changed = await this.activateIn(tx, versionId, now);
      if (o.pinnedBy) {
        await tx
          .update(recommendationModels)
          .set({ pinnedAt: now, pinnedBy: o.pinnedBy.actor, pinnedByName: o.pinnedBy.name })
          .where(and(eq(recommendationModels.versionId, versionId), isNull(recommendationModels.pinnedAt)));
      }
      return changed;
    });
  }

  /** The pinned version, or null. */
  async pinned(): Promise<ModelPin | null> {
    return this.pinIn(this.db);
  }

  /** Removes the pin (the version stays active until the next training activates its own); returns the removed pin, null when there was none. */
  async unpin(): Promise<ModelPin | null> {
    return this.db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(727031)`);
      const pin = await this.pinIn(tx);
      if (pin) await tx.update(recommendationModels).set(noPin).where(isNotNull(recommendationModels.pinnedAt));
      return pin;
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
    return { version: versionOf(version), snapshot };
  }

  /** Every stored version, newest first (without the bytes). */
  async list(): Promise<ModelVersion[]> {
    const rows = await this.db.select(summaryColumns).from(recommendationModels).orderBy(desc(recommendationModels.trainedAt), desc(recommendationModels.versionId));
    return rows.map(versionOf);
  }

  /** Keeps the active version, the pinned one and the newest others up to `keep` in all; returns the deleted ids. */
  async prune(keep = DEFAULT_KEEP_VERSIONS): Promise<string[]> {
    return this.db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(727031)`);
      return this.pruneIn(tx, keep);
    });
  }

  private async activateIn(tx: DbOrTx, versionId: string, now = new Date()): Promise<boolean> {
    const target = await tx.select({ active: recommendationModels.active }).from(recommendationModels).where(eq(recommendationModels.versionId, versionId));
    if (target.length === 0) throw new NotFoundError(`recommendation model ${versionId}`);
    if (target[0].active) return false;
    // The pin stays with the version it was given to, which stops being active here.
    await tx.update(recommendationModels).set({ active: false, ...noPin }).where(eq(recommendationModels.active, true));
    await tx.update(recommendationModels).set({ active: true, activatedAt: now }).where(eq(recommendationModels.versionId, versionId));
    return true;
  }

  private async pruneIn(tx: DbOrTx, keep: number): Promise<string[]> {
    const all = await tx
      .select({ versionId: recommendationModels.versionId, active: recommendationModels.active, pinnedAt: recommendationModels.pinnedAt })
      .from(recommendationModels)
      .orderBy(desc(recommendationModels.trainedAt), desc(recommendationModels.versionId));
    const kept = new Set(all.filter((r) => r.active || r.pinnedAt).map((r) => r.versionId));
    for (const r of all) if (kept.size < Math.max(1, keep)) kept.add(r.versionId);
    const doomed = all.map((r) => r.versionId).filter((id) => !kept.has(id));
    if (doomed.length > 0) {
      await tx
        .delete(recommendationModels)
        .where(and(eq(recommendationModels.active, false), isNull(recommendationModels.pinnedAt), notInArray(recommendationModels.versionId, [...kept])));
    }
    return doomed;
  }

  private async versionIn(tx: DbOrTx, versionId: string): Promise<ModelVersion | null> {
    const rows = await tx.select(summaryColumns).from(recommendationModels).where(eq(recommendationModels.versionId, versionId));
    return rows[0] ? versionOf(rows[0]) : null;
  }

  private async pinIn(tx: DbOrTx): Promise<ModelPin | null> {
    const rows = await tx
      .select({ versionId: recommendationModels.versionId, pinnedAt: recommendationModels.pinnedAt, pinnedBy: recommendationModels.pinnedBy, pinnedByName: recommendationModels.pinnedByName })
      .from(recommendationModels)
      .where(isNotNull(recommendationModels.pinnedAt));
    return rows[0] ? pinOf(rows[0]) : null;
  }
}
