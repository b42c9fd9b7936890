import { sql } from 'drizzle-orm';
import { bigint, bigserial, boolean, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { customers } from './customers';

/**
 * Commerce data of Customer 360: catalogue, orders, behavioural events and the API keys that may
 * post events. Owner module: crm/commerce. Money is integer minor units plus an ISO 4217 currency.
 */

/** The catalogue. `sku` is the natural key (the retailer's stock code). */
export const products = pgTable(
  'products',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    sku: text('sku').notNull(),
    name: text('name').notNull(),
    category: text('category'),
    priceMinor: integer('price_minor').notNull(),
    currency: text('currency').notNull(),
    active: boolean('active').notNull().default(true),
    attributes: jsonb('attributes').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    /**
     * Time of the source fact that set name and price (e.g. the invoice that showed this price).
     * Order imports only move name/price forward in time, so a re-import changes nothing.
     */
    observedAt: timestamp('observed_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('products_sku_uq').on(t.sku), index('products_category_idx').on(t.category)],
);

export const ORDER_STATUSES = ['placed', 'paid', 'shipped', 'delivered', 'completed', 'cancelled', 'refunded'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export const orders = pgTable(
  'orders',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** The shop's order / invoice number: the natural key of imports and of "prove who you are" in chat. */
    orderNumber: text('order_number').notNull(),
    customerId: uuid('customer_id')
      .notNull()
      .references(() => customers.id),
    placedAt: timestamp('placed_at', { withTimezone: true }).notNull(),
    country: text('country'),
    totalMinor: bigint('total_minor', { mode: 'number' }).notNull(),
    currency: text('currency').notNull(),
    status: text('status', { enum: ORDER_STATUSES }).notNull().default('placed'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('orders_number_uq').on(t.orderNumber), index('orders_customer_time_idx').on(t.customerId, t.placedAt)],
);

/** One product line of an order; `lineNo` is the line's position in the order (stable across re-imports). */
export const orderLines = pgTable(
  'order_lines',
  {
    orderId: uuid('order_id')
      .notNull()
      .references(() => orders.id, { onDelete: 'cascade' }),
    lineNo: integer('line_no').notNull(),
    productId: uuid('product_id')
      .notNull()
      .references(() => products.id),
    quantity: integer('quantity').notNull(),
    unitPriceMinor: integer('unit_price_minor').notNull(),
  },
  (t) => [primaryKey({ columns: [t.orderId, t.lineNo] }), index('order_lines_product_idx').on(t.productId)],
);

export const CUSTOMER_EVENT_TYPES = ['view', 'add_to_cart', 'purchase'] as const;
export type CustomerEventType = (typeof CUSTOMER_EVENT_TYPES)[number];

/** Behavioural events (website / app): views, add-to-cart, purchases. Stored once per idempotency key. */
export const customerEvents = pgTable(
  'customer_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    customerId: uuid('customer_id')
      .notNull()
      .references(() => customers.id),
    type: text('type', { enum: CUSTOMER_EVENT_TYPES }).notNull(),
    productId: uuid('product_id').references(() => products.id),
    quantity: integer('quantity'),
    at: timestamp('at', { withTimezone: true }).notNull(),
    idempotencyKey: text('idempotency_key').notNull(),
    /** `api:<key name>`, `import`, … */
    source: text('source').notNull(),
    data: jsonb('data').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('customer_events_idempotency_uq').on(t.idempotencyKey),
    index('customer_events_customer_time_idx').on(t.customerId, t.at),
    index('customer_events_product_idx').on(t.productId),
  ],
);

/** Keys for server-to-server APIs (the events endpoint). Only a SHA-256 of the key is stored. */
export const apiKeys = pgTable(
  'api_keys',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    keyHash: text('key_hash').notNull(),
    /** First characters of the key, to recognise it in lists (never enough to use it). */
    prefix: text('prefix').notNull(),
    scopes: text('scopes').array().notNull().default(sql`'{events:write}'::text[]`),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('api_keys_hash_uq').on(t.keyHash)],
);
