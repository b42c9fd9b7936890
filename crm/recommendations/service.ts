/**
 * Serving: the active model version and the product table in memory; `forCustomer` answers from
 * memory (no I/O) with product cards. Loads the active version at start (trains one first when none
 * exists and the catalogue is small, e.g. the demo shop) and reloads when told a new version is
 * active (Redis message) or when its poll sees another active id.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../db';
import { queryRows } from '../commerce/rows';
import { LearnedProfileStore } from '../identity/learnedProfiles';
import { personalisationAllowedFor } from '../identity/consent';
import type { RedisModelActivations } from './activations';
import { deserializeRecommender } from './snapshot';
import { RecommendationModelStore } from './store';
import { recommendWithPreferences, type PreferenceSource, type StatedPreferences } from './statedPreferences';
import { RecommendationTrainer, requestTrainingInOutbox } from './training';
import type { AlgorithmName, Recommender } from './types';

/** One recommended product as chat and console show it. */
export interface ProductCard {
  sku: string;
  name: string;
  priceMinor: number;
  currency: string;
  category: string | null;
  source: PreferenceSource;
  /** English sentence, e.g. "Because you bought Gooseneck kettle", "Because you said you like tea", "Popular in tea", "Popular right now". */
  explanation: string;
  /** The product that led to it (personalized results). */
  because?: { sku: string; name: string; kind: 'bought' | 'looked_at' };
  /** The stated like it matches, in the customer's words (source 'stated-preference'). */
  liked?: { term: string };
}

export interface ServedRecommendations {
  cards: ProductCard[];
  /** The model version that answered (null: no model yet, nothing to show). */
  versionId: string | null;
  /** The customer had a history in the model (false: their purchases since, or fallbacks only). */
  known: boolean;
  /** True when the customer withdrew consent to personalisation: the cards are the popular ones, none of their data used. */
  personalisationWithdrawn?: boolean;
}

