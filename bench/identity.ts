/**
 * Customer 360 operations on real PostgreSQL: a scratch database with C customers (each with a web
 * visitor id, an email and a phone identity, messages, orders with lines, behavioural events and some
 * tickets), generated in SQL with deterministic hash-based draws; then, one caller at a time, the
 * latency (p50/p99) of:
 *   - identity resolution of a returning website visitor (CustomerDirectory.resolve, as the bot does per turn);
 *   - linkByOrderProof (a new chat visitor proves email + order number: merged into the order's customer);
 *   - an agent merge of two full profiles and its undo (rows moved each way);
 *   - customer search (crm/identity/search.ts) by email prefix, name prefix, exact phone, order number;
 *   - history timeline pages (first page of 50, then the next page).
 * The database is dropped at the end (unless --keep).
 *
 *   npm run bench:identity -- [--customers 100000] [--samples 300] [--without-search-indexes] [--keep]
 *
 * Customer search uses the prefix indexes on lower(email) and lower(display_name) and the index on
 * identities.external_id (migration 0004); --without-search-indexes drops them in the scratch database
 * to show what they are worth.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { openDatabase } from '../crm/db';
import { CustomerDirectory } from '../crm/customers';
import { CustomerHistory, CustomerSearch, IdentityLinker, type MovedCounts } from '../crm/identity';
import { createScratchDatabase } from '../test/support/database';
import { percentile } from './lib/memory';

const { values } = parseArgs({
  options: {
    customers: { type: 'string', default: '100000' },
    samples: { type: 'string', default: '300' },
    // Diagnostic: add the indexes customer search would need (not in the schema) before measuring.
    'without-search-indexes': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
  },
});
const CUSTOMERS = Number(values.customers);
const SAMPLES = Number(values.samples);
const MESSAGES_PER_CUSTOMER = 8;
const ORDERS_PER_CUSTOMER = 3;
const EVENTS_PER_CUSTOMER = 6;
const PRODUCTS = 2000;

const seconds = (ms: number) => (ms / 1000).toFixed(1);

/** Deterministic draws and ids shared by the generator and the benchmark's picks. */
const SETUP = `
create or replace function bench_u(n bigint, k int) returns float8 language sql immutable parallel safe
  as $$ select (hashint8extended(n, k) & 2147483647)::float8 / 2147483648 $$;
create or replace function bench_customer(i bigint) returns uuid language sql immutable parallel safe
  as $$ select ('30000000-0000-4000-8000-' || lpad(to_hex(i), 12, '0'))::uuid $$;
create or replace function bench_product(i bigint) returns uuid language sql immutable parallel safe
  as $$ select ('40000000-0000-4000-8000-' || lpad(to_hex(i), 12, '0'))::uuid $$;
create or replace function bench_order(i bigint) returns uuid language sql immutable parallel safe
  as $$ select ('50000000-0000-4000-8000-' || lpad(to_hex(i), 12, '0'))::uuid $$;
`;

const NAMES = ['olivia', 'liam', 'emma', 'noah', 'amelia', 'oliver', 'ava', 'elijah', 'sophia', 'lucas', 'mia', 'mateo', 'isla', 'leo', 'freya', 'arjun', 'mei', 'yusuf', 'chloe', 'hugo'];

