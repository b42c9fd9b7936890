import { hashExamples, parseCsv, parseExamples, splitExamples } from '../../nlp/data-io';
import { fitOosThreshold, stratifiedFolds, stratifiedSplit } from '../../nlp/classifier';
import { Featurizer, DEFAULT_FEATURE_OPTIONS } from '../../nlp/features';
import { fitTemperature, nll, rng, scores, softmax, trainLinear } from '../../nlp/linear';
import { evaluate, percentile } from '../../nlp/metrics';
import { detectLanguage, normalizeText, tokenize } from '../../nlp/text';

describe('linear models', () => {
  test('softmax is a stable probability distribution', () => {
    const p = softmax([1000, 1001, 999]);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(p[1]).toBeGreaterThan(p[0]);
    const flat = softmax([1, 2, 3], 1e6);
    expect(flat[0]).toBeCloseTo(1 / 3, 4);
  });

  test('seeded RNG is reproducible', () => {
    const a = rng(5);
    const b = rng(5);
    const xs = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
  });

  test.each(['softmax', 'squared_hinge'] as const)('%s SGD separates a toy problem', (loss) => {
    // 3 classes, each marked by its own feature plus shared noise features.
    const xs = [];
    const ys = [];
    const r = rng(1);
    for (let i = 0; i < 150; i++) {
      const y = i % 3;
      const noise = 3 + Math.floor(r() * 4);
      xs.push({ idx: Int32Array.from([y, noise]), val: Float32Array.from([0.8, 0.6]) });
      ys.push(y);
    }
    const m = trainLinear(xs, ys, 7, 3, { loss, epochs: 10, l2: 1e-4, learningRate: 0.3, seed: 1 });
    for (let y = 0; y < 3; y++) {
      const s = scores(m, { idx: Int32Array.from([y]), val: Float32Array.from([1]) });
      expect(s.indexOf(Math.max(...s))).toBe(y);
    }
  });

  test('restarts average the weights of runs with consecutive seeds', () => {
    const xs = [0, 1, 0, 1].map((f) => ({ idx: Int32Array.from([f]), val: Float32Array.from([1]) }));
    const ys = [0, 1, 0, 1];
    const opts = { epochs: 3, seed: 4, l2: 1e-4, learningRate: 0.1 };
    const a = trainLinear(xs, ys, 2, 2, { ...opts });
    const b = trainLinear(xs, ys, 2, 2, { ...opts, seed: 5 });
    const avg = trainLinear(xs, ys, 2, 2, { ...opts, restarts: 2 });
    avg.weights.forEach((w, q) => expect(w).toBeCloseTo((a.weights[q] + b.weights[q]) / 2, 5));
  });

  test('temperature scaling lowers NLL of over-confident scores', () => {
    // Scores 10x too confident, with 30 % label noise.
    const r = rng(2);
    const all: Float64Array[] = [];
    const ys: number[] = [];
    for (let i = 0; i < 300; i++) {
      const y = i % 2;
      all.push(Float64Array.from(y === 0 ? [10, 0] : [0, 10]));
      ys.push(r() < 0.3 ? 1 - y : y);
    }
    const t = fitTemperature(all, ys);
    expect(t).toBeGreaterThan(1);
    expect(nll(all, ys, t)).toBeLessThan(nll(all, ys, 1));
  });

  test('OOS threshold rejects low-confidence rows only when it pays off', () => {
    const probs = [Float64Array.from([0.9, 0.05, 0.05]), Float64Array.from([0.4, 0.35, 0.25]), Float64Array.from([0.1, 0.85, 0.05])];
    // class 2 = out_of_scope; the uncertain row is out of scope
    expect(fitOosThreshold(probs, [0, 2, 1], 2)).toBeGreaterThan(0.4);
    expect(fitOosThreshold(probs, [0, 0, 1], 2)).toBe(0);
    expect(fitOosThreshold(probs, [0, 0, 1], -1)).toBe(0);
  });

  test('stratified split keeps every class on both sides, deterministically', () => {
    const ys = Array.from({ length: 40 }, (_, i) => i % 4);
    const a = stratifiedSplit(ys, 0.25, 9);
    expect(stratifiedSplit(ys, 0.25, 9)).toEqual(a);
    for (let c = 0; c < 4; c++) {
      expect(a.val.filter((i) => ys[i] === c)).toHaveLength(3);
      expect(a.train.filter((i) => ys[i] === c)).toHaveLength(7);
    }
  });

  test('stratified folds put every row in exactly one fold and spread each class evenly, deterministically', () => {
    const ys = Array.from({ length: 42 }, (_, i) => (i < 30 ? i % 3 : 3));
    const folds = stratifiedFolds(ys, 4, 9);
    expect(stratifiedFolds(ys, 4, 9)).toEqual(folds);
    expect(folds.flatMap((f) => f.val).sort((a, b) => a - b)).toEqual(ys.map((_, i) => i));
    for (const f of folds) {
      expect([...f.train, ...f.val].sort((a, b) => a - b)).toEqual(ys.map((_, i) => i));
      for (let c = 0; c < 4; c++) expect([2, 3]).toContain(f.val.filter((i) => ys[i] === c).length);
    }
  });
});

