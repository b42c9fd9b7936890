/**
 * What supervisors do with stored model versions (the dashboard): list them, roll back or forward
 * to one, which pins it (trainings store their versions without serving them until it is unpinned),
 * and unpin. The activation commits first (one transaction in the store) and is announced
 * after, so every web process that hears it finds the version active; one that misses the
 * announcement catches up on its poll of the active id.
 */
import { NotFoundError } from '../errors';
import type { ModelActivationNotifier } from './activations';
import type { ModelPin, ModelVersion, PinAuthor, RecommendationModelStore } from './store';

export interface ModelActivationResult {
  version: ModelVersion;
  /** False when the version was the active one already (nothing changed, nothing announced). */
  changed: boolean;
  /** The activation was published to the web processes (false: no notifier, unchanged, or Redis failed). */
  announced: boolean;
}

export interface ModelUnpinResult {
  /** False when nothing was pinned (idempotent). */
  changed: boolean;
  /** The pin removed, or null. */
  previous: ModelPin | null;
}

export interface RecommendationModelAdminOptions {
  store: Pick<RecommendationModelStore, 'list' | 'activate' | 'unpin'>;
  notifier?: ModelActivationNotifier;
  log?: { warn(obj: object, msg: string): void };
}

export class RecommendationModelAdmin {
  constructor(private readonly o: RecommendationModelAdminOptions) {}

  /** Every stored version, newest first, the active one marked. */
  versions(): Promise<ModelVersion[]> {
    return this.o.store.list();
  }

  /**
   * Makes a stored version the active one and pins it for `by` (NotFoundError for an unknown id);
   * idempotent: again, it stays active and keeps its first pin. Moving to another version moves the pin.
   */
  async activate(versionId: string, by: PinAuthor): Promise<ModelActivationResult> {
    const changed = await this.o.store.activate(versionId, { pinnedBy: by });
    const version = (await this.o.store.list()).find((v) => v.versionId === versionId);
    // Only a concurrent prune of an inactive version could remove it, and an active one is never pruned.
    if (!version) throw new NotFoundError(`recommendation model ${versionId}`);
    let announced = false;
    if (changed && this.o.notifier) {
      try {
        await this.o.notifier.modelActivated(versionId);
        announced = true;
      } catch (err) {
        // Committed anyway: web processes see it on their next poll of the active id.
        this.o.log?.warn({ err, versionId }, 'could not announce the activated recommendation model');
      }
    }
    return { version, changed, announced };
  }

  /** Removes the pin: the active version stays served, the next training activates its result. Idempotent. */
  async unpin(): Promise<ModelUnpinResult> {
    const previous = await this.o.store.unpin();
    return { changed: previous !== null, previous };
  }
}
