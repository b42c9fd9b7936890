import { Client } from 'pg';
import { randomBytes } from 'node:crypto';

/**
 * Each test run gets its own PostgreSQL database on the real server (dropped in globalTeardown),
 * so runs never see each other's rows. Tests read its URL from TEST_DATABASE_URL.
 */
export default async function globalSetup(): Promise<void> {
  const adminUrl = process.env.TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `concierge_test_${Date.now()}_${randomBytes(3).toString('hex')}`;
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  process.env.TEST_DATABASE_URL = url.toString();
  process.env.TEST_DATABASE_NAME = name;
}