function generateSql(c: number): string[] {
  const names = `(array[${NAMES.map((n) => `'${n}'`).join(',')}])`;
  return [
    `insert into queues (id, name, categories, is_default) values ('general', 'General', '{general}', true)`,
    `insert into products (id, sku, name, category, price_minor, currency)
       select bench_product(i), 'SKU' || lpad(i::text, 5, '0'), 'Product ' || i, 'cat' || (i % 20), 100 + (i * 37) % 5000, 'GBP' from generate_series(0, ${PRODUCTS - 1}) i`,
    // Customer i: "<first name> <surname i>", email customer<i>@example.com.
    `insert into customers (id, display_name, email, language, created_at)
       select bench_customer(i), initcap(${names}[1 + (i % ${NAMES.length})]) || ' Surname' || i, 'customer' || i || '@example.com', 'en',
              '2025-01-01T00:00:00Z'::timestamptz + make_interval(secs => bench_u(i, 1) * 300 * 86400)
       from generate_series(0, ${c - 1}) i`,
    `insert into identities (customer_id, kind, external_id)
       select bench_customer(i), 'directline', 'dl_visitor_' || i from generate_series(0, ${c - 1}) i
       union all select bench_customer(i), 'email', 'customer' || i || '@example.com' from generate_series(0, ${c - 1}) i
       union all select bench_customer(i), 'phone', '+4477' || lpad(i::text, 8, '0') from generate_series(0, ${c - 1}) i`,
    `insert into messages (customer_id, channel, conversation_id, direction, author, text, activity_id, created_at)
       select bench_customer(i), 'directline', 'conv-' || i || '-' || (k / 4), case when k % 2 = 0 then 'inbound' else 'outbound' end,
              case when k % 2 = 0 then 'customer' else 'bot' end, 'message ' || k || ' of customer ' || i, 'act-' || k,
              '2025-06-01T00:00:00Z'::timestamptz + make_interval(secs => bench_u(i * 100 + k, 2) * 500 * 86400)
       from generate_series(0, ${c - 1}) i, generate_series(0, ${MESSAGES_PER_CUSTOMER - 1}) k`,
    `insert into orders (id, order_number, customer_id, placed_at, country, total_minor, currency, status)
       select bench_order(i * ${ORDERS_PER_CUSTOMER} + k), 'ORD' || (i * ${ORDERS_PER_CUSTOMER} + k), bench_customer(i),
              '2025-01-01T00:00:00Z'::timestamptz + make_interval(secs => bench_u(i * 100 + k, 3) * 600 * 86400), 'United Kingdom',
              1000 + floor(bench_u(i * 100 + k, 4) * 20000)::bigint, 'GBP', 'completed'
       from generate_series(0, ${c - 1}) i, generate_series(0, ${ORDERS_PER_CUSTOMER - 1}) k`,
    `insert into order_lines (order_id, line_no, product_id, quantity, unit_price_minor)
       select bench_order(n), l, bench_product((n * 7 + l * 13) % ${PRODUCTS}), 1 + (n % 3), 500
       from generate_series(0, ${c * ORDERS_PER_CUSTOMER - 1}) n, generate_series(1, 2) l`,
    `insert into customer_events (customer_id, type, product_id, quantity, at, idempotency_key, source)
       select bench_customer(i), (array['view','view','add_to_cart','view','purchase','view'])[1 + k], bench_product((i * 11 + k * 3) % ${PRODUCTS}), 1,
              '2025-06-01T00:00:00Z'::timestamptz + make_interval(secs => bench_u(i * 100 + k, 5) * 500 * 86400), 'bench-' || i || '-' || k, 'import'
       from generate_series(0, ${c - 1}) i, generate_series(0, ${EVENTS_PER_CUSTOMER - 1}) k`,
    // A ticket for every other customer.
    `insert into tickets (customer_id, channel, conversation_id, queue_id, category, priority, priority_score, subject, status, created_at, updated_at,
                          first_response_due_at, resolution_due_at, resolved_at, closed_at)
       select bench_customer(i), 'directline', 'conv-' || i || '-0', 'general', 'general', 'normal', 50, 'question of customer ' || i, 'closed', at, at,
              at + interval '15 minutes', at + interval '24 hours', at + interval '2 hours', at + interval '3 days'
       from (select i, '2025-06-01T00:00:00Z'::timestamptz + make_interval(secs => bench_u(i, 6) * 500 * 86400) as at from generate_series(0, ${c - 1}, 2) i) x`,
  ];
}

type Stats = { label: string; ms: number[]; note?: string };
const fmt = (s: Stats) => {
  const xs = [...s.ms].sort((a, b) => a - b);
  return `${s.label.padEnd(36)} n=${String(xs.length).padStart(4)}  p50 ${percentile(xs, 50).toFixed(1).padStart(6)} ms  p99 ${percentile(xs, 99).toFixed(1).padStart(6)} ms  max ${xs[xs.length - 1].toFixed(1).padStart(6)} ms${s.note ? `  ${s.note}` : ''}`;
};

async function timed<T>(ms: number[], work: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const out = await work();
  ms.push(performance.now() - t0);
  return out;
}

