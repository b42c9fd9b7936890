/**
 * When a message is a new request rather than the reply the bot is waiting for: while a prompt waits
 * for an order number or an email, and while the customer waits in the queue for a person. Pure: the
 * turn's understanding and the activity's value in, a decision out.
 */
import { TOPIC_INTENTS } from '../nlp';
import { clarificationDataIn } from './clarificationChoice';
import { HELP_DIALOG } from './helpDialog';
import { ORDER_STATUS_DIALOG } from './orderStatusDialog';
import { productDetailsRequestIn } from './productDialog';
import { PRIVACY_REQUEST_DIALOG, privacyChoiceIn } from './privacyRequestDialog';
import type { Understanding } from './recognizer';
import { recommendationCategoryIn } from './recommendationDialog';
import { proofDetailsIn, VERIFY_IDENTITY_DIALOG } from './verifyIdentityDialog';

/** What a message can ask for that is not small talk: a topic, a person, a complaint, the help menu. */
const REQUESTS: ReadonlySet<string> = new Set<string>([...TOPIC_INTENTS, 'human_agent', 'complaint', 'help']);

/**
 * The needs each prompting dialog is there for: a message about one of them is taken as its reply
 * ("my order number is A10042" while asked for it), anything else it asks for is a new request.
 */
const SERVED_BY: Readonly<Record<string, ReadonlySet<string>>> = {
  [ORDER_STATUS_DIALOG]: new Set(['order_status']),
  // Giving an email or an order number reads as an account or order message.
  [VERIFY_IDENTITY_DIALOG]: new Set(['account_access', 'update_details', 'privacy_request', 'order_status']),
  // A privacy request asks which kind, proves identity (an email, an order number) and asks to confirm.
  // "Cancel" (heard as cancelling an order) is the dialog's own answer.
  [PRIVACY_REQUEST_DIALOG]: new Set(['privacy_request', 'account_access', 'update_details', 'order_status', 'cancel_order']),
  // The help menu's own topics (a choice may be typed as words: "returns").
  [HELP_DIALOG]: new Set(['order_status', 'return_refund', 'account_access', 'update_details', 'help']),
};

/** A tap on one of the bot's buttons (a product card, a category, an old clarification): always a request of its own. */
export function isButtonRequest(value: unknown): boolean {
  return productDetailsRequestIn(value) !== undefined || recommendationCategoryIn(value) !== undefined || clarificationDataIn(value) !== undefined;
}

/**
 * Whether the message that arrives while `activeDialog` waits for a reply ends that prompt and is
 * routed as a new request: a button tap; an email with an order number outside the proof itself (the
 * customer is identifying themselves); or a confident request for something the dialog does not
 * serve ("what would you recommend?" when asked for an order number; a refund complaint that carries
 * an order number is a refund, not a status lookup). Replies the dialog cannot use and that ask for
 * nothing new ("I do not remember", "no") stay with the prompt, which asks again.
 */
export function givesWayTo(activeDialog: string, u: Understanding, value?: unknown): boolean {
  const served = SERVED_BY[activeDialog];
  if (!served) return false;
  if (isButtonRequest(value)) return true;
  // The privacy dialog's own buttons answer it, whatever their label reads as.
  if (privacyChoiceIn(value)) return false;
  // "stop personalising" is a command of its own, whatever the prompt waits for.
  if (u.personalisation) return true;
  // Inside a proof (its own, or the one a privacy request runs) an email with an order number is the reply.
  if (activeDialog !== VERIFY_IDENTITY_DIALOG && activeDialog !== PRIVACY_REQUEST_DIALOG) {
    const proof = proofDetailsIn(u);
    if (proof.email && proof.orderNumbers.length) return true;
  }
  return u.decision.action === 'answer' && REQUESTS.has(u.intent) && !served.has(u.intent);
}

/** Questions the bot answers from the shop's data while the customer waits for a person (nothing for the person to do). */
const SELF_SERVICE: ReadonlySet<string> = new Set(['shipping_info', 'product_question', 'recommendation', 'help']);

/**
 * Whether the bot answers a message while its ticket waits in the queue (the customer keeps their
 * place, and the message is still added to the ticket): a button tap, a confident self-service
 * question, an order's status when the message names the order ("where is A10043?"; "still waiting"
 * reads as an order question too, but it is said to the person). Anything else (more about the
 * problem, "are you there?") is for the person.
 */
export function answersWhileWaiting(u: Understanding, value?: unknown): boolean {
  if (productDetailsRequestIn(value) || recommendationCategoryIn(value)) return true;
  // A consent command takes effect at once, queue or not.
  if (u.personalisation) return true;
  if (u.decision.action !== 'answer') return false;
  if (u.intent === 'order_status') return u.entities.some((e) => e.type === 'order_number');
  return SELF_SERVICE.has(u.intent);
}
