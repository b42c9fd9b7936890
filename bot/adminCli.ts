/**
 * Creates a console administrator (the first one, typically):
 *
 *   npm run admin:create -- --email ada@example.com --name "Ada Admin" [--password ...]
 *
 * Without --password the password is read from stdin: prompted without echo on a terminal, or the
 * first line of piped input (`echo "$PW" | npm run admin:create -- ...`). Uses the same database as
 * the app (DATABASE_URL, else the embedded one in DATA_DIR) and applies migrations first.
 */
import dotenv from 'dotenv';
import { parseArgs } from 'node:util';
import readline from 'node:readline';
import { configOrReport } from '../config';
import { createCrm, openDatabase } from '../crm';
import { DuplicateUserError, MIN_PASSWORD_LENGTH } from '../crm/users';

const usage = 'usage: npm run admin:create -- --email EMAIL --name "NAME" [--password PASSWORD]   (password read from stdin when omitted)';

async function readPassword(): Promise<string> {
  if (process.stdin.isTTY) {
    const rl = readline.createInterface({ input: process.stdin, output: process.stdout, terminal: true });
    const ask = (q: string) =>
      new Promise<string>((resolve) => {
        const write = (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput.bind(rl);
        let muted = false;
        (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s: string) => {
          if (!muted) write(s);
        };
        rl.question(q, (answer) => {
          process.stdout.write('\n');
          resolve(answer);
        });
        muted = true;
      });
    try {
      const first = await ask('Password: ');
      const second = await ask('Repeat it: ');
      if (first !== second) throw new Error('the passwords differ');
      return first;
    } finally {
      rl.close();
    }
  }
  let input = '';
  for await (const chunk of process.stdin) input += chunk;
  return input.split(/\r?\n/)[0] ?? '';
}

export async function main(argv = process.argv.slice(2)): Promise<number> {
  dotenv.config({ quiet: true });
  let args;
  try {
    args = parseArgs({ args: argv, options: { email: { type: 'string' }, name: { type: 'string' }, password: { type: 'string' }, help: { type: 'boolean' } }, strict: true }).values;
  } catch (err) {
    console.error(`${(err as Error).message}\n${usage}`);
    return 2;
  }
  if (args.help) {
    console.log(usage);
    return 0;
  }
  const email = args.email?.trim();
  const name = args.name?.trim();
  if (!email || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) || !name) {
    console.error(`--email (a valid address) and --name are required.\n${usage}`);
    return 2;
  }
  const config = configOrReport();
  if (!config) return 2;
  const password = args.password ?? (await readPassword());
  if (password.length < MIN_PASSWORD_LENGTH) {
    console.error(`The password needs at least ${MIN_PASSWORD_LENGTH} characters.`);
    return 2;
  }
  const database = await openDatabase({ url: config.DATABASE_URL, dataDir: config.dataDir, poolSize: 2, sslCaFile: config.DATABASE_SSL_CA_FILE });
  try {
    const crm = createCrm(database.db);
    const user = await crm.users.create({ email, displayName: name, role: 'admin', password });
    console.log(`Created admin ${user.displayName} <${user.email}> (id ${user.id}). Sign in at /console/.`);
    return 0;
  } catch (err) {
    if (err instanceof DuplicateUserError) {
      console.error(`A user with the email ${email} already exists.`);
      return 1;
    }
    throw err;
  } finally {
    await database.close();
  }
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
