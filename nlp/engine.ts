/** The NLP engine: one analyze() call combining language, intent, out-of-scope, sentiment, entities. */
import type { IntentClassifier, Prediction } from './classifier';
import { extractEntities } from './entities';
import type { SentimentAnalyzer } from './sentiment';
import { detectLanguage, MAX_INPUT_CHARS, normalizeText } from './text';
import { OUT_OF_SCOPE, type Analysis, type AnalyzeHints, type Entity, type IntentScore, type Language, type ModelInfo, type NlpEngine, type SegmentAnalysis } from './types';

export interface EngineParts {
  classifier: IntentClassifier;
  sentiment: SentimentAnalyzer;
  modelInfo: ModelInfo;
}

/** Same-length cleaning for entity extraction, so spans index into the caller's text. */
function entitySource(raw: string): string {
  return raw.slice(0, MAX_INPUT_CHARS).replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, ' ');
}

const HAS_CONTENT = /[\p{L}\p{N}]/u;

/** Clauses classified with a message at most (AnalyzeHints.segments): a chat message has few. */
export const MAX_SEGMENTS = 6;

/**
 * The intent a prediction answers with: out_of_scope when rejected (confidence: the model's doubt,
 * 1 − top confidence), else the best in-scope intent.
 */
function intentOf(pred: Prediction): IntentScore {
  const top = pred.ranking[0];
  if (pred.outOfScope) return top.name === OUT_OF_SCOPE ? top : { name: OUT_OF_SCOPE, confidence: Math.round((1 - top.confidence) * 10000) / 10000 };
  return pred.ranking.find((r) => r.name === pred.label) ?? top;
}

/** The hints' segments, each classified like a message of its own (no entities, no sentiment). */
async function classifySegments(classifier: IntentClassifier, segments: unknown, language: Language): Promise<SegmentAnalysis[] | undefined> {
  if (!Array.isArray(segments) || segments.length === 0) return undefined;
  const out: SegmentAnalysis[] = [];
  for (const segment of segments.slice(0, MAX_SEGMENTS)) {
    const text = typeof segment === 'string' ? segment : '';
    const clean = normalizeText(text);
    if (!HAS_CONTENT.test(clean)) {
      out.push({ text, intent: { name: OUT_OF_SCOPE, confidence: 1 }, ranking: [{ name: OUT_OF_SCOPE, confidence: 1 }], outOfScope: true });
      continue;
    }
    const pred = await classifier.predict(clean, language);
    out.push({ text, intent: intentOf(pred), ranking: pred.ranking, outOfScope: pred.outOfScope });
  }
  return out;
}

export function createNlpEngine(parts: EngineParts): NlpEngine {
  const { classifier, sentiment } = parts;
  const rejection = classifier.state.rejection;
  const modelInfo = Object.freeze({ ...parts.modelInfo, ...(rejection ? { rejection: { ...rejection } } : {}) });

  async function analyze(text: string, hints: AnalyzeHints = {}): Promise<Analysis> {
    const raw = typeof text === 'string' ? text : text == null ? '' : String(text);
    const clean = normalizeText(raw);
    const guess = detectLanguage(clean);
    const language = hints.language === 'en' || hints.language === 'zh' ? hints.language : guess.language;
    const languageConfidence = hints.language === language ? 1 : guess.confidence;
    const now = hints.now instanceof Date && Number.isFinite(hints.now.getTime()) ? hints.now : new Date();

    let entities: Entity[] = [];
    try {
      entities = extractEntities(entitySource(raw), { language, now, products: Array.isArray(hints.products) ? hints.products : undefined });
    } catch {
      entities = []; // entity rules must never take the whole analysis down
    }

    // Nothing to classify (empty, punctuation, emoji only): out of scope, neutral.
    if (!HAS_CONTENT.test(clean)) {
      return {
        language,
        languageConfidence,
        intent: { name: OUT_OF_SCOPE, confidence: 1 },
        ranking: [{ name: OUT_OF_SCOPE, confidence: 1 }],
        outOfScope: true,
        sentiment: { label: 'neutral', score: 0 },
        entities,
      };
    }

    const pred = await classifier.predict(clean, language);
    const intent = intentOf(pred);
    const wanted = !Array.isArray(hints.segmentsIf) || hints.segmentsIf.includes(intent.name);
    const segments = wanted ? await classifySegments(classifier, hints.segments, language) : undefined;
    return {
      language,
      languageConfidence,
      intent,
      ranking: pred.ranking,
      outOfScope: pred.outOfScope,
      oosScore: pred.oosScore,
      sentiment: sentiment.analyze(clean, language),
      entities,
      ...(segments ? { segments } : {}),
    };
  }

  return {
    modelInfo,
    async analyze(text: string, hints?: AnalyzeHints): Promise<Analysis> {
      try {
        return await analyze(text, hints ?? {});
      } catch {
        // Last line of defence: a valid, conservative result rather than an exception in the bot.
        return {
          language: 'en',
          languageConfidence: 0,
          intent: { name: OUT_OF_SCOPE, confidence: 0 },
          ranking: [],
          outOfScope: true,
          sentiment: { label: 'neutral', score: 0 },
          entities: [],
        };
      }
    },
  };
}
