/**
 * Learning from people, over HTTP. In the console: what the bot understood of each customer message
 * of a ticket, "the bot misunderstood this" (an agent labels a message with the intent the customer
 * meant) and correcting a ticket's category; both write intent_labels rows. In the supervisor
 * dashboard: bot analytics (outcomes, intents, conversations without a person, confidence per model
 * version, the messages the bot did not understand, each of which can be labelled there) and the
 * intent model versions (list, activate and pin, unpin, train now).
 *
 * Access follows the console's rules: agents label messages of tickets they may see and correct the
 * category of tickets they may act on; the dashboard routes are for supervisors and admins. Domain
 * errors (unknown message, not a customer message) are turned into HTTP here.
 */
import { z } from 'zod';
import { NotFoundError, type Timeline } from '../../crm';
import type { TicketView, Support } from '../../crm/support';
import {
  InvalidCursorError, NotACustomerMessageError, UnknownIntentError, type BotAnalytics, type IntentLabelStore, type IntentLabelView, type IntentModelAdmin, type IntentModelPin, type IntentModelVersion,
} from '../../crm/understanding';
import { lastDays } from '../../crm/calendar';
import { DEFAULT_ACTIVATION_POLICY } from '../../nlp/retraining';
import { INTENT_DISPLAY_NAMES, intentChoices } from '../../nlp/intentNames';
import { isBuiltInIntent } from '../../nlp/intents';
import type { AuthContext } from '../auth';
import { badRequest, HttpError, notFound } from '../errors';
import type { ApiRegistry } from './registry';
import { DASHBOARD_ROLES } from './dashboardStatic';
import {
  activateIntentModelResponse, botOverviewSchema, botTrendQueryIn, categoriesSchema, categoryBody, categoryResponse, conversationQuery, conversationSchema, intentModelsSchema, intentsSchema,
  intentVersionParams, labelBody, labelResponse, messageParams, notUnderstoodQueryIn, notUnderstoodSchema, ticketMessageParams, ticketUnderstandingsSchema, trainIntentModelResponse,
  unpinIntentModelResponse,
} from './understandingSchemas';

const actorOf = (auth: AuthContext) => `agent:${auth.user.id}`;

function labelOut(l: IntentLabelView) {
  return { ...l, createdAt: l.createdAt.toISOString() };
}

/** Domain errors of labelling → HTTP. */
function asHttp(err: unknown): never {
  if (err instanceof NotFoundError) throw notFound('no such message', 'unknown_message');
  if (err instanceof NotACustomerMessageError || err instanceof UnknownIntentError) throw badRequest(err.message, err.code);
  throw err;
}

export interface CorrectionRouteDeps {
  labels: IntentLabelStore;
  support: Support;
  timeline: Pick<Timeline, 'forConversation'>;
  /** The console's rules (bot/api/index.ts): 404 unknown, 403 not the user's. */
  visibleTicket: (auth: AuthContext, id: string) => Promise<{ ticket: TicketView }>;
  actionableTicket: (auth: AuthContext, id: string) => Promise<TicketView>;
  present: (tickets: TicketView[]) => Promise<Array<Record<string, unknown>>>;
}

