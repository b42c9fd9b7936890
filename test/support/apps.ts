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
  const app = await startApplication({ config, log: createLogger({ level: config.LOG_LEVEL, logMessageText: config.LOG_MESSAGE_TEXT }), role, ...options });
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
  /** More node options before the entry point (with `direct`), e.g. a benchmark's `--import` hook. */
  nodeArgs?: string[];
}

/** The application as `npm start` runs it, in a child process; resolves once it prints its address. */
export async function spawnApp(env: Record<string, string | undefined>, role: ProcessRole = 'all', o: SpawnOptions = {}): Promise<ChildApp> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, PORT: '0', LOG_LEVEL: 'warn', NLP_CACHE_DIR: sharedNlpCache, ...(process.env.TEST_REDIS_URL ? { REDIS_URL: process.env.TEST_REDIS_URL } : {}), ...env };
  for (const [k, v] of Object.entries(childEnv)) if (v === undefined) delete childEnv[k];
  const args = o.direct ? ['--import', 'tsx', ...(o.nodeArgs ?? []), 'bot/main.ts', role] : [path.join(repoRoot, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'bot/main.ts', role];
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

export interface NpmStart {
  url: string;
  /** `npm run start` itself: the PID a user or a supervisor signals. */
  process: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/**
 * `npm run <script>` exactly as a user types it (npm, then whatever the script runs), on the test's
 * database, this run's Redis prefix and a free port; resolves once it prints its address.
 */
export async function spawnNpmStart(env: Record<string, string | undefined>, script = 'start'): Promise<NpmStart> {
  const child = spawnNpm(env, script);
  const url = await new Promise<string>((resolve, reject) => {
    child.onOutput((out) => {
      const m = /open (http:\/\/\S+?)\/ to chat/.exec(out);
      if (m) resolve(m[1]);
    });
    void child.exited.then((code) => reject(new Error(`npm run ${script} exited (${code}) before starting:\n${child.output()}`)));
  });
  return { url, process: child.process, output: child.output, exited: child.exited };
}

/** `npm run <script>` with output collected; resolves nothing, see spawnNpmStart for a started app. */
export function spawnNpm(env: Record<string, string | undefined>, script = 'start') {
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: '0',
    LOG_LEVEL: 'warn',
    NLP_CACHE_DIR: sharedNlpCache,
    DATABASE_URL: testDatabaseUrl(),
    ...(process.env.TEST_REDIS_URL ? { REDIS_URL: process.env.TEST_REDIS_URL } : {}),
    ...env,
  };
  // npm sets these for its own children; a fresh `npm run` from a shell has none of jest's.
  for (const k of Object.keys(childEnv)) if (k.startsWith('npm_') || k === 'INIT_CWD') delete childEnv[k];
  for (const [k, v] of Object.entries(childEnv)) if (v === undefined) delete childEnv[k];
  const child = spawn('npm', ['run', script], { cwd: repoRoot, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const listeners: Array<(out: string) => void> = [];
  const onData = (chunk: Buffer) => {
    out += chunk.toString();
    for (const l of listeners) l(out);
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { process: child, exited, output: () => out, onOutput: (l: (out: string) => void) => listeners.push(l) };
}

/** The PIDs of a process's descendants (children, their children...), from /proc. */
export function descendantsOf(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Field 4 of /proc/PID/stat, after the command name in parentheses (which may hold spaces).
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parentOf.set(Number(entry), Number(fields[1]));
    } catch {
      // exited meanwhile
    }
  }
  const found: number[] = [];
  const walk = (p: number) => {
    for (const [child, parent] of parentOf) if (parent === p) (found.push(child), walk(child));
  };
  walk(pid);
  return found;
}

/** True while the process exists and is not a zombie. */
export function processRunning(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}
