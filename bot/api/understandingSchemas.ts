/** Request and response schemas of the learning routes (corrections, bot analytics, intent model versions); zod 4, also the OpenAPI entries. */
import { z } from 'zod';
import { BUILT_IN_INTENTS } from '../../nlp/intents';
import { INTENT_LABEL_SOURCES, UNDERSTANDING_OUTCOMES, INTENT_MODEL_DECISIONS } from '../../crm/schema';
import { trendQueryIn } from './dashboardSchemas';

const isoDate = z.iso.datetime();
export const intentName = z.enum(BUILT_IN_INTENTS).describe('a built-in intent (GET /api/intents)');

export const intentsSchema = z.object({ intents: z.array(z.object({ id: z.string(), name: z.string() })).describe('every built-in intent with its readable name') });

export const ticketMessageParams = z.object({ id: z.uuid().describe('ticket id'), messageId: z.uuid().describe('a customer message of the ticket’s conversation') });
export const messageParams = z.object({ messageId: z.uuid().describe('a customer message') });
export const labelBody = z.strictObject({ intent: intentName.describe('what the customer meant') });
export const categoryBody = z.strictObject({ category: z.string().min(1).max(64).describe('a ticket category of the routing rules (an intent, or `general`)') });

const label = z
  .object({
    id: z.uuid(),
    messageId: z.uuid().nullable(),
    ticketId: z.uuid().nullable(),
    text: z.string(),
    language: z.string(),
    intent: z.string(),
    source: z.enum(INTENT_LABEL_SOURCES),
    previousIntent: z.string().nullable().describe('what the bot had understood'),
    labelledBy: z.string().describe('`agent:<user id>` or `customer`'),
    createdAt: isoDate,
  })
  .meta({ id: 'IntentLabel' });
export const labelResponse = z.object({ label });

const understanding = z
  .object({
    intent: z.string(),
    confidence: z.number(),
    language: z.string(),
    outcome: z.enum(UNDERSTANDING_OUTCOMES).nullable(),
    reason: z.string().nullable(),
    modelVersion: z.string(),
  })
  .meta({ id: 'MessageUnderstanding' });
export const ticketUnderstandingsSchema = z.object({
  messages: z.array(z.object({ messageId: z.uuid(), understanding: understanding.nullable(), label: label.nullable().describe('the latest label, any source') })),
});
export const categoryResponse = z.object({
  ticket: z.record(z.string(), z.unknown()).describe('the ticket (as GET /api/tickets/:id)'),
  changed: z.boolean(),
  label: label.nullable().describe('the label learned from the correction; null for `general` or a ticket without a customer message'),
});
export const categoriesSchema = z.object({ categories: z.array(z.object({ id: z.string(), name: z.string(), queueId: z.string() })) });

// --- dashboard
export const botTrendQueryIn = trendQueryIn;
export const notUnderstoodQueryIn = (timeZone: string) =>
  trendQueryIn(timeZone).safeExtend({
    language: z.enum(['en', 'zh']).optional().describe('only messages in this language'),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(200).optional().describe('`nextCursor` of the previous page'),
  });
export const conversationQuery = z.strictObject({ channel: z.string().min(1).max(64), conversationId: z.string().min(1).max(256) });

