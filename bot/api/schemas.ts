/** Request and response schemas of the console API (zod 4); the OpenAPI document is built from them. */
import { z } from 'zod';
import { AGENT_STATUSES, OPEN_TICKET_STATUSES, TICKET_PRIORITIES, TICKET_STATUSES, USER_ROLES } from '../../crm/schema';

const isoDate = z.iso.datetime({ offset: true });
const uuid = z.uuid();

export const idParams = z.object({ id: uuid.describe('ticket id') });
export const userIdParams = z.object({ id: uuid.describe('user id') });
export const customerParams = z.object({ id: uuid.describe('customer id') });

/** `a,b` or repeated `?x=a&x=b` into a list. */
const listOf = <T extends z.ZodType>(item: T) =>
  z.preprocess((v) => (v === undefined ? undefined : (Array.isArray(v) ? v : [v]).flatMap((s) => String(s).split(',')).map((s) => s.trim()).filter(Boolean)), z.array(item).max(20).optional());

export const ticketListQuery = z.strictObject({
  status: listOf(z.enum([...TICKET_STATUSES, 'open'])).describe(`statuses, comma-separated; \`open\` stands for every open status (${OPEN_TICKET_STATUSES.join(', ')})`),
  open: z.enum(['true', 'false']).optional().describe(`true: only open tickets (${OPEN_TICKET_STATUSES.join(', ')}); false: only the others`),
  queue: listOf(z.string().regex(/^[a-z][a-z0-9_-]{0,39}$/)).describe('queue ids, comma-separated'),
  priority: listOf(z.enum(TICKET_PRIORITIES)),
  assigned: z.union([z.enum(['me', 'unassigned']), uuid]).optional().describe('`me`, `unassigned` or an agent id'),
  customerId: uuid.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(200),
});

export const signInBody = z.strictObject({ email: z.email().max(320), password: z.string().min(1).max(1024) });
export const replyBody = z.strictObject({
  text: z.string().trim().min(1, 'write something').max(4000),
  awaitingCustomer: z.boolean().optional().describe('the reply asks the customer for something: the ticket waits on them (pending_customer: a reminder, then the auto-close)'),
});
export const reassignBody = z.strictObject({ agentId: uuid.nullable().describe('the new agent, or null to return the ticket to its queue') });
export const priorityBody = z.strictObject({ priority: z.enum(TICKET_PRIORITIES) });
export const statusBody = z.strictObject({ status: z.enum(AGENT_STATUSES) });
export const agentUpsertBody = z.strictObject({
  skills: z.array(z.string().min(1).max(60)).max(50).optional().describe('ticket categories the agent takes; defaults to the categories of their queues'),
  languages: z.array(z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$/)).min(1).max(20).default(['en']),
  maxConcurrent: z.number().int().min(1).max(50).default(3),
  queues: z.array(z.string().regex(/^[a-z][a-z0-9_-]{0,39}$/)).max(50),
});
export const newUserBody = z.strictObject({
  email: z.email().max(320),
  displayName: z.string().trim().min(1).max(120),
  role: z.enum(USER_ROLES),
  password: z.string().min(8, 'at least 8 characters').max(1024),
});

export const userSchema = z
  .object({ id: uuid, email: z.string(), displayName: z.string(), role: z.enum(USER_ROLES), createdAt: isoDate, disabled: z.boolean() })
  .meta({ id: 'User' });

export const agentSchema = z
  .object({
    userId: uuid,
    displayName: z.string(),
    email: z.string(),
    skills: z.array(z.string()),
    languages: z.array(z.string()),
    maxConcurrent: z.number().int(),
    status: z.enum(AGENT_STATUSES),
    activeTickets: z.number().int(),
    queues: z.array(z.string()),
  })
  .meta({ id: 'Agent' });

export const ticketSchema = z
  .object({
    id: uuid,
    number: z.number().int(),
    customerId: uuid,
    customerName: z.string().describe('display name, or a short anonymous label'),
    channel: z.string(),
    conversationId: z.string(),
    queueId: z.string(),
    category: z.string(),
    priority: z.enum(TICKET_PRIORITIES),
    priorityScore: z.number().int(),
    language: z.string(),
    sentiment: z.number().min(-1).max(1),
    subject: z.string(),
    summary: z.string(),
    entities: z.array(z.record(z.string(), z.unknown())),
    status: z.enum(TICKET_STATUSES),
    assignedAgentId: uuid.nullable(),
    assignedAgentName: z.string().nullable(),
    routing: z.object({ reason: z.string() }).catchall(z.unknown()),
    createdAt: isoDate,
    updatedAt: isoDate,
    assignedAt: isoDate.nullable(),
    firstResponseAt: isoDate.nullable(),
    firstResponseDueAt: isoDate,
    resolutionDueAt: isoDate,
    resolvedAt: isoDate.nullable(),
    closedAt: isoDate.nullable(),
    reopenCount: z.number().int(),
  })
  .meta({ id: 'Ticket' });

