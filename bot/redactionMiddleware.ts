import { ActivityTypes } from 'botbuilder';
import type { Activity, Middleware, TurnContext } from 'botbuilder';
import { redactSensitive } from '../crm/privacy';

/**
 * Masks card numbers and IBANs in an inbound activity's text (and the strings of a card submit's
 * value) in place. Called where an activity enters: what the bot, the NLP and every store see
 * afterwards is the masked text.
 */
export function redactInboundActivity<T extends Pick<Partial<Activity>, 'text' | 'value'>>(activity: T): T {
  if (typeof activity.text === 'string') activity.text = redactSensitive(activity.text);
  if (activity.value !== undefined) activity.value = redactStrings(activity.value);
  return activity;
}

function redactStrings(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactSensitive(value);
  // Submitted card values are small, flat objects: a bound keeps a hostile payload cheap.
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redactStrings(v, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactStrings(v, depth + 1)]));
}

/**
 * The first middleware on every adapter: a channel's message (Teams, the Emulator, a re-run Direct
 * Line turn) is masked before the timeline stores it or the dialogs read it.
 */
export class RedactionMiddleware implements Middleware {
  async onTurn(context: TurnContext, next: () => Promise<void>): Promise<void> {
    const activity = context.activity;
    if (activity.type === ActivityTypes.Message || activity.type === ActivityTypes.Invoke) redactInboundActivity(activity);
    await next();
  }
}
