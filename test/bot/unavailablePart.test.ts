import { unavailablePart } from '../../bot/errors';
import { readiness } from '../../bot/server';

/** Which part a failure says is down (pure), and the bounded readiness probes. */
describe('unavailablePart', () => {
  function queryFailure(cause: unknown): Error {
    // drizzle's DrizzleQueryError: the statement in the message, the driver's error as the cause.
    return Object.assign(new Error('Failed query: select 1\nparams: '), { cause });
  }

  it('names the database for a refused connection under a query, a connection exception or a server shutting down', () => {
    expect(unavailablePart(queryFailure(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED', syscall: 'connect' })))).toBe('database');
    expect(unavailablePart(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }))).toBe('database');
    expect(unavailablePart(Object.assign(new Error('could not connect'), { code: '08006' }))).toBe('database');
    expect(unavailablePart(new Error('timeout exceeded when trying to connect'))).toBe('database');
    expect(unavailablePart(queryFailure(new Error('Connection terminated unexpectedly')))).toBe('database');
  });

  it("names Redis for ioredis's fail-fast and timeout errors", () => {
    expect(unavailablePart(new Error("Stream isn't writeable and enableOfflineQueue options is false"))).toBe('redis');
    expect(unavailablePart(new Error('Command timed out'))).toBe('redis');
    expect(unavailablePart(Object.assign(new Error('Reached the max retries per request limit (which is 1).'), { name: 'MaxRetriesPerRequestError' }))).toBe('redis');
  });

  it('names nothing for an outside call that failed, a constraint violation or a plain bug', () => {
    const fetchFailed = Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:443'), { code: 'ECONNREFUSED' }) });
    expect(unavailablePart(fetchFailed)).toBeNull();
    expect(unavailablePart(queryFailure(Object.assign(new Error('duplicate key value violates unique constraint'), { code: '23505' })))).toBeNull();
    expect(unavailablePart(new TypeError("Cannot read properties of undefined (reading 'id')"))).toBeNull();
    expect(unavailablePart(undefined)).toBeNull();
  });
});

describe('readiness', () => {
  it('reports each probe, and one that hangs as unreachable once the timeout passes', async () => {
    const checks = await readiness({ database: async () => undefined, redis: () => new Promise(() => undefined), search: async () => Promise.reject(new Error('down')) }, 50);
    expect(checks).toEqual({ database: 'ok', redis: 'unreachable', search: 'unreachable' });
  });
});
