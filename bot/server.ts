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
  ready: () => Promise<Record<string, 'ok'>>;
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
  app.get('/readyz', async (_req, res) => {
    try {
      res.json({ status: 'ready', checks: await o.ready() });
    } catch (err) {
      res.status(503).json({ status: 'not_ready', error: (err as Error).message });
    }
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
