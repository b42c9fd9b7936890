import { randomUUID } from 'node:crypto';
import { createLogger } from '../../bot/logger';
import { parseConfig } from '../../config';
import { createCrm, openDatabase, type Database } from '../../crm';
import { messages } from '../../crm/schema';
import { tempDir, testDatabaseUrl } from '../support/apps';

/** A logger writing into memory: what would have gone to standard output. */
function capturedLogger(o: { logMessageText?: boolean } = {}) {
  const lines: string[] = [];
  const log = createLogger({ level: 'info', logMessageText: o.logMessageText, destination: { write: (line: string) => void lines.push(line) } });
  return { log, output: () => lines.join(''), records: () => lines.map((l) => JSON.parse(l) as Record<string, any>) };
}

const MESSAGE = 'My card 4111 1111 1111 1111 was charged twice, write to dana.customer@example.com or +44 20 7946 0958';
const forbidden = ['4111 1111 1111 1111', '4111111111111111', 'dana.customer@example.com', 'was charged twice', '7946 0958'];

function expectNothingPrivate(output: string) {
  for (const s of forbidden) expect({ found: s, in: output.includes(s) }).toEqual({ found: s, in: false });
}

/** A message row the database refuses (no author: a not-null violation), written past the timeline's own masking. */
async function failedWrite(database: Database): Promise<Error> {
  const crm = createCrm(database.db);
  const customer = await crm.customers.resolve({ kind: 'test', externalId: randomUUID() });
  try {
    await database.db.insert(messages).values({ customerId: customer.id, channel: 'test', conversationId: 'c', direction: 'inbound', author: null as unknown as string, text: MESSAGE, activityId: randomUUID() });
  } catch (err) {
    return err as Error;
  }
  throw new Error('the insert was expected to fail');
}

describe.each([
  ['PostgreSQL (node-postgres)', () => openDatabase({ url: testDatabaseUrl(), poolSize: 2 })],
  ['PGlite', () => openDatabase({ dataDir: tempDir('pglite-log') })],
])('logging a failed database write: %s', (_driver, open) => {
  let database: Database;
  beforeAll(async () => {
    database = await open();
  }, 120_000);
  afterAll(() => database.close());

  it('the driver error really carries the customer text (what the logger must not write)', async () => {
    const err = await failedWrite(database);
    expect(err.message).toContain('4111 1111 1111 1111');
    expect((err as { params?: unknown[] }).params).toContain(MESSAGE);
    expect(String((err.cause as { detail?: string }).detail)).toContain('4111 1111 1111 1111');
  });

  it.each([
    ['{ err } with a message', (log: ReturnType<typeof capturedLogger>['log'], err: Error) => log.error({ err }, 'could not store a message')],
    ['{ err } alone', (log: ReturnType<typeof capturedLogger>['log'], err: Error) => log.error({ err })],
    ['the error alone', (log: ReturnType<typeof capturedLogger>['log'], err: Error) => log.error(err)],
    ['under another key, in a child logger', (log: ReturnType<typeof capturedLogger>['log'], err: Error) => log.child({ part: 'learning' }).warn({ error: err, text: MESSAGE }, 'could not learn')],
  ])('logged as %s: no card, no email, no phone, no message text; the error kind and code remain', async (_how, write) => {
    const err = await failedWrite(database);
    const { log, output, records } = capturedLogger();
    write(log, err);
    expectNothingPrivate(output());
    const [record] = records();
    const logged = record.err ?? record.error;
    expect(logged.type).toBe('DrizzleQueryError');
    expect(logged.message).toBe('Failed query (statement and parameters omitted)');
    expect(logged.params).toBeUndefined();
    expect(logged.query).toBeUndefined();
    expect(logged.cause).toMatchObject({ code: '23502', column: 'author', table: 'messages' });
    expect(logged.cause.detail).toBeUndefined();
    expect(logged.cause.message).toMatch(/null value in column "author"/);
    expect(output()).toMatch(/at /); // stack frames are kept
    expect(record.msg).not.toContain('params');
  });

  it('a value PostgreSQL quotes in its message (invalid input syntax) is left out too', async () => {
    const err = await database.db
      .insert(messages)
      .values({ customerId: 'dana.customer@example.com', channel: 'test', conversationId: 'c', direction: 'inbound', author: 'customer', text: MESSAGE, activityId: randomUUID() })
      .then(() => new Error('the insert was expected to fail'), (e: Error) => e);
    expect(String((err.cause as Error).message)).toContain('dana.customer@example.com');
    const { log, output, records } = capturedLogger();
    log.error({ err }, 'could not store a message');
    expectNothingPrivate(output());
    expect(records()[0].err.cause).toMatchObject({ code: '22P02', message: 'invalid input syntax for type uuid: "(value omitted)"' });
  });

  it('a write on a closed database: the failure is logged without the parameters', async () => {
    const closed = await open();
    await closed.close();
    const err = await failedWrite(closed).catch((e: Error) => e);
    const { log, output } = capturedLogger();
    log.error({ err }, 'could not store a message');
    expectNothingPrivate(output());
    expect(output()).toContain('could not store a message');
  });
});

describe('the logger and LOG_MESSAGE_TEXT', () => {
  it('leaves message text out by default (the configuration default is off)', () => {
    const config = parseConfig({});
    expect(config.LOG_MESSAGE_TEXT).toBe(false);
    const { log, records, output } = capturedLogger({ logMessageText: config.LOG_MESSAGE_TEXT });
    log.info({ text: MESSAGE, channel: 'directline' }, 'turn failed');
    expect(records()[0]).toMatchObject({ text: expect.stringMatching(/omitted/), channel: 'directline', msg: 'turn failed' });
    expectNothingPrivate(output());
  });

  it('logs message text with LOG_MESSAGE_TEXT on, with cards, emails and phones masked', () => {
    const config = parseConfig({ LOG_MESSAGE_TEXT: 'true' });
    const { log, records } = capturedLogger({ logMessageText: config.LOG_MESSAGE_TEXT });
    log.info({ text: MESSAGE }, 'message from %s', 'dana.customer@example.com');
    expect(records()[0]).toMatchObject({
      text: 'My card [card •••• 1111] was charged twice, write to d***@example.com or [phone ••58]',
      msg: 'message from d***@example.com',
    });
  });

  it('masks strings anywhere in a record, also in the message and in child bindings', () => {
    const { log, output } = capturedLogger();
    log.child({ customer: 'dana.customer@example.com' }).warn({ note: 'card 4111111111111111' }, 'lookup for +44 20 7946 0958 failed');
    expectNothingPrivate(output());
    expect(output()).toContain('[card •••• 1111]');
  });
});
