/**
 * Model lifecycle CLI.
 *   npm run nlp -- train    [--data FILE] --out DIR [--holdout 0.2] [--seed 42] [--epochs N] [--l2 X]
 *                           [--preset default|generic] [--models-dir DIR --embedding-model NAME]
 *   npm run nlp -- eval     [--model DIR] [--data FILE] [--split heldout|all] [--by-lang] [--models-dir DIR]
 *                           (without --model and --data: the built-in model on the frozen split nlp/data/frozen/intent-test)
 *   npm run nlp -- classify [--model DIR] [--products FILE] [--now ISO]   (JSON lines on stdin → JSON lines)
 * FILE: JSON lines {"text","intent","lang"?} or CSV with text and intent/category columns.
 * Without --model, eval/classify use the default engine (trained from nlp/data, cached in the OS temp dir).
 */
process.env.DOTENV_CONFIG_QUIET ??= 'true';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { DEFAULT_CLASSIFIER_OPTIONS, type ClassifierOptions, type Embedder } from './classifier';
import { hashExamples, readExamples, splitExamples } from './data-io';
import {
  DEFAULT_ENGINE_CLASSIFIER_OPTIONS,
  DEFAULT_HOLDOUT,
  DEFAULT_INTENTS_FILE,
  FROZEN_INTENT_TEST,
  genericClassifierOptions,
  loadDefaultNlpEngine,
  loadEngineFromModelDir,
} from './default';
import { createTransformersEmbedder } from './embeddings';
import { choosePolicy, measurePolicy, type LabelledUnderstanding } from './clarificationPolicy';
import { DEFAULT_CLARIFICATION_POLICY, type ClarificationPolicy } from './clarification';
import { evaluate, type EvalReport } from './metrics';
import { rejectionTradeOff, type ScoredRow } from './rejection';
import { readModelMeta, saveModel } from './model-store';
import { detectLanguage, normalizeText } from './text';
import { trainIntentModel } from './training';
import { buildSentimentModel, crossValidateCorpusWeights, DEFAULT_CORPUS_WEIGHTS, selectCorpusWeights, type CorpusWeights } from './sentimentBuild';
import { OUT_OF_SCOPE, type AnalyzeHints, type CatalogProduct, type LabelledExample, type Language, type NlpEngine } from './types';

type Flags = Record<string, string | true>;

