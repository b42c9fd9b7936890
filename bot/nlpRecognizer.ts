import { extractPreferences, type AnalyzeHints, type NlpEngine } from '../nlp';
import type { Language, Recognizer, Understanding } from '../dialogs';

/** Menu commands are not intents of the model: a customer typing exactly these wants the help menu. */
const HELP_COMMAND = /^\s*(help|menu|options|\?|帮助|菜单|帮忙)\s*[.!?？！。]*\s*$/i;

/**
 * An explicit request for a person, whatever else the message is about ("I need a human, the app keeps
 * crashing"). A single-label classifier picks the topic there; the request must win, the topic stays.
 */
const ASKS_FOR_PERSON_PATTERN =
  /\b(human|real person|live (agent|person|chat)|representative|(talk|speak|chat) (to|with) (a |an |some)?(one|body|person|agent|operator|staff|manager)|transfer me)\b|转人工|人工客服|人工服务|真人|找客服|接人工/gi;
const ASKS_FOR_PERSON = new RegExp(ASKS_FOR_PERSON_PATTERN.source, 'i');
/** Contact channels need no catalogue. */
const NO_CATALOGUE = { categories: [], products: [] };

/** Adapts the NLP engine to the dialogs' Recognizer port. */
export class NlpRecognizer implements Recognizer {
  constructor(
    private readonly engine: NlpEngine,
    private readonly hints: () => Omit<AnalyzeHints, 'language'> = () => ({ now: new Date() }),
  ) {}

  async recognize(text: string, context: { locale?: string }): Promise<Understanding> {
    const hints: AnalyzeHints = { ...this.hints() };
    // The locale only breaks ties: the text's own script decides the language.
    if (context.locale && /^zh/i.test(context.locale) && !/[a-z]{3,}/i.test(text)) hints.language = 'zh';
    const a = await this.engine.analyze(text, hints);
    const help = HELP_COMMAND.test(text);
    const explicitPerson = ASKS_FOR_PERSON.test(text);
    const person = !help && a.intent.name !== 'human_agent' && explicitPerson;
    // "Contact me through email from now on" says how to reach them, not that they want a person now:
    // the model's human_agent gives way to a stated contact channel unless a person is asked for in words.
    const contactPreference =
      a.intent.name === 'human_agent' && !explicitPerson && extractPreferences(text, NO_CATALOGUE).some((p) => p.kind === 'contact');
    let ranking = help ? [{ name: 'help', confidence: 1 }] : a.ranking;
    if (contactPreference) ranking = [{ name: 'preference', confidence: 1 }, ...ranking.filter((r) => r.name !== 'preference')];
    else if (person || a.intent.name === 'human_agent') ranking = await this.withTopic(text, hints, ranking);
    return {
      intent: help ? 'help' : person ? 'human_agent' : contactPreference ? 'preference' : a.intent.name,
      confidence: help || person || contactPreference ? 1 : a.intent.confidence,
      ranking,
      outOfScope: help ? false : a.outOfScope,
      language: a.language as Language,
      sentiment: a.sentiment,
      entities: a.entities.map((e) => ({ type: e.type, text: e.text, value: e.value })),
    };
  }

  /**
   * "I want to talk to a person, I was charged twice": the request for a person drowns the topic, so
   * the rest of the message is classified on its own and its intent ranked right after.
   */
  private async withTopic(text: string, hints: AnalyzeHints, ranking: Understanding['ranking']): Promise<Understanding['ranking']> {
    const rest = text.replace(ASKS_FOR_PERSON_PATTERN, ' ').replace(/\b(i want to|i would like to|i'd like to|can i|could i|please|let me)\b/gi, ' ').trim();
    if (rest.replace(/[\s\p{P}]/gu, '').length < 3) return ranking;
    const topic = await this.engine.analyze(rest, hints);
    if (topic.outOfScope || topic.intent.name === 'human_agent' || topic.intent.confidence < 0.3) return ranking;
    return [ranking[0], { name: topic.intent.name, confidence: topic.intent.confidence }, ...ranking.slice(1).filter((r) => r.name !== topic.intent.name)];
  }
}
