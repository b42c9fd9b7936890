import express, { type Express, type RequestHandler, type Router } from 'express';
import path from 'node:path';
import type { Logger } from 'pino';
import { inputGuards } from './api/inputGuards';
import { errorHandler, notFound } from './errors';
import { CHAT_PAGE_CSP, securityHeaders } from './securityHeaders';

export interface HttpAppOptions {
  log: Logger;
  routers: Router[];
  /** Readiness: resolves when every dependency answers, rejects naming the one that does not. */
  /** Each part's probe; one that rejects, or takes longer than a second, is reported as unreachable. */
  readinessChecks: Record<string, () => Promise<unknown>>;
  /** Set while shutting down: new requests get 503 so the load balancer moves on. */
  isStopping: () => boolean;
}

const webPublic = path.join(__dirname, '..', 'web', 'public');
// The UMD bundle (React included); resolved by path because the package's exports map hides it.
const webChatBundle = path.join(path.dirname(require.resolve('botframework-webchat')), '..', 'dist', 'webchat.js');

function requestLog(log: Logger): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      log.debug({ method: req.method, path: req.path, status: res.statusCode, ms: Math.round(ms * 10) / 10 }, 'request');
    });
    next();
  };
}

/** The HTTP edge: health, the customer page, Web Chat's bundle, the API routers; errors become JSON. */
export function createHttpApp(o: HttpAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(requestLog(o.log));
  app.use(securityHeaders());
  app.use((req, res, next) => {
    if (o.isStopping() && req.path !== '/healthz') {
      res.setHeader('Connection', 'close');
      res.status(503).json({ error: { code: 'shutting_down', message: 'server is shutting down' } });
      return;
    }
    next();
  });
  // Malformed paths and hostile query strings are 400s before any route sees them.
  app.use(inputGuards());

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  // Answers within a second whatever is down, and says which part (a load balancer takes the instance out).
  app.get('/readyz', async (_req, res) => {
    const checks = await readiness(o.readinessChecks, READINESS_TIMEOUT_MS);
    const ready = Object.values(checks).every((c) => c === 'ok');
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', checks });
  });

  app.get('/webchat.js', (_req, res) => {
    res.setHeader('Cache-Control', 'public, max-age=3600');
    res.sendFile(webChatBundle);
  });
  // The customer's chat page runs Web Chat: it needs more than the default deny-all policy.
  app.get(['/', '/index.html'], (_req, res, next) => {
    res.setHeader('Content-Security-Policy', CHAT_PAGE_CSP);
    next();
  });
  app.use(express.static(webPublic, { index: 'index.html', maxAge: 0 }));

  for (const router of o.routers) app.use(router);

  app.use((req, _res, next) => next(notFound(`no route for ${req.method} ${req.path}`)));
  app.use(errorHandler(o.log));
  return app;
}

const READINESS_TIMEOUT_MS = 1_000;

/** Runs the probes side by side, each bounded by the timeout. */
export async function readiness(checks: Record<string, () => Promise<unknown>>, timeoutMs: number): Promise<Record<string, 'ok' | 'unreachable'>> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, probe]) => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'unreachable'>((resolve) => {
        timer = setTimeout(() => resolve('unreachable'), timeoutMs);
      });
      const outcome = await Promise.race([probe().then(() => 'ok' as const, () => 'unreachable' as const), timeout]);
      clearTimeout(timer);
      return [name, outcome] as const;
    }),
  );
  return Object.fromEntries(entries);
}
