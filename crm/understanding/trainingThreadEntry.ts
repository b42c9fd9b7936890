/**
 * Runs in the intent training thread (loaded by trainingThread.worker.js): trains and scores
 * (trainingRun.ts) and posts the result back, the model bytes transferred, not copied. A throw
 * becomes an `error` event on the Worker, which rejects the caller's promise.
 */
import { parentPort, threadId, workerData } from 'node:worker_threads';
import { runIntentTraining, type IntentTrainingInput, type TrainedIntentModelBytes } from './trainingRun';

/** An ArrayBuffer of the bytes alone (small Buffers share Node's pool, which must not be transferred). */
function owned(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : new Uint8Array(bytes);
}

async function main(): Promise<void> {
  parentPort!.postMessage({ type: 'started' });
  const out = await runIntentTraining(workerData as IntentTrainingInput, threadId);
  const transfer: ArrayBuffer[] = [];
  const own = (m?: TrainedIntentModelBytes) => {
    if (!m) return m;
    const modelJsonGz = owned(m.modelJsonGz);
    const weightsGz = owned(m.weightsGz);
    transfer.push(modelJsonGz.buffer as ArrayBuffer, weightsGz.buffer as ArrayBuffer);
    return { ...m, modelJsonGz, weightsGz };
  };
  parentPort!.postMessage({ type: 'done', output: { ...out, baseline: own(out.baseline), candidate: own(out.candidate) } }, transfer);
}

void main().catch((err: unknown) => {
  // Rethrown outside the promise: the Worker's 'error' event carries it to the caller.
  setImmediate(() => {
    throw err;
  });
});
