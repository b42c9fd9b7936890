/**
 * Serving the active intent model version without a restart. The bot's recognizer holds one
 * SwitchableNlpEngine; IntentModelServing loads the version active in the database (the store every
 * process shares: the retraining job writes it there, the dashboard activates it there), unpacks its
 * files into the local cache once, and swaps the engine. It reloads when told over Redis that a
 * version was activated, and polls the active id as a safety net. With no version stored it serves
 * the built-in model (`fallback`).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { AnalyzeHints, Analysis, ModelInfo, NlpEngine } from '../nlp';
import { loadEngineFromModelDir, type EmbeddingConfig } from '../nlp/default';
import type { RedisModelActivations } from '../crm/recommendations';
import { unpackModelDir, type IntentModelStore } from '../crm/understanding';

/** An NlpEngine whose model can be replaced while the bot runs; readers see the engine of the moment. */
export class SwitchableNlpEngine implements NlpEngine {
  constructor(private current: NlpEngine) {}

  get modelInfo(): ModelInfo {
    return this.current.modelInfo;
  }

  analyze(text: string, hints?: AnalyzeHints): Promise<Analysis> {
    return this.current.analyze(text, hints);
  }

  swap(engine: NlpEngine): void {
    this.current = engine;
  }
}

export interface IntentModelServingOptions {
  store: Pick<IntentModelStore, 'activeVersionId' | 'bytes'>;
  /** Where versions are unpacked (one folder per version id). */
  cacheDir: string;
  /** The built-in model, served while no version is stored. */
  fallback: () => Promise<NlpEngine>;
  /** Embeddings and sentiment for loaded versions (as the built-in model has them). */
  engineOptions?: EmbeddingConfig & { sentimentFile?: string };
  log?: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

/** Unpacked versions kept in the cache folder (the served one among them); older folders are removed. */
const KEEP_UNPACKED = 4;

export class IntentModelServing {
  private engine?: SwitchableNlpEngine;
  /** The stored version served, or null for the built-in model. */
  private served: string | null = null;
  private fallbackEngine?: NlpEngine;
  private reloading: Promise<boolean> | null = null;
  private pollTimer?: NodeJS.Timeout;
  private unsubscribe?: () => void;
  private readonly warned = new Set<string>();
  private waiters: Array<{ versionId: string | null; resolve: () => void }> = [];

  constructor(private readonly o: IntentModelServingOptions) {}

  /** The stored version served now (null: the built-in model). */
  get versionId(): string | null {
    return this.served;
  }

  /** Loads the active version (or the built-in model) and returns the engine to give the recognizer. */
  async start(): Promise<SwitchableNlpEngine> {
    let activeId: string | null = null;
    try {
      activeId = await this.o.store.activeVersionId();
    } catch (err) {
      this.o.log?.warn({ err }, 'could not read the active intent model version: serving the built-in model');
    }
    const loaded = activeId ? await this.load(activeId) : null;
    this.served = loaded ? activeId : null;
    this.engine = new SwitchableNlpEngine(loaded ?? (await this.fallback()));
    return this.engine;
  }

  /** Resolves once `versionId` is served (null: the built-in model). */
  whenServing(versionId: string | null): Promise<void> {
    if (this.served === versionId) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ versionId, resolve }));
  }

  /** Loads the active version when it is not the one served. Concurrent calls share one load; true when something changed. */
  reload(): Promise<boolean> {
    this.reloading ??= this.doReload().finally(() => {
      this.reloading = null;
    });
    return this.reloading;
  }

  /** Reload on activation messages and poll the active id every `pollMs` (0: no poll). */
  async watch(o: { activations?: RedisModelActivations; pollMs?: number } = {}): Promise<void> {
    const again = () => void this.reload().catch((err: unknown) => this.o.log?.warn({ err }, 'intent model reload failed'));
    if (o.activations) this.unsubscribe = await o.activations.subscribe((versionId) => versionId !== this.served && again());
    const pollMs = o.pollMs ?? 30_000;
    if (pollMs > 0) {
      this.pollTimer = setInterval(again, pollMs);
      this.pollTimer.unref();
    }
  }

  async close(): Promise<void> {
    clearInterval(this.pollTimer);
    this.unsubscribe?.();
    await this.reloading?.catch(() => undefined);
  }

  private async fallback(): Promise<NlpEngine> {
    this.fallbackEngine ??= await this.o.fallback();
    return this.fallbackEngine;
  }

  private async doReload(): Promise<boolean> {
    if (!this.engine) return false;
    const activeId = await this.o.store.activeVersionId();
    if (activeId === this.served) return false;
    const next = activeId ? await this.load(activeId) : await this.fallback();
    // A version that cannot be loaded leaves the served one in place (warned once; tried again next time).
    if (!next) return false;
    this.engine.swap(next);
    const previous = this.served;
    this.served = activeId;
    this.o.log?.info({ versionId: activeId ?? 'built-in', previous: previous ?? 'built-in' }, 'intent model switched');
    this.waiters = this.waiters.filter((w) => (w.versionId === activeId ? (w.resolve(), false) : true));
    return true;
  }

  private async load(versionId: string): Promise<NlpEngine | null> {
    try {
      const dir = path.join(this.o.cacheDir, versionId.replace(/[^A-Za-z0-9_.-]/g, '_'));
      if (!fs.existsSync(path.join(dir, 'model.json'))) {
        const bytes = await this.o.store.bytes(versionId);
        if (!bytes) return null;
        unpackModelDir(bytes, dir);
      }
      const engine = await loadEngineFromModelDir(dir, this.o.engineOptions);
      this.tidy(dir);
      return engine;
    } catch (err) {
      if (!this.warned.has(versionId)) this.o.log?.warn({ err, versionId }, 'could not load the intent model version: the served model stays');
      this.warned.add(versionId);
      return null;
    }
  }

  /** Removes the oldest unpacked versions beyond KEEP_UNPACKED (never `keep`). */
  private tidy(keep: string): void {
    try {
      const dirs = fs
        .readdirSync(this.o.cacheDir, { withFileTypes: true })
        .filter((d) => d.isDirectory() && !d.name.endsWith('.tmp'))
        .map((d) => path.join(this.o.cacheDir, d.name))
        .filter((d) => d !== keep)
        .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs);
      for (const d of dirs.slice(KEEP_UNPACKED - 1)) fs.rmSync(d, { recursive: true, force: true });
    } catch {
      // A tidy that fails leaves a few megabytes behind; serving is not affected.
    }
  }
}
