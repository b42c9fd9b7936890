import { ActivityTypes, MessageFactory } from 'botbuilder-core';
import type { Activity, StatePropertyAccessor, TurnContext } from 'botbuilder-core';
import { ComponentDialog, DialogSet, DialogTurnStatus, WaterfallDialog } from 'botbuilder-dialogs';
import type { DialogState, WaterfallStepContext } from 'botbuilder-dialogs';
import { textsFor } from './content';
import { HelpDialog, HELP_DIALOG } from './helpDialog';
import { languageOf } from './recognizer';
import type { Recognizer, Understanding } from './recognizer';

export const MAIN_DIALOG = 'main';

/** Routes each message to the dialog for its intent; anything not understood gets a polite fallback. */
export class MainDialog extends ComponentDialog {
  constructor(private readonly recognizer: Recognizer) {
    super(MAIN_DIALOG);
    this.addDialog(new HelpDialog());
    this.addDialog(new WaterfallDialog('mainSteps', [this.route.bind(this), this.done.bind(this)]));
    this.initialDialogId = 'mainSteps';
  }

  /** Continues the active dialog, or starts this one: the CoreBot pattern. */
  async run(context: TurnContext, accessor: StatePropertyAccessor<DialogState>): Promise<void> {
    const dialogSet = new DialogSet(accessor);
    dialogSet.add(this);
    const dc = await dialogSet.createContext(context);
    const result = await dc.continueDialog();
    if (result.status === DialogTurnStatus.empty) await dc.beginDialog(this.id);
  }

  private async route(step: WaterfallStepContext) {
    const text = step.context.activity.text ?? '';
    const understanding: Understanding = await this.recognizer.recognize(text, { locale: step.context.activity.locale });
    const t = textsFor(understanding.language);
    switch (understanding.intent) {
      case 'help':
        return step.beginDialog(HELP_DIALOG, { language: understanding.language });
      case 'greeting':
        await step.context.sendActivity(t.greeting);
        break;
      case 'thanks':
        await step.context.sendActivity(t.thanks);
        break;
      case 'goodbye':
        await step.context.sendActivity(t.goodbye);
        break;
      case 'human_agent':
        await step.context.sendActivity(t.handoff);
        break;
      default:
        await step.context.sendActivity(t.fallback);
    }
    return step.next();
  }

  private async done(step: WaterfallStepContext) {
    return step.endDialog();
  }
}

/** The greeting sent when a customer joins a conversation. */
export function welcomeActivity(locale?: string): Partial<Activity> {
  return { ...MessageFactory.text(textsFor(languageOf(locale)).welcome), type: ActivityTypes.Message };
}
