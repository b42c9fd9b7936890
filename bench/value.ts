/**
 * Customer value (crm/value CustomerValueStore.computeAll, the nightly job) on real PostgreSQL.
 *
 *  1. real data: the UCI online-retail file imported with the project's own import (crm/import, as
 *     `npm run crm -- import orders FILE` does) into a scratch database (or the one named by
 *     --reuse-db, imported only when it has no orders), then computeAll for every customer: time, peak
 *     RSS, segment distribution, LTV summary, churn-risk count;
 *  2. scale: per --scale step, a scratch database with C customers × O orders generated in SQL
 *     (deterministic hash-based draws), computeAll timed with its peak RSS (each computeAll runs in a
 *     child process of its own, so the peak is the run's, not the import's).
 * Scratch databases are dropped at the end (not the --reuse-db one; --keep keeps them all).
 *
 *   npm run bench:value -- [--scale 50000x500000,200000x2000000] [--skip-real] [--skip-scale]
 *                          [--reuse-db concierge_bench_value_retail] [--keep]
 */
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { openDatabase } from '../crm/db';
import { runImport } from '../crm/import';
import { loadValueSummaries } from '../crm/commerce';
import { CustomerValueStore, rfmOfSummaries, valueOfSummaries } from '../crm/value';
import { createScratchDatabase } from '../test/support/database';
import { peakRssMb, percentile } from './lib/memory';

const { values } = parseArgs({
  options: {
    // customers x orders per synthetic run, comma-separated
    scale: { type: 'string', default: '50000x500000,200000x2000000' },
    'skip-real': { type: 'boolean', default: false },
    'skip-scale': { type: 'boolean', default: false },
    'reuse-db': { type: 'string' },
    keep: { type: 'boolean', default: false },
    // internal: one computeAll in a child process of its own, so its peak RSS is its own
    'compute-url': { type: 'string' },
    'compute-label': { type: 'string' },
    'compute-as-of': { type: 'string' },
  },
});
const SCALES = values.scale.split(',').map((x) => {
  const [customers, orders] = x.split('x').map(Number);
  if (!(customers > 0 && orders > 0)) throw new Error(`--scale wants CUSTOMERSxORDERS[,…], got ${x}`);
  return { customers, orders };
});
const RETAIL_FILE = path.resolve(__dirname, '../../shared/data/online-retail/online_retail.csv.gz');
const ADMIN_URL = process.env.TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const seconds = (ms: number) => (ms / 1000).toFixed(1);
const gbp = (minor: number) => (minor / 100).toLocaleString('en', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

async function databaseExists(name: string): Promise<boolean> {
  const c = new Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    return (await c.query('select 1 from pg_database where datname = $1', [name])).rowCount === 1;
  } finally {
    await c.end();
  }
}

