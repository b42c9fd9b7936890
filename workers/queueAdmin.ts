/**
 * The queue dashboard (bull-board) at `/admin/queues`, for admins only: jobs per state, retry,
 * promote, clean. The caller passes its own authorisation middleware (bot/auth `authenticate` +
 * `requireRole('admin')`): workers/ know nothing of sessions.
 */
import express, { type RequestHandler, type Router } from 'express';
import type { Queue } from 'bullmq';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';

export const QUEUE_ADMIN_PATH = '/admin/queues';

/**
 * bull-board's page: its scripts, styles and icons come from its own static files under the base
 * path; React sets inline styles and the page has a <style> block; it calls its API under the same
 * path. Its Google Fonts link stays blocked (no other hosts): the page falls back to system fonts.
 */
export const QUEUE_ADMIN_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export interface QueueAdminOptions {
  queues: Queue[] | Record<string, Queue>;
  /** Runs before every dashboard request; must end the request unless the user is an admin. */
  requireAdmin: RequestHandler | RequestHandler[];
  /** Where the dashboard is mounted. Default `/admin/queues`. */
  basePath?: string;
  readOnly?: boolean;
}

export function queueAdminRoutes(o: QueueAdminOptions): Router {
  const basePath = o.basePath ?? QUEUE_ADMIN_PATH;
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(basePath);
  const queues = Array.isArray(o.queues) ? o.queues : Object.values(o.queues);
  createBullBoard({
    queues: queues.map((q) => new BullMQAdapter(q, { readOnlyMode: o.readOnly ?? false })),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'Concierge queues' } },
  });
  const router = express.Router();
  const guards = Array.isArray(o.requireAdmin) ? o.requireAdmin : [o.requireAdmin];
  router.use(basePath, ...guards, (_req, res, next) => {
    // The dashboard is an operator tool: never cached, never framed by another site.
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Content-Security-Policy', QUEUE_ADMIN_CSP);
    next();
  }, serverAdapter.getRouter() as RequestHandler);
  return router;
}
