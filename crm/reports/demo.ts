/**
 * Demo support history for a fresh install (`npm start` on an empty database), so the supervisor
 * dashboard has something to show: four weeks of resolved tickets for the demo agents (assignments,
 * replies, customer sentiment, CSAT requests and ratings, a few reopens and transfers) and daily scores
 * evaluated for each of those days. Nothing is left open: an open ticket without a real conversation
 * would be routed to the first demo agent who comes online, taking their capacity (queue health shows
 * the live tickets customers open).
 * Deterministic (seeded), a few hundred rows written in bulk: it takes a second or two on PGlite.
 * Does nothing unless the database has no tickets and no scores yet.
 *
 * It writes tickets and events directly (backdated), which the live services never do; that is why
 * it lives here, apart from crm/support.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../db';
import { customers, ticketEvents, tickets, type TicketPriority } from '../schema';
import { slaDueTimes, type RoutingConfig } from '../support';
import type { AgentEvaluationService } from '../scores';
import { seededRandom } from '../random';
import { addDays, dayPeriod, DEFAULT_TIME_ZONE, localDay } from '../calendar';

export interface DemoActivityResult {
  tickets: number;
  events: number;
  /** Days evaluated (daily scores stored). */
  days: number;
}

/** How a demo agent works: the ranges their figures are drawn from. */
interface AgentStyle {
  email: string;
  queues: string[];
  perDay: [number, number];
  /** First reply after assignment, seconds. */
  firstReply: [number, number];
  /** Resolution after creation, minutes. */
  resolution: [number, number];
  /** Chance of a rating 4–5 (else 1–3), and of the customer answering the CSAT request. */
  happy: number;
  answersCsat: number;
  /** How the customer's mood moves over the conversation (added to the first sentiment). */
  lift: [number, number];
  reopen: number;
  transfer: number;
  /** Per day of the four weeks, how much better the agent gets (0: steady). */
  improves: number;
}

const STYLES: AgentStyle[] = [
  { email: 'billing@demo.concierge', queues: ['billing'], perDay: [3, 6], firstReply: [25, 150], resolution: [12, 70], happy: 0.85, answersCsat: 0.55, lift: [0.3, 0.9], reopen: 0.04, transfer: 0.03, improves: 0 },
  { email: 'orders@demo.concierge', queues: ['orders'], perDay: [3, 7], firstReply: [90, 1500], resolution: [40, 600], happy: 0.55, answersCsat: 0.35, lift: [-0.3, 0.5], reopen: 0.12, transfer: 0.08, improves: 0 },
  { email: 'general@demo.concierge', queues: ['general', 'accounts', 'technical'], perDay: [2, 5], firstReply: [60, 900], resolution: [25, 300], happy: 0.6, answersCsat: 0.45, lift: [-0.1, 0.6], reopen: 0.08, transfer: 0.05, improves: 0.035 },
];

const SUBJECTS: Record<string, string[]> = {
  billing: ['Charged twice for my subscription', 'Refund has not arrived', 'Invoice shows the wrong VAT number', 'Why did my plan price change?', 'Card declined but money taken'],
  orders: ['Parcel is a week late', 'Wrong size delivered', 'Cancel order before it ships', 'Tracking link does not work', 'Item arrived damaged'],
  general: ['Complaint about a rude courier', 'Feedback on the new website', 'Question about opening hours'],
  accounts: ['Cannot log in to my account', 'Change my email address', 'Delete my personal data'],
  technical: ['App crashes at checkout', 'Which kettle fits my stove?', 'Coupon code is rejected'],
};

const CUSTOMER_NAMES = ['Noah Grant', 'Lee Chen', 'Maya Patel', 'Jonas Berg', 'Aiko Tanaka', 'Omar Haddad', 'Sofia Rossi', 'Liam Walsh', 'Wei Zhang', 'Nora Lindqvist', 'Ravi Kumar', 'Emma Dubois'];

/** Seeded, so every fresh install shows the same history. */
const rng = seededRandom;

const S = 1000;
const M = 60_000;