describe('features and text', () => {
  test('normalisation strips control characters and unifies width', () => {
    expect(normalizeText('\u0000ＡＢＣ\u0007  １２３\n')).toBe('ABC 123');
    expect(normalizeText(undefined)).toBe('');
    expect(normalizeText('x'.repeat(10000)).length).toBe(4000);
  });

  test('language detection by dominant script', () => {
    expect(detectLanguage('你好，我的订单').language).toBe('zh');
    expect(detectLanguage('hello there').language).toBe('en');
    expect(detectLanguage('my 订单').language).toBe('zh');
    expect(detectLanguage('please check my order 单').language).toBe('en');
    expect(detectLanguage('😀 123')).toEqual({ language: 'en', confidence: 0.5 });
  });

  test('tokenisation: English stems, Chinese words', () => {
    expect(tokenize('Cancelling my orders', 'en').terms).toEqual(['cancel', 'my', 'order']);
    expect(tokenize('我要取消订单', 'zh').words).toEqual(expect.arrayContaining(['取消', '订单']));
  });

  test('TF-IDF vectors are unit length with word and char blocks', () => {
    const fo = DEFAULT_FEATURE_OPTIONS;
    const docs = ['where is my order', 'cancel my order', '我的订单'].map((t) => new Featurizer({ options: fo, vocab: [], idf: [] }).featuresOf(t, detectLanguage(t).language));
    const fz = Featurizer.fit(docs, fo);
    for (const t of ['where is my order', '我的订单']) {
      const v = fz.transform(t, detectLanguage(t).language);
      const n = Math.sqrt(Array.from(v.val).reduce((s, x) => s + x * x, 0));
      expect(n).toBeCloseTo(1, 5);
    }
    expect(fz.state.vocab).toEqual(expect.arrayContaining(['wwhere', 'wmy order', 'c ord', 'c订单']));
    expect(fz.transform('zzzz qqqq', 'en').idx.length).toBe(0);
    // the inference fast path (per-word n-gram cache) equals the training path
    const sorted = (v: { idx: Int32Array; val: Float32Array }) => Array.from(v.idx, (i, j) => [i, v.val[j]]).sort((a, b) => a[0] - b[0]);
    for (const t of ['where is my order order', 'cancel my order 我的订单', 'where where', '']) {
      const lang = detectLanguage(t).language;
      const fast = sorted(fz.transform(t, lang));
      const slow = sorted(fz.vectorize(fz.featuresOf(t, lang)));
      expect(fast.map((p) => p[0])).toEqual(slow.map((p) => p[0]));
      fast.forEach((p, j) => expect(p[1]).toBeCloseTo(slow[j][1], 6));
    }
    const across = Featurizer.fit(docs, { ...fo, crossWordChars: true });
    expect(across.featuresOf('my order', 'en').has('cy or')).toBe(true);
    expect(fz.featuresOf('my order', 'en').has('cy or')).toBe(false);
  });
});

describe('data and metrics', () => {
  test('CSV parsing handles quotes, commas and CRLF', () => {
    expect(parseCsv('text,category\r\n"a, ""b""",x\nc,y\n')).toEqual([
      ['text', 'category'],
      ['a, "b"', 'x'],
      ['c', 'y'],
    ]);
    expect(parseExamples('text,category\n"hi, there",greeting\n', 'f.csv')).toEqual([{ text: 'hi, there', intent: 'greeting' }]);
    expect(parseExamples('{"text":"hi","intent":"greeting","lang":"en"}\n\n', 'f.jsonl')).toEqual([{ text: 'hi', intent: 'greeting', lang: 'en' }]);
    expect(() => parseExamples('{"text":1}', 'f.jsonl')).toThrow(/f.jsonl:1/);
    expect(() => parseExamples('a,b\n1,2', 'f.csv')).toThrow(/columns/);
  });

  test('split is deterministic, stratified and stable under reordering', () => {
    const rows = Array.from({ length: 100 }, (_, i) => ({ text: `text ${i}`, intent: i % 2 ? 'a' : 'b' }));
    const s1 = splitExamples(rows, 0.2);
    const s2 = splitExamples([...rows].reverse(), 0.2);
    expect(s1.test.map((r) => r.text).sort()).toEqual(s2.test.map((r) => r.text).sort());
    expect(s1.test.filter((r) => r.intent === 'a')).toHaveLength(10);
    expect(s1.train).toHaveLength(80);
    expect(hashExamples(rows)).toBe(hashExamples([...rows]));
    expect(hashExamples(rows)).not.toBe(hashExamples(rows.slice(1)));
  });

  test('evaluate computes accuracy, macro-F1, confusions and OOS recall', () => {
    const gold = ['a', 'a', 'b', 'b', 'out_of_scope', 'out_of_scope'];
    const pred = ['a', 'b', 'b', 'b', 'out_of_scope', 'a'];
    const r = evaluate(gold, pred);
    expect(r.accuracy).toBeCloseTo(4 / 6);
    expect(r.oosRecall).toBe(0.5);
    expect(r.inScopeRejectRate).toBe(0);
    const b = r.perClass.find((c) => c.label === 'b')!;
    expect(b.precision).toBeCloseTo(2 / 3);
    expect(b.recall).toBe(1);
    expect(r.confusions[0]).toEqual({ gold: 'a', predicted: 'b', count: 1 });
    expect(r.macroF1).toBeCloseTo((0.5 + 0.8 + 2 / 3) / 3);
    expect(percentile([5, 1, 4, 2, 3], 50)).toBe(3);
    expect(percentile([], 99)).toBe(0);
  });
});
