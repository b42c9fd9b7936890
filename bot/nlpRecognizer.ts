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
/**
 * Asking to be phoned ("please phone me", "call me back", "can you ring me", 给我打个电话, 回个电话): a call
 * needs a person at the other end now, so it is a handoff like asking for one, unless the message states
 * the phone as a standing preference ("I'd rather you called me than emailed", "I'd prefer a phone call").
 */
const ASKS_FOR_CALL =
  /(?<!\b(?:don'?t|do not|never|not|stop|no need to)\s+(?:\w+\s+)?)\b(?:call|phone|ring)\s+me\b|\bcall\s*back\b|\bgive\s+me\s+a\s+(?:call|ring|bell|buzz)\b|(?<!别|不要|不用|勿|无需|不必)(?:回(?:我)?(?:一个|个)?电话|打(?:个|一个)?电话给我|给我(?:打|回)(?:个|一个|一下)?电话|打给我|来电)/i;
/**
 * A question about a call that happened ("why did you call me", "did you ring me earlier?", "who called
 * me?", "why do you keep calling me", 为什么给我打电话, 刚才是你们打给我吗, 你们打电话给我干嘛) asks for no
 * call now: these spans are cut before ASKS_FOR_CALL looks, so "why did you call me? call me back" still asks.
 * Not cut: "I did ask you to call me back", "can you have someone call me" (no subject after "did", no past tense).
 */
const ABOUT_A_PAST_CALL = new RegExp(
  [
    String.raw`\b(?:did|didn'?t|did not)\s+(?:you|u|someone|somebody|anyone|anybody|they|one of (?:you|your \w+)|your\s+\w+|the\s+\w+)\s+(?:[\w']+\s+){0,4}?(?:call|phone|ring|give|gave)\s+me\b(?:\s+a\s+(?:call|ring|bell|buzz))?(?:\s+back)?`,
    String.raw`\b(?:called|phoned|rang)\s+me\b(?:\s+back)?`,
    String.raw`\b(?:keep|keeps|kept|been|were|was|stop|quit)\s+(?:on\s+)?(?:calling|phoning|ringing)\s+me\b`,
    String.raw`(?:为什么|为啥|干嘛|干什么|怎么(?:老|总|一直)|谁|是不是|刚才|刚刚|之前|昨天|前天)[^，。？！,.?!]{0,8}?(?:给我(?:打|回)(?:个|一个|一下)?电话|打(?:个|一个)?电话给我|回(?:我)?(?:一个|个)?电话|打给我|来电)`,
    String.raw`(?:给我(?:打|回)(?:个|一个|一下)?电话|打(?:个|一个)?电话给我|打给我|来电)(?:是)?(?:干嘛|干什么|做什么|什么事|有什么事|为什么)`,
  ].join('|'),
  'gi',
);
/**
 * "I'm a tea person", "we're espresso people": a thing before "person" makes it a taste, and the
 * classifier, for which "person" means "let me talk to one", hears a request. The words that make it
 * a person after all ("a real person", "the right person", "someone") are kept as they are.
 */
const TASTE_PERSON = /([\p{L}][\p{L}'-]*)\s+(?:(?:kind|sort|type) of\s+)?(person|people)\b/giu;
const PERSON_AFTER_ALL = new Set([
  'a', 'an', 'the', 'this', 'that', 'one', 'any', 'some', 'no', 'another', 'other', 'each', 'every', 'which', 'what', 'to', 'with', 'of', 'more',
  'real', 'actual', 'live', 'human', 'different', 'right', 'same', 'single', 'specific', 'proper', 'competent', 'senior', 'qualified',
  'responsible', 'certain', 'support', 'service', 'sales', 'technical', 'tech', 'helpful', 'knowledgeable',
]);
/** The message with each taste idiom said with "fan" ("a tea fan"), or the message itself when it has none. */
function asTasteIdioms(text: string): string {
  return text.replace(TASTE_PERSON, (match, word: string, person: string) =>
    PERSON_AFTER_ALL.has(word.toLowerCase()) ? match : `${word} ${person.toLowerCase() === 'people' ? 'fans' : 'fan'}`,
  );
}
/**
 * Sending something back ("return", "send it back", 退货, 退掉): with a dislike in the same breath
 * ("我要退掉不喜欢的那个杯子") the model may weigh the dislike more, but the customer asks for a return.
 * It wins only when the model ranks return_refund right behind `preference` with at least
 * RETURN_RUNNER_UP: the rule settles a near tie the model itself sees, never a confident taste.
 */
const ASKS_FOR_RETURN = /\b(?:return|send (?:it |them |this |that )?back|refund)\b|退货|退掉|退回|退款|想退|要退|退了/i;
const RETURN_RUNNER_UP = 0.2;
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
    let a = await this.engine.analyze(text, hints);
    const help = HELP_COMMAND.test(text);
    const explicitPerson = ASKS_FOR_PERSON.test(text);
    const statesContact = extractPreferences(text, NO_CATALOGUE).some((p) => p.kind === 'contact');
    const asksForCall = !statesContact && ASKS_FOR_CALL.test(text.replace(ABOUT_A_PAST_CALL, ' '));
    const person = !help && a.intent.name !== 'human_agent' && (explicitPerson || asksForCall);
    // "Contact me through email from now on" says how to reach them, not that they want a person now:
    // the model's human_agent gives way to a stated contact channel unless a person is asked for in words.
    const contactPreference = a.intent.name === 'human_agent' && !explicitPerson && statesContact;
    if (a.intent.name === 'human_agent' && !explicitPerson && !asksForCall && !statesContact) {
      // The taste reading wins only when, said with "fan", the model hears a preference in it.
      const idioms = asTasteIdioms(text);
      const taste = idioms === text ? undefined : await this.engine.analyze(idioms, hints);
      if (taste && taste.intent.name === 'preference' && !taste.outOfScope) a = { ...taste, entities: a.entities };
    }
    const returnRank = a.ranking[1]?.name === 'return_refund' ? a.ranking[1].confidence : 0;
    if (!help && a.intent.name === 'preference' && returnRank >= RETURN_RUNNER_UP && ASKS_FOR_RETURN.test(text)) {
      a = { ...a, intent: { name: 'return_refund', confidence: returnRank }, ranking: [a.ranking[1], a.ranking[0], ...a.ranking.slice(2)], outOfScope: false };
    }
    let ranking = help ? [{ name: 'help', confidence: 1 }] : a.ranking;
    if (contactPreference) ranking = [{ name: 'preference', confidence: 1 }, ...ranking.filter((r) => r.name !== 'preference')];
    else if (person || a.intent.name === 'human_agent') ranking = await this.withTopic(text, hints, ranking);
    return {
      intent: help ? 'help' : person ? 'human_agent' : contactPreference ? 'preference' : a.intent.name,
      confidence: help || person || contactPreference ? 1 : a.intent.confidence,
      ranking,
      // A request for a person or a call is understood, whatever the model made of the rest.
      outOfScope: help || person ? false : a.outOfScope,
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
    if (topic.outOfScope || topic.intent.name === 'human_agent' || topic.intent.name === ranking[0]?.name || topic.intent.confidence < 0.3) return ranking;
    return [ranking[0], { name: topic.intent.name, confidence: topic.intent.confidence }, ...ranking.slice(1).filter((r) => r.name !== topic.intent.name)];
  }
}
