import type { TurnContext } from 'botbuilder';
import type { CsatSubmissionOutcome, FollowUpService } from '../crm/support';
import { ContentCatalog, contentLanguage, languageOf, type Language } from '../dialogs';
import { CSAT_SUBMIT_TYPE } from './followUpCards';

/**
 * The customer's answer to a CSAT survey, handled before the dialogs: the card's submit (a message
 * whose `value` carries the card's data, the rating and the comment), or a bare "1"–"5" typed while
 * the conversation's last ticket has a survey waiting. Bad, foreign and repeated answers get a polite
 * reply and record nothing.
 */
export class CsatAnswers {
  private readonly content: ContentCatalog;

  constructor(private readonly o: { followUps: Pick<FollowUpService, 'recordCsat' | 'openSurvey'>; content?: ContentCatalog }) {
    this.content = o.content ?? new ContentCatalog();
  }

  /** True when the message was a survey answer (the bot has replied; nothing else should run). */
  async handle(context: TurnContext): Promise<boolean> {
    const a = context.activity;
    const channel = a.channelId;
    const conversationId = a.conversation?.id;
    if (!conversationId) return false;
    const value = a.value as Record<string, unknown> | undefined;
    let outcome: CsatSubmissionOutcome;
    if (value && typeof value === 'object' && value.type === CSAT_SUBMIT_TYPE) {
      outcome = await this.o.followUps.recordCsat({
        ticketId: typeof value.ticketId === 'string' ? value.ticketId : '',
        channel,
        conversationId,
        rating: value.rating,
        comment: value.comment,
        resolution: value.resolution,
      });
    } else if (!value && /^\s*[1-5]\s*$/.test(a.text ?? '')) {
      const open = await this.o.followUps.openSurvey(channel, conversationId);
      if (!open) return false;
      outcome = await this.o.followUps.recordCsat({ ticketId: open.ticketId, channel, conversationId, rating: a.text, resolution: open.resolution });
    } else {
      return false;
    }
    const language: Language = 'ticket' in outcome ? contentLanguage(outcome.ticket.language) : languageOf(a.locale, a.text ?? '');
    const t = this.content.texts(language);
    const reply = { recorded: t.csatThanks, duplicate: t.csatDuplicate, invalid: t.csatInvalid, foreign: t.csatNotOpen, not_requested: t.csatNotOpen }[outcome.outcome];
    await context.sendActivity(reply);
    return true;
  }
}
