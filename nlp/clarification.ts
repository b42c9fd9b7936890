/**
 * When to answer, when to ask "Did you mean … or …?" and when to say the bot did not understand.
 * Pure: a ranking in, a decision out. The thresholds are chosen by measurement (see
 * `npm run nlp -- eval`, the clarification table): a wrong answer costs more than a question.
 */
import { TOPIC_INTENTS, type BuiltInIntent } from './intents';
import { OUT_OF_SCOPE } from './types';

export interface ClarificationPolicy {
  /** Answer without asking when the top intent is at least this confident. */
  answerAbove: number;
  /** Ask between the top two when they are within this margin (and the top one is below answerAbove). */
  askMargin: number;
  /** Below this confidence (and no close runner-up worth asking about) the bot says it did not understand. */
  notUnderstoodBelow: number;
}

/**
 * The cheapest policy on the frozen split (`npm run nlp -- eval`, 2026-12-07, built-in model of 18,467
 * rows): ask whenever the top topic intent is under 0.6 and the runner-up is a topic within 0.4 —
 * cost 0.034 per message against 0.036 for the old fixed 0.7 / 0.12 rule (wrong answers 2.1 % vs 2.4 %,
 * questions 1.3 % vs 0.6 % of messages). Rejection already says "not understood" for what the model
 * cannot place, so no confidence floor pays off.
 */
export const DEFAULT_CLARIFICATION_POLICY: ClarificationPolicy = { answerAbove: 0.6, askMargin: 0.4, notUnderstoodBelow: 0 };

export type TurnDecision =
  | { action: 'answer'; intent: string }
  | { action: 'clarify'; options: [string, string] }
  | { action: 'not_understood' };

export interface RankedUnderstanding {
  intent: string;
  confidence: number;
  ranking: ReadonlyArray<{ name: string; confidence: number }>;
  outOfScope: boolean;
}

const askable = (name: string | undefined) => name !== undefined && TOPIC_INTENTS.has(name as BuiltInIntent);

export function decideTurn(u: RankedUnderstanding, policy: ClarificationPolicy = DEFAULT_CLARIFICATION_POLICY): TurnDecision {
  const [first, second] = u.ranking;
  if (u.outOfScope || u.intent === OUT_OF_SCOPE) return { action: 'not_understood' };
  if (
    first && second && first.confidence < policy.answerAbove && first.confidence - second.confidence < policy.askMargin &&
    askable(first.name) && askable(second.name)
  ) {
    return { action: 'clarify', options: [first.name, second.name] };
  }
  if (u.confidence < policy.notUnderstoodBelow) return { action: 'not_understood' };
  return { action: 'answer', intent: u.intent };
}
