/**
 * What a customer's messages in one conversation say together: the message that states their problem
 * and the mood over all of them. Pure: the messages' understandings in, a choice or a score out.
 */
import { TOPIC_INTENTS } from './intents';
import type { IntentScore, Sentiment } from './types';

/** One customer message as it was understood (its text, intent, ranking and sentiment). */
export interface UnderstoodMessage {
  text: string;
  intent: string;
  ranking: readonly IntentScore[];
  sentiment: Sentiment;
}

/** Below this the rest of a request for a person does not name a topic (as the main dialog reads it). */
const TOPIC_WEIGHT = 0.05;

/**
 * The need a message names: its intent when that is a topic or a complaint; for a request for a
 * person ("I want a person, I was charged twice"), the topic the rest of it names, if any.
 */
export function needNamedBy(m: Pick<UnderstoodMessage, 'intent' | 'ranking'>): string | undefined {
  if (TOPIC_INTENTS.has(m.intent as never) || m.intent === 'complaint') return m.intent;
  if (m.intent !== 'human_agent') return undefined;
  return m.ranking.find((r) => TOPIC_INTENTS.has(r.name as never) && r.confidence >= TOPIC_WEIGHT)?.name;
}

/**
 * The message that states the customer's problem: the latest one naming `topic` (the ticket's
 * category), else the latest naming any need; undefined when none does ("hello", then "I want to talk
 * to a human"). Messages are oldest first.
 */
export function problemStatement(messages: readonly UnderstoodMessage[], topic?: string): UnderstoodMessage | undefined {
  const stating = messages.filter((m) => m.text.trim() && needNamedBy(m) !== undefined);
  return [...stating].reverse().find((m) => topic !== undefined && needNamedBy(m) === topic) ?? stating[stating.length - 1];
}

/** Greetings and goodbyes are formulas of politeness: "你好" reads as positive for its 好, and says nothing of the customer's mood. */
const FORMULAS: ReadonlySet<string> = new Set(['greeting', 'goodbye']);

/**
 * A message that expresses a feeling: an order number, an email or "I want to talk to a human" does
 * not (neutral), nor a greeting whatever its words score (`intent`, when known).
 */
export function expressesSentiment(s: Pick<Sentiment, 'label'>, intent?: string): boolean {
  return s.label !== 'neutral' && !(intent !== undefined && FORMULAS.has(intent));
}

/**
 * The customer's sentiment over the conversation: the mean score of the messages that express one
 * (a neutral request for a person after "this is outrageous" does not make the conversation neutral,
 * nor does a cheerful "你好" before it), else the mean of all; 0 without messages.
 */
export function conversationSentiment(messages: ReadonlyArray<{ sentiment: Sentiment; intent?: string }>): number {
  const expressed = messages.filter((m) => expressesSentiment(m.sentiment, m.intent));
  const counted = expressed.length ? expressed : messages;
  if (!counted.length) return 0;
  const mean = counted.reduce((sum, m) => sum + m.sentiment.score, 0) / counted.length;
  return Math.round(mean * 1000) / 1000;
}
