/**
 * Runs in the training thread (loaded by trainingThread.worker.js): unpacks the input from
 * workerData, trains (trainingRun.ts) and posts the snapshot back, its bytes transferred, not copied.
 * A throw becomes an `error` event on the Worker, which rejects the caller's promise.
 */
import { parentPort, threadId, workerData } from 'node:worker_threads';
import { runTraining, unpackInteractions, type TrainingRunInput, type TrainingRunOutput } from './trainingRun';

const input = workerData as TrainingRunInput;
parentPort!.postMessage({ type: 'started' });
const out: TrainingRunOutput = runTraining({ ...input, interactions: unpackInteractions(input.interactions) }, threadId);
// Small Buffers live in Node's shared pool: copy those so the transferred buffer is the snapshot alone.
const owned = out.snapshot.byteOffset === 0 && out.snapshot.byteLength === out.snapshot.buffer.byteLength ? out.snapshot : new Uint8Array(out.snapshot);
parentPort!.postMessage({ type: 'done', output: { ...out, snapshot: owned } }, [owned.buffer as ArrayBuffer]);
