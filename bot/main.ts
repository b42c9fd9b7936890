import dotenv from 'dotenv';
import { configOrReport } from '../config';
import { startApplication, type ProcessRole } from './application';
import { createLogger } from './logger';
import { RedisUnavailableError } from './redis';
import { describeDemoSignIns } from '../crm/users/demo';

/** Entry point: `tsx bot/main.ts [all|web|workers]` (npm start, start:web, start:workers). */
async function main(): Promise<void> {
  dotenv.config({ quiet: true });
  const role = (process.argv[2] ?? 'all') as ProcessRole;
  if (!['all', 'web', 'workers'].includes(role)) {
    console.error(`Unknown role "${role}": use all, web or workers.`);
    process.exit(2);
  }
  const config = configOrReport();
  if (!config) process.exit(2);
  const log = createLogger({ level: config.LOG_LEVEL, logMessageText: config.LOG_MESSAGE_TEXT });
  let app;
  try {
    app = await startApplication({ config, log, role });
  } catch (err) {
    if (err instanceof RedisUnavailableError) {
      console.error(err.message);
      process.exit(3);
    }
    log.fatal({ err }, 'could not start');
    process.exit(1);
  }
  if (app.url) {
    // One write, so whoever reads the address also has the sign-ins.
    const banner = [`Concierge is running: open ${app.url}/ to chat with the bot (${config.embeddedDatabase ? 'embedded database in ' + config.dataDir : 'PostgreSQL'}).`];
    if (app.demoSignIns.length) banner.push(describeDemoSignIns(app.demoSignIns, `${app.url}/console/`));
    else banner.push(`Agent console: ${app.url}/console/`);
    if (app.demoOrders.length) banner.push(`Demo shop: products and orders ${app.demoOrders.join(', ')}; try asking the bot "where is my order ${app.demoOrders[1] ?? app.demoOrders[0]}?"`);
    console.log(banner.join('\n'));
  } else {
    console.log('Concierge workers are running.');
  }
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      log.error('shutdown took too long; exiting');
      process.exit(1);
    }, config.SHUTDOWN_GRACE_MS + 5000);
    force.unref();
    app!
      .stop()
      .then(() => process.exit(0))
      .catch((err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

void main();
