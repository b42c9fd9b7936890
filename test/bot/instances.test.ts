import { spawnApp, testDatabaseUrl, type ChildApp } from '../support/apps';
import { DirectLineClient } from '../support/directLineClient';

/** Two instances on one PostgreSQL and Redis: a browser streaming from B gets the reply to a post made through A. */
describe('two instances', () => {
  let a: ChildApp;
  let b: ChildApp;
  beforeAll(async () => {
    const env = { DATABASE_URL: testDatabaseUrl(), DIRECTLINE_SECRET: 'shared-directline-secret-0123456789abcdef' };
    [a, b] = await Promise.all([spawnApp(env, 'web'), spawnApp(env, 'web')]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it('streams from instance B the reply to a message posted through instance A', async () => {
    expect(a.url).not.toBe(b.url);
    const viaA = new DirectLineClient(a.url);
    await viaA.session();
    await viaA.start();

    const viaB = new DirectLineClient(b.url);
    Object.assign(viaB, { token: viaA.token, conversationId: viaA.conversationId, userId: viaA.userId });
    await viaB.reconnect();
    expect(new URL(viaB.streamUrl).host).toBe(new URL(b.url).host);
    await viaB.connect();
    await viaB.waitFor((x) => /Concierge/.test(x.text ?? ''));

    const id = await viaA.say('hello');
    const reply = await viaB.replyTo(id);
    expect(reply.text).toBe('Hello! How can I help you today?');
    expect(viaB.received.map((x) => x.id)).toContain(id);
    viaB.close();
  });
});
