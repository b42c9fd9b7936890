/**
 * Intent model training off the event loop: one worker thread per run (trainingThread.worker.js →
 * trainingThreadEntry.ts). Training the bilingual model takes seconds to tens of seconds of CPU;
 * in `npm start` the workers share the process with the web server, whose chats and consoles keep
 * being served meanwhile.
 */
import path from 'node:path';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import type { IntentTrainingInput, IntentTrainingOutput } from './trainingRun';

const THREAD_ENTRY = path.join(__dirname, 'trainingThread.worker.js');

export class IntentTrainingThreadError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(`intent training thread: ${message}`, options);
    this.name = 'IntentTrainingThreadError';
  }
}

type ThreadMessage = { type: 'started' } | { type: 'done'; output: IntentTrainingOutput };

export class IntentTrainingThread {
  constructor(private readonly o: { resourceLimits?: ResourceLimits } = {}) {}

  run(input: IntentTrainingInput): Promise<IntentTrainingOutput> {
    return new Promise<IntentTrainingOutput>((resolve, reject) => {
      let settled = false;
      const settle = (fn: () => void) => {
        if (settled) return;
        settled = true;
        fn();
      };
      // Not the parent's flags (tsx's --import, jest's): the entry registers tsx itself.
      const worker = new Worker(THREAD_ENTRY, { workerData: input, execArgv: [], resourceLimits: this.o.resourceLimits });
      worker.on('message', (m: ThreadMessage) => {
        if (m.type === 'done') settle(() => resolve(m.output));
      });
      worker.once('error', (err) => settle(() => reject(new IntentTrainingThreadError(err.message, { cause: err }))));
      worker.once('exit', (code) => settle(() => reject(new IntentTrainingThreadError(`exited with code ${code} before answering`))));
    });
  }
}
