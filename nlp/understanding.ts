/**
 * What a customer message means to the bot, computed once per message: the model's reading (one
 * engine.analyze call) with the language rules the bot applies on top of it (the help command, a
 * person or a call asked for in words, a stated contact channel, taste idioms, a return next to a
 * dislike, a task beside a stated preference), the message's language, and the turn decision
 * (answer / ask "Did you mean … or …?" / not understood). Pure apart from that one call: every rule
 * works on the text and that one analysis; where a rule needs another text (a taste idiom said with
 * "fan", the topic once the request for a person is taken out) the text is rewritten before the call,
 * and the clauses a stated preference may hide a task in are classified in the same call (segments).
 */
import { decideTurn, DEFAULT_CLARIFICATION_POLICY, type ClarificationPolicy, type TurnDecision } from './clarification';
import { TOPIC_INTENTS, type BuiltInIntent } from './intents';
import { extractPreferences } from './preferences';
import { personalisationRequestIn, type PersonalisationRequest } from './personalisationConsent';
import { messageLanguage } from './text';
import { OUT_OF_SCOPE, type Analysis, type AnalyzeHints, type CatalogProduct, type Entity, type IntentScore, type Language, type NlpEngine, type SegmentAnalysis, type Sentiment } from './types';

/** What a message can be understood as: a built-in intent, or the help menu (a command, not a model intent). */
export type TurnIntent = BuiltInIntent | 'help';

/** The rules that changed the model's reading, in the order they applied (kept for analytics and debugging). */
export type UnderstandingRule =
  | 'help_command'
  | 'asked_for_person'
  | 'asked_for_call'
  | 'contact_preference'
  | 'taste_idiom'
  | 'return_near_tie'
  | 'task_beside_preference';

export interface MessageUnderstanding {
  text: string;
  /**
   * The intent the bot acts on. A model trained on other intents (NLP_MODEL_DIR) passes its own names
   * through unchanged; the type names the ones the bot knows.
   */
  intent: TurnIntent;
  confidence: number;
  /** Best alternatives, best first (the intent itself first). */
  ranking: IntentScore[];
  outOfScope: boolean;
  sentiment: Sentiment;
  entities: Entity[];
  /** What the bot answers in: 'en' or 'zh' ('en' for a language it does not speak). */
  language: Language;
  /** The message's language (ISO 639-1): 'en', 'zh', or one the bot does not speak ('de', 'ja', …). */
  detectedLanguage: string;
  /** The message said enough to tell its language ("ok", "A10042" or an email alone do not). */
  languageEvidence: boolean;
  /** answer / "Did you mean … or …?" / not understood, by the clarification policy. */
  decision: TurnDecision;
  /** The model's own best reading of the text it was given, before the rules (what a label confirms or corrects). */
  modelIntent: IntentScore;
  rules: UnderstandingRule[];
  /** "verify my identity", "link my account", 验证身份: the customer asks to be recognised. */
  asksToVerifyIdentity: boolean;
  /**
   * "stop personalising", "don't use my data for recommendations", 不要再给我个性化推荐 (`withdraw`), or
   * "you can personalise again", 可以恢复个性化推荐 (`grant`): a consent command, whatever the intent reads as.
   */
  personalisation: PersonalisationRequest | null;
  /** The intent model that read it (NlpEngine.modelInfo.id). */
  modelVersion: string;
}

export interface UnderstandingContext {
  /** Reference time for relative dates. */
  now?: Date;
  products?: CatalogProduct[];
  /** The client's locale: breaks ties for messages that tell no language. */
  locale?: string;
  /** The language the conversation's messages last told (a code): what "ok" or "A10042" are in. */
  conversationLanguage?: string;
  policy?: ClarificationPolicy;
}

// ---- the rules (moved from the bot's recognizer and the main dialog) ---------------------------

/** Menu commands are not intents of the model: a customer typing exactly these wants the help menu. */
const HELP_COMMAND = /^\s*(help|menu|options|\?|帮助|菜单|帮忙)\s*[.!?？！。]*\s*$/i;