function urlOf(name: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Times one computeAll and prints its figures and the distribution of what it stored. */
async function timeComputeAll(label: string, url: string, asOf: Date): Promise<void> {
  const database = await openDatabase({ url, poolSize: 2 });
  try {
    const store = new CustomerValueStore(database.db);
    const rssBefore = peakRssMb();
    const load = os.loadavg()[0];
    const t0 = performance.now();
    const run = await store.computeAll(asOf);
    const ms = performance.now() - t0;
    const rssAfter = peakRssMb();
    console.log(
      `computeAll  ${label}: ${run.customers.toLocaleString('en')} customers in ${seconds(ms)} s (${Math.round(run.customers / (ms / 1000)).toLocaleString('en')} customers/s; load average ${load.toFixed(1)}); ` +
        `peak RSS ${rssAfter.toFixed(0)} MB (${rssBefore.toFixed(0)} MB before)`,
    );
    // Where the time goes (measured after the run, so it does not change its peak): the read, the scoring.
    const l0 = performance.now();
    const summaries = await loadValueSummaries(database.db, asOf);
    const l1 = performance.now();
    rfmOfSummaries(summaries);
    valueOfSummaries(summaries, { asOf });
    const l2 = performance.now();
    console.log(
      `  split     aggregating the orders in PostgreSQL into ${summaries.length.toLocaleString('en')} customer summaries (loadValueSummaries) ${seconds(l1 - l0)} s, scoring (RFM + lifetime value) ${seconds(l2 - l1)} s, ` +
        `so writing customer_values about ${seconds(Math.max(0, ms - (l2 - l0)))} s`,
    );
    const c = new Client({ connectionString: url });
    await c.connect();
    try {
      const segs = (await c.query<{ segment: string; n: number }>(`select segment, count(*)::int as n from customer_values group by segment order by n desc, segment`)).rows;
      console.log(`segments    ${segs.map((s) => `${s.segment} ${s.n.toLocaleString('en')}`).join(', ')}`);
      const ltv = (await c.query<{ v: string }>(`select ltv_minor::text as v from customer_values order by ltv_minor`)).rows.map((r) => Number(r.v));
      const total = ltv.reduce((a, b) => a + b, 0);
      const [{ churn, alive }] = (await c.query<{ churn: number; alive: number }>(`select count(*) filter (where churn_risk)::int as churn, avg(p_alive)::float8 as alive from customer_values`)).rows;
      console.log(
        `LTV (365 d) total ${gbp(total)}, mean ${gbp(total / ltv.length)}, median ${gbp(percentile(ltv, 50))}, p90 ${gbp(percentile(ltv, 90))}, p99 ${gbp(percentile(ltv, 99))}, max ${gbp(ltv[ltv.length - 1])} (currency units)`,
      );
      console.log(`churn risk  ${churn.toLocaleString('en')} of ${ltv.length.toLocaleString('en')} customers (${((100 * churn) / ltv.length).toFixed(1)} %), mean P(alive) ${alive.toFixed(3)}`);
    } finally {
      await c.end();
    }
  } finally {
    await database.close();
  }
}

/** Runs timeComputeAll in a fresh process (this script with --compute-url), its output inline. */
async function computeInChild(label: string, url: string, asOf: Date): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', __filename, '--compute-url', url, '--compute-label', label, '--compute-as-of', asOf.toISOString()], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`computeAll child exited with ${code}`);
}

async function realData(): Promise<void> {
  const reuse = values['reuse-db'];
  let name: string;
  let drop: (() => Promise<void>) | undefined;
  if (reuse && (await databaseExists(reuse))) {
    name = reuse;
  } else if (reuse) {
    name = (await createScratchDatabase(reuse, { exactName: true })).name;
  } else {
    const scratch = await createScratchDatabase('concierge_bench_value_retail');
    name = scratch.name;
    drop = scratch.drop;
  }
  const url = urlOf(name);
  try {
    const database = await openDatabase({ url, poolSize: 4 });
    try {
      const c = new Client({ connectionString: url });
      await c.connect();
      const existing = Number((await c.query<{ n: string }>('select count(*) as n from orders')).rows[0].n);
      await c.end();
      if (existing === 0) {
        const t0 = performance.now();
        const report = await runImport({ db: database.db, kind: 'orders', file: RETAIL_FILE, rejectsFile: path.join(os.tmpdir(), `bench-value-rejects-${process.pid}.csv`), progress: null });
        const e = Object.entries(report.entities).map(([k, v]) => `${k} ${v.inserted.toLocaleString('en')}`).join(', ');
        console.log(
          `import      ${path.basename(RETAIL_FILE)} into ${name} (crm/import, as npm run crm -- import orders): ${report.rows.toLocaleString('en')} rows in ${seconds(performance.now() - t0)} s, ` +
            `accepted ${report.accepted.toLocaleString('en')}, rejected ${report.rejected.toLocaleString('en')}; inserted ${e}; import peak RSS ${report.peakRssMb.toFixed(0)} MB`,
        );
      } else {
        console.log(`import      reused database ${name} (${existing.toLocaleString('en')} orders)`);
      }
    } finally {
      await database.close();
    }
    const c = new Client({ connectionString: url });
    await c.connect();
    const [{ orders, customers, last }] = (
      await c.query<{ orders: number; customers: number; last: Date }>(`select count(*)::int as orders, count(distinct customer_id)::int as customers, max(placed_at) as last from orders`)
    ).rows;
    await c.end();
    console.log(`real data   ${orders.toLocaleString('en')} orders of ${customers.toLocaleString('en')} customers, last order ${last.toISOString().slice(0, 10)}`);
    // As of the day after the last invoice (the usual RFM reference date for this data set).
    await computeInChild('online retail', url, new Date(last.getTime() + 86_400_000));
  } finally {
    if (drop && !values.keep) await drop();
    else console.log(`kept database ${url}`);
  }
}

