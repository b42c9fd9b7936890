/** Public types of the NLP engine. Pure data: no imports from the rest of the project. */

export type Language = 'en' | 'zh';

export interface IntentScore {
  name: string;
  confidence: number;
}

export type EntityType = 'order_number' | 'email' | 'phone' | 'money' | 'date' | 'product';

export interface MoneyValue {
  /** Amount in minor units (cents / fen), e.g. 12.5 USD -> 1250. */
  amountMinor: number;
  /** ISO 4217 code; defaults to USD for "$" and CNY for "¥"/"元"/"块". */
  currency: string;
}

export interface Entity {
  type: EntityType;
  /** The matched substring of the input (UTF-16 offsets [start, end)). */
  text: string;
  start: number;
  end: number;
  /**
   * order_number → normalised uppercase string without separators after the prefix (see entities.ts)
   * email → lowercased string; phone → E.164-ish "+<digits>"; money → MoneyValue;
   * date → { date: 'YYYY-MM-DD' }; product → { id, name }
   */
  value: unknown;
}

export type SentimentLabel = 'negative' | 'neutral' | 'positive';

export interface Sentiment {
  label: SentimentLabel;
  /** In [-1, 1]; negative below about -0.15, positive above about 0.15. */
  score: number;
}

export interface Analysis {
  language: Language;
  languageConfidence: number;
  intent: IntentScore;
  /** Top 5 intents, best first. */
  ranking: IntentScore[];
  outOfScope: boolean;
  /** The model's rejection score (higher = more likely out of scope; see ModelInfo.rejection). */
  oosScore?: number;
  sentiment: Sentiment;
  entities: Entity[];
  /** The intents of `hints.segments`, in their order (classified in the same call; absent without segments). */
  segments?: SegmentAnalysis[];
}

/** A part of the message (a clause) classified on its own: intent only, in the message's language. */
export interface SegmentAnalysis {
  text: string;
  intent: IntentScore;
  ranking: IntentScore[];
  outOfScope: boolean;
}

export interface CatalogProduct {
  id: string;
  name: string;
  aliases?: string[];
}

export interface AnalyzeHints {
  /** Skip detection and use this language. */
  language?: Language;
  /** Reference time for relative dates ("yesterday", "上周一"); defaults to the current time. */
  now?: Date;
  /** Catalog to match product names against. */
  products?: CatalogProduct[];
  /**
   * Parts of the text (clauses) to classify too, in the same call, when a rule must compare the
   * message's intent with a part's ("I prefer email, and has A10042 shipped?"). At most MAX_SEGMENTS.
   */
  segments?: string[];
  /**
   * Classify the segments only when the whole message's intent is one of these (each segment costs a
   * classification: a message of six clauses would cost seven).
   */
  segmentsIf?: string[];
}

export interface ModelInfo {
  id: string;
  dataHash: string;
  metrics?: Record<string, number>;
  /** How the model rejects: out of scope when Analysis.oosScore ≥ threshold. */
  rejection?: { score: string; threshold: number };
}

export interface NlpEngine {
  analyze(text: string, hints?: AnalyzeHints): Promise<Analysis>;
  readonly modelInfo: ModelInfo;
}

/** One labelled training/evaluation row. */
export interface LabelledExample {
  text: string;
  intent: string;
  lang?: Language;
}

export const OUT_OF_SCOPE = 'out_of_scope';