/** The console's routes (registered by consoleRoutes on its registry). */
export function registerCorrectionRoutes(api: ApiRegistry, deps: CorrectionRouteDeps): void {
  const tag = 'learning';
  /** Inbound messages of the ticket's conversation (what may be labelled through this ticket). */
  async function ticketMessage(ticket: TicketView, messageId: string) {
    const m = await deps.labels.message(messageId);
    if (!m || m.channel !== ticket.channel || m.conversationId !== ticket.conversationId) throw notFound('no such message in this ticket’s conversation', 'unknown_message');
    if (m.direction !== 'inbound') throw badRequest('only customer messages can be labelled', 'not_a_customer_message');
    return m;
  }
  const categories = () => {
    const names: Record<string, string> = { ...INTENT_DISPLAY_NAMES, general: 'General' };
    return deps.support.config.queues.flatMap((q) => q.categories.map((c) => ({ id: c, name: names[c] ?? c.replace(/_/g, ' '), queueId: q.id })));
  };

  api.add({
    method: 'get',
    path: '/api/intents',
    tag,
    summary: 'The built-in intents with readable names (what a message can be labelled with)',
    access: 'signedIn',
    response: intentsSchema,
    handler: async () => ({ intents: intentChoices() }),
  });
  api.add({
    method: 'get',
    path: '/api/ticket-categories',
    tag,
    summary: 'Ticket categories of the routing rules, with their queue (what a ticket’s category can be corrected to)',
    access: 'signedIn',
    response: categoriesSchema,
    handler: async () => ({ categories: categories() }),
  });
  api.add({
    method: 'get',
    path: '/api/tickets/:id/understandings',
    tag,
    summary: "What the bot understood of each customer message of the ticket's conversation, and its latest label",
    access: 'signedIn',
    params: z.object({ id: z.uuid().describe('ticket id') }),
    errors: [403, 404],
    response: ticketUnderstandingsSchema,
    handler: async ({ auth, params }) => {
      const { ticket } = await deps.visibleTicket(auth, params.id);
      const inbound = (await deps.timeline.forConversation(ticket.channel, ticket.conversationId)).filter((m) => m.direction === 'inbound');
      const ids = inbound.map((m) => m.id);
      const [understood, labels] = ids.length
        ? await Promise.all([deps.labels.understandingsOf(ids), deps.labels.forMessages(ids)])
        : [[], []];
      const byMessage = new Map(understood.map((u) => [u.messageId, u]));
      const latestLabel = new Map<string, IntentLabelView>();
      for (const l of labels) if (l.messageId && !latestLabel.has(l.messageId)) latestLabel.set(l.messageId, l);
      return {
        messages: inbound.map((m) => {
          const u = byMessage.get(m.id);
          const l = latestLabel.get(m.id);
          return {
            messageId: m.id,
            understanding: u ? { intent: u.intent, confidence: u.confidence, language: u.language, outcome: u.outcome, reason: u.outcomeReason, modelVersion: u.modelVersion } : null,
            label: l ? labelOut(l) : null,
          };
        }),
      };
    },
  });
  api.add({
    method: 'post',
    path: '/api/tickets/:id/messages/:messageId/label',
    tag,
    summary: 'The bot misunderstood this: label a customer message with the intent the customer meant (the retraining learns it)',
    description: 'One label per message and source: labelling the message again replaces the earlier correction. Agents may label messages of tickets they may see.',
    access: ['agent', 'supervisor', 'admin'],
    params: ticketMessageParams,
    body: labelBody,
    errors: [403, 404],
    response: labelResponse,
    handler: async ({ auth, params, body }) => {
      const { ticket } = await deps.visibleTicket(auth, params.id);
      await ticketMessage(ticket, params.messageId);
      const label = await deps.labels.label({ messageId: params.messageId, intent: body.intent, source: 'agent_correction', labelledBy: actorOf(auth), ticketId: ticket.id }).catch(asHttp);
      return { label: labelOut(label) };
    },
  });
  api.add({
    method: 'post',
    path: '/api/tickets/:id/category',
    tag,
    summary: "Correct the ticket's category; the customer message it came from is labelled with it (source ticket_category)",
    description: 'The queue stays (reassign to move the ticket). `general` is not an intent: the category changes, nothing is labelled. Agents may correct tickets they may act on.',
    access: ['agent', 'supervisor', 'admin'],
    params: z.object({ id: z.uuid().describe('ticket id') }),
    body: categoryBody,
    errors: [403, 404],
    response: categoryResponse,
    handler: async ({ auth, params, body }) => {
      const ticket = await deps.actionableTicket(auth, params.id);
      if (!categories().some((c) => c.id === body.category)) throw badRequest(`unknown category ${body.category}`, 'unknown_category');
      let label: IntentLabelView | null = null;
      const { ticket: changed, changed: didChange } = await deps.support.tickets.setCategory(ticket.id, body.category, auth.user.id, async (tx, previous) => {
        if (!isBuiltInIntent(body.category)) return;
        const messageId = await deps.labels.ticketSourceMessage(previous, tx);
        if (messageId) label = await deps.labels.label({ messageId, intent: body.category, source: 'ticket_category', labelledBy: actorOf(auth), ticketId: ticket.id }, tx);
      });
      const [view] = await deps.present([changed]);
      return { ticket: view, changed: didChange, label: label && labelOut(label) };
    },
  });
}