const counts = { messages: z.number().int(), answered: z.number().int(), clarified: z.number().int(), not_understood: z.number().int(), handed_over: z.number().int(), other_language: z.number().int(), undecided: z.number().int() };
const rates = z.object({ fallback: z.number().nullable(), clarification: z.number().nullable(), handover: z.number().nullable(), otherLanguage: z.number().nullable(), answered: z.number().nullable() });
const convCounts = { conversations: z.number().int(), resolvedByBot: z.number().int(), withPerson: z.number().int(), unanswered: z.number().int() };
export const botOverviewSchema = z.object({
  period: z.object({ start: isoDate, end: isoDate }),
  timeZone: z.string(),
  totals: z.object({ ...counts, rates }),
  days: z.array(z.object({ day: z.iso.date(), ...counts, rates })),
  conversations: z.object({ ...convCounts, resolvedByBotRate: z.number().nullable(), days: z.array(z.object({ day: z.iso.date(), ...convCounts })) }),
  reasons: z.record(z.string(), z.array(z.object({ reason: z.string(), count: z.number().int() }))),
  intents: z.array(z.object({ intent: z.string(), name: z.string(), total: z.number().int(), share: z.number(), days: z.array(z.number().int()) })),
  confidence: z.array(z.object({ modelVersion: z.string(), messages: z.number().int(), mean: z.number(), bins: z.array(z.number().int()), decision: z.string().nullable(), active: z.boolean().nullable() })),
});
export const notUnderstoodSchema = z.object({
  messages: z.array(
    z.object({
      messageId: z.uuid(),
      text: z.string(),
      language: z.string(),
      at: isoDate,
      channel: z.string(),
      conversationId: z.string(),
      intent: z.string(),
      confidence: z.number(),
      reason: z.string().nullable(),
      modelVersion: z.string(),
      ticket: z.object({ id: z.uuid(), number: z.number().int() }).nullable(),
      label: z.object({ intent: z.string(), source: z.string(), labelledBy: z.string(), at: isoDate }).nullable(),
    }),
  ),
  nextCursor: z.string().nullable(),
});
export const conversationSchema = z.object({
  messages: z.array(z.object({ id: z.uuid(), direction: z.enum(['inbound', 'outbound']), author: z.string(), text: z.string(), at: isoDate })),
});

export const intentVersionParams = z.object({
  versionId: z
    .string()
    .max(64)
    .regex(/^intent-[0-9a-z-]{4,56}$/, 'an intent model version id: intent-…')
    .describe('intent model version id'),
});
const pin = z.object({ versionId: z.string(), pinnedAt: isoDate, pinnedBy: z.object({ actor: z.string(), name: z.string() }) }).meta({ id: 'IntentModelPin' });
const intentVersion = z
  .object({
    versionId: z.string(),
    kind: z.string().describe('`built-in` (the shipped model, the first baseline) or `retrained`'),
    active: z.boolean(),
    pinned: z.boolean(),
    decision: z.enum(INTENT_MODEL_DECISIONS).describe('baseline: the first version; activated / rejected: the comparison with the version active then; pinned: stored while a version was pinned'),
    reason: z.string().nullable().describe('why (the failing metrics, by how much)'),
    comparedWith: z.string().nullable(),
    checks: z.array(z.object({ metric: z.string(), candidate: z.number().nullable(), active: z.number().nullable(), tolerance: z.number(), passed: z.boolean() })),
    scores: z.record(z.string(), z.unknown()).describe('frozen split: n, accuracy, macroF1, oosRecall, inScopeAccuracy, byLanguage { en, zh }'),
    provenance: z.record(z.string(), z.number()).describe('training rows by source: builtIn, clarification, agent_correction, ticket_category; superseded and excluded labels'),
    trainedAt: isoDate,
    activatedAt: isoDate.nullable(),
    trainingMs: z.number(),
    modelBytes: z.number().int(),
    storedBytes: z.number().int(),
  })
  .meta({ id: 'IntentModelVersion' });
export const intentModelsSchema = z.object({
  activeVersionId: z.string().nullable().describe('null: no version stored yet, the bot serves the built-in model'),
  pin: pin.nullable(),
  policy: z.record(z.string(), z.number()).describe('activation tolerances (fractions: 0.002 = 0.2 points)'),
  labels: z.record(z.string(), z.number().int()).describe('learned labels by source'),
  versions: z.array(intentVersion),
});
export const activateIntentModelResponse = z.object({ version: intentVersion, changed: z.boolean(), announced: z.boolean(), pin: pin.nullable() });
export const unpinIntentModelResponse = z.object({ changed: z.boolean(), previous: pin.nullable() });
export const trainIntentModelResponse = z.object({ jobId: z.string(), alreadyPending: z.boolean() });
