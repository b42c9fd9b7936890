import { loadDefaultNlpEngine, understandMessage, type NlpEngine } from '../../nlp';
import { sharedNlpCache } from './apps';

/**
 * Messages the default model reads as two close topics. Which of them the bot asks about depends on
 * the model and on DEFAULT_CLARIFICATION_POLICY (to be fitted): the tests take the first one that the
 * bot, with the policy in force, does ask about.
 */
const AMBIGUOUS = ['I was billed for the box', 'problem with my order payment', 'my order payment', 'my payment and my order', 'billed for the kettle', 'order money', 'money for the order', 'charged for delivery', 'refund my payment'];

/** A message the bot answers with "Did you mean … or …?", and the two intents it offers. */
export async function ambiguousMessage(engine?: NlpEngine): Promise<{ text: string; options: [string, string]; modelTop: string }> {
  const e = engine ?? (await loadDefaultNlpEngine({ cacheDir: sharedNlpCache }));
  for (const text of AMBIGUOUS) {
    const u = await understandMessage(e, text);
    if (u.decision.action === 'clarify') return { text, options: u.decision.options, modelTop: u.modelIntent.name };
  }
  throw new Error(`none of ${JSON.stringify(AMBIGUOUS)} is asked about with this model and policy: add a message the model finds ambiguous`);
}
