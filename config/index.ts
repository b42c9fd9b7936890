import { z } from 'zod';
import path from 'node:path';
import { canonicalTimeZone, DEFAULT_TIME_ZONE } from '../crm/calendar';
import { parseArchiveKey } from '../crm/privacy/archives';

/**
 * Configuration is parsed once, at start, from the environment (and `.env`, loaded by the entry point).
 * A bad value stops the process with the variable's name and what is wrong.
 */
const boolFromEnv = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** Up to 100 years; 0 = keep forever. */
const retentionDays = (fallback: number) => z.coerce.number().int().min(0).max(36_500).default(fallback);

/** Retention variables set but blank mean "keep forever" (other blank variables mean "not set"). */
const RETENTION_DAY_VARIABLES = ['RETENTION_TRANSCRIPTS_DAYS', 'RETENTION_CLOSED_TICKETS_DAYS', 'RETENTION_EVENTS_DAYS', 'RETENTION_LEARNED_DAYS', 'RETENTION_AUDIT_DAYS'] as const;

export const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3978),
  PUBLIC_URL: z.url().optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// URL').optional(),
  /**
   * Every Redis name this instance uses starts with it: queues (`{PREFIX}:...`, a Cluster hash tag),
   * keys and pub/sub channels (`PREFIX:...`). Two installs (or test runs) on one Redis keep apart by it.
   */
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1-64 letters, digits, _ . or -')
    .default('concierge'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_MESSAGE_TEXT: boolFromEnv.default(false),
  DIRECTLINE_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  DIRECTLINE_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).max(86400).default(1800),
  MAX_BODY_BYTES: z.coerce.number().int().min(1024).max(10_000_000).default(256 * 1024),
  MicrosoftAppId: z.string().default(''),
  MicrosoftAppPassword: z.string().default(''),
  MicrosoftAppType: z.enum(['SingleTenant', 'MultiTenant', 'UserAssignedMSI']).default('SingleTenant'),
  MicrosoftAppTenantId: z.string().default(''),
  /** Demo agents (and catalog) on an empty database: `auto` only on the embedded database. */
  DEMO_SEED: z.enum(['auto', 'always', 'never']).default('auto'),
  BOT_ALLOW_UNAUTHENTICATED: boolFromEnv.default(false),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(120_000).default(10_000),
  NLP_MODELS_DIR: z.string().optional(),
  /** An active intent model directory (from `npm run nlp -- train`); default: the built-in model. */
  NLP_MODEL_DIR: z.string().optional(),
  /** Where the default model is cached once trained; default DATA_DIR/nlp. */
  NLP_CACHE_DIR: z.string().optional(),
  /** JSON file overriding what the bot says (answers, prompts) per language; default: built-in content. */
  CONTENT_FILE: z.string().optional(),
  /** JSON file with routing rules (queues, SLA targets, priority weights); default: built-in rules. */
  ROUTING_CONFIG_FILE: z.string().optional(),

  /**
   * The support team's IANA time zone: report days, evaluation periods (day, ISO week, month) and the
   * nightly evaluation's cron are in it. Canonicalised (`europe/berlin` → `Europe/Berlin`).
   */
  SUPPORT_TIME_ZONE: z
    .string()
    .default(DEFAULT_TIME_ZONE)
    .transform((zone, ctx) => {
      const canonical = canonicalTimeZone(zone);
      if (!canonical) ctx.addIssue({ code: 'custom', message: `must be an IANA time zone such as Europe/Berlin or UTC, got ${zone}` });
      return canonical ?? zone;
    }),

  // Background work (workers/). Durations in seconds; a cron is UTC (AGENT_EVALUATION_CRON: SUPPORT_TIME_ZONE), `off` schedules nothing.
  /** Score options as JSON (crm/scores/README.md), validated by crm/scores when the workers start. */
  SCORES_OPTIONS: z.string().optional(),
  AGENT_EVALUATION_CRON: z.string().min(1).default('0 2 * * *'),
  /** How long after a resolve the customer is asked to rate the help (CSAT); 0 = at once. */
  CSAT_SURVEY_DELAY_SECONDS: z.coerce.number().int().min(0).max(30 * 86400).default(120),
  /** A ticket waiting on the customer is reminded after this long, then closed this long after the reminder. */
  PENDING_REMINDER_SECONDS: z.coerce.number().int().min(1).max(90 * 86400).default(24 * 3600),
  PENDING_AUTO_CLOSE_SECONDS: z.coerce.number().int().min(1).max(90 * 86400).default(48 * 3600),
  /** A customer message within this long after a resolve reopens the ticket; after it the ticket is closed. */
  REOPEN_WINDOW_SECONDS: z.coerce.number().int().min(0).max(90 * 86400).default(7 * 86400),
  /** Customer value (RFM, lifetime value, churn risk) and recommendation training. */
  CUSTOMER_VALUE_CRON: z.string().min(1).default('0 3 * * *'),
  RECOMMENDATIONS_TRAIN_CRON: z.string().min(1).default('30 3 * * *'),
  RECOMMENDATIONS_ALGORITHM: z.enum(['ease', 'item-knn', 'als', 'popularity']).default('ease'),
  /** Intent model retraining from learned labels (cron in SUPPORT_TIME_ZONE), and how often web processes look for a newly active version. */
  INTENT_MODEL_TRAIN_CRON: z.string().min(1).default('0 4 * * *'),
  INTENT_MODEL_POLL_SECONDS: z.coerce.number().int().min(0).max(86400).default(30),
  /** Learning from conversations: how often web processes learn messages a turn stored but did not learn, and how old they must be. */
  LEARNING_CATCH_UP_SECONDS: z.coerce.number().int().min(1).max(86400).default(60),
  LEARNING_GRACE_SECONDS: z.coerce.number().int().min(0).max(86400).default(30),
  /** Failed catch-up attempts (one a pass) at a message that cannot be learned before it is given up. */
  LEARNING_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(1000).default(5),
  /**
   * Key of customers' data exports at rest (AES-256-GCM): 32 bytes as base64 or hex (`openssl rand -base64 32`).
   * Unset: one is generated once and kept in DATA_DIR/privacy-archive.key (the start log says so).
   */
  PRIVACY_ARCHIVE_KEY: z
    .string()
    .optional()
    .transform((text, ctx) => {
      if (text === undefined) return undefined;
      const key = parseArchiveKey(text);
      if (!key) ctx.addIssue({ code: 'custom', message: 'must be 32 bytes as base64 (44 characters) or hex (64 characters)' });
      return key ?? undefined;
    }),
  /**
   * Retention (crm/privacy/retentionPolicy.ts), in days; 0 or blank keeps that kind forever. A nightly job
   * (RETENTION_CRON, in SUPPORT_TIME_ZONE; `off` schedules none) deletes or anonymises what has expired.
   */
  RETENTION_TRANSCRIPTS_DAYS: retentionDays(365),
  RETENTION_CLOSED_TICKETS_DAYS: retentionDays(730),
  RETENTION_EVENTS_DAYS: retentionDays(730),
  RETENTION_LEARNED_DAYS: retentionDays(365),
  RETENTION_AUDIT_DAYS: retentionDays(2555),
  RETENTION_CRON: z.string().min(1).default('30 1 * * *'),
  /** PEM file of the CA that signed the PostgreSQL server's certificate (with DATABASE_URL `?sslmode=verify-full`). */
  DATABASE_SSL_CA_FILE: z.string().optional(),
  /** PEM file of the CA that signed the Redis server's certificate (with a `rediss://` REDIS_URL). */
  REDIS_TLS_CA_FILE: z.string().optional(),
  /**
   * Website messages whose turn nobody finished (a process died or stalled): a process holds a message's
   * turn for TURN_LEASE_MS (renewed while it runs); every web process looks for messages whose lease has
   * passed every TURN_SWEEP_INTERVAL_MS and answers them. The same lease on every instance.
   */
  TURN_SWEEP_INTERVAL_MS: z.coerce.number().int().min(50).max(600_000).default(2000),
  TURN_LEASE_MS: z.coerce.number().int().min(1000).max(600_000).default(10_000),
  /** Identity proof in chat (email + order number): attempts per conversation per hour. */
  IDENTITY_PROOF_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(5),
});

