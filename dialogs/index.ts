/** dialogs/: conversation flows. Uses botbuilder-dialogs only; reaches the NLP through the Recognizer port. */
export { MainDialog, MAIN_DIALOG, welcomeActivity } from './mainDialog';
export { HelpDialog, HELP_DIALOG } from './helpDialog';
export { KeywordRecognizer, languageOf } from './recognizer';
export type { Recognizer, Understanding, Language } from './recognizer';
export { content, textsFor } from './content';
