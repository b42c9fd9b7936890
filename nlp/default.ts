/**
 * Building engines: from a model directory, or the default engine the bot loads at start
 * (active model directory if present, else the default model trained from nlp/data and cached
 * under cacheDir keyed by the data hash and options).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_CLASSIFIER_OPTIONS, type ClassifierOptions, type Embedder } from './classifier';
import { hashExamples, readExamples } from './data-io';
import { createTransformersEmbedder } from './embeddings';
import { createNlpEngine } from './engine';
import { hasModel, loadModel, saveModel } from './model-store';
import { SentimentAnalyzer, type SentimentExample } from './sentiment';
import { SentimentModel, type SentimentModelFile } from './sentimentModel';
import { trainIntentModel } from './training';
import { OUT_OF_SCOPE, type LabelledExample, type NlpEngine } from './types';

export const DEFAULT_DATA_DIR = join(__dirname, 'data');
/** One JSON-lines file per intent (`readExamples` reads the directory in name order). */
export const DEFAULT_INTENTS_FILE = join(DEFAULT_DATA_DIR, 'intents');
export const DEFAULT_SENTIMENT_FILE = join(DEFAULT_DATA_DIR, 'sentiment.jsonl');
/**
 * Share of the default data kept out of training. None: the frozen split (written apart from the
 * training rows) measures the built-in model, so every training row can teach it.
 */
export const DEFAULT_HOLDOUT = 0;
/** The frozen intent test split: never trained on, never edited to make a model pass. */
export const FROZEN_INTENT_TEST = join(DEFAULT_DATA_DIR, 'frozen', 'intent-test');

/**
 * Options of the built-in bilingual model, chosen on the frozen split (`npm run bench:intent-model`
 * compares the candidates): one-vs-rest squared hinge beats softmax by about a point; a heavier
 * character block and CJK 1-2-grams suit short messages; order numbers and emails read as one token
 * each (+0.2 point, and "where's A10042" is an order question whatever the number); 8 epochs score
 * within 0.1 point of 12 at two thirds of the training time (the model trains at first start). The rejection score and its
 * threshold are fitted on 4 folds' out-of-fold scores, counting out-of-scope rows twice.
 */
export const DEFAULT_ENGINE_CLASSIFIER_OPTIONS: Partial<ClassifierOptions> = {
  features: { ...DEFAULT_CLASSIFIER_OPTIONS.features, charWeight: 1.5, cjkNgrams: [1, 2], maskEntities: true },
  linear: { ...DEFAULT_CLASSIFIER_OPTIONS.linear, l2: 1e-4, epochs: 8 },
  oosObjective: 'oos_x2',
  calibrationFolds: 4,
};

export function genericClassifierOptions(examples: LabelledExample[]): Partial<ClassifierOptions> {
  if (!examples.some((e) => e.intent === OUT_OF_SCOPE)) return DEFAULT_CLASSIFIER_OPTIONS;
  return { ...DEFAULT_CLASSIFIER_OPTIONS, calibrationFolds: 4, oosObjective: 'balanced' };
}

export interface EmbeddingConfig {
  /** Local models folder (the caller reads NLP_MODELS_DIR; this module reads no environment). */
  modelsDir?: string;
  /** Model folder under modelsDir; default: see embeddings.ts findLocalModel. */
  embeddingModel?: string;
  /** Allow downloading from the Hugging Face hub (default false). */
  allowRemoteModels?: boolean;
}

export interface DefaultEngineOptions extends EmbeddingConfig {
  /** Where trained default models are cached (sub-folder per data hash + options). No cache when omitted. */
  cacheDir?: string;
  /** An active model directory (from `npm run nlp -- train`); used when it holds a model. */
  modelDir?: string;
  /** Training data (a file or a directory of them); default nlp/data/intents/. */
  dataFile?: string;
  sentimentFile?: string;
  /** Classifier options; default DEFAULT_ENGINE_CLASSIFIER_OPTIONS. */
  classifier?: Partial<ClassifierOptions>;
  /** Called with non-fatal problems (e.g. embeddings configured but not loadable). */
  onWarning?: (message: string) => void;
}

export function readSentimentExamples(file = DEFAULT_SENTIMENT_FILE): SentimentExample[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .filter((l) => l.trim())
    .map((l) => {
      // Our files name the label `label`; the shared corpora (TweetEval, Chinese reviews) `sentiment`.
      const r = JSON.parse(l) as SentimentExample & { sentiment?: SentimentExample['label'] };
      return { text: r.text, label: r.label ?? r.sentiment!, lang: r.lang };
    });
}

/** The shipped sentiment model, built by `npm run nlp -- train-sentiment` (see nlp/models/README.md). */
export const SENTIMENT_MODEL_FILE = join(__dirname, 'models', 'sentiment.json');

