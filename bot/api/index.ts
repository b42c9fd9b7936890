/**
 * The agent console's REST API (`/api/...`), its OpenAPI document (`/api/docs`), the live event
 * stream (`/api/events`) and the console's static files (`/console/`).
 *
 * Who sees what: no session → 401. Agents see and act on the tickets of the queues they belong to
 * and the tickets assigned to them (others → 403); supervisors and admins see everything.
 */
import express, { type ErrorRequestHandler, type Router } from 'express';
import { randomBytes } from 'node:crypto';
import { jsonBody } from './inputGuards';
import { z } from 'zod';
import type { CustomerDirectory, Timeline } from '../../crm';
import { CrmError } from '../../crm';
import type { AgentView, LiveEvent, Support, TicketView } from '../../crm/support';
import type { RecommendationService } from '../../crm/recommendations';
import { RECOMMENDATION_CARD_COUNT } from '../../dialogs/recommendationDialog';
import type { CustomerValueStore } from '../../crm/value';
import type { LearnedProfileStore } from '../../crm/identity';
import { OPEN_TICKET_STATUSES, TICKET_STATUSES, type TicketStatus } from '../../crm/schema';
import { DuplicateUserError, type SessionService, type UserService, type UserView } from '../../crm/users';
import type { Logger } from '../logger';
import { authenticate, authOf, memorySignInLimits, sameOriginWrites, signIn, signOut, type AuthContext, type SignInLimits } from '../auth';
import { badRequest, forbidden, HttpError, notFound } from '../errors';
import { ApiRegistry } from './registry';
import {
  agentSchema,
  agentUpsertBody,
  customerPanelSchema,
  customerParams,
  idParams,
  meSchema,
  messageSchema,
  newUserBody,
  priorityBody,
  queueSchema,
  reassignBody,
  replyBody,
  signInBody,
  statusBody,
  ticketEventSchema,
  ticketListQuery,
  ticketSchema,
  userIdParams,
  userSchema,
} from './schemas';
import { docsPage } from './docsPage';
import { consoleStatic } from './static';
import { LiveStreams, type LiveEventSource } from './live';
import { registerCustomer360Routes } from './customers360';
import { auditRecorder, registerAuditRoutes, type AuditRecorder } from './audit';
import { registerPrivacyRoutes, type PrivacyRouteDeps } from './privacy';
import { ERASED_SUBJECT } from '../../crm/privacy';
import type { AuditLog } from '../../crm/privacy';
import type { Customer360 } from '../../crm/identity';
import type { IntentLabelStore } from '../../crm/understanding';
import { registerCorrectionRoutes } from './understanding';

export type { LiveEventSource } from './live';

/**
 * What the console needs from the bot edge to talk to customers (implemented by the handoff):
 * delivering an agent's reply to the customer's channel, and giving the conversation back to the bot.
 */
export interface AgentConversationPort {
  /** Delivers the reply on the ticket's channel and records it on the ticket (bot/handoff.ts). */
  agentReply(ticketId: string, user: { id: string; role: string }, text: string, options?: { awaitingCustomer?: boolean }): Promise<unknown>;
  /** Resolves the ticket and tells the customer (the bot answers again). */
  resolve(ticketId: string, actorUserId: string): Promise<unknown>;
  /** Returns the conversation to the bot. */
  handBack(ticketId: string, actorUserId: string): Promise<unknown>;
}

