/**
 * Recommendation serving latency, the product path end to end:
 *
 *   npm run bench:recs-serving [-- --customers=20000 --items=1500 --algorithm=ease --requests=20000]
 *
 * On a scratch PostgreSQL database: a synthetic shop (clustered baskets, a few inactive products) is
 * written through crm/commerce, RecommendationTrainer trains and stores the version (once on this
 * thread, once in its worker thread, printing the event-loop delay during each), a fresh
 * RecommendationService loads it from its snapshot (as a web process does), then serves product cards
 * for known customers, unknown customers and ad-hoc purchase lists. Prints p50/p99 of the in-memory
 * `forCustomer` (what must stay well under 10 ms) and of `recommendFor` (plus the purchases and learned-profile queries).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { sql } from 'drizzle-orm';
import { openDatabase } from '../crm';
import { CommerceStore, type CatalogProduct, type OrderInput } from '../crm/commerce';
import { resolveCustomersBulk } from '../crm/identity';
import { RecommendationService, RecommendationTrainer, type AlgorithmName } from '../crm/recommendations';
import { seededRandom } from '../crm/recommendations/als';
import { createScratchDatabase } from '../test/support/database';
import { currentRssMb, percentile } from './lib/memory';

function arg(name: string, fallback: string): string {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? hit.slice(name.length + 3) : fallback;
}

const CUSTOMERS = Number(arg('customers', '20000'));
const ITEMS = Number(arg('items', '1500'));
const ALGORITHM = arg('algorithm', 'ease') as AlgorithmName;
const REQUESTS = Number(arg('requests', '20000'));
const K = 10;

function stats(label: string, ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  return `${label.padEnd(34)} n=${String(s.length).padStart(6)}  p50 ${percentile(s, 50).toFixed(3)} ms  p99 ${percentile(s, 99).toFixed(3)} ms  max ${s[s.length - 1].toFixed(3)} ms`;
}

async function main(): Promise<void> {
  const scratch = await createScratchDatabase('concierge_bench_recs');
  const database = await openDatabase({ url: scratch.url, poolSize: 4 });
  try {
    const rand = seededRandom(7);
    const store = new CommerceStore(database.db);
    const clusters = 50;
    const products: CatalogProduct[] = Array.from({ length: ITEMS }, (_, i) => ({
      sku: `SKU${String(i).padStart(5, '0')}`,
      name: `Product ${i}`,
      category: `cat-${i % clusters}`,
      priceMinor: 500 + ((i * 37) % 9000),
      currency: 'EUR',
      active: i % 97 !== 0,
    }));
    const t0 = performance.now();
    const ids = await store.upsertCatalogProducts(products);
    const refs = Array.from({ length: CUSTOMERS }, (_, u) => ({ kind: 'bench', externalId: `c${u}` }));
    const resolved = await resolveCustomersBulk(database.db, refs);
    const customerIds = refs.map((r) => resolved.ids.get(`${r.kind}\u0000${r.externalId}`)!);
    // Each customer mostly buys within one cluster of items (plus some noise): structure to learn.
    const perCluster = Math.ceil(ITEMS / clusters);
    const now = Date.now();
    let batch: OrderInput[] = [];
    let orderCount = 0;
    for (let u = 0; u < CUSTOMERS; u++) {
      const cluster = Math.floor(rand() * clusters);
      const nOrders = 1 + Math.floor(rand() * 3);
      for (let o = 0; o < nOrders; o++) {
        const lines = new Map<string, number>();
        const n = 1 + Math.floor(rand() * 5);
        for (let l = 0; l < n; l++) {
          const item = rand() < 0.8 ? (cluster + clusters * Math.floor(rand() * perCluster)) % ITEMS : Math.floor(rand() * ITEMS);
          lines.set(products[item].sku, 1);
        }
        batch.push({
          orderNumber: `BENCH${orderCount++}`,
          customerId: customerIds[u],
          placedAt: new Date(now - Math.floor(rand() * 180) * 86_400_000),
          currency: 'EUR',
          status: 'delivered',
          totalMinor: null,
          lines: [...lines.keys()].map((sku, i) => ({ lineNo: i + 1, productId: ids.get(sku)!.id, quantity: 1, unitPriceMinor: 1000 })),
        });
        if (batch.length >= 2000) {
          await store.writeOrders(batch);
          batch = [];
        }
      }
    }
    if (batch.length > 0) await store.writeOrders(batch);
    // Planner statistics, as a live database has them (autovacuum has not run on fresh bulk data yet).
    await database.db.execute(sql`analyze`);
    console.log(`data: ${CUSTOMERS} customers, ${ITEMS} products, ${orderCount} orders written in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    // The same training inline and in its worker thread, with the event-loop delay this process sees
    // meanwhile (what a chat or console request in `npm start` would wait, at worst).
    const trainWatched = async (execution: 'inline' | 'thread') => {
      const delay = monitorEventLoopDelay({ resolution: 10 });
      delay.enable();
      const t = performance.now();
      const result = await new RecommendationTrainer({ db: database.db, algorithm: ALGORITHM, evaluateMaxItems: 0, execution }).trainAndActivate();
      const seconds = (performance.now() - t) / 1000;
      delay.disable();
      console.log(
        `train + store (${ALGORITHM}, ${execution.padEnd(6)}): ${seconds.toFixed(1)} s; event-loop delay p99 ${(delay.percentile(99) / 1e6).toFixed(0)} ms, ` +
          `max ${(delay.max / 1e6).toFixed(0)} ms; version ${result.version.versionId}, ${result.version.interactions} interactions, snapshot ${(result.version.snapshotBytes / 1e6).toFixed(1)} MB`,
      );
      return result;
    };
    const inline = await trainWatched('inline');
    const trained = await trainWatched('thread');
    if (trained.version.versionId !== inline.version.versionId) throw new Error('thread and inline trainings gave different versions');

    const service = new RecommendationService({ db: database.db, autoTrainMaxProducts: 0 });
    const t2 = performance.now();
    await service.start();
    console.log(`load active version from PostgreSQL into a fresh service: ${(performance.now() - t2).toFixed(0)} ms; RSS ${currentRssMb().toFixed(0)} MB`);

    // Warm-up, then measure.
    for (let i = 0; i < 200; i++) service.forCustomer(customerIds[i % CUSTOMERS], { k: K });
    const known: number[] = [];
    const unknown: number[] = [];
    const adHoc: number[] = [];
    for (let r = 0; r < REQUESTS; r++) {
      const id = customerIds[Math.floor(rand() * CUSTOMERS)];
      let t = performance.now();
      const served = service.forCustomer(id, { k: K });
      known.push(performance.now() - t);
      if (served.cards.length !== K) throw new Error(`expected ${K} cards, got ${served.cards.length}`);
      if (r % 10 === 0) {
        t = performance.now();
        service.forCustomer(null, { k: K });
        unknown.push(performance.now() - t);
        const purchased = [products[Math.floor(rand() * ITEMS)].sku, products[Math.floor(rand() * ITEMS)].sku];
        t = performance.now();
        service.forCustomer('00000000-0000-0000-0000-000000000000', { k: K, purchased });
        adHoc.push(performance.now() - t);
      }
    }
    const withQuery: number[] = [];
    for (let r = 0; r < Math.min(2000, REQUESTS); r++) {
      const t = performance.now();
      await service.recommendFor(customerIds[Math.floor(rand() * CUSTOMERS)], { k: K });
      withQuery.push(performance.now() - t);
    }
    console.log(`serving k=${K} from memory (product cards, filters, explanations):`);
    console.log(stats('  known customer', known));
    console.log(stats('  unknown customer (fallbacks)', unknown));
    console.log(stats('  new customer, ad-hoc purchases', adHoc));
    console.log(stats('  recommendFor (+ 2 queries)', withQuery));
    await service.close();
  } finally {
    await database.close();
    await scratch.drop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
