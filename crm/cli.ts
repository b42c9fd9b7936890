/**
 * Operator commands on the CRM database (DATABASE_URL, else the embedded PGlite in DATA_DIR):
 *
 *   npm run crm -- import customers|products|orders|events FILE [--format csv|jsonl] [--rejects PATH]
 *                 [--batch N] [--currency GBP] [--timezone Europe/London] [--customer-kind retail_customer_id] [--no-progress]
 *   npm run crm -- apikey create NAME | apikey list | apikey revoke ID
 *   npm run crm -- merge SURVIVOR_ID MERGED_ID [--by AGENT] [--reason TEXT] | unmerge MERGE_ID [--by AGENT]
 *   npm run crm -- timeline CUSTOMER_ID [--limit N]
 *   npm run crm -- learning | learning retry [--since ISO]
 *   npm run crm -- privacy export CUSTOMER_ID|EMAIL [--out FILE] | privacy erase CUSTOMER_ID|EMAIL --yes | privacy status [REQUEST_ID]
 *   npm run crm -- privacy retention [--dry-run]
 */
import dotenv from 'dotenv';
import path from 'node:path';
import { ConfigError, parseConfig } from '../config';
import { openDatabase } from './db';
import { formatReport, IMPORT_KINDS, runImport, type ImportKind } from './import';
import { ApiKeyStore } from './commerce/apiKeys';
import { IdentityLinker } from './identity/linking';
import { CustomerHistory } from './identity/history';
import { Timeline } from './customers';
import { isValidTimeZone } from './import/values';
import { runPrivacyCommand } from './privacy/cli';
import { describeRetention, retentionPolicyFromConfig, RetentionService } from './privacy';

function parseArgs(argv: string[]): { positional: string[]; flags: Record<string, string | true> } {
  const positional: string[] = [];
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--')) {
      const [k, inline] = a.slice(2).split('=', 2);
      if (inline !== undefined) flags[k] = inline;
      else if (k.startsWith('no-') || argv[i + 1] === undefined || argv[i + 1].startsWith('--')) flags[k] = true;
      else flags[k] = argv[++i];
    } else positional.push(a);
  }
  return { positional, flags };
}

const USAGE = `usage:
  npm run crm -- import customers|products|orders|events FILE [--format csv|jsonl] [--rejects PATH] [--batch N]
                [--currency GBP] [--timezone ZONE] [--customer-kind KIND] [--no-progress]
  npm run crm -- apikey create NAME | apikey list | apikey revoke ID
  npm run crm -- merge SURVIVOR_ID MERGED_ID [--by AGENT] [--reason TEXT]
  npm run crm -- unmerge MERGE_ID [--by AGENT]
  npm run crm -- timeline CUSTOMER_ID [--limit N]
  npm run crm -- learning                         messages the learning catch-up gave up on, by error
  npm run crm -- learning retry [--since ISO]     put them back in its queue (e.g. once the cause is fixed)
  npm run crm -- privacy export CUSTOMER_ID|EMAIL [--out FILE]   everything held about a customer (archive kept encrypted; --out writes the JSON in clear)
  npm run crm -- privacy erase CUSTOMER_ID|EMAIL --yes           erase a customer's data everywhere (PostgreSQL, Redis, queued jobs)
  npm run crm -- privacy status [REQUEST_ID]                     open data subject requests with their deadlines, or one request
  npm run crm -- privacy retention [--dry-run]                   delete or anonymise what has expired (RETENTION_*_DAYS), as the nightly job does;
                                                                 --dry-run counts it and changes nothing`;

function flag(flags: Record<string, string | true>, name: string): string | undefined {
  const v = flags[name];
  return typeof v === 'string' ? v : undefined;
}

