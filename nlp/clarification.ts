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

/** Today's fixed rule (0.7 / 0.12), until the measured policy replaces it. */
export const DEFAULT_CLARIFICATION_POLICY: ClarificationPolicy = { answerAbove: 0.7, askMargin: 0.12, notUnderstoodBelow: 0 };

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
