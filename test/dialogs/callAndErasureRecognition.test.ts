import { NlpRecognizer } from '../../bot/nlpRecognizer';
import { loadDefaultNlpEngine } from '../../nlp';
import { readExamples } from '../../nlp/data-io';
import { DEFAULT_INTENTS_FILE } from '../../nlp/default';
import { sharedNlpCache } from '../support/apps';

/**
 * Two misreadings through the bot's recognizer with the real default engine: a question about a call
 * that happened was handed to a person as if it asked for a call now, and "forget me" (the GDPR erasure)
 * was heard as a stated preference.
 */
const ABOUT_A_PAST_CALL = ['why did you call me', 'who called me?', 'did you call me earlier?', 'why do you keep calling me', '你们为什么给我打电话', '刚才是你们给我打电话吗'];
/** Asking to be phoned is still a handoff, also next to a question about an earlier call. */
const ASKS_FOR_A_CALL = [
  'please call me',
  'can you call me',
  'could you call me back',
  'call me back asap pls',
  'give me a call',
  'can u ring me when you get a sec',
  '给我打个电话',
  '回个电话',
  'why did you call me? call me back',
  'I did ask you to call me back',
];
/** A callback that never came is a complaint (a ticket, a person), not a question the bot cannot place. */
const MISSED_CALLBACK = ["why haven't you called me back", 'nobody called me back'];
const ERASURE = ['just forget me please', 'please forget me', 'forget about me', 'forget everything about me', '忘掉我', 'delete everything you know about me', '把我的信息都删掉'];
/** "forget" that erases nothing. */
const NOT_ERASURE: Array<[string, string]> = [
  ['I forgot my password again', 'account_access'],
  ['我忘了登录密码', 'account_access'],
];

let recognizer: NlpRecognizer;
beforeAll(async () => {
  recognizer = new NlpRecognizer(await loadDefaultNlpEngine({ cacheDir: sharedNlpCache }));
});

describe('questions about a past call, requests for a call, and erasure', () => {
  test('the model is trained on none of these sentences', () => {
    const trained = new Set(readExamples(DEFAULT_INTENTS_FILE).map((e) => e.text.toLowerCase()));
    for (const text of [...ABOUT_A_PAST_CALL, ...ASKS_FOR_A_CALL, ...MISSED_CALLBACK, ...ERASURE, ...NOT_ERASURE.map(([t]) => t), 'never mind, forget it']) {
      expect([text, trained.has(text.toLowerCase())]).toEqual([text, false]);
    }
  });

  test.each(ABOUT_A_PAST_CALL)('a question about a past call is no request for one: %s', async (text) => {
    const u = await recognizer.recognize(text, {});
    expect([text, u.intent === 'human_agent', u.intent === 'preference']).toEqual([text, false, false]);
  });

  test.each(ASKS_FOR_A_CALL)('a request for a call hands over: %s', async (text) => {
    const u = await recognizer.recognize(text, {});
    expect([text, u.intent, u.outOfScope]).toEqual([text, 'human_agent', false]);
  });

  test.each(MISSED_CALLBACK)('a missed callback is a complaint: %s', async (text) => {
    const u = await recognizer.recognize(text, {});
    expect([text, u.intent, u.outOfScope]).toEqual([text, 'complaint', false]);
  });

  test.each(ERASURE)('erasure is a privacy request: %s', async (text) => {
    const u = await recognizer.recognize(text, {});
    expect([text, u.intent, u.outOfScope]).toEqual([text, 'privacy_request', false]);
  });

  test.each(NOT_ERASURE)('forgetting a password is no erasure: %s → %s', async (text, intent) => {
    expect((await recognizer.recognize(text, {})).intent).toBe(intent);
  });

  test('"never mind, forget it" drops the subject and erases nothing', async () => {
    expect((await recognizer.recognize('never mind, forget it', {})).intent).not.toBe('privacy_request');
  });
});
