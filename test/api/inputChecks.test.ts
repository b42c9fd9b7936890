import { findHostileString, hostileCharacterIn, jsonNestsDeeperThan, timestampProblem } from '../../bot/api/inputChecks';

/** The pure checks behind the input guards. */
describe('input checks', () => {
  it('finds NUL and lone surrogates, not surrogate pairs', () => {
    expect(hostileCharacterIn('plain text, ünïcode, 中文, 😀')).toBeUndefined();
    expect(hostileCharacterIn('a\u0000b')).toMatch(/NUL/);
    expect(hostileCharacterIn('\ud83d')).toMatch(/surrogate/);
    expect(hostileCharacterIn('\ude00\ud83d')).toMatch(/surrogate/);
    expect(hostileCharacterIn('end \ud83d\ude00')).toBeUndefined();
  });

  it('names the field of the first hostile string, keys included', () => {
    expect(findHostileString({ a: 'ok', b: [1, { c: 'x\u0000' }] })).toEqual({ field: 'b.1.c', problem: expect.stringMatching(/NUL/) });
    expect(findHostileString({ ['k\ud800']: 1 })?.field).toBe('k\\ud800');
    expect(findHostileString('\u0000')?.field).toBe('');
    expect(findHostileString({ n: null, t: true, x: 1.5 })).toBeUndefined();
    // Deep values are walked without recursion.
    let deep: unknown = 'bottom\u0000';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(findHostileString(deep)?.problem).toMatch(/NUL/);
  });

  it('counts nesting outside strings only', () => {
    expect(jsonNestsDeeperThan('[[[]]]', 3)).toBe(false);
    expect(jsonNestsDeeperThan('[[[[]]]]', 3)).toBe(true);
    expect(jsonNestsDeeperThan(JSON.stringify({ t: '[[[[[[{{{{', u: 'a\\"[[[[[' }), 1)).toBe(false);
    expect(jsonNestsDeeperThan(Buffer.from('{"a":{"b":{"c":{}}}}'), 3)).toBe(true);
  });

  it('refuses timestamps that are not ISO date-times or fall outside the range', () => {
    expect(timestampProblem('2026-12-07T10:31:33.123+01:00')).toBeUndefined();
    expect(timestampProblem('2026-12-07T09:31Z')).toBeUndefined();
    expect(timestampProblem('0000-01-01T00:00:00Z')).toMatch(/out of range/);
    expect(timestampProblem('2026-13-01T00:00:00Z')).toMatch(/not a valid/);
    expect(timestampProblem('yesterday')).toMatch(/ISO 8601/);
    expect(timestampProblem('2030-01-01T00:00:00Z', { earliest: new Date(0), latest: new Date('2029-01-01T00:00:00Z') })).toMatch(/out of range/);
  });
});
