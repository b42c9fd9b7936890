import { testRunStores } from './env';
import { removeRun } from './testRun';

export default async function globalTeardown(): Promise<void> {
  if (process.env.TEST_RUN_ID) await removeRun(testRunStores(), process.env.TEST_RUN_ID);
}