export interface ConsoleDeps {
  crm: { customers: CustomerDirectory; timeline: Timeline; users: UserService; sessions: SessionService };
  support: Support;
  /** Agent replies and hand-back; without it, replying answers 501. */
  conversations?: AgentConversationPort;
  /** Live events to stream to consoles (the Redis fan-out). */
  events?: LiveEventSource;
  log: Logger;
  /** `auto` (default): Secure cookies when the request came over https. */
  secureCookies?: boolean | 'auto';
  maxBodyBytes?: number;
  /** The app is shutting down: live streams end so the server can close. */
  isStopping?: () => boolean;
  /** Customer 360 (profiles, history, search, merges with undo); without it those routes are absent. */
  customer360?: Pick<Customer360, 'profiles' | 'linker' | 'history' | 'search'>;
  /** Failed sign-in limits, per address and per account; default: this process's memory (the app passes Redis ones, shared by instances). */
  signInLimits?: SignInLimits;
  /** More routes on the same registry, session and OpenAPI document (the supervisor dashboard, bot/api/dashboard.ts). */
  extensions?: Array<(api: ApiRegistry) => void>;
  /** Recommendations for the customer panel (the same the bot shows); without it, the panel's list is empty. */
  recommendations?: Pick<RecommendationService, 'recommendFor'>;
  /** Customer value (the nightly job's RFM, LTV, churn risk) and what the bot learned, for the customer panel. */
  insights?: { values: Pick<CustomerValueStore, 'get'>; learned: Pick<LearnedProfileStore, 'get'> };
  /** Learning from agents: what the bot understood of a ticket's messages, "the bot misunderstood this", category corrections; without it those routes are absent. */
  understanding?: { labels: IntentLabelStore };
  /** The audit log (crm/privacy): customer views, searches, edits and merges are recorded, and supervisors read it at GET /api/audit; without it nothing is recorded and that route is absent. */
  audit?: AuditLog;
  /** Data subject requests (exports, erasures) at /api/privacy/…; without it those routes are absent. */
  privacy?: PrivacyRouteDeps;
}

/** Roles that see every customer and ticket: the privacy role handles requests about anyone. */
const SEES_ALL = new Set(['supervisor', 'admin', 'privacy']);

interface Scope {
  all: boolean;
  userId: string;
  queues: Set<string>;
}

/** Labels for the authors of timeline messages. */
function anonymousName(customerId: string): string {
  return `Customer ${customerId.slice(0, 4).toUpperCase()}`;
}

/**
 * The statuses a ticket list asks for: `status` (where `open` stands for every open status) narrowed
 * by `open=true|false`; undefined for every status.
 */
export function ticketStatusesOf(query: { status?: ReadonlyArray<TicketStatus | 'open'>; open?: 'true' | 'false' }): TicketStatus[] | undefined {
  const named = query.status?.flatMap((s) => (s === 'open' ? [...OPEN_TICKET_STATUSES] : [s]));
  const isOpen = (s: TicketStatus) => (OPEN_TICKET_STATUSES as readonly string[]).includes(s);
  if (query.open === undefined) return named && [...new Set(named)];
  const wanted = TICKET_STATUSES.filter((s) => isOpen(s) === (query.open === 'true'));
  return wanted.filter((s) => !named || named.includes(s));
}

export type ConsoleRouter = Router & { close(): void };

