import { readExamples } from '../../nlp/data-io';
import { DEFAULT_INTENTS_FILE, loadDefaultNlpEngine } from '../../nlp/default';
import type { NlpEngine } from '../../nlp/types';
import { sharedNlpCache } from '../support/apps';

/** Sentences stating likes, dislikes or a contact channel, none of them in nlp/data (checked below). */
const HELD_OUT = {
  en: [
    "I'm really into oolong tea",
    'honestly, cedar candles are the best',
    "I'm not keen on glass teapots",
    'emails are fine, phone calls annoy me',
    'WhatsApp is the easiest way to reach me',
    'I always pick unbleached cotton when I can',
  ],
  zh: ['我很喜欢雪松味的蜡烛', '我不太喜欢塑料杯', '有事请发短信给我', '我平时只喝乌龙茶', '别打电话，微信联系我就行', '我是手冲咖啡爱好者'],
};
/** The sentences that went wrong before the intent existed (out_of_scope, human_agent, order_status, feedback). */
const PROBES = [
  'I love dark roast coffee',
  "I prefer email, please don't call me",
  'I hate plastic packaging',
  'I really like your tea selection',
  '我喜欢绿茶',
];

let engine: NlpEngine;
beforeAll(async () => {
  engine = await loadDefaultNlpEngine({ cacheDir: sharedNlpCache });
});

describe('the preference intent', () => {
  test('none of the test sentences is in the training data', () => {
    const known = new Set(readExamples(DEFAULT_INTENTS_FILE).map((e) => e.text.toLowerCase()));
    for (const text of [...HELD_OUT.en, ...HELD_OUT.zh, ...PROBES]) expect([text, known.has(text.toLowerCase())]).toEqual([text, false]);
  });

  test.each([...HELD_OUT.en.map((t) => ['en', t]), ...HELD_OUT.zh.map((t) => ['zh', t])])('[%s] %s → preference', async (language, text) => {
    const a = await engine.analyze(text);
    expect(a.language).toBe(language);
    expect([text, a.intent.name, a.outOfScope]).toEqual([text, 'preference', false]);
  });

  test.each(PROBES)('probe %s → preference', async (text) => {
    expect((await engine.analyze(text)).intent.name).toBe('preference');
  });

  // A callback or a person is a request for contact now (a handoff), not a standing preference;
  // a return of something disliked is a return.
  test.each([
    ['I want to talk to a human', 'human_agent'],
    ['call me back please', 'human_agent'],
    // Asking to be phoned is a request for a call now (the bot's recognizer still reads a stated channel as a preference).
    ['please contact me by phone', 'human_agent'],
    ['转人工', 'human_agent'],
    ["I want to return the coffee I didn't like", 'return_refund'],
    ["can I get a refund on the tea, I don't like it", 'return_refund'],
    ['不喜欢收到的蜡烛，能退款吗', 'return_refund'],
    ['What would you recommend?', 'recommendation'],
    ['有什么推荐的吗？', 'recommendation'],
  ])('real requests stay what they are: %s → %s', async (text, intent) => {
    expect((await engine.analyze(text)).intent.name).toBe(intent);
  });
});
