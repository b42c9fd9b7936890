/** workers/: bullmq jobs on Redis. Never imports bot/: reaches people through the delivery port. */
import type { Logger } from 'pino';
import type { Crm } from '../crm';

export interface WorkerHostOptions {
  redisUrl: string;
  crm: Crm;
  log: Logger;
}

export interface WorkerHost {
  /** Names of the queues this process consumes. */
  queues: string[];
  close(): Promise<void>;
}

/**
 * Starts the background workers of this process. Job types (follow-ups, SLA timers, evaluation,
 * training) register here as they are built; several worker processes may run at once.
 */
export async function startWorkers(options: WorkerHostOptions): Promise<WorkerHost> {
  const queues: string[] = [];
  options.log.info({ queues }, 'workers started');
  return {
    queues,
    close: async () => undefined,
  };
}
