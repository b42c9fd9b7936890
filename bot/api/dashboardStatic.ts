/**
 * The supervisor dashboard's files: `web/dashboard/` at `/dashboard/` under the console's CSP, and
 * Chart.js's self-contained UMD build straight from node_modules (no CDN, no eval: it runs under
 * `script-src 'self'`). Preact and htm come from the console's vendor route. The page itself is for
 * supervisors and admins: without a session it answers 401 with a link to the console's sign-in
 * (same session cookie), for agents 403; its scripts and styles hold no data and are served to all.
 */
import express, { type Request, type Response, type Router } from 'express';
import fs from 'node:fs';
import path from 'node:path';
import type { SessionService, UserRole } from '../../crm/users';
import { authenticate, authOf } from '../auth';
import { CONSOLE_CSP } from './static';

const dashboardDir = path.join(__dirname, '..', '..', 'web', 'dashboard');
const chartJsFile = path.join(path.dirname(require.resolve('chart.js')), 'chart.umd.min.js');

export const DASHBOARD_ROLES: UserRole[] = ['supervisor', 'admin'];

function page(res: Response, status: number, title: string, body: string): void {
  res.status(status).type('html').send(`<!doctype html>
<html lang="en"><head><meta charset="utf-8" /><meta name="viewport" content="width=device-width, initial-scale=1" />
<title>${title} · Concierge</title><link rel="icon" href="data:," /><link rel="stylesheet" href="/dashboard/dashboard.css" /></head>
<body><main class="gate"><div class="gate-card"><div class="brand-mark" aria-hidden="true">C</div><h1>${title}</h1>${body}</div></main></body></html>`);
}

export function dashboardStatic(sessions: SessionService): Router {
  const router = express.Router();
  let chartJs: string | undefined;
  router.use('/dashboard', (_req, res, next) => {
    res.setHeader('Content-Security-Policy', CONSOLE_CSP);
    res.setHeader('X-Frame-Options', 'DENY');
    next();
  });
  router.get('/dashboard', (req, res, next) => (req.path === '/dashboard' && req.originalUrl.split('?')[0] === '/dashboard' ? res.redirect(301, '/dashboard/') : next()));
  router.get('/dashboard/vendor/chart.umd.js', (_req, res) => {
    chartJs ??= fs.readFileSync(chartJsFile, 'utf8').replace(/\/\/# sourceMappingURL=.*$/m, '');
    res.setHeader('Cache-Control', 'public, max-age=3600');
    res.type('text/javascript').send(chartJs);
  });
  const gate = (_req: Request, res: Response, next: () => void) => {
    const auth = authOf(res);
    res.setHeader('Cache-Control', 'no-store');
    if (!auth) return page(res, 401, 'Sign in first', '<p>The supervisor dashboard uses your console sign-in.</p><p><a class="button" href="/console/?next=/dashboard/">Sign in</a> (at the console; you come back here after).</p>');
    if (!DASHBOARD_ROLES.includes(auth.user.role)) return page(res, 403, 'Supervisors only', '<p>The dashboard is for supervisors and admins. Your tickets are waiting in the console.</p><p><a class="button" href="/console/">Back to the console</a></p>');
    next();
  };
  router.get(['/dashboard/', '/dashboard/index.html'], authenticate(sessions), gate, (_req, res) => res.sendFile(path.join(dashboardDir, 'index.html')));
  router.use('/dashboard', express.static(dashboardDir, { index: false, maxAge: 0 }));
  return router;
}