export interface BotAnalyticsRouteDeps {
  analytics: BotAnalytics;
  labels: IntentLabelStore;
  timeline: Pick<Timeline, 'forConversation'>;
  /** Intent model versions; without it, those routes answer 501. */
  models?: Pick<IntentModelAdmin, 'versions' | 'activate' | 'unpin'>;
  /** Queues a retraining now (workers' requestIntentModelTrainingNow); without it, 501. */
  requestTraining?: () => Promise<{ jobId: string; alreadyPending: boolean }>;
  clock?: () => Date;
}

function pinOut(p: IntentModelPin) {
  return { versionId: p.versionId, pinnedAt: p.pinnedAt.toISOString(), pinnedBy: p.pinnedBy };
}

function versionOut(v: IntentModelVersion) {
  const d = v.decisionDetail as { reason?: string; comparedWith?: string | null; checks?: unknown[] };
  return {
    versionId: v.versionId,
    kind: String(v.params.kind ?? 'retrained'),
    active: v.active,
    pinned: v.pin !== null,
    decision: v.decision,
    reason: d.reason ?? null,
    comparedWith: d.comparedWith ?? null,
    checks: (d.checks ?? []) as Array<{ metric: string; candidate: number | null; active: number | null; tolerance: number; passed: boolean }>,
    scores: v.scores as unknown as Record<string, unknown>,
    provenance: v.provenance,
    trainedAt: v.trainedAt.toISOString(),
    activatedAt: v.activatedAt?.toISOString() ?? null,
    trainingMs: v.trainingMs,
    modelBytes: v.modelBytes,
    storedBytes: v.storedBytes,
  };
}

const modelsUnavailable = () => new HttpError(501, 'intent_models_unavailable', 'intent model versions are not available in this deployment');