/** Distinct customer numbers in [0, C), deterministic (a multiplicative walk), disjoint per `lane`. */
function picks(count: number, lane: number): number[] {
  const out: number[] = [];
  const step = 7919; // prime, coprime with any C not a multiple of it
  for (let k = 0; out.length < count; k++) out.push(((lane * 104_729 + k * 10 + lane) * step) % CUSTOMERS);
  return [...new Set(out)].slice(0, count);
}
const customerId = (i: number) => `30000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
const sumMoved = (m: MovedCounts) => Object.values(m).reduce((a, b) => a + b, 0);

async function main() {
  const scratch = await createScratchDatabase('concierge_bench_identity');
  const database = await openDatabase({ url: scratch.url, poolSize: 2 });
  console.log(
    `identity benchmark (Customer 360): ${CUSTOMERS.toLocaleString('en')} customers, ${SAMPLES} samples per operation, one caller at a time${values['without-search-indexes'] ? ', WITHOUT the search indexes' : ''}, PostgreSQL (scratch database ${scratch.name}); ` +
      `${os.cpus().length} cores, load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`,
  );
  try {
    const admin = new Client({ connectionString: scratch.url });
    admin.on('error', () => undefined);
    await admin.connect();
    const g0 = performance.now();
    await admin.query(SETUP);
    // RI triggers off for the bulk load only: every referenced row is generated first.
    await admin.query(`set session_replication_role = replica; set work_mem = '128MB'`);
    for (const statement of generateSql(CUSTOMERS)) await admin.query(statement);
    await admin.query(`set session_replication_role = origin`);
    if (values['without-search-indexes']) {
      await admin.query(`drop index customers_email_prefix_idx; drop index customers_name_prefix_idx; drop index identities_external_idx`);
    }
    for (const t of ['customers', 'identities', 'messages', 'orders', 'order_lines', 'customer_events', 'tickets', 'products']) await admin.query(`vacuum analyze ${t}`);
    const counts = (
      await admin.query<Record<string, string>>(
        `select (select count(*) from customers) customers, (select count(*) from identities) identities, (select count(*) from messages) messages,
                (select count(*) from orders) orders, (select count(*) from order_lines) order_lines, (select count(*) from customer_events) events,
                (select count(*) from tickets) tickets, pg_size_pretty(pg_database_size(current_database())) size`,
      )
    ).rows[0];
    console.log(
      `generate    ${Object.entries(counts)
        .filter(([k]) => k !== 'size')
        .map(([k, v]) => `${Number(v).toLocaleString('en')} ${k}`)
        .join(', ')} (${counts.size}) in ${seconds(performance.now() - g0)} s`,
    );
    await admin.end();

    const directory = new CustomerDirectory(database.db);
    const linker = new IdentityLinker(database.db);
    const search = new CustomerSearch(database.db);
    const history = new CustomerHistory(database.db);
    const results: Stats[] = [];

    // Warm the pool and the plan caches a little (not measured).
    for (const i of picks(20, 9)) await directory.resolve({ kind: 'directline', externalId: `dl_visitor_${i}` });

    const resolveMs: number[] = [];
    for (const i of picks(SAMPLES, 1)) {
      const c = await timed(resolveMs, () => directory.resolve({ kind: 'directline', externalId: `dl_visitor_${i}` }));
      if (c.id !== customerId(i)) throw new Error(`visitor ${i} resolved to ${c.id}`);
    }
    results.push({ label: 'resolve returning visitor', ms: resolveMs });
    const newMs: number[] = [];
    for (let k = 0; k < SAMPLES; k++) await timed(newMs, () => directory.resolve({ kind: 'directline', externalId: `dl_new_${k}` }));
    results.push({ label: 'resolve new visitor (creates)', ms: newMs });

    // Order proof: the new visitors above prove customer i's email and one of their orders.
    const proofMs: number[] = [];
    const proofOwners = picks(SAMPLES, 2);
    let moved = 0;
    for (let k = 0; k < proofOwners.length; k++) {
      const i = proofOwners[k];
      const visitor = await directory.resolve({ kind: 'directline', externalId: `dl_new_${k}` });
      const r = await timed(proofMs, () => linker.linkByOrderProof({ customerId: visitor.id, email: `Customer${i}@example.com`, orderNumber: `ORD${i * ORDERS_PER_CUSTOMER + 1}` }));
      if (!r.linked || r.customerId !== customerId(i) || r.alreadyLinked) throw new Error(`order proof of ${i}: ${JSON.stringify(r)}`);
      moved += 1;
    }
    results.push({ label: 'linkByOrderProof (merge)', ms: proofMs, note: `${moved} chat visitors linked` });
    const mismatchMs: number[] = [];
    for (const i of picks(Math.min(SAMPLES, 200), 3)) {
      const r = await timed(mismatchMs, () => linker.linkByOrderProof({ customerId: customerId(i), email: 'someone.else@example.com', orderNumber: `ORD${i * ORDERS_PER_CUSTOMER}` }));
      if (r.linked) throw new Error('an email mismatch linked');
    }
    results.push({ label: 'linkByOrderProof (email mismatch)', ms: mismatchMs });

    // Agent merges of two full profiles, then their undo.
    const mergeMs: number[] = [];
    const undoMs: number[] = [];
    const lane = picks(SAMPLES * 2, 4);
    const merges: Array<{ id: string; moved: number }> = [];
    for (let k = 0; k + 1 < lane.length; k += 2) {
      const r = await timed(mergeMs, () => linker.merge({ survivorId: customerId(lane[k]), mergedId: customerId(lane[k + 1]), actor: 'agent:bench', reason: 'benchmark' }));
      merges.push({ id: r.mergeId, moved: sumMoved(r.moved) });
    }
    let movedBack = 0;
    for (const m of merges) {
      const r = await timed(undoMs, () => linker.undo(m.id, 'agent:bench'));
      const back = sumMoved(r.movedBack);
      if (back !== m.moved) throw new Error(`undo of ${m.id} moved back ${back} of ${m.moved} rows`);
      movedBack += back;
    }
    const perMerge = merges.length ? (merges.reduce((s, m) => s + m.moved, 0) / merges.length).toFixed(1) : '0';
    results.push({ label: 'agent merge', ms: mergeMs, note: `${perMerge} rows moved per merge (identities, messages, orders, events, tickets)` });
    results.push({ label: 'undo merge', ms: undoMs, note: `${movedBack.toLocaleString('en')} rows moved back in all, every one` });

    // Search, the console's "find the other profile".
    const searches: Array<[string, (i: number) => string, (i: number, hits: { id: string }[]) => boolean]> = [
      ['search email prefix', (i) => `customer${i}@exa`, (i, h) => h.some((x) => x.id === customerId(i))],
      ['search name prefix', (i) => `${NAMES[i % NAMES.length]} surname${i}`, (_i, h) => h.length > 0],
      ['search exact phone', (i) => `+4477${String(i).padStart(8, '0')}`, (i, h) => h.some((x) => x.id === customerId(i))],
      ['search order number', (i) => `ORD${i * ORDERS_PER_CUSTOMER + 2}`, (i, h) => h.some((x) => x.id === customerId(i))],
      ['search short prefix ("ol", 20 hits)', () => 'ol', (_i, h) => h.length === 20],
    ];
    for (const [label, query, check] of searches) {
      const ms: number[] = [];
      for (const i of picks(Math.min(SAMPLES, 200), 5)) {
        const hits = await timed(ms, () => search.search(query(i)));
        if (!check(i, hits)) throw new Error(`${label} for ${i}: ${JSON.stringify(hits.slice(0, 3))}`);
      }
      results.push({ label, ms });
    }

    // History: the first page of 50, then the page before its last entry.
    const firstMs: number[] = [];
    const nextMs: number[] = [];
    let entries = 0;
    for (const i of picks(SAMPLES, 6)) {
      const page = await timed(firstMs, () => history.timeline(customerId(i), { limit: 50 }));
      entries += page.length;
      if (page.length === 0) throw new Error(`no history for ${i}`);
      await timed(nextMs, () => history.timeline(customerId(i), { limit: 50, before: page[Math.min(page.length - 1, 9)].at }));
    }
    results.push({ label: 'history first page (50)', ms: firstMs, note: `${(entries / firstMs.length).toFixed(1)} entries per customer` });
    results.push({ label: 'history next page (before)', ms: nextMs });

    for (const r of results) console.log(fmt(r));
    console.log(`load average at the end ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  } finally {
    await database.close();
    if (values.keep) console.log(`kept database ${scratch.url}`);
    else await scratch.drop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
