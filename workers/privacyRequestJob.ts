/**
 * PrivacyRequestJob (`privacy-requests` queue): runs one data subject request (crm/privacy
 * PrivacyService.process: the export written encrypted, or the erasure). The job id is the request's
 * (`privacy/<request id>`), so asking twice queues one job; the run itself is idempotent (a completed
 * request is returned as it is, an erasure re-run finds nothing left), so bullmq's retries are safe.
 * Worker processes re-queue open requests at start: a request whose enqueue failed (Redis down when
 * it was made) is not forgotten.
 */
import { UnrecoverableError, Worker, type Queue } from 'bullmq';
import type { Logger } from 'pino';
import type { PrivacyService } from '../crm/privacy';
import { jobIdForKey, logWorkerProblems, QUEUE_NAMES, withTimeout, workerOptions, type QueueConnection } from './queues';

export const PRIVACY_REQUEST_JOB_NAME = 'privacy.process';

export interface PrivacyRequestPayload {
  requestId: string;
}

export function privacyRequestJobId(requestId: string): string {
  return jobIdForKey(`privacy:${requestId}`);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isPrivacyRequestPayload(data: unknown): data is PrivacyRequestPayload {
  const d = data as Partial<PrivacyRequestPayload> | null;
  return !!d && typeof d.requestId === 'string' && UUID.test(d.requestId);
}

/** Queues a request's processing (idempotent); a job that failed for good is retried. */
export async function enqueuePrivacyRequest(queue: Queue, requestId: string, timeoutMs = 5000): Promise<string> {
  const jobId = privacyRequestJobId(requestId);
  const job = await withTimeout(queue.add(PRIVACY_REQUEST_JOB_NAME, { requestId } satisfies PrivacyRequestPayload, { jobId }), timeoutMs, `enqueueing privacy request ${requestId}`);
  if (await job.isFailed()) await job.retry('failed');
  return jobId;
}

export class PrivacyRequestJob {
  constructor(private readonly privacy: Pick<PrivacyService, 'process'>) {}

  async run(payload: unknown): Promise<{ requestId: string; status: string; outcome: Record<string, unknown> | null }> {
    if (!isPrivacyRequestPayload(payload)) throw new UnrecoverableError(`invalid privacy request payload: ${JSON.stringify(payload)}`);
    const done = await this.privacy.process(payload.requestId);
    return { requestId: done.id, status: done.status, outcome: done.outcome };
  }
}

export interface PrivacyRequestWorkerOptions extends QueueConnection {
  privacy: Pick<PrivacyService, 'process'>;
  log: Logger;
  lockDurationMs?: number;
  stalledIntervalMs?: number;
}

export function startPrivacyRequestWorker(o: PrivacyRequestWorkerOptions): Worker {
  const job = new PrivacyRequestJob(o.privacy);
  const worker = new Worker(
    QUEUE_NAMES.privacyRequests,
    async (j) => {
      const result = await job.run(j.data);
      // Counts only: the outcome never holds personal data.
      o.log.info({ jobId: j.id, requestId: result.requestId, status: result.status, outcome: result.outcome }, 'privacy request processed');
      return result;
    },
    workerOptions(o, { concurrency: 1, lockDurationMs: 120_000, stalledIntervalMs: 30_000 }),
  );
  logWorkerProblems(worker, o.log, 'privacy request');
  return worker;
}

/** Re-queues every open request (at a worker start). */
export async function requeueOpenPrivacyRequests(queue: Queue, privacy: Pick<PrivacyService, 'requests'>): Promise<number> {
  const open = await privacy.requests.list({ status: ['pending', 'in_progress'] });
  for (const r of open) await enqueuePrivacyRequest(queue, r.id);
  return open.length;
}
