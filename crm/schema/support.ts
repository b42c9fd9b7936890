import { sql } from 'drizzle-orm';
import { bigserial, boolean, doublePrecision, index, integer, jsonb, pgTable, serial, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { customers } from './customers';

/** `privacy`: handles data subject requests (export, erasure) and sees every customer to do so. */
export const USER_ROLES = ['agent', 'supervisor', 'admin', 'privacy'] as const;
export type UserRole = (typeof USER_ROLES)[number];

/** People who sign in to the console. Passwords are stored as hashes only. */
export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    email: text('email').notNull(),
    displayName: text('display_name').notNull(),
    role: text('role', { enum: USER_ROLES }).notNull(),
    passwordHash: text('password_hash').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    disabledAt: timestamp('disabled_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('users_email_uq').on(sql`lower(${t.email})`)],
);

/** Console sign-in sessions (opaque token, stored hashed). */
export const sessions = pgTable(
  'sessions',
  {
    id: text('id').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('sessions_user_idx').on(t.userId)],
);

export const AGENT_STATUSES = ['online', 'away', 'offline'] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];

/**
 * A user who takes tickets. `activeTickets` is kept in the same transaction as every assignment and
 * release, under the agent's row lock, so capacity can never be exceeded.
 */
export const agents = pgTable(
  'agents',
  {
    userId: uuid('user_id')
      .primaryKey()
      .references(() => users.id, { onDelete: 'cascade' }),
    skills: text('skills').array().notNull().default(sql`'{}'::text[]`),
    languages: text('languages').array().notNull().default(sql`'{en}'::text[]`),
    maxConcurrent: integer('max_concurrent').notNull().default(3),
    status: text('status', { enum: AGENT_STATUSES }).notNull().default('offline'),
    activeTickets: integer('active_tickets').notNull().default(0),
    lastAssignedAt: timestamp('last_assigned_at', { withTimezone: true }),
    statusChangedAt: timestamp('status_changed_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('agents_status_idx').on(t.status)],
);

/** A team's queue: the ticket categories it handles. */
export const queues = pgTable('queues', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  categories: text('categories').array().notNull().default(sql`'{}'::text[]`),
  isDefault: boolean('is_default').notNull().default(false),
});

/** Which queues an agent works (agents see their queues' tickets). */
export const queueMembers = pgTable(
  'queue_members',
  {
    queueId: text('queue_id')
      .notNull()
      .references(() => queues.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => agents.userId, { onDelete: 'cascade' }),
  },
  (t) => [uniqueIndex('queue_members_uq').on(t.queueId, t.userId), index('queue_members_user_idx').on(t.userId)],
);

export const TICKET_STATUSES = ['new', 'assigned', 'pending_customer', 'resolved', 'closed', 'reopened'] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];
/** Statuses in which a person (not the bot) owns the conversation. */
export const OPEN_TICKET_STATUSES = ['new', 'assigned', 'pending_customer', 'reopened'] as const satisfies readonly TicketStatus[];
export const TICKET_PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type TicketPriority = (typeof TICKET_PRIORITIES)[number];

export const tickets = pgTable(
  'tickets',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    number: serial('number').notNull(),
    customerId: uuid('customer_id')
      .notNull()
      .references(() => customers.id),
    channel: text('channel').notNull(),
    conversationId: text('conversation_id').notNull(),
    queueId: text('queue_id')
      .notNull()
      .references(() => queues.id),
    category: text('category').notNull(),
    priority: text('priority', { enum: TICKET_PRIORITIES }).notNull(),
    /** Queue order: higher first, then oldest (createdAt). Derived from priority and urgency cues. */
    priorityScore: integer('priority_score').notNull(),
    language: text('language').notNull().default('en'),
    /** Customer sentiment when the ticket opened, in [-1, 1]. */
    sentiment: doublePrecision('sentiment').notNull().default(0),
    subject: text('subject').notNull(),
    summary: text('summary').notNull().default(''),
    entities: jsonb('entities').$type<Array<Record<string, unknown>>>().notNull().default(sql`'[]'::jsonb`),
    status: text('status', { enum: TICKET_STATUSES }).notNull().default('new'),
    assignedAgentId: uuid('assigned_agent_id').references(() => agents.userId),
    /** Why it was routed as it was: a sentence and the figures behind it. */
    routing: jsonb('routing').$type<{ reason: string; [k: string]: unknown }>().notNull().default(sql`'{"reason":"not routed yet"}'::jsonb`),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    assignedAt: timestamp('assigned_at', { withTimezone: true }),
    firstResponseAt: timestamp('first_response_at', { withTimezone: true }),
    firstResponseDueAt: timestamp('first_response_due_at', { withTimezone: true }).notNull(),
    resolutionDueAt: timestamp('resolution_due_at', { withTimezone: true }).notNull(),
    resolvedAt: timestamp('resolved_at', { withTimezone: true }),
    closedAt: timestamp('closed_at', { withTimezone: true }),
    reopenCount: integer('reopen_count').notNull().default(0),
    /** When retention stripped its texts (subject, summary, entities, CSAT comment); the row stays for reports and scores. */
    anonymisedAt: timestamp('anonymised_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('tickets_number_uq').on(t.number),
    index('tickets_queue_waiting_idx').on(t.queueId, t.priorityScore, t.createdAt).where(sql`${t.status} in ('new', 'reopened') and ${t.assignedAgentId} is null`),
    // An agent with room pulls the best waiting ticket of their skills (categories).
    index('tickets_category_waiting_idx').on(t.category, t.priorityScore, t.createdAt).where(sql`${t.status} in ('new', 'reopened') and ${t.assignedAgentId} is null`),
    index('tickets_agent_idx').on(t.assignedAgentId, t.status),
    index('tickets_customer_idx').on(t.customerId, t.createdAt),
    index('tickets_conversation_idx').on(t.channel, t.conversationId, t.status),
  ],
);

/**
 * What happened to a ticket, in order (created, assigned, released, transferred, status and priority
 * changes, agent and customer messages, CSAT): reports and scores are built from these rows.
 */
export const ticketEvents = pgTable(
  'ticket_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    ticketId: uuid('ticket_id')
      .notNull()
      .references(() => tickets.id, { onDelete: 'cascade' }),
    type: text('type').notNull(),
    /** `customer`, `bot`, `system` or a user id. */
    actor: text('actor').notNull(),
    data: jsonb('data').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('ticket_events_ticket_idx').on(t.ticketId, t.id), index('ticket_events_type_at_idx').on(t.type, t.at)],
);

/**
 * Transactional outbox: rows written in the same transaction as the domain change they follow from
 * (follow-ups, SLA timers, notifications); a relay moves them to bullmq. `dedupeKey` makes them idempotent.
 */
export const outbox = pgTable(
  'outbox',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    topic: text('topic').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    dedupeKey: text('dedupe_key').notNull(),
    /** When the job should run (delayed jobs). */
    runAt: timestamp('run_at', { withTimezone: true }).notNull().defaultNow(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    relayedAt: timestamp('relayed_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('outbox_dedupe_uq').on(t.dedupeKey), index('outbox_pending_idx').on(t.id).where(sql`${t.relayedAt} is null`)],
);