/**
 * Order n belongs to customer floor(C · u²·²) (a few customers buy often, most once or twice), placed
 * over two years, amounts log-normal-ish, 2 % cancelled. All from hashint8extended draws.
 */
async function scale(customerCount: number, orderCount: number): Promise<void> {
  const scratch = await createScratchDatabase('concierge_bench_value_scale');
  try {
    const database = await openDatabase({ url: scratch.url, poolSize: 1 });
    await database.close();
    const c = new Client({ connectionString: scratch.url });
    c.on('error', () => undefined);
    await c.connect();
    const t0 = performance.now();
    await c.query(`
      create or replace function bench_u(n bigint, k int) returns float8 language sql immutable parallel safe
        as $$ select (hashint8extended(n, k) & 2147483647)::float8 / 2147483648 $$;
      create or replace function bench_customer(i bigint) returns uuid language sql immutable parallel safe
        as $$ select ('20000000-0000-4000-8000-' || lpad(to_hex(i), 12, '0'))::uuid $$;
      set session_replication_role = replica; set work_mem = '256MB';
      insert into customers (id, display_name) select bench_customer(i), 'bench-customer-' || i from generate_series(0, ${customerCount - 1}) i;
    `);
    // Order n belongs to customer floor(C * u^2.2): a few customers buy a lot, many buy once.
    await c.query(`
      insert into orders (order_number, customer_id, placed_at, country, total_minor, currency, status)
      select 'B' || n, bench_customer(least(${customerCount - 1}, floor(${customerCount} * power(bench_u(n, 1), 2.2))::bigint)),
        '2024-12-01T00:00:00Z'::timestamptz + make_interval(secs => bench_u(n, 2) * 730 * 86400),
        'United Kingdom', 500 + floor(exp(bench_u(n, 3) * 6))::bigint * 100, 'GBP',
        case when bench_u(n, 4) < 0.02 then 'cancelled' else 'completed' end
      from generate_series(1, ${orderCount}) n;
      set session_replication_role = origin;
      analyze customers; analyze orders;
    `);
    const [{ orders, customers }] = (await c.query<{ orders: number; customers: number }>(`select count(*)::int as orders, count(distinct customer_id)::int as customers from orders`)).rows;
    await c.end();
    console.log(
      `scale data  ${orders.toLocaleString('en')} orders of ${customers.toLocaleString('en')} customers (of ${customerCount.toLocaleString('en')}) generated in SQL in ${seconds(performance.now() - t0)} s`,
    );
    await computeInChild(`synthetic ${customerCount.toLocaleString('en')} × ${orderCount.toLocaleString('en')}`, scratch.url, new Date('2026-12-01T00:00:00Z'));
  } finally {
    if (values.keep) console.log(`kept database ${scratch.url}`);
    else await scratch.drop();
  }
}

async function main() {
  if (values['compute-url']) {
    await timeComputeAll(values['compute-label'] ?? '', values['compute-url'], new Date(values['compute-as-of']!));
    return;
  }
  console.log(
    `customer value benchmark: CustomerValueStore.computeAll on PostgreSQL; real data ${values['skip-real'] ? 'skipped' : path.basename(RETAIL_FILE)}, ` +
      `scale ${values['skip-scale'] ? 'skipped' : SCALES.map((x) => `${x.customers.toLocaleString('en')} customers × ${x.orders.toLocaleString('en')} orders`).join(', then ')}; ` +
      `${os.cpus().length} cores, load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`,
  );
  if (!values['skip-real']) await realData();
  if (!values['skip-scale']) for (const x of SCALES) await scale(x.customers, x.orders);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
