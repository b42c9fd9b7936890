/** What the dialogs need to know about a message. The NLP engine is adapted to this shape in the bot wiring. */
export type Language = 'en' | 'zh';

export interface Understanding {
  intent: string;
  confidence: number;
  /** Best alternatives, best first (may include `intent` itself first). */
  ranking: Array<{ name: string; confidence: number }>;
  outOfScope: boolean;
  language: Language;
  sentiment: { label: 'negative' | 'neutral' | 'positive'; score: number };
  entities: Array<{ type: string; text: string; value: unknown }>;
}

export interface Recognizer {
  recognize(text: string, hints: { locale?: string }): Promise<Understanding>;
}

/** A stored language code (a ticket's, a delivery's) as one the bot speaks: Chinese, else English. */
export function contentLanguage(code: string | null | undefined): Language {
  return code === 'zh' ? 'zh' : 'en';
}

export function languageOf(locale: string | undefined, text = ''): Language {
  if (/[\u3400-\u9fff]/.test(text)) return 'zh';
  if (locale && /^zh/i.test(locale) && !/[a-z]{3,}/i.test(text)) return 'zh';
  return 'en';
}

const KEYWORDS: Array<[string, RegExp]> = [
  ['help', /\b(help|menu|options|what can you do)\b|帮助|菜单/i],
  ['greeting', /^\s*(hi|hello|hey|good (morning|afternoon|evening))\b|你好|您好/i],
  ['thanks', /\b(thanks|thank you|thx)\b|谢谢/i],
  ['goodbye', /\b(bye|goodbye|see you)\b|再见/i],
  ['human_agent', /\b(human|person|agent|representative)\b|人工|客服/i],
];

/** A keyword recognizer: the fallback when no trained NLP model is wired in (and for dialog unit tests). */
export class KeywordRecognizer implements Recognizer {
  async recognize(text: string, hints: { locale?: string }): Promise<Understanding> {
    const language = languageOf(hints.locale, text);
    const hit = KEYWORDS.find(([, re]) => re.test(text));
    const intent = hit ? hit[0] : 'none';
    return {
      intent,
      confidence: hit ? 1 : 0,
      ranking: hit ? [{ name: intent, confidence: 1 }] : [],
      outOfScope: !hit,
      language,
      sentiment: { label: 'neutral', score: 0 },
      entities: [],
    };
  }
}
