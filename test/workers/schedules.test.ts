import { createQueue, QUEUE_NAMES, startWorkers, type WorkerHost } from '../../workers';
import { MAIN_REDIS_URL, openDesk, silentLog, testPrefix } from './fixtures/helpers';

/** The nightly jobs are scheduled at their hour in the support team's zone (SUPPORT_TIME_ZONE). */
describe('nightly schedules', () => {
  it('agent evaluation, customer value, recommendation and intent model training, and retention all carry the team’s time zone', async () => {
    const desk = await openDesk();
    const prefix = testPrefix();
    let host: WorkerHost | undefined;
    const queues = [QUEUE_NAMES.agentEvaluation, QUEUE_NAMES.customerValue, QUEUE_NAMES.recommendationTraining, QUEUE_NAMES.intentModelTraining, QUEUE_NAMES.retention].map((name) => createQueue(name, { redisUrl: MAIN_REDIS_URL, prefix }));
    try {
      host = await startWorkers({ redisUrl: MAIN_REDIS_URL, prefix, crm: desk.crm, db: desk.database.db, log: silentLog, timeZone: 'Asia/Shanghai' });
      const schedules = await Promise.all(queues.map(async (q) => (await q.getJobSchedulers()).map((s) => ({ queue: q.name, pattern: s.pattern, tz: s.tz }))));
      expect(schedules.flat()).toEqual([
        { queue: QUEUE_NAMES.agentEvaluation, pattern: '0 2 * * *', tz: 'Asia/Shanghai' },
        { queue: QUEUE_NAMES.customerValue, pattern: '0 3 * * *', tz: 'Asia/Shanghai' },
        { queue: QUEUE_NAMES.recommendationTraining, pattern: '30 3 * * *', tz: 'Asia/Shanghai' },
        { queue: QUEUE_NAMES.intentModelTraining, pattern: '0 4 * * *', tz: 'Asia/Shanghai' },
        { queue: QUEUE_NAMES.retention, pattern: '30 1 * * *', tz: 'Asia/Shanghai' },
      ]);
      // Nothing stored and no label to learn: the start asks for no intent training.
      expect(await queues[3].getJobCounts('wait', 'active')).toEqual({ wait: 0, active: 0 });
      // 03:00 in Shanghai is 19:00 UTC the day before.
      const next = new Date((await queues[1].getJobSchedulers())[0].next!);
      expect(next.getUTCHours()).toBe(19);
    } finally {
      await host?.close();
      for (const q of queues) {
        await q.obliterate({ force: true });
        await q.close();
      }
      await desk.database.close();
    }
  });
});
