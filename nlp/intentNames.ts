/** Readable names of the built-in intents, for people who label messages (console, dashboard). */
import { BUILT_IN_INTENTS, type BuiltInIntent } from './intents';

export const INTENT_DISPLAY_NAMES: Readonly<Record<BuiltInIntent, string>> = {
  greeting: 'Greeting',
  goodbye: 'Goodbye',
  thanks: 'Thanks',
  order_status: 'Order status (where is my order)',
  cancel_order: 'Cancel an order',
  return_refund: 'Return or refund',
  shipping_info: 'Shipping and delivery information',
  billing: 'Billing and payments',
  account_access: 'Account access (sign-in, password)',
  update_details: 'Update personal details',
  technical_issue: 'Technical problem (app, website)',
  subscription: 'Subscription',
  privacy_request: 'Privacy request (data, erasure)',
  product_question: 'Question about a product',
  recommendation: 'Asks for a recommendation',
  preference: 'States a preference (likes, dislikes, contact channel)',
  complaint: 'Complaint',
  feedback: 'Feedback or suggestion',
  human_agent: 'Wants a person',
  out_of_scope: 'Out of scope (nothing the shop handles)',
};

/** Every built-in intent with its name, in the list's order. */
export function intentChoices(): Array<{ id: BuiltInIntent; name: string }> {
  return BUILT_IN_INTENTS.map((id) => ({ id, name: INTENT_DISPLAY_NAMES[id] }));
}
