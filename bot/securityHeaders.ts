/**
 * Security headers on every response. Each response starts with a deny-everything CSP and frame
 * protection (JSON, errors, files); a page that needs more replaces the CSP with its own, which keeps
 * `frame-ancestors 'none'`. HSTS goes out only over https (req.secure: TLS here, or
 * X-Forwarded-Proto from the trusted proxy, see `trust proxy` in server.ts): over plain http browsers
 * ignore it, and sending it on a development http address would be wrong.
 */
import type { RequestHandler } from 'express';

const policy = (directives: Record<string, string>) =>
  Object.entries(directives)
    .map(([name, value]) => `${name} ${value}`)
    .join('; ');

/** Anything that is not a page: no content may load, nobody may frame it. */
export const DEFAULT_CSP = policy({
  'default-src': "'none'",
  'base-uri': "'none'",
  'form-action': "'none'",
  'frame-ancestors': "'none'",
});

/**
 * The customer chat page (web/public/index.html with Web Chat's bundle): scripts from this server
 * only; inline styles, because the page has a <style> block and Web Chat injects its own; images
 * only from this server or data:/blob: (no remote images, whatever a reply contains); the Direct
 * Line calls and WebSocket stream go to this same host ('self' covers ws:/wss: of the host).
 */
export const CHAT_PAGE_CSP = policy({
  'default-src': "'self'",
  'script-src': "'self'",
  'style-src': "'self' 'unsafe-inline'",
  'img-src': "'self' data: blob:",
  'font-src': "'self' data:",
  'media-src': "'self' data: blob:",
  'connect-src': "'self'",
  'object-src': "'none'",
  'base-uri': "'none'",
  'form-action': "'none'",
  'frame-ancestors': "'none'",
});

export const HSTS = 'max-age=31536000; includeSubDomains';

export function securityHeaders(): RequestHandler {
  return (req, res, next) => {
    res.setHeader('Content-Security-Policy', DEFAULT_CSP);
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    if (req.secure) res.setHeader('Strict-Transport-Security', HSTS);
    next();
  };
}