/**
 * An explicit request for a person, whatever else the message is about ("I need a human, the app keeps
 * crashing"). A single-label classifier picks the topic there; the request must win, the topic stays.
 */
const ASKS_FOR_PERSON_PATTERN =
  /\b(human|real person|live (agent|person|chat)|representative|(talk|speak|chat) (to|with) (a |an |some)?(one|body|person|agent|operator|staff|manager)|transfer me)\b|转人工|人工客服|人工服务|真人|找客服|接人工/gi;
const ASKS_FOR_PERSON = new RegExp(ASKS_FOR_PERSON_PATTERN.source, 'i');
/** Words around a request for a person that say nothing of the topic. */
const REQUEST_FILLERS = /\b(i want to|i would like to|i'd like to|can i|could i|please|let me)\b/gi;
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
/**
 * Sending something back ("return", "send it back", 退货, 退掉): with a dislike in the same breath
 * ("我要退掉不喜欢的那个杯子") the model may weigh the dislike more, but the customer asks for a return.
 * It wins only when the model ranks return_refund right behind `preference` with at least
 * RETURN_RUNNER_UP: the rule settles a near tie the model itself sees, never a confident taste.
 */
const ASKS_FOR_RETURN = /\b(?:return|send (?:it |them |this |that )?back|refund)\b|退货|退掉|退回|退款|想退|要退|退了/i;
const RETURN_RUNNER_UP = 0.2;
/** Below this the rest of a request for a person names no topic (the ticket's category stays open). */
const TOPIC_CONFIDENCE = 0.3;
/** What a clause beside a stated preference may ask for and win with: a need, or a person (feedback is no task). */
const TASK_INTENTS: ReadonlySet<string> = new Set<BuiltInIntent>([...TOPIC_INTENTS, 'human_agent' as const].filter((i) => i !== 'feedback'));
/** A clause beside a stated preference must be at least this sure of its task to take the message over. */
const TASK_CONFIDENCE = 0.5;
/** Clause boundaries: sentence ends (a full stop only before a space, so emails stay whole), commas, dashes, "but". */
const CLAUSE_BREAK = /[.!?;:](?=\s|$)|[,，、。！？；：\n—–]|\s-\s|\bbut\b|但是|不过/i;
/** An explicit request to be recognised: "verify my identity", "link my account", 验证身份. */
const VERIFY_REQUEST = /\b(verify|confirm|prove)\b.{0,20}\b(identity|account|who i am)\b|\blink (this chat|my account)\b|验证身份|核实身份|验证我的身份|关联账户|绑定账户/i;
/** Contact channels need no catalogue. */
const NO_CATALOGUE = { categories: [], products: [] };

const hasContent = (text: string, min = 3) => text.replace(/[\s\p{P}]/gu, '').length >= min;
/** Spaces for a span: the text keeps its length, so entity offsets still index the customer's text. */
const blank = (span: string) => ' '.repeat(span.length);

/** The message with each taste idiom said with "fan" ("a tea fan   "), padded to its length; itself when it has none. */
export function asTasteIdioms(text: string): string {
  return text.replace(TASTE_PERSON, (match, word: string, person: string) => {
    if (PERSON_AFTER_ALL.has(word.toLowerCase())) return match;
    const said = `${match.slice(0, match.length - person.length)}${person.toLowerCase() === 'people' ? 'fans' : 'fan'}`;
    return said.padEnd(match.length, ' ');
  });
}

/** What the words of a message ask for, before any model reads it. */
export interface MessageSignals {
  help: boolean;
  /** A person asked for in words. */
  person: boolean;
  /** A call asked for (not a question about a past one, not a stated phone preference). */
  call: boolean;
  /** A contact channel stated as a preference ("I prefer email"). */
  contact: boolean;
}

export function signalsOf(text: string): MessageSignals {
  const contact = extractPreferences(text, NO_CATALOGUE).some((p) => p.kind === 'contact');
  return {
    help: HELP_COMMAND.test(text),
    person: ASKS_FOR_PERSON.test(text),
    call: !contact && ASKS_FOR_CALL.test(text.replace(ABOUT_A_PAST_CALL, ' ')),
    contact,
  };
}

/** What the one engine call reads: the text to classify (maybe rewritten) and the clauses to classify with it. */
export interface AnalysisPlan {
  text: string;
  signals: MessageSignals;
  /** The request for a person taken out: the model reads what the customer needs a person for. */
  personMasked: boolean;
  /** Taste idioms said with "fan". */
  tasteIdioms: boolean;
  /** Clauses (each with its own taste idioms said with "fan"), when the message has two or more. */
  clauses: string[];
}

export function planAnalysis(text: string): AnalysisPlan {
  const signals = signalsOf(text);
  if (signals.help) return { text, signals, personMasked: false, tasteIdioms: false, clauses: [] };
  if (signals.person) {
    // "I want to talk to a person, I was charged twice": the request drowns the topic; the rest names it.
    const rest = text.replace(ASKS_FOR_PERSON_PATTERN, blank).replace(REQUEST_FILLERS, blank);
    if (hasContent(rest)) return { text: rest, signals, personMasked: true, tasteIdioms: false, clauses: [] };
    return { text, signals, personMasked: false, tasteIdioms: false, clauses: [] };
  }
  const idioms = signals.call || signals.contact ? text : asTasteIdioms(text);
  const clauses = text.split(CLAUSE_BREAK).map((c) => c.trim()).filter((c) => hasContent(c));
  return {
    text: idioms,
    signals,
    personMasked: false,
    tasteIdioms: idioms !== text,
    clauses: clauses.length >= 2 ? clauses.map((c) => (signalsOf(c).call || signalsOf(c).contact ? c : asTasteIdioms(c))) : [],
  };
}

/** The engine hints for a plan: the language decided on the customer's words, the clauses as segments. */
export function analyzeHintsFor(plan: AnalysisPlan, language: Language, context: UnderstandingContext = {}): AnalyzeHints {
  return {
    language,
    ...(context.now ? { now: context.now } : {}),
    ...(context.products ? { products: context.products } : {}),
    // Only a message read as a preference (or as a person, which a stated channel turns into one) looks at its clauses.
    ...(plan.clauses.length ? { segments: plan.clauses, segmentsIf: ['preference', 'human_agent'] } : {}),
  };
}

interface Reading {
  intent: string;
  confidence: number;
  ranking: IntentScore[];
  outOfScope: boolean;
  rules: UnderstandingRule[];
}

/** A clause's reading with the same word rules as a whole message (it has no segments of its own). */
function clauseReading(clause: string, segment: SegmentAnalysis): Reading {
  const signals = signalsOf(clause);
  return applyRules(clause, signals, { intent: segment.intent, ranking: segment.ranking, outOfScope: segment.outOfScope }, { personMasked: false, tasteIdioms: false });
}

function applyRules(
  text: string,
  signals: MessageSignals,
  a: Pick<Analysis, 'intent' | 'ranking' | 'outOfScope'>,
  plan: Pick<AnalysisPlan, 'personMasked' | 'tasteIdioms'>,
): Reading {
  if (signals.help) return { intent: 'help', confidence: 1, ranking: [{ name: 'help', confidence: 1 }], outOfScope: false, rules: ['help_command'] };
  if (signals.person || signals.call) {
    // Understood, whatever the model made of the rest; what the rest is about ranks right after.
    // The rest of a request for a person names a topic only when the model is fairly sure of it.
    const named = !plan.personMasked || (!a.outOfScope && a.intent.confidence >= TOPIC_CONFIDENCE);
    const topic = named ? a.ranking.filter((r) => r.name !== 'human_agent' && r.name !== OUT_OF_SCOPE) : [];
    const rule: UnderstandingRule = signals.person ? 'asked_for_person' : 'asked_for_call';
    return { intent: 'human_agent', confidence: 1, ranking: [{ name: 'human_agent', confidence: 1 }, ...topic], outOfScope: false, rules: [rule] };
  }
  const rules: UnderstandingRule[] = [];
  let r: Reading = { intent: a.intent.name, confidence: a.intent.confidence, ranking: a.ranking, outOfScope: a.outOfScope, rules };
  if (plan.tasteIdioms && r.intent === 'preference') rules.push('taste_idiom');
  // "Contact me through email from now on" says how to reach them, not that they want a person now.
  if (r.intent === 'human_agent' && signals.contact) {
    rules.push('contact_preference');
    r = { ...r, intent: 'preference', confidence: 1, ranking: [{ name: 'preference', confidence: 1 }, ...r.ranking.filter((x) => x.name !== 'preference')], outOfScope: false };
  }
  const returnRank = r.ranking[1]?.name === 'return_refund' ? r.ranking[1].confidence : 0;
  if (r.intent === 'preference' && returnRank >= RETURN_RUNNER_UP && ASKS_FOR_RETURN.test(text)) {
    rules.push('return_near_tie');
    r = { ...r, intent: 'return_refund', confidence: returnRank, ranking: [r.ranking[1], r.ranking[0], ...r.ranking.slice(2)], outOfScope: false };
  }
  return r;
}

/**
 * The understanding of a message from the one analysis its plan asked for. Pure: the same text,
 * plan, analysis and context give the same understanding.
 */
export function understandAnalysis(text: string, plan: AnalysisPlan, a: Analysis, context: UnderstandingContext & { modelVersion?: string } = {}): MessageUnderstanding {
  const language = messageLanguage(text, context);
  let r = applyRules(text, plan.signals, a, plan);
  // "I prefer email — where is my order A10042?": the task wins (the learner still records the preference).
  if (r.intent === 'preference' && a.segments?.length) {
    for (const segment of a.segments) {
      const c = clauseReading(segment.text, segment);
      // A person counts only when asked for in words: the model alone hears one in "please don't call me".
      const asked = c.intent !== 'human_agent' || c.rules.includes('asked_for_person') || c.rules.includes('asked_for_call');
      if (!c.outOfScope && TASK_INTENTS.has(c.intent) && c.confidence >= TASK_CONFIDENCE && asked) {
        r = { ...c, rules: [...r.rules, ...c.rules, 'task_beside_preference'] };
        break;
      }
    }
  }
  const decision = decideTurn({ intent: r.intent, confidence: r.confidence, ranking: r.ranking, outOfScope: r.outOfScope }, context.policy ?? DEFAULT_CLARIFICATION_POLICY);
  return {
    text,
    intent: r.intent as TurnIntent,
    confidence: r.confidence,
    ranking: r.ranking,
    outOfScope: r.outOfScope,
    sentiment: a.sentiment,
    entities: a.entities,
    language: language.reply,
    detectedLanguage: language.code,
    languageEvidence: language.evidence,
    decision,
    modelIntent: a.ranking[0] ?? a.intent,
    rules: r.rules,
    asksToVerifyIdentity: VERIFY_REQUEST.test(text),
    personalisation: personalisationRequestIn(text),
    modelVersion: context.modelVersion ?? 'unknown',
  };
}

/** Understands a message with exactly one engine.analyze call. */
export async function understandMessage(engine: NlpEngine, rawText: unknown, context: UnderstandingContext = {}): Promise<MessageUnderstanding> {
  const text = typeof rawText === 'string' ? rawText : rawText == null ? '' : String(rawText);
  const plan = planAnalysis(text);
  const language = messageLanguage(text, context);
  const analysis = await engine.analyze(plan.text, analyzeHintsFor(plan, language.reply, context));
  return understandAnalysis(text, plan, analysis, { ...context, modelVersion: engine.modelInfo?.id });
}
