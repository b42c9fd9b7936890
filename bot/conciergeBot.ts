import { ActivityHandler, ConversationState } from 'botbuilder';
import type { TurnContext } from 'botbuilder';
import type { DialogState } from 'botbuilder-dialogs';
import { MainDialog, setTurnOutcome, welcomeActivity } from '../dialogs';
import type { HandoffBridge } from './handoff';
import type { CsatAnswers } from './csatAnswers';
import { runTurnEnd } from './turnEnd';

/**
 * Thin bot: welcome on join, everything else to the dialog stack; state saved after each turn.
 * What we learn about a customer lives in crm/, not in bot user state.
 */
export class ConciergeBot extends ActivityHandler {
  private readonly dialogState;

  constructor(
    private readonly conversationState: ConversationState,
    private readonly dialog: MainDialog,
    private readonly handoff?: Pick<HandoffBridge, 'routeToPerson'>,
    private readonly csat?: Pick<CsatAnswers, 'handle'>,
  ) {
    super();
    this.dialogState = conversationState.createProperty<DialogState>('dialogState');

    this.onMembersAdded(async (context, next) => {
      for (const member of context.activity.membersAdded ?? []) {
        if (member.id !== context.activity.recipient.id) await context.sendActivity(welcomeActivity(context.activity.locale, this.dialog.content));
      }
      await next();
    });

    this.onMessage(async (context, next) => {
      // A survey answer (card submit, or a bare rating right after the survey) never reaches the dialogs nor reopens.
      if (this.csat && (await this.csat.handle(context))) {
        setTurnOutcome(context, 'answered', 'survey_answer');
        return next();
      }
      // While a person owns the conversation the bot stays quiet (while the customer waits for one, it
      // still answers self-service questions and the reply to a question it asked).
      const awaitingReply = ((await this.dialogState.get(context))?.dialogStack.length ?? 0) > 0;
      if (this.handoff && (await this.handoff.routeToPerson(context, { awaitingReply }))) return next();
      await this.dialog.run(context, this.dialogState);
      await next();
    });
  }

  override async run(context: TurnContext): Promise<void> {
    await super.run(context);
    await this.conversationState.saveChanges(context, false);
    await runTurnEnd(context);
  }
}
