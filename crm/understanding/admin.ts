/**
 * What supervisors do with intent model versions (the dashboard): list them, roll back or forward to
 * one (which pins it: trainings then store new versions without serving them), and unpin. The
 * activation commits first and is announced after, so a web process that hears it finds the version
 * active; one that misses the announcement catches up on its poll of the active id.
 */
import type { ModelActivationNotifier } from '../recommendations/activations';
import { NotFoundError } from '../errors';
import type { IntentModelPin, IntentModelStore, IntentModelVersion } from './intentModels';

/** Redis channel of "a new intent model version is active" (web processes reload). */
export const INTENT_MODEL_ACTIVATED_CHANNEL = 'concierge:intent-model:activated';

export interface IntentModelActivation {
  version: IntentModelVersion;
  /** False when it was the active version already (nothing changed, nothing announced). */
  changed: boolean;
  announced: boolean;
}

export class IntentModelAdmin {
  constructor(private readonly o: { store: Pick<IntentModelStore, 'list' | 'activate' | 'unpin' | 'get'>; notifier?: ModelActivationNotifier; log?: { warn(obj: object, msg: string): void } }) {}

  versions(): Promise<IntentModelVersion[]> {
    return this.o.store.list();
  }

  /** Serves a stored version and pins it for `by` (NotFoundError for an unknown id); again, it keeps its first pin. */
  async activate(versionId: string, by: { actor: string; name: string }): Promise<IntentModelActivation> {
    const changed = await this.o.store.activate(versionId, { pinnedBy: by });
    const version = await this.o.store.get(versionId);
    if (!version) throw new NotFoundError(`intent model ${versionId}`);
    let announced = false;
    if (changed && this.o.notifier) {
      try {
        await this.o.notifier.modelActivated(versionId);
        announced = true;
      } catch (err) {
        // Committed anyway: web processes load it on their next poll of the active id.
        this.o.log?.warn({ err, versionId }, 'could not announce the activated intent model');
      }
    }
    return { version, changed, announced };
  }

  /** Removes the pin: the active version stays served; the next training may replace it. Idempotent. */
  async unpin(): Promise<{ changed: boolean; previous: IntentModelPin | null }> {
    const previous = await this.o.store.unpin();
    return { changed: previous !== null, previous };
  }
}