export function consoleRoutes(deps: ConsoleDeps): ConsoleRouter {
  const { crm, support } = deps;
  const authDeps = { users: crm.users, sessions: crm.sessions, secureCookies: deps.secureCookies ?? 'auto', limits: deps.signInLimits ?? memorySignInLimits(randomBytes(32)) };
  const api = new ApiRegistry();
  const live = new LiveStreams({ sessions: crm.sessions, source: deps.events, log: deps.log, isStopping: deps.isStopping, scopeOf: (auth) => scopeOf(auth) });

  const record: AuditRecorder = deps.audit ? auditRecorder(deps.audit) : async () => undefined;

  async function scopeOf(auth: AuthContext): Promise<Scope> {
    if (SEES_ALL.has(auth.user.role)) return { all: true, userId: auth.user.id, queues: new Set() };
    return { all: false, userId: auth.user.id, queues: new Set(await support.agents.queuesOf(auth.user.id)) };
  }

  /** Customer value and the learned profile, shaped as the panel's schema says. */
  async function panelInsights(customerId: string) {
    if (!deps.insights) return { value: null, learned: null };
    const [v, l] = await Promise.all([deps.insights.values.get(customerId), deps.insights.learned.get(customerId)]);
    return {
      value: v && { segment: v.segment, scores: v.scores, recencyDays: v.recencyDays, frequency: v.frequency, monetaryMinor: v.monetaryMinor, ltvMinor: v.ltvMinor, currency: v.currency, pAlive: v.pAlive, churnRisk: v.churnRisk, asOf: v.asOf, computedAt: v.computedAt },
      learned: l && {
        language: l.language.value,
        languageCounts: l.language.counts,
        sentiment: { average: l.sentiment.ewma, count: l.sentiment.count, trend: l.sentiment.trend, recent: l.sentiment.recent },
        likes: l.likes,
        dislikes: l.dislikes,
        contactPreference: l.contact,
        updatedAt: l.updatedAt,
      },
    };
  }

  /** The bot's picks for the customer (same service, same count as the chat carousel). */
  async function panelRecommendations(customerId: string) {
    if (!deps.recommendations) return { versionId: null, items: [] };
    try {
      const served = await deps.recommendations.recommendFor(customerId, { k: RECOMMENDATION_CARD_COUNT });
      return { versionId: served.versionId, items: served.cards };
    } catch (err) {
      // The rest of the panel still helps the agent.
      deps.log.warn({ err, customerId }, 'recommendations unavailable for the customer panel');
      return { versionId: null, items: [] };
    }
  }

  const canSee = (scope: Scope, t: Pick<TicketView, 'queueId' | 'assignedAgentId'>) => scope.all || scope.queues.has(t.queueId) || t.assignedAgentId === scope.userId;

  /** The ticket when the user may see it: 404 when unknown, 403 when another queue's. */
  async function visibleTicket(auth: AuthContext, id: string): Promise<{ ticket: TicketView; scope: Scope }> {
    const ticket = await support.tickets.get(id);
    if (!ticket) throw notFound('no such ticket');
    const scope = await scopeOf(auth);
    if (!canSee(scope, ticket)) throw forbidden('this ticket belongs to a queue you are not in', 'not_your_queue');
    return { ticket, scope };
  }

  /** Agents act on tickets assigned to them or waiting in their queues; not on a colleague's. */
  async function actionableTicket(auth: AuthContext, id: string): Promise<TicketView> {
    const { ticket, scope } = await visibleTicket(auth, id);
    if (!scope.all && ticket.assignedAgentId && ticket.assignedAgentId !== auth.user.id) throw forbidden('this ticket is assigned to another agent', 'assigned_to_another_agent');
    return ticket;
  }

  // Customer display names change rarely: a short-lived cache keeps inbox refreshes to one query.
  const customerNames = new Map<string, { name: string; at: number }>();
  async function customerName(id: string): Promise<string> {
    const hit = customerNames.get(id);
    if (hit && Date.now() - hit.at < 60_000) return hit.name;
    const c = await crm.customers.get(id);
    const name = c?.displayName || anonymousName(id);
    if (customerNames.size > 5000) customerNames.delete(customerNames.keys().next().value!);
    customerNames.set(id, { name, at: Date.now() });
    return name;
  }

  async function present(tickets: TicketView[]) {
    const names = new Map<string, string>();
    const agentNames = new Map((await support.agents.list()).map((a) => [a.userId, a.displayName]));
    for (const id of new Set(tickets.map((t) => t.customerId))) names.set(id, await customerName(id));
    // An erased customer's tickets are anonymous at once, whatever the name cache still holds.
    return tickets.map((t) => ({ ...t, customerName: t.subject === ERASED_SUBJECT ? anonymousName(t.customerId) : (names.get(t.customerId) ?? anonymousName(t.customerId)), assignedAgentName: t.assignedAgentId ? (agentNames.get(t.assignedAgentId) ?? null) : null }));
  }

  const userOut = (u: UserView) => u;

  // --- auth -------------------------------------------------------------------------------------
  api.add({
    method: 'post',
    path: '/api/auth/sign-in',
    tag: 'auth',
    summary: 'Sign in with email and password; sets the session cookie',
    access: 'public',
    body: signInBody,
    errors: [429],
    response: z.object({ user: userSchema }),
    handler: async ({ req, res, body }) => ({ user: userOut(await signIn(authDeps, req, res, body)) }),
  });
  api.add({
    method: 'post',
    path: '/api/auth/sign-out',
    tag: 'auth',
    summary: 'End the session and clear the cookie',
    access: 'public',
    status: 204,
    handler: async ({ req, res }) => {
      await signOut(authDeps, req, res);
      const auth = authOf(res);
      if (auth) live.endSession(auth.session.id);
    },
  });
  /** What /api/me tells, or null: the pages' probe at load, which must not log a 401 before sign-in. */
  async function meOf(auth: AuthContext) {
    const agent = await support.agents.get(auth.user.id);
    const scope = await scopeOf(auth);
    return { user: auth.user, agent, queues: scope.all ? support.config.queues.map((q) => q.id) : [...scope.queues], seesAllQueues: scope.all };
  }
  api.add({
    method: 'get',
    path: '/api/auth/session',
    tag: 'auth',
    summary: 'Whether this browser is signed in, and as whom (never 401: the console asks it before sign-in)',
    access: 'public',
    response: z.object({ me: meSchema.nullable() }),
    handler: async ({ res }) => {
      const auth = authOf(res);
      return { me: auth ? await meOf(auth) : null };
    },
  });
  api.add({
    method: 'get',
    path: '/api/me',
    tag: 'auth',
    summary: 'The signed-in user, their agent profile and queues',
    access: 'signedIn',
    response: meSchema,
    handler: async ({ auth }) => meOf(auth),
  });

  // --- tickets ----------------------------------------------------------------------------------
  api.add({
    method: 'get',
    path: '/api/tickets',
    tag: 'tickets',
    summary: 'Tickets the user may see, newest first, with filters',
    access: 'signedIn',
    query: ticketListQuery,
    response: z.object({ tickets: z.array(ticketSchema) }),
    handler: async ({ auth, query }) => {
      const scope = await scopeOf(auth);
      const statuses = ticketStatusesOf(query);
      // Filters that exclude each other (status=open&open=false): nothing, not everything.
      if (statuses?.length === 0) return { tickets: [] };
      const assignedAgentId = query.assigned === 'me' ? auth.user.id : query.assigned && query.assigned !== 'unassigned' ? query.assigned : undefined;
      const base = { statuses: statuses ? [...statuses] : undefined, assignedAgentId, customerId: query.customerId, limit: query.limit };
      let found: TicketView[];
      if (scope.all) {
        found = await support.tickets.list({ ...base, queueIds: query.queue });
      } else {
        const queues = query.queue ? query.queue.filter((q) => scope.queues.has(q)) : [...scope.queues];
        const inQueues = await support.tickets.list({ ...base, queueIds: queues });
        // Tickets assigned to the agent in a queue they are not in (transferred to them).
        const mine = !assignedAgentId || assignedAgentId === auth.user.id ? await support.tickets.list({ ...base, queueIds: query.queue, assignedAgentId: auth.user.id }) : [];
        const byId = new Map([...inQueues, ...mine].map((t) => [t.id, t]));
        found = [...byId.values()].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime()).slice(0, query.limit);
      }
      if (query.assigned === 'unassigned') found = found.filter((t) => !t.assignedAgentId);
      if (query.priority) found = found.filter((t) => query.priority!.includes(t.priority));
      return { tickets: await present(found) };
    },
  });
  api.add({
    method: 'get',
    path: '/api/tickets/:id',
    tag: 'tickets',
    summary: 'One ticket with its history',
    access: 'signedIn',
    params: idParams,
    errors: [403, 404],
    response: z.object({ ticket: ticketSchema, events: z.array(ticketEventSchema) }),
    handler: async ({ auth, params }) => {
      const { ticket } = await visibleTicket(auth, params.id);
      const [view] = await present([ticket]);
      return { ticket: view, events: await support.tickets.events(ticket.id) };
    },
  });
  api.add({
    method: 'get',
    path: '/api/tickets/:id/messages',
    tag: 'tickets',
    summary: "The ticket's conversation (bot, customer and agents), oldest first",
    access: 'signedIn',
    params: idParams,
    errors: [403, 404],
    response: z.object({ messages: z.array(messageSchema) }),
    handler: async ({ auth, params }) => {
      const { ticket } = await visibleTicket(auth, params.id);
      const [customer, agents, rows] = await Promise.all([crm.customers.get(ticket.customerId), support.agents.list(), crm.timeline.forConversation(ticket.channel, ticket.conversationId)]);
      const agentNames = new Map(agents.map((a) => [a.userId, a.displayName]));
      const customerName = customer?.displayName || anonymousName(ticket.customerId);
      return {
        messages: rows.map((m) => {
          // Agents' replies are stored as `agent:<user id>` (bot/handoff.ts); older rows may hold the bare id.
          const agentId = m.author.startsWith('agent:') ? m.author.slice(6) : agentNames.has(m.author) ? m.author : null;
          const kind = m.author === 'customer' ? 'customer' : m.author === 'bot' ? 'bot' : agentId ? 'agent' : m.direction === 'inbound' ? 'customer' : 'system';
          const authorName = kind === 'customer' ? customerName : kind === 'bot' ? 'Concierge bot' : kind === 'agent' ? (agentNames.get(agentId!) ?? 'Agent') : 'Concierge';
          return { id: m.id, direction: m.direction, kind, author: agentId ?? m.author, authorName, text: m.text, at: m.createdAt };
        }),
      };
    },
  });
  api.add({
    method: 'post',
    path: '/api/tickets/:id/reply',
    tag: 'tickets',
    summary: "Reply to the customer as the agent (delivered on the customer's channel)",
    access: ['agent', 'supervisor', 'admin'],
    params: idParams,
    body: replyBody,
    errors: [403, 404, 409, 501],
    response: z.object({ ticket: ticketSchema }),
    handler: async ({ auth, params, body }) => {
      const ticket = await actionableTicket(auth, params.id);
      if (!deps.conversations) throw new HttpError(501, 'handoff_unavailable', 'replying needs the bot handoff, which is not running here');
      await deps.conversations.agentReply(ticket.id, { id: auth.user.id, role: auth.user.role }, body.text, { awaitingCustomer: body.awaitingCustomer });
      const [view] = await present([await support.tickets.require(ticket.id)]);
      return { ticket: view };
    },
  });
  // Resolve and hand back both end the agent's part: the conversation returns to the bot.
  const closing = (path: string, summary: string, reason: 'resolved' | 'handback') =>
    api.add({
      method: 'post',
      path,
      tag: 'tickets',
      summary,
      access: ['agent', 'supervisor', 'admin'],
      params: idParams,
      errors: [403, 404, 409],
      response: z.object({ ticket: ticketSchema }),
      handler: async ({ auth, params }) => {
        const ticket = await actionableTicket(auth, params.id);
        if (deps.conversations) await (reason === 'handback' ? deps.conversations.handBack(ticket.id, auth.user.id) : deps.conversations.resolve(ticket.id, auth.user.id));
        else await support.tickets.resolve(ticket.id, auth.user.id, { reason });
        const [view] = await present([await support.tickets.require(ticket.id)]);
        return { ticket: view };
      },
    });
  closing('/api/tickets/:id/resolve', 'Resolve the ticket; the conversation returns to the bot', 'resolved');
  closing('/api/tickets/:id/handback', 'Hand the conversation back to the bot', 'handback');
  api.add({
    method: 'post',
    path: '/api/tickets/:id/reassign',
    tag: 'tickets',
    summary: 'Give the ticket to another agent, or back to its queue (agentId null)',
    description: "Agents may hand their tickets to a member of the ticket's queue; supervisors and admins to anyone.",
    access: ['agent', 'supervisor', 'admin'],
    params: idParams,
    body: reassignBody,
    errors: [403, 404, 409],
    response: z.object({ ticket: ticketSchema }),
    handler: async ({ auth, params, body }) => {
      const ticket = await actionableTicket(auth, params.id);
      if (body.agentId) {
        const target = await support.agents.get(body.agentId);
        if (!target) throw badRequest('no such agent', 'unknown_agent');
        if (auth.user.role === 'agent' && !target.queues.includes(ticket.queueId)) throw forbidden(`${target.displayName} is not in the ${ticket.queueId} queue`, 'not_in_queue');
      }
      const [view] = await present([await support.tickets.reassign(ticket.id, body.agentId, auth.user.id)]);
      return { ticket: view };
    },
  });
  api.add({
    method: 'post',
    path: '/api/tickets/:id/priority',
    tag: 'tickets',
    summary: "Change the ticket's priority",
    access: ['agent', 'supervisor', 'admin'],
    params: idParams,
    body: priorityBody,
    errors: [403, 404],
    response: z.object({ ticket: ticketSchema }),
    handler: async ({ auth, params, body }) => {
      const ticket = await actionableTicket(auth, params.id);
      const [view] = await present([await support.tickets.setPriority(ticket.id, body.priority, auth.user.id)]);
      return { ticket: view };
    },
  });

  // --- customers --------------------------------------------------------------------------------
  api.add({
    method: 'get',
    path: '/api/customers/:id',
    tag: 'customers',
    summary: "The customer panel: profile, past tickets and sentiment trend",
    access: 'signedIn',
    params: customerParams,
    errors: [403, 404],
    response: customerPanelSchema,
    handler: async ({ auth, params }) => {
      const customer = await crm.customers.get(params.id);
      if (!customer) throw notFound('no such customer');
      const scope = await scopeOf(auth);
      const all = await support.tickets.list({ customerId: customer.id, limit: 100 });
      if (!scope.all && !all.some((t) => canSee(scope, t))) throw forbidden('none of this customer’s tickets are in your queues', 'not_your_queue');
      await record(auth, { action: 'view', customerId: customer.id, detail: { part: 'panel' } });
      const trend: Array<{ at: Date; sentiment: number; ticketNumber: number; source: 'ticket_opened' | 'customer_message' }> = (await support.tickets.sentimentTrend(customer.id)).map((p) => ({ ...p, source: 'ticket_opened' as const }));
      for (const t of all.slice(0, 10)) {
        for (const e of await support.tickets.events(t.id)) {
          const s = (e.data as { sentiment?: unknown }).sentiment;
          if (e.type === 'customer_message' && typeof s === 'number') trend.push({ at: e.at, sentiment: s, ticketNumber: t.number, source: 'customer_message' });
        }
      }
      trend.sort((a, b) => a.at.getTime() - b.at.getTime());
      const messages = await crm.timeline.forCustomer(customer.id, 5000);
      return {
        customer,
        tickets: await present(all),
        sentimentTrend: trend,
        messageCount: messages.length,
        firstContactAt: messages[0]?.createdAt ?? null,
        recommendations: await panelRecommendations(customer.id),
        ...(await panelInsights(customer.id)),
      };
    },
  });

  if (deps.customer360) {
    registerCustomer360Routes(api, {
      customers: crm.customers,
      ...deps.customer360,
      canSeeCustomer: async (auth, customerId) => {
        const scope = await scopeOf(auth);
        return scope.all || (await support.tickets.list({ customerId, limit: 100 })).some((t) => canSee(scope, t));
      },
      searchScope: async (auth) => {
        const scope = await scopeOf(auth);
        return scope.all ? null : { userId: scope.userId, queueIds: [...scope.queues] };
      },
      record,
    });
  }
  if (deps.audit) registerAuditRoutes(api, { audit: deps.audit });
  if (deps.privacy) registerPrivacyRoutes(api, deps.privacy);

  if (deps.understanding) {
    registerCorrectionRoutes(api, { labels: deps.understanding.labels, support, timeline: crm.timeline, visibleTicket, actionableTicket, present });
  }

  // --- agents, queues, users --------------------------------------------------------------------
  api.add({
    method: 'get',
    path: '/api/agents',
    tag: 'agents',
    summary: 'Every agent with status, load and queues',
    access: 'signedIn',
    response: z.object({ agents: z.array(agentSchema) }),
    handler: async () => ({ agents: await support.agents.list() }),
  });
  api.add({
    method: 'get',
    path: '/api/agents/:id',
    tag: 'agents',
    summary: 'One agent',
    access: 'signedIn',
    params: userIdParams,
    errors: [404],
    response: z.object({ agent: agentSchema }),
    handler: async ({ params }) => {
      const agent = await support.agents.get(params.id);
      if (!agent) throw notFound('no such agent');
      return { agent };
    },
  });
  api.add({
    method: 'put',
    path: '/api/agents/me/status',
    tag: 'agents',
    summary: 'Set your own availability (going offline returns your open tickets to their queues)',
    access: 'signedIn',
    body: statusBody,
    errors: [404],
    response: z.object({ agent: agentSchema }),
    handler: async ({ auth, body }) => {
      if (!(await support.agents.get(auth.user.id))) throw notFound('you have no agent profile', 'not_an_agent');
      return { agent: await support.agents.setStatus(auth.user.id, body.status) };
    },
  });
  api.add({
    method: 'put',
    path: '/api/agents/:id',
    tag: 'agents',
    summary: "Create or update a user's agent profile: skills, languages, capacity, queues (admin)",
    access: ['admin'],
    params: userIdParams,
    body: agentUpsertBody,
    errors: [404],
    response: z.object({ agent: agentSchema }),
    handler: async ({ params, body }) => {
      if (!(await crm.users.get(params.id))) throw notFound('no such user');
      const known = new Set(support.config.queues.map((q) => q.id));
      const unknown = body.queues.filter((q) => !known.has(q));
      if (unknown.length) throw badRequest(`unknown queues: ${unknown.join(', ')}`, 'unknown_queue');
      const skills = body.skills ?? support.config.queues.filter((q) => body.queues.includes(q.id)).flatMap((q) => q.categories);
      const agent: AgentView = await support.agents.upsert({ userId: params.id, ...body, skills });
      return { agent };
    },
  });
  api.add({
    method: 'get',
    path: '/api/queues',
    tag: 'queues',
    summary: 'Queues with their waiting and open ticket counts',
    access: 'signedIn',
    response: z.object({ queues: z.array(queueSchema) }),
    handler: async () => ({ queues: await support.queues.list() }),
  });
  api.add({
    method: 'get',
    path: '/api/users',
    tag: 'users',
    summary: 'Every console user (admin)',
    access: ['admin'],
    response: z.object({ users: z.array(userSchema) }),
    handler: async () => ({ users: await crm.users.list() }),
  });
  api.add({
    method: 'post',
    path: '/api/users',
    tag: 'users',
    summary: 'Create a console user (admin)',
    access: ['admin'],
    body: newUserBody,
    status: 201,
    errors: [409],
    response: z.object({ user: userSchema }),
    handler: async ({ body }) => ({ user: await crm.users.create(body) }),
  });

  // --- live events ------------------------------------------------------------------------------
  api.add({
    method: 'get',
    path: '/api/events',
    tag: 'live',
    summary: 'Server-Sent Events: ticket and agent changes the user may see (ticket.changed, ticket.message, agent.changed)',
    access: 'signedIn',
    produces: 'text/event-stream',
    handler: async ({ req, res, auth }) => live.open(req, res, auth),
  });

  for (const extend of deps.extensions ?? []) extend(api);

  const document = () =>
    api.openApi({
      title: 'Concierge console API',
      version: '1.0.0',
      description: 'The agent console API. Sign in with POST /api/auth/sign-in (sets an HttpOnly session cookie); every other route needs that session.',
    });
  let cachedDoc: Record<string, unknown> | undefined;

  const router = express.Router() as ConsoleRouter;
  router.get('/api/docs', (_req, res) => {
    cachedDoc ??= document();
    res.json(cachedDoc);
  });
  router.get('/api/docs.html', (_req, res) => {
    cachedDoc ??= document();
    res.setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'");
    res.type('html').send(docsPage(cachedDoc));
  });
  router.use(consoleStatic());
  router.use('/api', jsonBody({ limit: deps.maxBodyBytes ?? 256 * 1024 }), sameOriginWrites(), authenticate(crm.sessions));
  router.use(api.router);
  // Domain errors the console can cause become 4xx with their code.
  const translate: ErrorRequestHandler = (err, _req, _res, next) => {
    if (err instanceof DuplicateUserError) return next(new HttpError(409, err.code, err.message));
    if (err instanceof CrmError && err.code === 'invalid_transition') return next(new HttpError(409, err.code, err.message));
    if (err instanceof CrmError && err.code === 'weak_password') return next(new HttpError(400, err.code, err.message));
    next(err);
  };
  router.use('/api', translate);
  router.close = () => live.close();
  return router;
}

export type { LiveEvent };
