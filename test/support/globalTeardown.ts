import { dropDatabasesStartingWith } from './database';

export default async function globalTeardown(): Promise<void> {
  if (process.env.TEST_RUN_ID) await dropDatabasesStartingWith(process.env.TEST_RUN_ID);
}
