import type { TurnContext } from 'botbuilder';

const TURN_END_KEY = Symbol.for('concierge.turnEnd');

/**
 * Work to start once this turn is over (its replies sent, its state saved): e.g. a privacy request's
 * processing, which erases the conversation the turn is still writing to.
 */
export function afterTurn(context: TurnContext, work: () => Promise<unknown>): void {
  const queued = (context.turnState.get(TURN_END_KEY) as Array<() => Promise<unknown>> | undefined) ?? [];
  queued.push(work);
  context.turnState.set(TURN_END_KEY, queued);
}

/** Runs the turn's end work in order (the bot calls it after saving the turn's state). */
export async function runTurnEnd(context: TurnContext): Promise<void> {
  const queued = (context.turnState.get(TURN_END_KEY) as Array<() => Promise<unknown>> | undefined) ?? [];
  context.turnState.delete(TURN_END_KEY);
  for (const work of queued) await work();
}
