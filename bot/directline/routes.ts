import { Router, type Request } from 'express';
import { jsonBody } from '../api/inputGuards';
import { timingSafeEqual } from 'node:crypto';
import type { ConversationOrigins } from '../conversationOrigins';
import { unauthorized } from '../errors';
import type { DirectLineService } from './service';
import { newConversationId, newUserId } from './service';
import type { DirectLineTokens } from './tokens';

export interface DirectLineRoutesOptions {
  service: DirectLineService;
  tokens: DirectLineTokens;
  /** Server-to-server secret for POST /tokens/generate (like Azure's Direct Line secret). Unset: route disabled. */
  secret?: string;
  maxBodyBytes: number;
  /** Records which client address each website conversation is opened or resumed from (identity-proof limits). */
  origins?: ConversationOrigins;
}

/** Where the browser opens the stream: same host the request came to, so proxies and several instances work. */
function streamUrl(req: Request, conversationId: string, token: string, watermark?: string): string {
  const proto = req.protocol === 'https' ? 'wss' : 'ws';
  const url = new URL(`${proto}://${req.get('host')}/v3/directline/conversations/${encodeURIComponent(conversationId)}/stream`);
  url.searchParams.set('t', token);
  if (watermark) url.searchParams.set('watermark', watermark);
  return url.toString();
}

function secretMatches(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Direct Line 3.0 REST surface, plus the website's session endpoint. */
export function directLineRoutes(o: DirectLineRoutesOptions): Router {
  const r = Router();
  const json = jsonBody({ limit: o.maxBodyBytes, strict: false });
  // Defence in depth for the identity-proof limits: a failure to record leaves the per-conversation and
  // per-subject limits in force, so the website keeps working when Redis blips.
  const rememberOrigin = async (conversationId: string, req: Request) => {
    if (o.origins && req.ip) await o.origins.remember(conversationId, req.ip).catch(() => undefined);
  };

  // The website asks for a session: a new conversation and server-assigned user, or a resumed one.
  r.post('/api/webchat/session', json, async (req, res) => {
    const resumeToken = typeof req.body?.token === 'string' ? req.body.token : undefined;
    if (resumeToken) {
      try {
        const claims = o.tokens.verify(resumeToken);
        await o.service.requireConversation(claims, claims.conversationId);
        await rememberOrigin(claims.conversationId, req);
        res.json({ ...o.tokens.issue(claims), conversationId: claims.conversationId, userId: claims.userId, resumed: true });
        return;
      } catch {
        // Expired, forged or unknown: start afresh rather than fail the page.
      }
    }
    const locale = typeof req.body?.locale === 'string' && /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$/.test(req.body.locale) ? req.body.locale : undefined;
    const claims = { conversationId: newConversationId(), userId: newUserId(), ...(locale ? { locale } : {}) };
    await rememberOrigin(claims.conversationId, req);
    res.json({ ...o.tokens.issue(claims), conversationId: claims.conversationId, userId: claims.userId, resumed: false });
  });

  r.post('/v3/directline/tokens/generate', json, (req, res) => {
    const m = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '');
    if (!o.secret || !m || !secretMatches(m[1], o.secret)) throw unauthorized('invalid secret', 'invalid_secret');
    const claims = { conversationId: newConversationId(), userId: newUserId() };
    res.json({ conversationId: claims.conversationId, ...o.tokens.issue(claims), userId: claims.userId });
  });

  r.post('/v3/directline/tokens/refresh', json, async (req, res) => {
    const claims = o.tokens.fromHeader(req.get('authorization'));
    res.json({ conversationId: claims.conversationId, ...o.tokens.issue(claims) });
  });

  r.post('/v3/directline/conversations', json, async (req, res) => {
    const claims = o.tokens.fromHeader(req.get('authorization'));
    const { created } = await o.service.start(claims);
    const issued = o.tokens.issue(claims);
    res.status(created ? 201 : 200).json({
      conversationId: claims.conversationId,
      ...issued,
      streamUrl: streamUrl(req, claims.conversationId, issued.token),
    });
  });

  r.get('/v3/directline/conversations/:id', async (req, res) => {
    const claims = o.tokens.fromHeader(req.get('authorization'));
    await o.service.requireConversation(claims, req.params.id);
    const issued = o.tokens.issue(claims);
    const watermark = typeof req.query.watermark === 'string' && /^\d+$/.test(req.query.watermark) ? req.query.watermark : undefined;
    res.json({ conversationId: claims.conversationId, ...issued, streamUrl: streamUrl(req, claims.conversationId, issued.token, watermark) });
  });

  r.post('/v3/directline/conversations/:id/activities', json, async (req, res) => {
    const claims = o.tokens.fromHeader(req.get('authorization'));
    const result = await o.service.post(claims, req.params.id, req.body);
    res.json(result);
  });

  r.get('/v3/directline/conversations/:id/activities', async (req, res) => {
    const claims = o.tokens.fromHeader(req.get('authorization'));
    res.json(await o.service.read(claims, req.params.id, req.query.watermark));
  });

  return r;
}