export async function seedDemoActivity(
  o: {
    db: Db;
    scores: Pick<AgentEvaluationService, 'evaluate'>;
    routing: RoutingConfig;
    agents: Array<{ userId: string; email: string }>;
    /** The support team's zone: the demo's working hours and daily scores are its local days. Default UTC. */
    timeZone?: string;
  },
  now = new Date(),
  days = 28,
): Promise<DemoActivityResult> {
  const { db } = o;
  const existing = await db.execute(sql`select ((select count(*) from tickets) + (select count(*) from agent_scores))::int as n`);
  const [{ n }] = (existing as unknown as { rows: Array<{ n: number }> }).rows;
  if (Number(n) > 0) return { tickets: 0, events: 0, days: 0 };
  const byEmail = new Map(o.agents.map((a) => [a.email.toLowerCase(), a.userId]));
  const styles = STYLES.map((s) => ({ ...s, agentId: byEmail.get(s.email) })).filter((s): s is AgentStyle & { agentId: string } => !!s.agentId);
  if (!styles.length) return { tickets: 0, events: 0, days: 0 };
  const queueCategory = new Map(o.routing.queues.map((q) => [q.id, q.categories[0] ?? 'general']));

  const people = await db
    .insert(customers)
    .values(CUSTOMER_NAMES.map((displayName) => ({ displayName, attributes: { demo: true } })))
    .returning({ id: customers.id });
  const random = rng(20261201);
  const between = ([lo, hi]: [number, number]) => lo + random() * (hi - lo);
  const pick = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)];
  const clamp = (x: number) => Math.max(-1, Math.min(1, Math.round(x * 100) / 100));

  type TicketRow = typeof tickets.$inferInsert;
  type EventRow = Omit<typeof ticketEvents.$inferInsert, 'ticketId'>;
  const planned: Array<{ ticket: TicketRow; events: EventRow[] }> = [];
  const timeZone = o.timeZone ?? DEFAULT_TIME_ZONE;
  const today = localDay(now, timeZone);
  // The `days` local days before today, as the nightly job evaluates them (23 to 25 hours each).
  const demoDays = Array.from({ length: days }, (_, d) => dayPeriod(addDays(today, d - days), timeZone));
  let seq = 0;

  for (let d = 0; d < days; d++) {
    const dayStart = demoDays[d].start.getTime();
    for (const s of styles) {
      const better = 1 - s.improves * (d - days / 2); // >1 early, <1 late for an improving agent
      const count = Math.round(between(s.perDay));
      for (let i = 0; i < count; i++) {
        seq += 1;
        const queueId = pick(s.queues);
        const priority: TicketPriority = random() < 0.15 ? 'high' : random() < 0.05 ? 'urgent' : 'normal';
        const createdAt = dayStart + 8 * 3600 * S + random() * 10 * 3600 * S;
        const assignedAt = createdAt + between([5, 240]) * S;
        const firstResponseAt = assignedAt + between(s.firstReply) * better * S;
        const resolvedAt = Math.max(firstResponseAt + 2 * M, createdAt + between(s.resolution) * better * M);
        const due = slaDueTimes(priority, new Date(createdAt), o.routing);
        const agentId = s.agentId;
        const events: EventRow[] = [];
        const ev = (type: string, at: number, data: Record<string, unknown> = {}, actor = 'system') => events.push({ type, at: new Date(at), data, actor });
        ev('created', createdAt, { trigger: 'asked_for_person', priority }, 'bot');
        ev('assigned', assignedAt, { agentId, reason: 'demo history' });
        // The customer writes a few times; their mood moves with the agent's handling.
        const firstSentiment = clamp(between([-0.8, 0.1]));
        const lift = between(s.lift) * (2 - better);
        const messages = 1 + Math.floor(random() * 4);
        for (let m = 0; m < messages; m++) {
          const at = m === 0 ? createdAt + S : firstResponseAt + ((resolvedAt - firstResponseAt) * m) / (messages + 1);
          ev('customer_message', at, { sentiment: messages === 1 ? firstSentiment : clamp(firstSentiment + (lift * m) / (messages - 1)) }, 'customer');
        }
        ev('agent_message', firstResponseAt, { agentId }, agentId);
        let lastResolution = resolvedAt;
        const transferred = random() < s.transfer;
        if (transferred) {
          const other = styles.find((x) => x.agentId !== agentId);
          if (other) ev('transferred', firstResponseAt + M, { fromAgentId: agentId, toAgentId: other.agentId });
        }
        if (!transferred) {
          ev('resolved', resolvedAt, { agentId }, agentId);
          ev('status_changed', resolvedAt, { from: 'assigned', to: 'resolved' }, agentId);
          if (random() < s.reopen) {
            ev('reopened', resolvedAt + 30 * M, {}, 'customer');
            lastResolution = resolvedAt + 30 * M + between([10, 90]) * M;
            ev('resolved', lastResolution, { agentId }, agentId);
          }
          ev('csat_requested', lastResolution + S, { agentId });
          if (random() < s.answersCsat) {
            const rating = random() < s.happy / Math.max(0.6, better) ? (random() < 0.6 ? 5 : 4) : 1 + Math.floor(random() * 3);
            ev('csat', lastResolution + between([2, 120]) * M, { agentId, rating: Math.min(5, rating) }, 'customer');
          }
        }
        const resolver = transferred ? styles.find((x) => x.agentId !== agentId) : s;
        if (transferred && resolver) {
          ev('resolved', resolvedAt, { agentId: resolver.agentId }, resolver.agentId);
          ev('csat_requested', resolvedAt + S, { agentId: resolver.agentId });
        }
        planned.push({
          ticket: {
            customerId: pick(people).id,
            channel: 'demo',
            conversationId: `demo-history-${seq}`,
            queueId,
            category: queueCategory.get(queueId) ?? 'general',
            priority,
            priorityScore: priority === 'urgent' ? 90 : priority === 'high' ? 70 : 50,
            sentiment: firstSentiment,
            subject: pick(SUBJECTS[queueId] ?? SUBJECTS.general),
            status: 'closed',
            assignedAgentId: resolver?.agentId ?? agentId,
            routing: { reason: 'demo history' },
            createdAt: new Date(createdAt),
            updatedAt: new Date(lastResolution),
            assignedAt: new Date(assignedAt),
            firstResponseAt: new Date(firstResponseAt),
            firstResponseDueAt: due.firstResponseDueAt,
            resolutionDueAt: due.resolutionDueAt,
            resolvedAt: new Date(lastResolution),
            closedAt: new Date(lastResolution),
            reopenCount: events.filter((e) => e.type === 'reopened').length,
          },
          events,
        });
      }
    }
  }

  let eventCount = 0;
  await db.transaction(async (tx) => {
    for (let i = 0; i < planned.length; i += 200) {
      const chunk = planned.slice(i, i + 200);
      const ids = await tx.insert(tickets).values(chunk.map((p) => p.ticket)).returning({ id: tickets.id });
      const events = chunk.flatMap((p, j) => p.events.map((e) => ({ ...e, ticketId: ids[j].id })));
      eventCount += events.length;
      for (let k = 0; k < events.length; k += 1000) await tx.insert(ticketEvents).values(events.slice(k, k + 1000));
    }
  });
  // Daily scores for each day, as the nightly job would have stored them (ratings counted as of now).
  for (const day of demoDays) await o.scores.evaluate(day, { asOf: now });
  return { tickets: planned.length, events: eventCount, days };
}