export function parseArgs(argv: string[]): { command: string; flags: Flags } {
  const [command = 'help', ...rest] = argv;
  const flags: Flags = {};
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument "${a}"`);
    const [k, inline] = a.slice(2).split('=', 2);
    if (inline !== undefined) flags[k] = inline;
    else if (rest[i + 1] !== undefined && !rest[i + 1].startsWith('--')) flags[k] = rest[++i];
    else flags[k] = true;
  }
  return { command, flags };
}

function str(flags: Flags, k: string): string | undefined {
  const v = flags[k];
  return typeof v === 'string' ? v : undefined;
}
function num(flags: Flags, k: string): number | undefined {
  const v = str(flags, k);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`--${k} needs a number`);
  return n;
}

const isDefaultData = (file: string) => resolve(file) === resolve(DEFAULT_INTENTS_FILE);

async function cmdTrain(flags: Flags, out: (s: string) => void): Promise<void> {
  const data = str(flags, 'data') ?? DEFAULT_INTENTS_FILE;
  const dir = str(flags, 'out');
  if (!dir) throw new Error('train needs --out DIR');
  const examples = readExamples(data);
  const preset = str(flags, 'preset') ?? (isDefaultData(data) ? 'default' : 'generic');
  const base: Partial<ClassifierOptions> = preset === 'default' ? DEFAULT_ENGINE_CLASSIFIER_OPTIONS : genericClassifierOptions(examples);
  const linear = { ...DEFAULT_CLASSIFIER_OPTIONS.linear, ...base.linear };
  const seed = num(flags, 'seed');
  const epochs = num(flags, 'epochs');
  const l2 = num(flags, 'l2');
  if (seed !== undefined) linear.seed = seed;
  if (epochs !== undefined) linear.epochs = epochs;
  if (l2 !== undefined) linear.l2 = l2;
  const holdout = num(flags, 'holdout') ?? (isDefaultData(data) ? DEFAULT_HOLDOUT : 0);
  let embedder: Embedder | undefined;
  const modelsDir = str(flags, 'models-dir');
  if (modelsDir) {
    embedder = await createTransformersEmbedder({
      modelsDir,
      model: str(flags, 'embedding-model'),
      allowRemoteModels: flags['allow-remote-models'] === true,
    });
  }
  // The built-in data has its frozen split: the model is measured there, not on its own rows.
  const testRows = isDefaultData(data) && existsSync(FROZEN_INTENT_TEST) ? readExamples(FROZEN_INTENT_TEST) : undefined;
  const trained = await trainIntentModel(examples, { holdout, embedder, classifier: { ...base, linear }, testRows });
  saveModel(dir, trained.classifier, trained.meta);
  out(`trained ${trained.meta.id} on ${trained.meta.trainingExamples} examples (${trained.classifier.labels.length} intents), data hash ${trained.meta.dataHash}`);
  if (trained.evaluation) printReport(trained.evaluation.report, out, 5);
  out(JSON.stringify({ model: resolve(dir), id: trained.meta.id, dataHash: trained.meta.dataHash, ...trained.meta.metrics }));
}

interface Split {
  rows: LabelledExample[];
  split: 'heldout' | 'all';
}

function chooseRows(examples: LabelledExample[], flags: Flags, heldOutFraction: number | undefined, modelHash: string | undefined): Split {
  const requested = str(flags, 'split');
  // The held-out split only makes sense for the data the model was trained from.
  const auto = heldOutFraction && modelHash === hashExamples(examples) ? 'heldout' : 'all';
  const split = (requested ?? auto) as Split['split'];
  if (split !== 'heldout' && split !== 'all') throw new Error('--split must be heldout or all');
  if (split === 'all') return { rows: examples, split };
  return { rows: splitExamples(examples, heldOutFraction || DEFAULT_HOLDOUT).test, split };
}

function pct(x: number | null): string {
  return x === null ? '  n/a' : (x * 100).toFixed(1).padStart(5);
}

function printReport(r: EvalReport, out: (s: string) => void, confusions = 10): void {
  const w = Math.max(6, ...r.perClass.map((c) => c.label.length));
  out(`${'intent'.padEnd(w)}  prec.  recall  F1     n`);
  for (const c of r.perClass) out(`${c.label.padEnd(w)}  ${pct(c.precision)}  ${pct(c.recall)}  ${pct(c.f1)}  ${String(c.support).padStart(4)}`);
  if (r.confusions.length) {
    out('most confused (gold -> predicted: count):');
    for (const c of r.confusions.slice(0, confusions)) out(`  ${c.gold} -> ${c.predicted}: ${c.count}`);
  }
  out(`accuracy ${pct(r.accuracy)} %  macro-F1 ${pct(r.macroF1)} %  OOS recall ${pct(r.oosRecall)} %  (n=${r.n})`);
}

async function engineFor(flags: Flags): Promise<{ engine: NlpEngine; holdout: number | undefined }> {
  const modelDir = str(flags, 'model');
  const emb = { modelsDir: str(flags, 'models-dir'), embeddingModel: str(flags, 'embedding-model'), allowRemoteModels: flags['allow-remote-models'] === true };
  if (modelDir) {
    if (!existsSync(join(modelDir, 'model.json'))) throw new Error(`${modelDir}: no model.json`);
    const meta = readModelMeta(modelDir);
    const holdout = typeof meta.params.holdout === 'number' ? meta.params.holdout : undefined;
    return { engine: await loadEngineFromModelDir(modelDir, emb), holdout };
  }
  const cacheDir = str(flags, 'cache-dir') ?? join(tmpdir(), 'concierge-nlp-cache');
  return { engine: await loadDefaultNlpEngine({ cacheDir, ...emb }), holdout: DEFAULT_HOLDOUT };
}

async function cmdEval(flags: Flags, out: (s: string) => void): Promise<void> {
  // The built-in model is measured on its frozen split; a model of one's own on the built-in data's held-out rows unless --data says otherwise.
  const data = str(flags, 'data') ?? (str(flags, 'model') ? DEFAULT_INTENTS_FILE : FROZEN_INTENT_TEST);
  const { engine, holdout } = await engineFor(flags);
  const { rows, split } = chooseRows(readExamples(data), flags, holdout, engine.modelInfo.dataHash);
  if (!rows.length) throw new Error('no rows to evaluate');
  const langs: Language[] = rows.map((r) => r.lang ?? detectLanguage(normalizeText(r.text)).language);
  const predicted: string[] = [];
  const scored: ScoredRow[] = [];
  const understood: LabelledUnderstanding[] = [];
  const started = Date.now();
  for (let i = 0; i < rows.length; i++) {
    const a = await engine.analyze(rows[i].text, { language: rows[i].lang });
    predicted.push(a.intent.name);
    const inTop = a.ranking.find((r) => r.name !== OUT_OF_SCOPE)?.name ?? OUT_OF_SCOPE;
    if (a.oosScore !== undefined) scored.push({ gold: rows[i].intent, inTop, oosScore: a.oosScore });
    understood.push({ gold: rows[i].intent, understanding: { intent: a.intent.name, confidence: a.intent.confidence, ranking: a.ranking, outOfScope: a.outOfScope } });
  }
  const gold = rows.map((r) => r.intent);
  const report = evaluate(gold, predicted);
  out(`model ${engine.modelInfo.id} (data ${engine.modelInfo.dataHash}), ${rows.length} rows of ${data}, split ${split}, ${((Date.now() - started) / rows.length).toFixed(2)} ms/row`);
  printReport(report, out);
  const summary: Record<string, unknown> = {
    accuracy: round(report.accuracy),
    macroF1: round(report.macroF1),
    oosRecall: report.oosRecall === null ? null : round(report.oosRecall),
    n: report.n,
    split,
  };
  const byLang = flags['by-lang'] === true || rows.some((r) => r.lang);
  if (byLang) {
    for (const lang of ['en', 'zh'] as Language[]) {
      const idx = langs.map((l, i) => (l === lang ? i : -1)).filter((i) => i >= 0);
      if (!idx.length) continue;
      const r = evaluate(idx.map((i) => gold[i]), idx.map((i) => predicted[i]));
      out(`[${lang}] accuracy ${pct(r.accuracy)} %  macro-F1 ${pct(r.macroF1)} %  OOS recall ${pct(r.oosRecall)} %  (n=${r.n})`);
      summary[`accuracy_${lang}`] = round(r.accuracy);
      summary[`macroF1_${lang}`] = round(r.macroF1);
      summary[`oosRecall_${lang}`] = r.oosRecall === null ? null : round(r.oosRecall);
    }
  }
  const rejection = engine.modelInfo.rejection;
  if (rejection && scored.some((r) => r.gold === OUT_OF_SCOPE)) {
    out(`out of scope when ${rejection.score} ≥ threshold; trade-off on these rows (* = the model's fitted threshold):`);
    out('  threshold  OOS recall  in-scope acc.  accuracy');
    for (const p of rejectionTradeOff(scored, rejection.threshold, OUT_OF_SCOPE)) {
      out(`${p.chosen ? '* ' : '  '}${p.threshold.toFixed(3).padStart(9)}  ${pct(p.oosRecall).padStart(10)}  ${pct(p.inScopeAccuracy).padStart(13)}  ${pct(p.accuracy).padStart(8)}`);
    }
    const chosen = rejectionTradeOff(scored, rejection.threshold, OUT_OF_SCOPE, []).find((p) => p.chosen)!;
    summary.inScopeAccuracy = round(chosen.inScopeAccuracy);
    summary.rejection = rejection;
  }
  printClarification(understood, out, summary);
  out(JSON.stringify(summary));
}

