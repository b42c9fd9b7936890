import type { TurnContext } from 'botbuilder-core';
import type { Understanding } from './recognizer';

/** 'reported_problem': a problem only a team can fix (a double charge, a refund that never came). */
export type HandoffTrigger = 'asked_for_person' | 'complaint' | 'negative_sentiment' | 'unresolved' | 'other_language' | 'reported_problem';

export interface HandoffOutcome {
  ticketNumber: number;
  /** Place in the queue while waiting; null when an agent already has it. */
  position: number | null;
  agentName: string | null;
  alreadyOpen: boolean;
}

/** How dialogs ask for a person; the bot wiring implements it with the ticket service. */
export interface HandoffPort {
  requestHandoff(context: TurnContext, request: { understanding: Understanding; trigger: HandoffTrigger; topic: string }): Promise<HandoffOutcome>;
}
