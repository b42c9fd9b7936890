import { ChoiceFactory, ChoicePrompt, ComponentDialog, ListStyle, WaterfallDialog } from 'botbuilder-dialogs';
import type { WaterfallStepContext, FoundChoice } from 'botbuilder-dialogs';
import { ContentCatalog } from './content';
import type { Language } from './recognizer';

export const HELP_DIALOG = 'help';
const TOPIC_PROMPT = 'helpTopic';

/** Offers the help topics and answers the one the customer picks. */
export class HelpDialog extends ComponentDialog {
  constructor(private readonly content: ContentCatalog = new ContentCatalog()) {
    super(HELP_DIALOG);
    this.addDialog(new ChoicePrompt(TOPIC_PROMPT));
    this.addDialog(new WaterfallDialog('helpSteps', [this.askTopic.bind(this), this.answer.bind(this)]));
    this.initialDialogId = 'helpSteps';
  }

  private async askTopic(step: WaterfallStepContext) {
    const language = (step.options as { language?: Language } | undefined)?.language ?? 'en';
    (step.values as { language: Language }).language = language;
    const t = this.content.texts(language);
    return step.prompt(TOPIC_PROMPT, {
      prompt: t.helpPrompt,
      retryPrompt: `${t.helpPrompt} (${t.helpTopics.join(' / ')})`,
      choices: ChoiceFactory.toChoices(t.helpTopics),
      style: ListStyle.suggestedAction,
    });
  }

  private async answer(step: WaterfallStepContext) {
    const t = this.content.texts((step.values as { language: Language }).language);
    const picked = (step.result as FoundChoice).value;
    await step.context.sendActivity(t.helpAnswers[picked] ?? t.fallback);
    return step.endDialog(picked);
  }
}