const policyText = (p: ClarificationPolicy) => `answer ≥ ${p.answerAbove}, ask within ${p.askMargin}, not understood < ${p.notUnderstoodBelow}`;

/** How the shipped "Did you mean …?" policy and the cheapest one on these rows would treat them. */
function printClarification(rows: LabelledUnderstanding[], out: (s: string) => void, summary: Record<string, unknown>): void {
  const shipped = measurePolicy(rows, DEFAULT_CLARIFICATION_POLICY);
  const best = choosePolicy(rows);
  out('clarification (cost per message: wrong answer 1, useful question 0.25, useless question or missed answer 0.6):');
  out('  policy                                                    right  wrong  asked (useful)  not underst.  cost');
  for (const [name, o] of [['shipped', shipped], ['cheapest', best]] as const) {
    const share = (k: number) => pct(k / Math.max(1, o.n));
    out(
      `  ${name.padEnd(9)}${policyText(o.policy).padEnd(49)} ${share(o.answeredRight)}  ${share(o.answeredWrong)}  ${share(o.askedUseful + o.askedUseless)} (${share(o.askedUseful)})  ${share(o.notUnderstood).padStart(12)}  ${o.cost.toFixed(3)}`,
    );
  }
  summary.clarificationCost = round(shipped.cost);
  summary.cheapestPolicy = best.policy;
}