async function main(argv: string[]): Promise<number> {
  dotenv.config({ quiet: true });
  const { positional, flags } = parseArgs(argv);
  const [command, ...rest] = positional;
  if (!command || flags.help) {
    process.stdout.write(`${USAGE}\n`);
    return command ? 0 : 2;
  }
  const config = parseConfig(process.env);
  const database = await openDatabase({ url: config.DATABASE_URL, dataDir: config.dataDir, poolSize: 4, sslCaFile: config.DATABASE_SSL_CA_FILE });
  try {
    switch (command) {
      case 'import': {
        const [kind, file] = rest;
        if (!IMPORT_KINDS.includes(kind as ImportKind) || !file) throw new UsageError(`import needs a kind (${IMPORT_KINDS.join(', ')}) and a file`);
        const format = flag(flags, 'format');
        if (format && format !== 'csv' && format !== 'jsonl') throw new UsageError('--format must be csv or jsonl');
        const timeZone = flag(flags, 'timezone');
        if (timeZone && !isValidTimeZone(timeZone)) throw new UsageError(`unknown time zone ${timeZone}`);
        const batch = flag(flags, 'batch');
        const stamp = new Date().toISOString().replace(/[:.]/g, '-');
        const rejectsFile = flag(flags, 'rejects') ?? path.join(config.dataDir, 'import-reports', `${kind}-${path.basename(file).replace(/\.(csv|jsonl|ndjson|json)?(\.gz)?$/i, '')}-${stamp}.rejected.csv`);
        const report = await runImport({
          db: database.db,
          kind: kind as ImportKind,
          file: path.resolve(file),
          format: format as 'csv' | 'jsonl' | undefined,
          rejectsFile,
          progress: flags['no-progress'] ? null : process.stderr,
          batchRows: batch ? Number(batch) : undefined,
          currency: flag(flags, 'currency'),
          timeZone,
          customerKind: flag(flags, 'customer-kind'),
        });
        process.stdout.write(`${formatReport(report)}\n`);
        return 0;
      }
      case 'apikey': {
        const keys = new ApiKeyStore(database.db);
        const [sub, arg] = rest;
        if (sub === 'create' && arg) {
          const { key, record } = await keys.create(arg);
          process.stdout.write(`created API key ${record.id} (${record.name}); it is shown only now:\n${key}\n`);
          return 0;
        }
        if (sub === 'list') {
          for (const k of await keys.list()) {
            process.stdout.write(`${k.id}  ${k.prefix}…  ${k.name}  ${k.scopes.join(',')}  created ${k.createdAt.toISOString()}${k.revokedAt ? `  revoked ${k.revokedAt.toISOString()}` : ''}\n`);
          }
          return 0;
        }
        if (sub === 'revoke' && arg) {
          process.stdout.write((await keys.revoke(arg)) ? `revoked ${arg}\n` : `no active key ${arg}\n`);
          return 0;
        }
        throw new UsageError('apikey create NAME | apikey list | apikey revoke ID');
      }
      case 'merge': {
        const [survivor, merged] = rest;
        if (!survivor || !merged) throw new UsageError('merge SURVIVOR_ID MERGED_ID');
        const result = await new IdentityLinker(database.db).merge({ survivorId: survivor, mergedId: merged, actor: `agent:${flag(flags, 'by') ?? 'cli'}`, reason: flag(flags, 'reason') ?? '' });
        process.stdout.write(`merged ${merged} into ${survivor}: merge ${result.mergeId}; moved ${JSON.stringify(result.moved)}\n`);
        return 0;
      }
      case 'unmerge': {
        const [mergeId] = rest;
        if (!mergeId) throw new UsageError('unmerge MERGE_ID');
        const result = await new IdentityLinker(database.db).undo(mergeId, `agent:${flag(flags, 'by') ?? 'cli'}`);
        process.stdout.write(`undid merge ${mergeId}; moved back ${JSON.stringify(result.movedBack)}\n`);
        for (const k of result.kept) process.stdout.write(`kept (changed after the merge): ${k.field} = ${JSON.stringify(k.now)} (the merge had made it ${JSON.stringify(k.afterMerge)})\n`);
        if (result.droppedAttributes.length > 0) process.stdout.write(`not restored (attributes deleted or retyped since): ${result.droppedAttributes.join(', ')}\n`);
        if (result.relearning > 0) process.stdout.write(`${result.relearning} messages learned since the merge will be learned again by the learning catch-up\n`);
        return 0;
      }
      case 'timeline': {
        const [customerId] = rest;
        if (!customerId) throw new UsageError('timeline CUSTOMER_ID');
        const limit = Number(flag(flags, 'limit') ?? 50);
        for (const e of await new CustomerHistory(database.db).timeline(customerId, { limit })) {
          process.stdout.write(`${e.at.toISOString()}  ${e.kind.padEnd(7)}  ${e.summary}\n`);
        }
        return 0;
      }
      case 'learning': {
        const timeline = new Timeline(database.db);
        const [action] = rest;
        if (action === 'retry') {
          const sinceFlag = flag(flags, 'since');
          const since = sinceFlag === undefined ? undefined : new Date(sinceFlag);
          if (since && Number.isNaN(since.getTime())) throw new UsageError(`--since ${sinceFlag}: not a date`);
          const n = await timeline.retryGivenUpLearning(since);
          process.stdout.write(`${n} given-up messages are queued for the learning catch-up again (it runs in every web process)\n`);
          return 0;
        }
        if (action !== undefined) throw new UsageError('learning | learning retry [--since ISO]');
        const given = await timeline.givenUpLearning();
        process.stdout.write(`${given.messages} messages of ${given.customers} customers given up by the learning catch-up\n`);
        for (const e of given.errors) process.stdout.write(`${String(e.messages).padStart(8)}  ${e.error || '(no error text)'}\n`);
        return 0;
      }
      case 'privacy': {
        const [sub, arg] = rest;
        if (sub !== 'retention') {
          const problem = await runPrivacyCommand({ config, db: database.db, sub, arg, out: flag(flags, 'out'), yes: flags.yes === true, write: (t) => process.stdout.write(t) });
          if (problem) throw new UsageError(problem);
          return 0;
        }
        const report = await new RetentionService(database.db, retentionPolicyFromConfig(config)).run({ dryRun: flags['dry-run'] === true });
        process.stdout.write(`retention ${report.dryRun ? '(dry run, nothing changed) ' : ''}as of ${report.at}\n`);
        for (const line of describeRetention(report)) process.stdout.write(`  ${line}\n`);
        const d = report.detail;
        process.stdout.write(`  (transcripts: ${d.directLineConversations} Direct Line conversations, ${d.messages} timeline messages; learned: ${d.learnedProfiles} learned profiles, ${d.intentLabels} intent labels)\n`);
        return 0;
      }
      default:
        throw new UsageError(`unknown command ${command}`);
    }
  } finally {
    await database.close();
  }
}

class UsageError extends Error {}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError) process.stderr.write(`${err.message}\n${USAGE}\n`);
    else if (err instanceof ConfigError) process.stderr.write(`${err.message}\n`);
    else process.stderr.write(`error: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exitCode = err instanceof UsageError ? 2 : 1;
  },
);
