import type { Activity, Attachment } from 'botbuilder';
import { ContentCatalog, contentLanguage, fill, type Language } from '../dialogs';
import type { DeliveryMessage } from '../workers';

/** The `type` in a CSAT card's submit data: how the bot recognises the answer before the dialogs. */
export const CSAT_SUBMIT_TYPE = 'concierge.csat';

export interface CsatSubmitData {
  type: typeof CSAT_SUBMIT_TYPE;
  ticketId: string;
  resolution: number;
  deliveryId: string;
}


/**
 * Renders a follow-up job's message (a delivery request) as Bot Framework activities in the ticket's
 * language: the CSAT survey as an Adaptive Card (1–5 choice, optional comment, submit), the rest as text.
 */
export class FollowUpRenderer {
  constructor(private readonly content: ContentCatalog = new ContentCatalog()) {}

  render(message: DeliveryMessage, deliveryId: string): Array<Partial<Activity>> {
    const channelData = { author: 'system', deliveryId };
    if (message.kind === 'text') return [{ type: 'message', text: message.text, channelData }];
    const t = this.content.texts(contentLanguage(message.language));
    if (message.kind === 'pending_reminder') return [{ type: 'message', text: fill(t.pendingReminder, { ticket: message.ticketNumber }), channelData }];
    if (message.kind === 'privacy_erased') return [{ type: 'message', text: fill(t.privacyErasureDone, { request: message.request }), channelData }];
    if (message.kind === 'privacy_export_ready') return [{ type: 'message', text: fill(t.privacyExportDone, { request: message.request }), channelData }];
    if (message.kind === 'auto_closed') return [{ type: 'message', text: fill(t.autoClosed, { ticket: message.ticketNumber }), channelData }];
    const submit: CsatSubmitData = { type: CSAT_SUBMIT_TYPE, ticketId: message.ticketId, resolution: message.resolution, deliveryId };
    const card: Attachment = {
      contentType: 'application/vnd.microsoft.card.adaptive',
      content: {
        type: 'AdaptiveCard',
        $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
        version: '1.3',
        body: [
          { type: 'TextBlock', text: t.csatTitle, weight: 'Bolder', size: 'Medium', wrap: true },
          // Web Chat refuses to render a required input without a label and an error message.
          {
            type: 'Input.ChoiceSet',
            id: 'rating',
            label: fill(t.csatQuestion, { ticket: message.ticketNumber }),
            style: 'expanded',
            isRequired: true,
            errorMessage: t.csatRatingRequired,
            choices: t.csatChoices.map((title, i) => ({ title, value: String(i + 1) })),
          },
          { type: 'Input.Text', id: 'comment', label: t.csatCommentLabel, isMultiline: true, maxLength: 2000 },
        ],
        actions: [{ type: 'Action.Submit', title: t.csatSubmit, data: submit }],
      },
    };
    // No text: Web Chat would draw an empty bubble above the card; the timeline records "[1 attachment: …]".
    return [{ type: 'message', attachments: [card], summary: t.csatTitle, channelData }];
  }
}
