/**
 * Stored intent model versions (table intent_models, owner of it). A row carries the model's bytes,
 * its frozen-split scores, where its training rows came from and what the retraining decided. At most
 * one row is active. A supervisor's activation pins the version: while pinned, new versions are
 * stored (decision 'pinned') without being activated, and pruning keeps it.
 *
 * The activation decision of a retrained version is taken here, inside the transaction that stores
 * it, against the version active at that moment (nlp/retraining.ts `decideActivation`), so two
 * trainings finishing together cannot both compare with a stale active version.
 */
import { and, desc, eq, isNotNull, isNull, notInArray, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../db';
import { NotFoundError } from '../errors';
import { intentModels, type IntentModelDecision } from '../schema';
import { decideActivation, DEFAULT_ACTIVATION_POLICY, type ActivationDecision, type ActivationPolicy, type FrozenScores } from '../../nlp/retraining';

/** Versions kept by default besides the active and the pinned one (each a few MB): enough to roll back. */
export const DEFAULT_KEEP_INTENT_MODELS = 6;
const LOCK = 727_032;

export interface IntentModelPin {
  versionId: string;
  pinnedAt: Date;
  pinnedBy: { actor: string; name: string };
}

export interface IntentModelVersion {
  versionId: string;
  baseDataHash: string;
  trainingDataHash: string;
  provenance: Record<string, number>;
  scores: FrozenScores;
  decision: IntentModelDecision;
  decisionDetail: StoredDecision | Record<string, never>;
  params: Record<string, unknown>;
  trainingMs: number;
  modelBytes: number;
  /** Bytes stored (gzipped model.json + weights.bin). */
  storedBytes: number;
  active: boolean;
  trainedAt: Date;
  activatedAt: Date | null;
  pin: IntentModelPin | null;
}

/** What is kept of an activation decision: the comparison and with which version. */
export interface StoredDecision extends ActivationDecision {
  comparedWith: string | null;
  policy: ActivationPolicy;
}

/** A trained model ready to store (trainingRun.ts output). */
export interface TrainedIntentModel {
  versionId: string;
  baseDataHash: string;
  trainingDataHash: string;
  provenance: Record<string, number>;
  scores: FrozenScores;
  params: Record<string, unknown>;
  trainingMs: number;
  modelBytes: number;
  modelJsonGz: Buffer;
  weightsGz: Buffer;
  trainedAt: Date;
}

export interface SaveTrainedResult {
  version: IntentModelVersion;
  /** False when this version was stored already (same training rows, same options). */
  created: boolean;
  /** It became the active version now. */
  activated: boolean;
  pin: IntentModelPin | null;
  pruned: string[];
}

const summary = {
  versionId: intentModels.versionId,
  baseDataHash: intentModels.baseDataHash,
  trainingDataHash: intentModels.trainingDataHash,
  provenance: intentModels.provenance,
  scores: intentModels.scores,
  decision: intentModels.decision,
  decisionDetail: intentModels.decisionDetail,
  params: intentModels.params,
  trainingMs: intentModels.trainingMs,
  modelBytes: intentModels.modelBytes,
  storedBytes: sql<number>`(octet_length(${intentModels.modelJson}) + octet_length(${intentModels.weights}))::int`,
  active: intentModels.active,
  trainedAt: intentModels.trainedAt,
  activatedAt: intentModels.activatedAt,
  pinnedAt: intentModels.pinnedAt,
  pinnedBy: intentModels.pinnedBy,
  pinnedByName: intentModels.pinnedByName,
};

type SummaryRow = { [K in keyof typeof summary]: unknown } & { versionId: string; pinnedAt: Date | null; pinnedBy: string | null; pinnedByName: string | null };

function versionOf(row: SummaryRow): IntentModelVersion {
  const { pinnedAt, pinnedBy, pinnedByName, ...rest } = row;
  return {
    ...(rest as Omit<IntentModelVersion, 'pin'>),
    // The check constraint sets the three together.
    pin: pinnedAt ? { versionId: row.versionId, pinnedAt, pinnedBy: { actor: pinnedBy!, name: pinnedByName! } } : null,
  };
}

const noPin = { pinnedAt: null, pinnedBy: null, pinnedByName: null };

export class IntentModelStore {
  constructor(private readonly db: Db) {}

  /** Every stored version, newest first (without the bytes). */
  async list(): Promise<IntentModelVersion[]> {
    const rows = await this.db.select(summary).from(intentModels).orderBy(desc(intentModels.trainedAt), desc(intentModels.versionId));
    return rows.map((r) => versionOf(r as SummaryRow));
  }

  async get(versionId: string): Promise<IntentModelVersion | null> {
    return this.versionIn(this.db, versionId);
  }

  /** Ids of every stored version (a training skips one it would store again). */
  async versionIds(): Promise<Set<string>> {
    return new Set((await this.db.select({ id: intentModels.versionId }).from(intentModels)).map((r) => r.id));
  }

  /** Id of the active version (cheap: what web processes poll). */
  async activeVersionId(): Promise<string | null> {
    const rows = await this.db.select({ id: intentModels.versionId }).from(intentModels).where(eq(intentModels.active, true));
    return rows[0]?.id ?? null;
  }

  async active(): Promise<IntentModelVersion | null> {
    const rows = await this.db.select(summary).from(intentModels).where(eq(intentModels.active, true));
    return rows[0] ? versionOf(rows[0] as SummaryRow) : null;
  }

  /** A version's model bytes (gzipped model.json and weights.bin), or null. */
  async bytes(versionId: string): Promise<{ modelJsonGz: Buffer; weightsGz: Buffer } | null> {
    const rows = await this.db.select({ modelJsonGz: intentModels.modelJson, weightsGz: intentModels.weights }).from(intentModels).where(eq(intentModels.versionId, versionId));
    return rows[0] ?? null;
  }

  /** Whether the built-in model of this data is stored. */
  async hasBuiltIn(baseDataHash: string): Promise<boolean> {
    const rows = await this.db
      .select({ id: intentModels.versionId })
      .from(intentModels)
      .where(and(eq(intentModels.baseDataHash, baseDataHash), sql`${intentModels.params}->>'kind' = 'built-in'`));
    return rows.length > 0;
  }

  async pinned(): Promise<IntentModelPin | null> {
    return this.pinIn(this.db);
  }

  /**
   * Stores trained versions in one transaction, `baseline` (the built-in model) first, then
   * `candidate` (a retrained model). A version stored when nothing is active becomes the active
   * 'baseline'; any other is compared with the version active at that moment: activated when not
   * worse (`decideActivation`), else stored as 'rejected'; while a version is pinned it is stored as
   * 'pinned' with the comparison, not activated. A version stored already is left as it is.
   * `rescoredActive` replaces the active version's scores when the frozen split changed since.
   */
  async saveTrained(o: {
    baseline?: TrainedIntentModel;
    candidate?: TrainedIntentModel;
    rescoredActive?: { versionId: string; scores: FrozenScores };
    policy?: ActivationPolicy;
    keep?: number;
  }): Promise<{ baseline?: SaveTrainedResult; candidate?: SaveTrainedResult; pruned: string[] }> {
    const policy = o.policy ?? DEFAULT_ACTIVATION_POLICY;
    return this.db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(${LOCK})`);
      if (o.rescoredActive) {
        await tx.update(intentModels).set({ scores: o.rescoredActive.scores as unknown as Record<string, unknown> }).where(eq(intentModels.versionId, o.rescoredActive.versionId));
      }
      const out: { baseline?: SaveTrainedResult; candidate?: SaveTrainedResult; pruned: string[] } = { pruned: [] };
      // The first version stored is the baseline; every later one is compared with the version active now.
      const store = async (m: TrainedIntentModel): Promise<SaveTrainedResult> => {
        const existing = await this.versionIn(tx, m.versionId);
        const pin = await this.pinIn(tx);
        if (existing) return { version: existing, created: false, activated: false, pin, pruned: [] };
        const activeNow = await this.activeIn(tx);
        if (!activeNow) {
          await this.insertIn(tx, m, 'baseline', {});
          const activated = await this.activateIn(tx, m.versionId);
          return { version: (await this.versionIn(tx, m.versionId))!, created: true, activated, pin, pruned: [] };
        }
        const comparable = activeNow.scores.frozenHash === m.scores.frozenHash;
        const decision = decideActivation(m.scores, comparable ? activeNow.scores : null, policy);
        const detail: StoredDecision = { ...decision, comparedWith: comparable ? activeNow.versionId : null, policy };
        const outcome: IntentModelDecision = !decision.activate ? 'rejected' : pin ? 'pinned' : 'activated';
        await this.insertIn(tx, m, outcome, detail);
        const activated = outcome === 'activated' ? await this.activateIn(tx, m.versionId) : false;
        return { version: (await this.versionIn(tx, m.versionId))!, created: true, activated, pin, pruned: [] };
      };
      if (o.baseline) out.baseline = await store(o.baseline);
      if (o.candidate) out.candidate = await store(o.candidate);
      out.pruned = await this.pruneIn(tx, o.keep ?? DEFAULT_KEEP_INTENT_MODELS);
      return out;
    });
  }

  /**
   * Makes a stored version the active one (a rollback or roll-forward) and, with `pinnedBy`, pins
   * it; false when it was active already (an existing pin is kept as it was). NotFoundError for an
   * unknown id. A rejected version may be activated by hand: the supervisor's call.
   */
  async activate(versionId: string, o: { pinnedBy?: { actor: string; name: string } } = {}): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(${LOCK})`);
      const now = new Date();
      const changed = await this.activateIn(tx, versionId, now);
      if (o.pinnedBy) {
        await tx
          .update(intentModels)
          .set({ pinnedAt: now, pinnedBy: o.pinnedBy.actor, pinnedByName: o.pinnedBy.name })
          .where(and(eq(intentModels.versionId, versionId), isNull(intentModels.pinnedAt)));
      }
      return changed;
    });
  }

  /** Removes the pin (the version stays active until a training activates a better one); the removed pin, or null. */
  async unpin(): Promise<IntentModelPin | null> {
    return this.db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(${LOCK})`);
      const pin = await this.pinIn(tx);
      if (pin) await tx.update(intentModels).set(noPin).where(isNotNull(intentModels.pinnedAt));
      return pin;
    });
  }

  private async insertIn(tx: DbOrTx, m: TrainedIntentModel, decision: IntentModelDecision, detail: StoredDecision | Record<string, never>): Promise<boolean> {
    const inserted = await tx
      .insert(intentModels)
      .values({
        versionId: m.versionId,
        baseDataHash: m.baseDataHash,
        trainingDataHash: m.trainingDataHash,
        provenance: m.provenance,
        scores: m.scores as unknown as Record<string, unknown>,
        decision,
        decisionDetail: detail as unknown as Record<string, unknown>,
        params: m.params,
        trainingMs: m.trainingMs,
        modelBytes: m.modelBytes,
        modelJson: m.modelJsonGz,
        weights: m.weightsGz,
        trainedAt: m.trainedAt,
      })
      .onConflictDoNothing({ target: intentModels.versionId })
      .returning({ id: intentModels.versionId });
    return inserted.length === 1;
  }

  private async activeIn(tx: DbOrTx): Promise<IntentModelVersion | null> {
    const rows = await tx.select(summary).from(intentModels).where(eq(intentModels.active, true));
    return rows[0] ? versionOf(rows[0] as SummaryRow) : null;
  }

  private async activateIn(tx: DbOrTx, versionId: string, now = new Date()): Promise<boolean> {
    const target = await tx.select({ active: intentModels.active }).from(intentModels).where(eq(intentModels.versionId, versionId));
    if (target.length === 0) throw new NotFoundError(`intent model ${versionId}`);
    if (target[0].active) return false;
    // The pin stays with the version it was given to, which stops being active here.
    await tx.update(intentModels).set({ active: false, ...noPin }).where(eq(intentModels.active, true));
    await tx.update(intentModels).set({ active: true, activatedAt: now }).where(eq(intentModels.versionId, versionId));
    return true;
  }

  /** Keeps the active and the pinned version and the newest others up to `keep`; returns the deleted ids. */
  private async pruneIn(tx: DbOrTx, keep: number): Promise<string[]> {
    const all = await tx
      .select({ versionId: intentModels.versionId, active: intentModels.active, pinnedAt: intentModels.pinnedAt })
      .from(intentModels)
      .orderBy(desc(intentModels.trainedAt), desc(intentModels.versionId));
    const kept = new Set(all.filter((r) => r.active || r.pinnedAt).map((r) => r.versionId));
    for (const r of all) if (kept.size < Math.max(1, keep)) kept.add(r.versionId);
    const doomed = all.map((r) => r.versionId).filter((id) => !kept.has(id));
    if (doomed.length) {
      await tx.delete(intentModels).where(and(eq(intentModels.active, false), isNull(intentModels.pinnedAt), notInArray(intentModels.versionId, [...kept])));
    }
    return doomed;
  }

  private async versionIn(tx: DbOrTx, versionId: string): Promise<IntentModelVersion | null> {
    const rows = await tx.select(summary).from(intentModels).where(eq(intentModels.versionId, versionId));
    return rows[0] ? versionOf(rows[0] as SummaryRow) : null;
  }

  private async pinIn(tx: DbOrTx): Promise<IntentModelPin | null> {
    const rows = await tx
      .select({ versionId: intentModels.versionId, pinnedAt: intentModels.pinnedAt, pinnedBy: intentModels.pinnedBy, pinnedByName: intentModels.pinnedByName })
      .from(intentModels)
      .where(isNotNull(intentModels.pinnedAt));
    const r = rows[0];
    return r ? { versionId: r.versionId, pinnedAt: r.pinnedAt!, pinnedBy: { actor: r.pinnedBy!, name: r.pinnedByName! } } : null;
  }
}
