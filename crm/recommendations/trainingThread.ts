/**
 * Training off the event loop: one worker thread per run (trainingThread.worker.js →
 * trainingThreadEntry.ts). The caller's thread only packs the input and receives the snapshot bytes,
 * so chats, console requests and live streams in the same process keep being served while the
 * matrix is built, the scorer trained and the snapshot serialized.
 */
import path from 'node:path';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import { transferablesOf, type TrainingRunInput, type TrainingRunOutput } from './trainingRun';

const THREAD_ENTRY = path.join(__dirname, 'trainingThread.worker.js');

export class TrainingThreadError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(`recommendation training thread: ${message}`, options);
    this.name = 'TrainingThreadError';
  }
}

/** What the thread posts: `started` once the code is loaded and training begins, then `done`. */
type ThreadMessage = { type: 'started' } | { type: 'done'; output: TrainingRunOutput };

export interface TrainingThreadOptions {
  /** Heap limits of the thread (default: Node's). */
  resourceLimits?: ResourceLimits;
}

export class TrainingThread {
  constructor(private readonly o: TrainingThreadOptions = {}) {}

  /**
   * Trains in a new thread. The input's typed arrays are transferred (unusable here afterwards).
   * Rejects when the training throws or the thread dies before answering.
   */
  run(input: TrainingRunInput, hooks: { onStarted?: () => void } = {}): Promise<TrainingRunOutput> {
    return new Promise<TrainingRunOutput>((resolve, reject) => {
      let settled = false;
      const settle = (fn: () => void) => {
        if (settled) return;
        settled = true;
        fn();
      };
      const worker = new Worker(THREAD_ENTRY, {
        workerData: input,
        transferList: transferablesOf(input.interactions),
        // Not the parent's flags (tsx's --import, jest's): the entry registers tsx itself, the same way everywhere.
        execArgv: [],
        resourceLimits: this.o.resourceLimits,
      });
      worker.on('message', (m: ThreadMessage) => {
        if (m.type === 'started') return hooks.onStarted?.();
        const out = m.output;
        settle(() => resolve({ ...out, snapshot: Buffer.from(out.snapshot.buffer, out.snapshot.byteOffset, out.snapshot.byteLength) }));
      });
      worker.once('error', (err) => settle(() => reject(new TrainingThreadError(err.message, { cause: err }))));
      worker.once('exit', (code) => settle(() => reject(new TrainingThreadError(`exited with code ${code} before answering`))));
    });
  }
}
