/**
 * A worker process for bench/followups.ts, as `npm run start:workers` runs one: startWorkers (outbox
 * relay, SLA, follow-up and the other workers; crons off) on DATABASE_URL, queues on REDIS_URL with
 * QUEUE_PREFIX, follow-up delays from CSAT_SURVEY_DELAY_SECONDS. Prints `ready`; SIGTERM closes it
 * gracefully (jobs in progress finish) and exits 0.
 */
import pino from 'pino';
import { createCrm, openDatabase } from '../../crm';
import { startWorkers } from '../../workers';

async function main(): Promise<void> {
  const database = await openDatabase({ url: process.env.DATABASE_URL!, poolSize: 10 });
  const host = await startWorkers({
    redisUrl: process.env.REDIS_URL!,
    prefix: process.env.QUEUE_PREFIX!,
    crm: createCrm(database.db),
    db: database.db,
    log: pino({ level: process.env.LOG_LEVEL ?? 'silent' }),
    evaluationCron: 'off',
    customerValueCron: 'off',
    recommendationsCron: 'off',
    followUps: { csatSurveyDelaySeconds: Number(process.env.CSAT_SURVEY_DELAY_SECONDS ?? 0) },
    relayPollMs: process.env.RELAY_POLL_MS ? Number(process.env.RELAY_POLL_MS) : undefined,
    // An outage of a few seconds: the relay retries within a second of Redis coming back.
    relayBackoffMaxMs: process.env.RELAY_BACKOFF_MAX_MS ? Number(process.env.RELAY_BACKOFF_MAX_MS) : undefined,
  });
  console.log('ready');
  process.on('SIGTERM', () => {
    void host
      .close()
      .then(() => database.close())
      .then(() => process.exit(0));
  });
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
