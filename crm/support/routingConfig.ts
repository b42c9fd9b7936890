import fs from 'node:fs';
import { z } from 'zod';
import { TICKET_PRIORITIES } from '../schema';

/**
 * Routing rules: queues by category, SLA targets per priority, priority weights. Defaults fit a
 * small shop; operators override them with a JSON file (ROUTING_CONFIG_FILE).
 */
const slaSchema = z.object({ firstResponseMinutes: z.number().positive(), resolutionMinutes: z.number().positive() });

export const routingConfigSchema = z.object({
  queues: z
    .array(
      z.object({
        id: z.string().regex(/^[a-z][a-z0-9_-]{0,39}$/, 'queue ids are lowercase slugs'),
        name: z.string().min(1),
        categories: z.array(z.string().min(1)),
        default: z.boolean().optional(),
      }),
    )
    .min(1)
    .refine((qs) => qs.filter((q) => q.default).length === 1, 'exactly one queue must be the default')
    .refine((qs) => new Set(qs.map((q) => q.id)).size === qs.length, 'queue ids must be unique'),
  sla: z.object(Object.fromEntries(TICKET_PRIORITIES.map((p) => [p, slaSchema])) as Record<(typeof TICKET_PRIORITIES)[number], typeof slaSchema>),
  priority: z.object({
    /** Sentiment at or below which a ticket is at least `high`. */
    negativeSentimentHigh: z.number().min(-1).max(0),
    /** Sentiment at or below which a ticket is `urgent`. */
    negativeSentimentUrgent: z.number().min(-1).max(0),
    /** Words that mark urgency, any language (case-insensitive substrings). */
    urgencyCues: z.array(z.string().min(1)),
    /** Categories that start at `high` (money at stake). */
    highCategories: z.array(z.string()),
    /** Customer value segments that raise the priority one level. */
    valuedSegments: z.array(z.string()),
    /** Queue order score: base per priority plus these bonuses. */
    weights: z.object({
      base: z.object(Object.fromEntries(TICKET_PRIORITIES.map((p) => [p, z.number()])) as Record<(typeof TICKET_PRIORITIES)[number], z.ZodNumber>),
      negativeSentiment: z.number(),
      urgencyCue: z.number(),
      valuedCustomer: z.number(),
    }),
  }),
});

export type RoutingConfig = z.infer<typeof routingConfigSchema>;

export const defaultRoutingConfig: RoutingConfig = {
  queues: [
    { id: 'billing', name: 'Billing', categories: ['billing', 'subscription'] },
    { id: 'orders', name: 'Orders & delivery', categories: ['order_status', 'cancel_order', 'return_refund', 'shipping_info'] },
    { id: 'accounts', name: 'Accounts & privacy', categories: ['account_access', 'update_details', 'privacy_request'] },
    { id: 'technical', name: 'Technical & product', categories: ['technical_issue', 'product_question', 'recommendation'] },
    { id: 'general', name: 'General', categories: ['complaint', 'feedback', 'general'], default: true },
  ],
  sla: {
    urgent: { firstResponseMinutes: 15, resolutionMinutes: 4 * 60 },
    high: { firstResponseMinutes: 30, resolutionMinutes: 8 * 60 },
    normal: { firstResponseMinutes: 2 * 60, resolutionMinutes: 24 * 60 },
    low: { firstResponseMinutes: 8 * 60, resolutionMinutes: 72 * 60 },
  },
  priority: {
    negativeSentimentHigh: -0.4,
    negativeSentimentUrgent: -0.75,
    urgencyCues: ['urgent', 'asap', 'immediately', 'right now', 'emergency', 'fraud', 'charged twice', 'double charged', 'lawyer', 'legal action', '紧急', '马上', '立刻', '尽快', '扣了两次', '重复扣款', '投诉'],
    highCategories: ['billing'],
    valuedSegments: ['Champions', 'Loyal', "Can't lose them"],
    weights: { base: { low: 0, normal: 100, high: 200, urgent: 300 }, negativeSentiment: 40, urgencyCue: 30, valuedCustomer: 20 },
  },
};

export function loadRoutingConfig(file?: string): RoutingConfig {
  if (!file) return defaultRoutingConfig;
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`ROUTING_CONFIG_FILE ${file}: ${(err as Error).message}`);
  }
  // A file may override parts; what it leaves out keeps the defaults.
  const merged = { ...defaultRoutingConfig, ...(raw as object) };
  const parsed = routingConfigSchema.safeParse(merged);
  if (!parsed.success) {
    throw new Error(`ROUTING_CONFIG_FILE ${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}
