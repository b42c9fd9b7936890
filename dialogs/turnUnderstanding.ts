import type { TurnContext } from 'botbuilder-core';
import type { Language, RecognizeContext, Recognizer, Understanding } from './recognizer';

/** Where a turn carries the understanding of its message (set by the bot before the dialogs). */
export const TURN_UNDERSTANDING_KEY = Symbol.for('concierge.turnUnderstanding');
const TURN_OUTCOME_KEY = Symbol.for('concierge.turnOutcome');

/** What the bot did with a message (message_understandings.outcome). */
export const TURN_OUTCOMES = ['answered', 'clarified', 'not_understood', 'handed_over', 'other_language'] as const;
export type TurnOutcomeKind = (typeof TURN_OUTCOMES)[number];
export interface TurnOutcome {
  outcome: TurnOutcomeKind;
  /** Why, e.g. 'asked_for_person', 'low_confidence', 'language:de'. */
  reason?: string;
}

/** The understanding the turn carries, if it has one. */
export function understandingOf(context: TurnContext): Understanding | undefined {
  return context.turnState.get(TURN_UNDERSTANDING_KEY) as Understanding | undefined;
}

/**
 * The understanding of this turn's message: the one the bot computed before the dialogs, or (a dialog
 * run on its own, in tests) computed now and kept on the turn, so a turn never asks the NLP twice.
 */
export async function understandTurn(context: TurnContext, recognizer: Recognizer, extra: Omit<RecognizeContext, 'locale'> = {}): Promise<Understanding> {
  const carried = understandingOf(context);
  if (carried) return carried;
  const u = await recognizer.recognize(context.activity.text ?? '', { locale: context.activity.locale, ...extra });
  context.turnState.set(TURN_UNDERSTANDING_KEY, u);
  return u;
}

/** Says what the bot did with this turn's message; the first word counts (a handoff inside an answer stays a handoff). */
export function setTurnOutcome(context: TurnContext, outcome: TurnOutcomeKind, reason?: string): void {
  if (!context.turnState.get(TURN_OUTCOME_KEY)) context.turnState.set(TURN_OUTCOME_KEY, { outcome, reason } satisfies TurnOutcome);
}

export function turnOutcomeOf(context: TurnContext): TurnOutcome | undefined {
  return context.turnState.get(TURN_OUTCOME_KEY) as TurnOutcome | undefined;
}

/**
 * The language to answer this turn in: the understanding's (the message's own language when it tells
 * one, else the language the conversation's messages last told: "A10042" tells none), so replies follow
 * the customer's latest message; `fallback` (the dialog's language so far) for a turn without one.
 */
export function replyLanguageOf(context: TurnContext, fallback: Language): Language {
  return understandingOf(context)?.language ?? fallback;
}