export type RawConfig = z.infer<typeof configSchema>;

export interface AppConfig extends RawConfig {
  /** Absolute data directory (PGlite database, launched Redis, NLP cache). */
  dataDir: string;
  /** True when no DATABASE_URL is given and the embedded PGlite database is used. */
  embeddedDatabase: boolean;
  /** True when REDIS_URL was not given (the default address is used, and may be launched). */
  redisDefaulted: boolean;
  redisUrl: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function parseConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  // Empty strings in .env mean "not set" for optional values.
  const cleaned: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== '') cleaned[k] = v;
  for (const k of RETENTION_DAY_VARIABLES) if (env[k] !== undefined && env[k]!.trim() === '') cleaned[k] = '0';
  const result = configSchema.safeParse(cleaned);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const raw = result.data;
  if (raw.MicrosoftAppId && raw.MicrosoftAppType === 'SingleTenant' && !raw.MicrosoftAppTenantId) {
    throw new ConfigError(['MicrosoftAppTenantId: required when MicrosoftAppId is set and MicrosoftAppType is SingleTenant']);
  }
  if (raw.MicrosoftAppId && raw.MicrosoftAppType !== 'UserAssignedMSI' && !raw.MicrosoftAppPassword) {
    throw new ConfigError(['MicrosoftAppPassword: required when MicrosoftAppId is set']);
  }
  return {
    ...raw,
    dataDir: path.resolve(raw.DATA_DIR),
    embeddedDatabase: !raw.DATABASE_URL,
    redisDefaulted: !raw.REDIS_URL,
    redisUrl: raw.REDIS_URL ?? 'redis://127.0.0.1:6379',
  };
}

/** For entry points: the configuration, or null after printing what is wrong (the exit code is the caller's). */
export function configOrReport(env: NodeJS.ProcessEnv = process.env, report: (message: string) => void = (m) => console.error(m)): AppConfig | null {
  try {
    return parseConfig(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    report(err.message);
    return null;
  }
}
