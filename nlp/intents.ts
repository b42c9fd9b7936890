/**
 * The built-in intents, one typed list: the training data (nlp/data/intents/<intent>.jsonl), the
 * dialogs, ticket classification and the analytics all name intents from here.
 */
export const BUILT_IN_INTENTS = [
  'greeting',
  'goodbye',
  'thanks',
  'order_status',
  'cancel_order',
  'return_refund',
  'shipping_info',
  'billing',
  'account_access',
  'update_details',
  'technical_issue',
  'subscription',
  'privacy_request',
  'product_question',
  'recommendation',
  'preference',
  'complaint',
  'feedback',
  'human_agent',
  'out_of_scope',
] as const;
export type BuiltInIntent = (typeof BUILT_IN_INTENTS)[number];

/** Intents a customer brings as a topic: what "Did you mean … or …?" may offer. */
export const TOPIC_INTENTS: ReadonlySet<BuiltInIntent> = new Set<BuiltInIntent>([
  'order_status',
  'cancel_order',
  'return_refund',
  'shipping_info',
  'billing',
  'account_access',
  'update_details',
  'technical_issue',
  'subscription',
  'privacy_request',
  'product_question',
  'recommendation',
  'feedback',
]);

export function isBuiltInIntent(name: string): name is BuiltInIntent {
  return (BUILT_IN_INTENTS as readonly string[]).includes(name);
}
