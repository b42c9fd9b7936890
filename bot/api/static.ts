/**
 * The agent console's files: `web/console/` at `/console/`, and Preact + htm as ES modules straight
 * from node_modules (no build step, no CDN). Preact's hooks module imports the bare specifier
 * "preact"; it is rewritten to our URL so the page needs no import map and a strict CSP holds.
 */
import express, { type Router } from 'express';
import fs from 'node:fs';
import path from 'node:path';

const consoleDir = path.join(__dirname, '..', '..', 'web', 'console');
const preactDir = path.dirname(require.resolve('preact/package.json'));
// htm's exports map hides package.json: resolve its main file (dist/htm.js) and go up.
const htmDir = path.join(path.dirname(require.resolve('htm')), '..');

const vendor: Record<string, () => string> = {
  'preact.mjs': () => fs.readFileSync(path.join(preactDir, 'dist', 'preact.mjs'), 'utf8'),
  'hooks.mjs': () => fs.readFileSync(path.join(preactDir, 'hooks', 'dist', 'hooks.mjs'), 'utf8').replace(/from\s*["']preact["']/g, 'from"./preact.mjs"'),
  'htm.mjs': () => fs.readFileSync(path.join(htmDir, 'dist', 'htm.mjs'), 'utf8'),
};

export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export function consoleStatic(): Router {
  const router = express.Router();
  const cache = new Map<string, string>();
  router.get('/console', (req, res, next) => (req.path === '/console' ? res.redirect(301, '/console/') : next()));
  router.get('/console/vendor/:file', (req, res, next) => {
    const load = vendor[req.params.file];
    if (!load) return next();
    let body = cache.get(req.params.file);
    if (body === undefined) {
      body = load();
      cache.set(req.params.file, body);
    }
    res.setHeader('Cache-Control', 'public, max-age=3600');
    res.type('text/javascript').send(body);
  });
  router.use('/console', (_req, res, next) => {
    res.setHeader('Content-Security-Policy', CONSOLE_CSP);
    res.setHeader('X-Frame-Options', 'DENY');
    next();
  });
  router.use('/console', express.static(consoleDir, { index: 'index.html', maxAge: 0 }));
  return router;
}
