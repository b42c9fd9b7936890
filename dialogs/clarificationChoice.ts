import { MessageFactory } from 'botbuilder-core';
import type { Activity, Attachment, CardAction } from 'botbuilder-core';
import { recognizeChoices } from 'botbuilder-dialogs';
import { TIMELINE_SUMMARY_FIELD } from './recommendationDialog';

/** The `type` of a clarification choice's value (suggested action or card submit). */
export const CLARIFICATION_CHOICE_TYPE = 'concierge.clarification';
/** The choice that is neither intent offered. */
export const SOMETHING_ELSE = 'something_else';

/** What a choice carries back: the intent meant and the message asked about. */
export interface ClarificationChoiceData {
  type: typeof CLARIFICATION_CHOICE_TYPE;
  intent: string;
  messageId?: string;
}

/** "Did you mean … or …?": the two intents with their labels in the customer's language, and "something else". */
export interface ClarificationQuestion {
  question: string;
  options: Array<{ intent: string; label: string }>;
  somethingElse: string;
  /** The stored message asked about. */
  messageId?: string;
}

export type ClarificationAnswer = { kind: 'intent'; intent: string } | { kind: 'something_else' };

/** A port the bot implements with crm/understanding: the customer's choice becomes a labelled example. */
export interface ClarificationPort {
  recordClarification(label: { messageId: string; text: string; language: string; intent: string; previousIntent: string | null }): Promise<void>;
}

const choiceData = (intent: string, messageId: string | undefined): ClarificationChoiceData => ({ type: CLARIFICATION_CHOICE_TYPE, intent, ...(messageId ? { messageId } : {}) });

/**
 * A question with buttons as the channel shows them: Teams an Adaptive Card (Action.Submit, whose data
 * comes back as the message's value), the website suggested actions (messageBack: the label as the
 * customer's message, the data as its value). The timeline keeps the question and its choices as text.
 */
export function choiceQuestionActivity(channelId: string | undefined, question: string, choices: ReadonlyArray<{ title: string; value: unknown }>): Partial<Activity> {
  if (channelId === 'msteams') {
    const card: Attachment = {
      contentType: 'application/vnd.microsoft.card.adaptive',
      content: {
        type: 'AdaptiveCard',
        $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
        version: '1.3',
        body: [{ type: 'TextBlock', text: question, wrap: true }],
        actions: choices.map((c) => ({ type: 'Action.Submit', title: c.title, data: c.value })),
      },
    };
    // The card itself is not stored.
    return { type: 'message', attachments: [card], summary: question, channelData: { [TIMELINE_SUMMARY_FIELD]: `${question} (${choices.map((c) => c.title).join(' / ')})` } };
  }
  const actions: CardAction[] = choices.map((c) => ({ type: 'messageBack', title: c.title, text: c.title, displayText: c.title, value: c.value }));
  return MessageFactory.suggestedActions(actions, question);
}

/** "Did you mean … or …?" with "something else", each choice carrying its intent and the message asked about. */
export function clarificationActivity(channelId: string | undefined, q: ClarificationQuestion): Partial<Activity> {
  const choices = [...q.options.map((o) => ({ title: o.label, intent: o.intent })), { title: q.somethingElse, intent: SOMETHING_ELSE }];
  return choiceQuestionActivity(channelId, q.question, choices.map((c) => ({ title: c.title, value: choiceData(c.intent, q.messageId) })));
}

/** A clarification choice's data in an activity's value, whichever question it answers. */
export function clarificationDataIn(value: unknown): ClarificationChoiceData | undefined {
  const v = value as Partial<ClarificationChoiceData> | undefined;
  return v && typeof v === 'object' && v.type === CLARIFICATION_CHOICE_TYPE && typeof v.intent === 'string' ? (v as ClarificationChoiceData) : undefined;
}

/**
 * The customer's answer to the question: a tap (the value names the intent and the message) or the
 * label typed, or its number; undefined when the message answers something else (a new request).
 */
export function clarificationAnswer(activity: Partial<Activity>, q: Pick<ClarificationQuestion, 'options' | 'somethingElse' | 'messageId'>): ClarificationAnswer | undefined {
  const data = clarificationDataIn(activity.value);
  if (data && (!data.messageId || !q.messageId || data.messageId === q.messageId)) {
    if (data.intent === SOMETHING_ELSE) return { kind: 'something_else' };
    if (q.options.some((o) => o.intent === data.intent)) return { kind: 'intent', intent: data.intent };
  }
  const text = activity.text?.trim();
  if (!text) return undefined;
  const found = recognizeChoices(text, [...q.options.map((o) => o.label), q.somethingElse], { recognizeOrdinals: true, recognizeNumbers: true })[0];
  if (!found) return undefined;
  const index = found.resolution.index;
  return index < q.options.length ? { kind: 'intent', intent: q.options[index].intent } : { kind: 'something_else' };
}
