import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readExamples } from '../../nlp/data-io';
import { DEFAULT_DATA_DIR, DEFAULT_INTENTS_FILE, readSentimentExamples } from '../../nlp/default';
import { tempDir } from '../support/apps';

const FROZEN = join(DEFAULT_DATA_DIR, 'frozen');
const norm = (t: string): string => t.toLowerCase().replace(/[\s\p{P}]+/gu, ' ').trim();
/**
 * Short everyday messages ("forgot my password", 取消订单) are written alike by independent
 * writers, so both sets may hold them; a longer identical row can only be a copy.
 */
const isLong = (t: string): boolean => t.split(/\s+/).length > 8 || (/\p{Script=Han}/u.test(t) && t.length > 14);

describe('frozen test sets', () => {
  test('readExamples reads a directory of JSONL files in name order', () => {
    const dir = tempDir('frozen');
    writeFileSync(join(dir, 'b.jsonl'), '{"text":"bye","intent":"goodbye","lang":"en"}\n');
    writeFileSync(join(dir, 'a.jsonl'), '{"text":"hi","intent":"greeting","lang":"en"}\n');
    writeFileSync(join(dir, 'notes.md'), 'not data');
    expect(readExamples(dir).map((e) => e.intent)).toEqual(['greeting', 'goodbye']);
  });

  // The frozen rows measure the model; one copied into training would measure nothing.
  test('no longer frozen intent row is in the training data, and every label is a built-in intent', () => {
    const training = readExamples(DEFAULT_INTENTS_FILE);
    const known = new Set(training.map((e) => e.intent));
    const seen = new Set(training.map((e) => norm(e.text)));
    const frozen = readExamples(join(FROZEN, 'intent-test'));
    expect(frozen.length).toBeGreaterThanOrEqual(1000);
    expect(frozen.filter((e) => !known.has(e.intent))).toEqual([]);
    expect(frozen.filter((e) => isLong(e.text) && seen.has(norm(e.text))).map((e) => e.text)).toEqual([]);
  });

  test('no longer frozen sentiment row is in the sentiment training data', () => {
    const seen = new Set(readSentimentExamples().map((e) => norm(e.text)));
    const frozen = readSentimentExamples(join(FROZEN, 'sentiment-test.jsonl'));
    expect(frozen.length).toBe(600);
    expect(frozen.filter((e) => isLong(e.text) && seen.has(norm(e.text))).map((e) => e.text)).toEqual([]);
  });
});