/** The dashboard's bot analytics and intent model routes (an extension of the console's registry). */
export function botAnalyticsRoutes(deps: BotAnalyticsRouteDeps): (api: ApiRegistry) => void {
  const clock = deps.clock ?? (() => new Date());
  const access = DASHBOARD_ROLES;
  const tag = 'bot analytics';
  const timeZone = deps.analytics.timeZone;
  const trendQuery = botTrendQueryIn(timeZone);
  const listQuery = notUnderstoodQueryIn(timeZone);
  const periodOf = (q: { start?: Date; end?: Date; days: number }) => (q.start && q.end ? { start: q.start, end: q.end } : lastDays(clock(), q.days, timeZone));

  return (api) => {
    api.add({
      method: 'get',
      path: '/api/dashboard/bot/overview',
      tag,
      summary: 'Bot analytics per day (support time zone): outcomes and rates, their reasons, intents by volume, conversations resolved without a person, confidence per model version',
      access,
      query: trendQuery,
      response: botOverviewSchema,
      handler: async ({ query }) => {
        const o = await deps.analytics.overview(periodOf(query));
        return { ...o, intents: o.intents.map((i) => ({ ...i, name: isBuiltInIntent(i.intent) ? INTENT_DISPLAY_NAMES[i.intent] : i.intent })) };
      },
    });
    api.add({
      method: 'get',
      path: '/api/dashboard/bot/not-understood',
      tag,
      summary: 'Messages the bot did not understand, newest first (cursor paging), with their conversation and any label',
      access,
      query: listQuery,
      errors: [400],
      response: notUnderstoodSchema,
      handler: async ({ query }) => {
        try {
          return await deps.analytics.notUnderstood(periodOf(query), { language: query.language, limit: query.limit, cursor: query.cursor });
        } catch (err) {
          if (err instanceof InvalidCursorError) throw badRequest(err.message, err.code);
          throw err;
        }
      },
    });
    api.add({
      method: 'get',
      path: '/api/dashboard/bot/conversation',
      tag,
      summary: 'One conversation’s messages, oldest first (what a not-understood message was said in)',
      access,
      query: conversationQuery,
      response: conversationSchema,
      handler: async ({ query }) => ({
        messages: (await deps.timeline.forConversation(query.channel, query.conversationId)).map((m) => ({ id: m.id, direction: m.direction, author: m.author, text: m.text, at: m.createdAt })),
      }),
    });
    api.add({
      method: 'post',
      path: '/api/dashboard/bot/messages/:messageId/label',
      tag,
      summary: 'Label a customer message with the intent the customer meant (an agent correction; the retraining learns it)',
      access,
      params: messageParams,
      body: labelBody,
      errors: [404],
      response: labelResponse,
      handler: async ({ auth, params, body }) => {
        const label = await deps.labels.label({ messageId: params.messageId, intent: body.intent, source: 'agent_correction', labelledBy: actorOf(auth) }).catch(asHttp);
        return { label: labelOut(label) };
      },
    });
    api.add({
      method: 'get',
      path: '/api/dashboard/intent-models',
      tag,
      summary: 'Intent model versions, newest first: frozen-split scores, training provenance, the activation decision, which one is active',
      access,
      errors: [501],
      response: intentModelsSchema,
      handler: async () => {
        if (!deps.models) throw modelsUnavailable();
        const [versions, labels] = await Promise.all([deps.models.versions(), deps.labels.counts()]);
        const pin = versions.find((v) => v.pin)?.pin ?? null;
        return { activeVersionId: versions.find((v) => v.active)?.versionId ?? null, pin: pin && pinOut(pin), policy: { ...DEFAULT_ACTIVATION_POLICY }, labels, versions: versions.map(versionOut) };
      },
    });
    api.add({
      method: 'post',
      path: '/api/dashboard/intent-models/:versionId/activate',
      tag,
      summary: 'Serve a stored intent model version (roll back or forward) and pin it; every web process loads it',
      description: 'While pinned, retrainings store their versions without activating them (until `…/intent-models/unpin`). Idempotent: activating the active version answers `changed: false`.',
      access,
      params: intentVersionParams,
      errors: [404, 501],
      response: activateIntentModelResponse,
      handler: async ({ params, auth }) => {
        if (!deps.models) throw modelsUnavailable();
        try {
          const out = await deps.models.activate(params.versionId, { actor: actorOf(auth), name: auth.user.displayName });
          return { version: versionOut(out.version), changed: out.changed, announced: out.announced, pin: out.version.pin && pinOut(out.version.pin) };
        } catch (err) {
          if (err instanceof NotFoundError) throw notFound('no stored intent model version with this id', 'unknown_model_version');
          throw err;
        }
      },
    });
    api.add({
      method: 'post',
      path: '/api/dashboard/intent-models/unpin',
      tag,
      summary: 'Remove the pin: the active version stays served; the next retraining may replace it',
      access,
      errors: [501],
      response: unpinIntentModelResponse,
      handler: async () => {
        if (!deps.models) throw modelsUnavailable();
        const out = await deps.models.unpin();
        return { changed: out.changed, previous: out.previous && pinOut(out.previous) };
      },
    });
    api.add({
      method: 'post',
      path: '/api/dashboard/intent-models/train',
      tag,
      summary: 'Retrain the intent model now from the built-in data and the learned labels',
      description: 'While a retraining waits or runs, answers with that job (`alreadyPending: true`).',
      access,
      status: 202,
      errors: [501],
      response: trainIntentModelResponse,
      handler: async () => {
        if (!deps.requestTraining) throw new HttpError(501, 'training_unavailable', 'the job queue is not available in this deployment');
        return deps.requestTraining();
      },
    });
  };
}
