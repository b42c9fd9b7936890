import { openDatabase, Timeline } from '../../crm';
import { spawnApp, tempDir } from '../support/apps';
import { DirectLineClient } from '../support/directLineClient';

/**
 * Chat, stop the server with SIGTERM, start it again on the same (embedded) data: the transcript and
 * the dialog state are intact and the customer's timeline has every message exactly once.
 */
it('keeps the conversation, the dialog state and the timeline across a restart', async () => {
  const dataDir = tempDir('restart');
  const env = { DATABASE_URL: undefined, DATA_DIR: dataDir, DIRECTLINE_SECRET: undefined };

  const first = await spawnApp(env);
  const client = new DirectLineClient(first.url);
  await client.session();
  await client.start();
  await client.say('help');
  const before = await client.poll();
  expect(before.activities.map((a) => a.text)).toEqual([expect.stringMatching(/Concierge/), 'help', 'What can I help you with?']);
  expect(await first.stop()).toBe(0);

  const second = await spawnApp(env);
  try {
    client.baseUrl = second.url;
    const resumed = await client.session(client.token);
    expect(resumed).toMatchObject({ resumed: true, conversationId: client.conversationId, userId: client.userId });
    const after = await client.poll();
    expect(after.activities).toEqual(before.activities);

    // The help dialog was waiting for a topic before the restart; it continues from there.
    const id = await client.say('Returns');
    const { activities } = await client.poll(after.watermark);
    expect(activities.find((a) => a.replyToId === id)?.text).toMatch(/return most items within 30 days/);
  } finally {
    expect(await second.stop()).toBe(0);
  }

  const database = await openDatabase({ dataDir });
  try {
    const timeline = await new Timeline(database.db).forConversation('directline', client.conversationId);
    expect(timeline.map((m) => [m.direction, m.text])).toEqual([
      ['outbound', expect.stringMatching(/Concierge/)],
      ['inbound', 'help'],
      ['outbound', 'What can I help you with?'],
      ['inbound', 'Returns'],
      ['outbound', expect.stringMatching(/return most items/)],
    ]);
    expect(new Set(timeline.map((m) => m.customerId)).size).toBe(1);
  } finally {
    await database.close();
  }
}, 180_000);
