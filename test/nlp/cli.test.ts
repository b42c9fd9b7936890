import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { main } from '../../nlp/cli';

const root = resolve(__dirname, '..', '..');
let dir: string;
let dataFile: string;
let csvFile: string;

// A small bilingual data set (written for this test) with an out_of_scope class.
const DATA: Record<string, { en: string[]; zh: string[] }> = {
  order_status: {
    en: ['where is my order', 'has my parcel shipped', 'track my package', 'my order has not arrived', 'when will my order come', 'order status please', 'is my delivery late', 'where is my package now', 'tracking info for my order', 'my parcel is still not here'],
    zh: ['我的订单到哪了', '快递怎么还没到', '查一下物流', '订单发货了吗', '包裹什么时候到', '查询订单状态', '我的快递到哪里了', '物流一直没更新', '帮我查查订单', '还没收到货'],
  },
  return_refund: {
    en: ['I want a refund', 'how do I return this', 'send the item back', 'refund my money', 'return policy please', 'the product is broken, refund me', 'can I exchange it', 'my refund is missing', 'start a return', 'I need to return my shoes'],
    zh: ['我要退款', '怎么退货', '东西坏了要退', '退钱给我', '退货政策', '申请退货', '能换货吗', '退款没到账', '我想退掉这个', '鞋子要退'],
  },
  out_of_scope: {
    en: ['tell me a joke', 'what is the weather', 'who won the game', 'sing a song', 'what is the capital of peru', 'how tall is everest', 'do you like cats', 'write a poem', 'what time is it in tokyo', 'explain gravity'],
    zh: ['讲个笑话', '今天天气如何', '谁赢了比赛', '唱首歌', '秘鲁首都是哪', '珠峰多高', '你喜欢猫吗', '写首诗', '东京几点了', '解释一下引力'],
  },
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'nlp-cli-test-'));
  dataFile = join(dir, 'data.jsonl');
  const rows = Object.entries(DATA).flatMap(([intent, byLang]) =>
    (['en', 'zh'] as const).flatMap((lang) => byLang[lang].map((text) => JSON.stringify({ text, intent, lang }))),
  );
  writeFileSync(dataFile, rows.join('\n') + '\n');
  csvFile = join(dir, 'data.csv');
  const csvRows = Object.entries(DATA).flatMap(([intent, byLang]) => byLang.en.map((t) => `"${t.replace(/"/g, '""')}",${intent}`));
  writeFileSync(csvFile, 'text,category\n' + csvRows.join('\n') + '\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(argv: string[], input = ''): Promise<string[]> {
  const lines: string[] = [];
  const code = await main(argv, { out: (s) => lines.push(s), input: Readable.from([input]) });
  expect(code).toBe(0);
  return lines;
}

describe('nlp CLI', () => {
  test('train writes a model directory with data hash, parameters and metrics', async () => {
    const out = await run(['train', '--data', dataFile, '--out', join(dir, 'model'), '--holdout', '0.2', '--seed', '3']);
    const summary = JSON.parse(out[out.length - 1]);
    expect(summary.dataHash).toMatch(/^[0-9a-f]{16}$/);
    expect(summary.heldOutExamples).toBe(12);
    expect(summary.accuracy).toBeGreaterThanOrEqual(0.5);
    const model = JSON.parse(readFileSync(join(dir, 'model', 'model.json'), 'utf8'));
    expect(model).toMatchObject({ dataHash: summary.dataHash, params: { holdout: 0.2, seed: 3 }, trainingExamples: 48 });
    expect(model.metrics.accuracy_en).toBeDefined();
    expect(model.metrics.accuracy_zh).toBeDefined();
    expect(existsSync(join(dir, 'model', 'weights.bin'))).toBe(true);
  });

  test('eval prints per-intent P/R/F1, confusions, per-language lines and a final JSON summary', async () => {
    const out = await run(['eval', '--model', join(dir, 'model'), '--data', dataFile]);
    expect(out.some((l) => /^intent\s+prec\.\s+recall\s+F1/.test(l))).toBe(true);
    expect(out.some((l) => l.startsWith('order_status'))).toBe(true);
    expect(out.some((l) => l.startsWith('[en] accuracy'))).toBe(true);
    expect(out.some((l) => l.startsWith('[zh] accuracy'))).toBe(true);
    const last = JSON.parse(out[out.length - 1]);
    // trained with a held-out split of this very file → evaluated on that split only
    expect(last).toMatchObject({ split: 'heldout', n: 12 });
    for (const k of ['accuracy', 'macroF1', 'oosRecall', 'accuracy_en', 'macroF1_en', 'accuracy_zh', 'macroF1_zh']) {
      expect(typeof last[k]).toBe('number');
    }
    const all = JSON.parse((await run(['eval', '--model', join(dir, 'model'), '--data', dataFile, '--split', 'all'])).pop()!);
    expect(all.n).toBe(60);
    expect(all.accuracy).toBeGreaterThan(0.8); // mostly training rows
  });

  test('train and eval accept CSV with a category column (banking77 layout)', async () => {
    const out = await run(['train', '--data', csvFile, '--out', join(dir, 'csv-model')]);
    expect(JSON.parse(out[out.length - 1]).trainingExamples).toBe(30);
    const ev = await run(['eval', '--model', join(dir, 'csv-model'), '--data', csvFile, '--by-lang']);
    const last = JSON.parse(ev[ev.length - 1]);
    expect(last.split).toBe('all');
    expect(last.accuracy).toBeGreaterThan(0.8);
    expect(last.accuracy_en).toBe(last.accuracy);
  });

  test('classify turns JSON lines on stdin into analyses on stdout', async () => {
    const input = [
      JSON.stringify({ text: 'where is my order #A12345' }),
      JSON.stringify({ text: '我要退款', lang: 'zh' }),
      'plain text line: tell me a joke',
      '{not json',
      '',
    ].join('\n');
    const out = await run(['classify', '--model', join(dir, 'model'), '--now', '2026-11-18T12:00:00Z'], input);
    expect(out).toHaveLength(4);
    const [a, b, c, d] = out.map((l) => JSON.parse(l));
    expect(a).toMatchObject({ text: 'where is my order #A12345', language: 'en', intent: { name: 'order_status' } });
    expect(a.entities[0]).toMatchObject({ type: 'order_number', value: 'A12345' });
    expect(b).toMatchObject({ language: 'zh', intent: { name: 'return_refund' } });
    expect(c.text).toBe('plain text line: tell me a joke');
    expect(d).toEqual({ error: 'invalid JSON line' });
  });

  test('the npm script entry point works as a process (classify)', () => {
    const stdout = execFileSync(process.execPath, [join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(root, 'nlp', 'cli.ts'), 'classify', '--model', join(dir, 'model')], {
      input: '{"text":"track my package"}\n',
      env: { ...process.env, DOTENV_CONFIG_QUIET: 'true' },
      encoding: 'utf8',
    });
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]).intent.name).toBe('order_status');
  });

  test('unknown commands print usage and fail; bad flags throw', async () => {
    const lines: string[] = [];
    expect(await main(['frobnicate'], { out: (s) => lines.push(s), input: Readable.from(['']) })).toBe(2);
    expect(lines.join('\n')).toMatch(/usage/);
    await expect(main(['train', '--data', dataFile])).rejects.toThrow(/--out/);
  });
});