let shippedSentiment: SentimentAnalyzer | undefined;
/** The trained model from nlp/models/sentiment.json, loaded once per process (tens of milliseconds). */
export function shippedSentimentAnalyzer(): SentimentAnalyzer {
  shippedSentiment ??= SentimentAnalyzer.fromModel(SentimentModel.fromFile(JSON.parse(readFileSync(SENTIMENT_MODEL_FILE, 'utf8')) as SentimentModelFile));
  return shippedSentiment;
}

let legacyCache: { file: string; analyzer: SentimentAnalyzer } | undefined;
/** The previous analyzer (lexicon blended with a softmax model trained on `file`), for the benchmark. */
export function legacySentimentAnalyzer(file = DEFAULT_SENTIMENT_FILE): SentimentAnalyzer {
  if (legacyCache?.file !== file) legacyCache = { file, analyzer: SentimentAnalyzer.train(readSentimentExamples(file)) };
  return legacyCache.analyzer;
}

/**
 * The analyzer the engine uses: the shipped model; with a sentiment file of one's own, the
 * lexicon-and-softmax blend trained on it (the shipped model is built from the corpora, not at start).
 */
export function defaultSentimentAnalyzer(file?: string): SentimentAnalyzer {
  return file ? legacySentimentAnalyzer(file) : shippedSentimentAnalyzer();
}

async function maybeEmbedder(cfg: EmbeddingConfig, warn: (m: string) => void): Promise<Embedder | undefined> {
  if (!cfg.modelsDir) return undefined;
  try {
    return await createTransformersEmbedder({ modelsDir: cfg.modelsDir, model: cfg.embeddingModel, allowRemoteModels: cfg.allowRemoteModels });
  } catch (err) {
    warn(`embeddings disabled: ${(err as Error).message}`);
    return undefined;
  }
}

/** Engine from a trained model directory. Embeddings are loaded only if the model was trained with them. */
export async function loadEngineFromModelDir(dir: string, options: EmbeddingConfig & { sentimentFile?: string } = {}): Promise<NlpEngine> {
  const peek = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as { classifier?: { embedding?: { id: string } } };
  const wanted = peek.classifier?.embedding?.id;
  let embedder: Embedder | undefined;
  if (wanted) {
    if (!options.modelsDir) throw new Error(`${dir} was trained with embeddings "${wanted}": pass modelsDir`);
    embedder = await createTransformersEmbedder({ modelsDir: options.modelsDir, model: wanted, allowRemoteModels: options.allowRemoteModels });
  }
  const { classifier, meta } = loadModel(dir, embedder);
  return createNlpEngine({
    classifier,
    sentiment: defaultSentimentAnalyzer(options.sentimentFile),
    modelInfo: { id: meta.id, dataHash: meta.dataHash, metrics: meta.metrics },
  });
}

/**
 * The engine the bot calls at start. Training the default model takes a few seconds on 2 cores;
 * with cacheDir the second start only loads files.
 */
export async function loadDefaultNlpEngine(options: DefaultEngineOptions = {}): Promise<NlpEngine> {
  const warn = options.onWarning ?? (() => undefined);
  if (options.modelDir && hasModel(options.modelDir)) return loadEngineFromModelDir(options.modelDir, options);

  const dataFile = options.dataFile ?? DEFAULT_INTENTS_FILE;
  const examples = readExamples(dataFile);
  const embedder = await maybeEmbedder(options, warn);
  const classifierOptions = options.classifier ?? DEFAULT_ENGINE_CLASSIFIER_OPTIONS;
  const sentiment = defaultSentimentAnalyzer(options.sentimentFile);
  const key = createHash('sha256')
    .update(JSON.stringify({ data: hashExamples(examples), classifier: classifierOptions, embedding: embedder?.id ?? null, holdout: DEFAULT_HOLDOUT }))
    .digest('hex')
    .slice(0, 16);
  const cached = options.cacheDir ? join(options.cacheDir, `default-${key}`) : undefined;
  if (cached && hasModel(cached)) {
    try {
      const { classifier, meta } = loadModel(cached, embedder);
      return createNlpEngine({ classifier, sentiment, modelInfo: { id: meta.id, dataHash: meta.dataHash, metrics: meta.metrics } });
    } catch (err) {
      warn(`ignoring unreadable cached model ${cached}: ${(err as Error).message}`);
    }
  }
  // The built-in data is measured on its frozen split (recorded in modelInfo.metrics); other data on nothing.
  const testRows = dataFile === DEFAULT_INTENTS_FILE && existsSync(FROZEN_INTENT_TEST) ? readExamples(FROZEN_INTENT_TEST) : undefined;
  const trained = await trainIntentModel(examples, { holdout: DEFAULT_HOLDOUT, embedder, classifier: classifierOptions, testRows });
  if (cached) {
    try {
      saveModel(cached, trained.classifier, trained.meta);
    } catch (err) {
      warn(`could not cache the default model in ${cached}: ${(err as Error).message}`);
    }
  }
  const { meta } = trained;
  return createNlpEngine({ classifier: trained.classifier, sentiment, modelInfo: { id: meta.id, dataHash: meta.dataHash, metrics: meta.metrics } });
}