export const ticketEventSchema = z
  .object({ id: z.number().int(), type: z.string(), actor: z.string(), data: z.record(z.string(), z.unknown()), at: isoDate })
  .meta({ id: 'TicketEvent' });

export const messageSchema = z
  .object({
    id: uuid,
    direction: z.enum(['inbound', 'outbound']),
    kind: z.enum(['customer', 'bot', 'agent', 'system']),
    author: z.string().describe('`customer`, `bot`, `system` or the agent\'s user id'),
    authorName: z.string(),
    text: z.string(),
    at: isoDate,
  })
  .meta({ id: 'Message' });

export const queueSchema = z
  .object({ id: z.string(), name: z.string(), categories: z.array(z.string()), isDefault: z.boolean(), waiting: z.number().int(), open: z.number().int() })
  .meta({ id: 'Queue' });

export const recommendedProductSchema = z
  .object({
    sku: z.string(),
    name: z.string(),
    priceMinor: z.number().int().describe('price in minor units of `currency`'),
    currency: z.string(),
    category: z.string().nullable(),
    source: z.enum(['personalized', 'similar', 'same-category', 'popular', 'stated-preference']).describe('stated-preference: the customer told the bot they like it (`liked`)'),
    explanation: z.string().describe('e.g. "Because you bought Gooseneck kettle", "Because you said you like tea", "Popular in tea", "Popular right now"'),
    because: z.object({ sku: z.string(), name: z.string(), kind: z.enum(['bought', 'looked_at']) }).optional(),
    liked: z.object({ term: z.string().describe("the customer's own word for what they like") }).optional(),
  })
  .meta({ id: 'RecommendedProduct' });

const quintile = z.number().int().min(1).max(5);
export const customerValueSchema = z
  .object({
    segment: z.string().describe('RFM segment (crm/value/README.md): Champions, Loyal, At risk, …'),
    scores: z.object({ r: quintile, f: quintile, m: quintile, fm: quintile, code: z.string().describe('"RFM" digits, e.g. "545"') }),
    recencyDays: z.number().int(),
    frequency: z.number().int().describe('orders with a positive total'),
    monetaryMinor: z.number().int().describe('net spend, minor units of `currency`'),
    ltvMinor: z.number().int().describe('expected spend over the next 365 days, minor units of `currency`'),
    currency: z.string(),
    pAlive: z.number().min(0).max(1).describe('probability the customer is still active'),
    churnRisk: z.boolean(),
    asOf: isoDate.describe('orders after this instant were not considered'),
    computedAt: isoDate,
  })
  .meta({ id: 'CustomerValue' });

const learnedSource = z.object({ channel: z.string(), conversationId: z.string(), activityId: z.string(), text: z.string(), at: isoDate });
const learnedPreference = z.object({ term: z.string(), categories: z.array(z.string()), skus: z.array(z.string()), source: learnedSource });
export const learnedProfileResponseSchema = z
  .object({
    language: z.string().nullable().describe('the language most of their messages are in (NLP detection)'),
    languageCounts: z.record(z.string(), z.number().int()),
    sentiment: z.object({
      average: z.number().nullable().describe('exponentially weighted mean, −1 … 1'),
      count: z.number().int(),
      trend: z.enum(['improving', 'declining', 'steady']).nullable(),
      recent: z.array(z.object({ score: z.number(), at: isoDate })),
    }),
    likes: z.array(learnedPreference),
    dislikes: z.array(learnedPreference),
    contactPreference: z.object({ channel: z.string(), source: learnedSource }).nullable(),
    updatedAt: isoDate,
  })
  .meta({ id: 'LearnedProfile' });

export const customerPanelSchema = z
  .object({
    customer: z.object({ id: uuid, displayName: z.string().nullable(), email: z.string().nullable(), language: z.string().nullable() }),
    tickets: z.array(ticketSchema),
    sentimentTrend: z.array(z.object({ at: isoDate, sentiment: z.number(), ticketNumber: z.number().int(), source: z.enum(['ticket_opened', 'customer_message']) })),
    messageCount: z.number().int(),
    firstContactAt: isoDate.nullable(),
    value: customerValueSchema.nullable().describe('customer value from the nightly job; null when never scored (no purchase)'),
    learned: learnedProfileResponseSchema.nullable().describe('what the bot learned from their messages; null before the first one'),
    recommendations: z
      .object({ versionId: z.string().nullable().describe('model version that answered; null: no model yet'), items: z.array(recommendedProductSchema) })
      .describe('what the bot would recommend to this customer now (already bought, disliked and inactive products left out; stated likes first)'),
  })
  .meta({ id: 'CustomerPanel' });

export const meSchema = z
  .object({ user: userSchema, agent: agentSchema.nullable(), queues: z.array(z.string()), seesAllQueues: z.boolean() })
  .meta({ id: 'Me' });
