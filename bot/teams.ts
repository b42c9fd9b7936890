import { Router } from 'express';
import { jsonBody } from './api/inputGuards';
import { CloudAdapter, ConfigurationBotFrameworkAuthentication } from 'botbuilder';
import type { Activity, InvokeResponse, TurnContext } from 'botbuilder';
import type { BotFrameworkAuthentication } from 'botframework-connector';
type AuthenticateRequestResult = Awaited<ReturnType<BotFrameworkAuthentication['authenticateRequest']>>;
import { z } from 'zod';
import type { AppConfig } from '../config';
import { badRequest, HttpError, unauthorized } from './errors';

/**
 * The Bot Connector adapter (Teams and other Azure channels). Authentication is done first and
 * separately, so a refused token is always a 401, never a 500.
 */
export class ChannelAdapter extends CloudAdapter {
  constructor(readonly authentication: BotFrameworkAuthentication) {
    super(authentication);
  }

  async processAuthenticated(auth: AuthenticateRequestResult, activity: Activity, logic: (context: TurnContext) => Promise<void>): Promise<InvokeResponse | undefined> {
    return this.processActivity(auth, activity, logic);
  }
}

export function createChannelAdapter(config: AppConfig): ChannelAdapter {
  return new ChannelAdapter(
    new ConfigurationBotFrameworkAuthentication({
      MicrosoftAppId: config.MicrosoftAppId,
      MicrosoftAppPassword: config.MicrosoftAppPassword,
      // Without an app id the factory rejects SingleTenant; the route itself stays closed in that case.
      MicrosoftAppType: config.MicrosoftAppId ? config.MicrosoftAppType : 'MultiTenant',
      MicrosoftAppTenantId: config.MicrosoftAppTenantId,
    }),
  );
}

const channelActivitySchema = z.looseObject({
  type: z.string().min(1).max(64),
  serviceUrl: z.url(),
  channelId: z.string().min(1).max(64),
  conversation: z.looseObject({ id: z.string().min(1).max(1024) }),
  from: z.looseObject({ id: z.string().min(1).max(1024) }),
  text: z.string().max(100_000).optional(),
});

/**
 * POST /api/messages: Teams and other Bot Connector channels. Authentication is on whenever
 * MicrosoftAppId is set; without an app id the route refuses traffic unless explicitly opened for the
 * Bot Framework Emulator (never in production).
 */
export function channelRoutes(o: {
  adapter: ChannelAdapter;
  config: AppConfig;
  allowUnauthenticated: boolean;
  logic: (context: TurnContext) => Promise<void>;
}): Router {
  const r = Router();
  r.post('/api/messages', jsonBody({ limit: o.config.MAX_BODY_BYTES }), async (req, res) => {
    const authEnabled = o.config.MicrosoftAppId !== '';
    if (!authEnabled && !o.allowUnauthenticated) {
      // Not configured here is not an outage: no route a Bot Connector could be pointed at (404, never a 5xx).
      throw new HttpError(404, 'channel_not_configured', 'the Bot Connector channel is not configured on this install (set MicrosoftAppId)');
    }
    const header = req.get('authorization') ?? '';
    if (authEnabled && !/^Bearer\s+\S+$/i.test(header)) throw unauthorized('missing Bot Framework token');
    const parsed = channelActivitySchema.safeParse(req.body);
    if (!parsed.success) throw badRequest(`invalid activity: ${parsed.error.issues[0].path.join('.')}: ${parsed.error.issues[0].message}`, 'invalid_activity');
    const activity = parsed.data as unknown as Activity;
    let auth: AuthenticateRequestResult;
    try {
      auth = await o.adapter.authentication.authenticateRequest(activity, header);
    } catch {
      throw unauthorized('invalid Bot Framework token');
    }
    const invoke = await o.adapter.processAuthenticated(auth, activity, o.logic);
    if (invoke?.body !== undefined) res.status(invoke.status ?? 200).json(invoke.body);
    else res.status(invoke?.status ?? 200).end();
  });
  return r;
}