export interface RecommendationServiceOptions {
  db: Db;
  store?: RecommendationModelStore;
  /** Used when no version exists at start and the catalogue is small. */
  algorithm?: AlgorithmName;
  /**
   * Train at start when no version exists and the catalogue has at most this many products (default
   * 500; 0 = never); above it, training is requested from the workers through the outbox.
   */
  autoTrainMaxProducts?: number;
  /** What the customer told the bot (likes, dislikes), read by `recommendFor`; default: the learned profiles in `db`. */
  preferences?: Pick<LearnedProfileStore, 'get'>;
  /** Whether the customer allows personalisation (crm/identity/consent.ts); default: their profile's consent in `db`. */
  personalisationAllowed?: (customerId: string) => Promise<boolean>;
  log?: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

interface ProductRow {
  name: string;
  priceMinor: number;
  currency: string;
  category: string | null;
  active: boolean;
}

interface Loaded {
  model: Recommender;
  products: Map<string, ProductRow>;
  /** sku → category of every product, for stated preferences. */
  categories: Map<string, string | null>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class RecommendationService {
  private readonly store: RecommendationModelStore;
  private readonly preferences: Pick<LearnedProfileStore, 'get'>;
  private current: Loaded | null = null;
  private reloading: Promise<boolean> | null = null;
  private pollTimer?: NodeJS.Timeout;
  private unsubscribe?: () => void;
  private waiters: Array<{ versionId: string; resolve: () => void }> = [];

  constructor(private readonly o: RecommendationServiceOptions) {
    this.store = o.store ?? new RecommendationModelStore(o.db);
    this.preferences = o.preferences ?? new LearnedProfileStore(o.db);
  }

  /** The version served now (null before a model exists). */
  get versionId(): string | null {
    return this.current?.model.info.versionId ?? null;
  }

  /** Resolves once `versionId` is the version served (at once if it is already). */
  whenServing(versionId: string): Promise<void> {
    if (this.versionId === versionId) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ versionId, resolve }));
  }

  /** Loads the active version; with none, trains one when the catalogue is small. Never throws for want of data. */
  async start(): Promise<void> {
    if (await this.reload()) return;
    const limit = this.o.autoTrainMaxProducts ?? 500;
    const [{ n }] = await queryRows<{ n: number }>(this.o.db, sql`select count(*)::int as n from products`);
    if (n === 0) return;
    if (n > limit) {
      // Too big to train here: the workers train it (outbox → training job), then say so.
      const key = await requestTrainingInOutbox(this.o.db, { reason: 'no model at start' });
      this.o.log?.info({ products: n, outboxKey: key }, 'no recommendation model yet: training requested from the workers');
      return;
    }
    // A small catalogue trains in well under a second: on this thread, before serving starts.
    const trained = await new RecommendationTrainer({ db: this.o.db, store: this.store, algorithm: this.o.algorithm, execution: 'inline' }).trainAndActivate();
    this.o.log?.info({ versionId: trained.version.versionId, items: trained.version.items, customers: trained.version.customers }, 'recommendation model trained at start (no version existed)');
    await this.reload();
  }

  /**
   * Reloads when the active version differs from the served one; also refreshes the product table
   * (prices, active flags). Returns whether a model is served afterwards. Concurrent calls share one load.
   */
  reload(): Promise<boolean> {
    this.reloading ??= this.doReload().finally(() => {
      this.reloading = null;
    });
    return this.reloading;
  }

  /** Reload on activation messages and, as a safety net, poll the active id every `pollMs` (default 60 s). */
  async watch(o: { activations?: RedisModelActivations; pollMs?: number } = {}): Promise<void> {
    if (o.activations) {
      this.unsubscribe = await o.activations.subscribe((versionId) => {
        if (versionId !== this.versionId) void this.reload().catch((err: unknown) => this.o.log?.warn({ err }, 'recommendation model reload failed'));
      });
    }
    const pollMs = o.pollMs ?? 60_000;
    if (pollMs > 0) {
      this.pollTimer = setInterval(() => void this.reload().catch((err: unknown) => this.o.log?.warn({ err }, 'recommendation model reload failed')), pollMs);
      this.pollTimer.unref();
    }
  }

  async close(): Promise<void> {
    clearInterval(this.pollTimer);
    this.unsubscribe?.();
    await this.reloading?.catch(() => undefined);
  }

  /**
   * From memory only: active products, none of the customer's purchases known to the model nor the
   * `exclude` list nor `purchased` (what the customer bought, known to the caller), fallbacks (same
   * category, then popular) for new customers and short lists. Stated `preferences` leave out what the
   * customer dislikes and put what they like first (statedPreferences.ts); `category` keeps to one
   * category of the catalogue (ignored when the catalogue has no such category).
   */
  forCustomer(
    customerId: string | null,
    o: { k?: number; exclude?: Iterable<string>; purchased?: readonly string[]; preferences?: StatedPreferences | null; category?: string } = {},
  ): ServedRecommendations {
    const loaded = this.current;
    if (!loaded) return { cards: [], versionId: null, known: false };
    const { model, products, categories } = loaded;
    const k = o.k ?? 5;
    const known = customerId !== null && model.historyOf(customerId).length > 0;
    // A customer the model has not seen (first order after training) is served from their own purchases.
    const query = known || !o.purchased?.length ? (customerId ?? '') : o.purchased;
    const category = o.category !== undefined && [...categories.values()].includes(o.category) ? o.category : undefined;
    const recs = recommendWithPreferences(model, query, {
      k,
      exclude: [...(o.exclude ?? []), ...(o.purchased ?? [])],
      isActive: (sku) => products.get(sku)?.active === true,
      preferences: o.preferences,
      catalogue: categories,
      category,
    });
    const cards: ProductCard[] = [];
    for (const r of recs) {
      const p = products.get(r.itemId)!;
      const card: ProductCard = { sku: r.itemId, name: p.name, priceMinor: p.priceMinor, currency: p.currency, category: p.category, source: r.source, explanation: r.explanation };
      if (r.likedTerm !== undefined) card.liked = { term: r.likedTerm };
      if (r.becauseItemId) {
        const b = products.get(r.becauseItemId);
        card.because = { sku: r.becauseItemId, name: b?.name ?? r.becauseItemId, kind: r.becauseKind ?? 'bought' };
        card.explanation = `Because you ${card.because.kind === 'bought' ? 'bought' : 'looked at'} ${card.because.name}`;
      }
      cards.push(card);
    }
    return { cards, versionId: model.info.versionId, known };
  }

  /**
   * For a customer by id, what the chat and the console's customer panel both show: also leaves out
   * what they bought after the model was trained (one indexed query), so "already bought" holds
   * between trainings too, and applies what they told the bot (their learned profile's likes and
   * dislikes). `category`: only that category (the preference dialog's button). A customer who withdrew
   * consent to personalisation gets the popular items, as an unknown visitor does.
   */
  async recommendFor(customerId: string | null, o: { k?: number; category?: string } = {}): Promise<ServedRecommendations> {
    if (!this.current) return { cards: [], versionId: null, known: false };
    // Consent withdrawn: what anyone would be shown (popular, in the category asked), from none of their data.
    if (customerId && !(await (this.o.personalisationAllowed ?? ((id: string) => personalisationAllowedFor(this.o.db, id)))(customerId))) {
      return { ...this.forCustomer(null, { k: o.k, category: o.category }), personalisationWithdrawn: true };
    }
    const [purchased, profile] = customerId ? await Promise.all([this.purchasedSkus(customerId), this.preferences.get(customerId)]) : [[], null];
    const preferences = profile && { likes: profile.likes, dislikes: profile.dislikes };
    return this.forCustomer(customerId, { k: o.k, purchased, preferences, category: o.category });
  }

  /** SKUs the customer ordered (any order not cancelled) or has purchase events for. */
  async purchasedSkus(customerId: string): Promise<string[]> {
    if (!UUID.test(customerId)) return [];
    const rows = await queryRows<{ sku: string }>(
      this.o.db,
      sql`select p.sku from order_lines l join orders o on o.id = l.order_id join products p on p.id = l.product_id
            where o.customer_id = ${customerId} and o.status <> 'cancelled'
          union
          select p.sku from customer_events e join products p on p.id = e.product_id
            where e.customer_id = ${customerId} and e.type = 'purchase'`,
    );
    return rows.map((r) => r.sku);
  }

  private async doReload(): Promise<boolean> {
    const activeId = await this.store.activeVersionId();
    if (activeId === null) return this.current !== null;
    const catalogue = await this.loadProducts();
    if (activeId === this.versionId && this.current) {
      this.current = { model: this.current.model, ...catalogue };
      return true;
    }
    const stored = await this.store.loadActive();
    if (!stored) return this.current !== null;
    const started = performance.now();
    const model = deserializeRecommender(stored.snapshot);
    this.current = { model, ...catalogue };
    const ready = this.waiters.filter((w) => w.versionId === model.info.versionId);
    this.waiters = this.waiters.filter((w) => w.versionId !== model.info.versionId);
    for (const w of ready) w.resolve();
    this.o.log?.info({ versionId: model.info.versionId, algorithm: model.info.algorithm, items: model.info.items, loadMs: Math.round(performance.now() - started) }, 'recommendation model loaded');
    return true;
  }

  private async loadProducts(): Promise<Pick<Loaded, 'products' | 'categories'>> {
    const rows = await queryRows<{ sku: string; name: string; price_minor: number; currency: string; category: string | null; active: boolean }>(
      this.o.db,
      sql`select sku, name, price_minor, currency, category, active from products`,
    );
    return {
      products: new Map(rows.map((r) => [r.sku, { name: r.name, priceMinor: Number(r.price_minor), currency: r.currency, category: r.category, active: r.active }])),
      categories: new Map(rows.map((r) => [r.sku, r.category])),
    };
  }
}