async function cmdClassify(flags: Flags, out: (s: string) => void, input: NodeJS.ReadableStream): Promise<void> {
  const { engine } = await engineFor(flags);
  const productsFile = str(flags, 'products');
  const products = productsFile ? (JSON.parse(readFileSync(productsFile, 'utf8')) as CatalogProduct[]) : undefined;
  const nowFlag = str(flags, 'now');
  const rl = createInterface({ input, crlfDelay: Infinity });
  for await (const line of rl) {
    if (!line.trim()) continue;
    let text = line;
    const hints: AnalyzeHints = { products };
    if (nowFlag) hints.now = new Date(nowFlag);
    if (line.trimStart().startsWith('{')) {
      try {
        const obj = JSON.parse(line) as { text?: unknown; lang?: unknown; language?: unknown; now?: unknown };
        text = typeof obj.text === 'string' ? obj.text : '';
        const lang = obj.lang ?? obj.language;
        if (lang === 'en' || lang === 'zh') hints.language = lang;
        if (typeof obj.now === 'string') hints.now = new Date(obj.now);
      } catch {
        out(JSON.stringify({ error: 'invalid JSON line' }));
        continue;
      }
    }
    out(JSON.stringify({ text, ...(await engine.analyze(text, hints)) }));
  }
}

function round(x: number): number {
  return Math.round(x * 10000) / 10000;
}

/** Rebuilds the shipped sentiment model (nlp/models/sentiment.json) from the project's rows and the shared corpora. */
async function cmdTrainSentiment(flags: Flags, out: (s: string) => void): Promise<void> {
  const shared = typeof flags.shared === 'string' ? flags.shared : undefined;
  if (flags.cv) {
    // The grid the shipped weights were chosen from (nlp/README.md).
    const grid: CorpusWeights[] = [{ ...DEFAULT_CORPUS_WEIGHTS, general: 0, tweets: 1 }, { ...DEFAULT_CORPUS_WEIGHTS, tweets: 2 }, DEFAULT_CORPUS_WEIGHTS];
    await crossValidateCorpusWeights(shared, grid, out);
    return;
  }
  if (flags.select) {
    const grid: CorpusWeights[] = [];
    for (const general of [0, 1, 2, 4]) for (const tweets of [1, 2]) grid.push({ ...DEFAULT_CORPUS_WEIGHTS, general, tweets });
    await selectCorpusWeights(shared, grid, out);
    return;
  }
  const r = await buildSentimentModel({ shared, out: typeof flags.out === 'string' ? flags.out : undefined, log: out });
  out(`wrote ${r.file} (${(r.bytes / 1024).toFixed(0)} KB)`);
}

const HELP = `usage: npm run nlp -- <train|eval|classify|train-sentiment> [options]
  train    [--data FILE] --out DIR [--holdout F] [--seed N] [--epochs N] [--l2 X] [--preset default|generic]
  eval     [--model DIR] [--data FILE] [--split heldout|all] [--by-lang]
  classify [--model DIR] [--products FILE] [--now ISO]   reads JSON lines {"text"} (or plain lines) on stdin
  train-sentiment [--shared DIR] [--out FILE] [--select | --cv]   rebuilds nlp/models/sentiment.json
  common   [--models-dir DIR] [--embedding-model NAME] [--allow-remote-models] [--cache-dir DIR]`;

export async function main(argv: string[], io = { out: (s: string) => console.log(s), input: process.stdin as NodeJS.ReadableStream }): Promise<number> {
  const { command, flags } = parseArgs(argv);
  switch (command) {
    case 'train':
      await cmdTrain(flags, io.out);
      return 0;
    case 'eval':
      await cmdEval(flags, io.out);
      return 0;
    case 'classify':
      await cmdClassify(flags, io.out, io.input);
      return 0;
    case 'train-sentiment':
      await cmdTrainSentiment(flags, io.out);
      return 0;
    default:
      io.out(HELP);
      return command === 'help' || command === '--help' ? 0 : 2;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(`nlp: ${(err as Error).message ?? String(err)}`);
      process.exit(1);
    },
  );
}
