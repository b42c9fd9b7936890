import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseConfig } from '../../config';
import { startApplication, type Application, type ApplicationOptions, type ProcessRole } from '../../bot/application';
import { createLogger } from '../../bot/logger';

export const repoRoot = path.resolve(__dirname, '..', '..');

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `concierge-${prefix}-`));
}

/** The trained default NLP model is cached once per machine for tests (training takes seconds). */
export const sharedNlpCache = path.join(os.tmpdir(), 'concierge-test-nlp-cache');

export function testDatabaseUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('TEST_DATABASE_URL is not set (jest globalSetup creates it)');
  return url;
}

/** The application in this process, on the run's PostgreSQL database and the local Redis. */
export async function startInProcessApp(
  env: Record<string, string> = {},
  role: ProcessRole = 'web',
  options: Pick<ApplicationOptions, 'nlpEngine'> = {},
): Promise<Application & { url: string }> {
  const config = parseConfig({
    DATABASE_URL: testDatabaseUrl(),
    PORT: '0',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATA_DIR: tempDir('data'),
    DIRECTLINE_SECRET: 'test-directline-secret-0123456789abcdef',
    NLP_CACHE_DIR: sharedNlpCache,
    // Several developers' runs on one machine keep their queues apart with a Redis database each.
    ...(process.env.TEST_REDIS_URL ? { REDIS_URL: process.env.TEST_REDIS_URL } : {}),
    // And within it, this run's names (globalSetup): two runs never take each other's jobs.
    ...(process.env.REDIS_PREFIX ? { REDIS_PREFIX: process.env.REDIS_PREFIX } : {}),
    ...env,
  });
  const app = await startApplication({ config, log: createLogger(config.LOG_LEVEL), role, ...options });
  return app as Application & { url: string };
}

export interface ChildApp {
  url: string;
  process: ChildProcess;
  output: () => string;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
  /** SIGTERM, and the exit code. */
  stop(): Promise<number | null>;
}

export interface SpawnOptions {
  /**
   * Run `node --import tsx bot/main.ts` instead of the tsx CLI, which relays to a second process: then
   * `process` is the application itself and a SIGKILL reaches the process that holds its connections.
   */
  direct?: boolean;
}

/** The application as `npm start` runs it, in a child process; resolves once it prints its address. */
export async function spawnApp(env: Record<string, string | undefined>, role: ProcessRole = 'all', o: SpawnOptions = {}): Promise<ChildApp> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, PORT: '0', LOG_LEVEL: 'warn', NLP_CACHE_DIR: sharedNlpCache, ...(process.env.TEST_REDIS_URL ? { REDIS_URL: process.env.TEST_REDIS_URL } : {}), ...env };
  for (const [k, v] of Object.entries(childEnv)) if (v === undefined) delete childEnv[k];
  const args = o.direct ? ['--import', 'tsx', 'bot/main.ts', role] : [path.join(repoRoot, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'bot/main.ts', role];
  const child = spawn(process.execPath, args, {
    cwd: repoRoot,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /open (http:\/\/\S+?)\/ to chat/.exec(out);
      if (m) resolve(m[1]);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => reject(new Error(`app exited (${code}) before starting:\n${out}`)));
  });
  return {
    url,
    process: child,
    output: () => out,
    exited,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
