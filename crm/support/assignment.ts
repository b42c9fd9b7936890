import { and, asc, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Db, Tx } from '../db';
import { agents, queues, ticketEvents, tickets } from '../schema';
import { chooseAgent, type AgentCandidate } from './policy';
import type { LiveEventPublisher } from './types';
import { withRetry } from './views';

export interface Assignment {
  ticketId: string;
  queueId: string;
  agentId: string;
  reason: string;
}

const WAITING = ['new', 'reopened'] as const;
const BATCH = 100;

/**
 * Matches waiting tickets to agents. One transaction per batch: the queue is locked (advisory lock),
 * its waiting tickets are taken highest priority then oldest first, and the agents who could take
 * them are locked (in a fixed order, so concurrent drains never deadlock) before counters change.
 * No agent goes over capacity and no ticket is assigned twice, whatever runs concurrently.
 */
export class AssignmentService {
  constructor(
    private readonly db: Db,
    private readonly live?: LiveEventPublisher,
  ) {}

  /** Assigns every waiting ticket of the queue that an eligible agent can take now. */
  async drain(queueId: string): Promise<Assignment[]> {
    const all: Assignment[] = [];
    for (;;) {
      const batch = await withRetry(() => this.db.transaction((tx) => this.assignBatch(tx, queueId)));
      all.push(...batch.assigned);
      if (batch.assigned.length === 0 || !batch.more) break;
    }
    await this.announce(all);
    return all;
  }

  /** Drains every queue whose categories the agent has skills in (after the agent frees up or comes online). */
  async drainForAgent(agentId: string): Promise<Assignment[]> {
    const rows = await this.db.select({ skills: agents.skills }).from(agents).where(eq(agents.userId, agentId));
    const skills = rows[0]?.skills ?? [];
    const qs = await this.db.select({ id: queues.id, categories: queues.categories }).from(queues);
    const out: Assignment[] = [];
    for (const q of qs) if (q.categories.some((c) => skills.includes(c))) out.push(...(await this.drain(q.id)));
    return out;
  }

  async drainAll(): Promise<Assignment[]> {
    const qs = await this.db.select({ id: queues.id }).from(queues).orderBy(asc(queues.id));
    const out: Assignment[] = [];
    for (const q of qs) out.push(...(await this.drain(q.id)));
    return out;
  }

  private async assignBatch(tx: Tx, queueId: string): Promise<{ assigned: Assignment[]; more: boolean }> {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${'concierge.queue:' + queueId}))`);
    const waiting = await tx
      .select({ id: tickets.id, category: tickets.category, language: tickets.language, priorityScore: tickets.priorityScore })
      .from(tickets)
      .where(and(eq(tickets.queueId, queueId), inArray(tickets.status, [...WAITING]), isNull(tickets.assignedAgentId)))
      .orderBy(desc(tickets.priorityScore), asc(tickets.createdAt), asc(tickets.number))
      .limit(BATCH)
      .for('update');
    if (waiting.length === 0) return { assigned: [], more: false };
    const categories = [...new Set(waiting.map((t) => t.category))];
    const locked = await tx
      .select()
      .from(agents)
      .where(and(eq(agents.status, 'online'), sql`${agents.activeTickets} < ${agents.maxConcurrent}`, sql`${agents.skills} && ${toTextArray(categories)}`))
      .orderBy(asc(agents.userId))
      .for('update');
    const candidates: AgentCandidate[] = locked.map((a) => ({ ...a }));
    const now = new Date();
    const assigned: Assignment[] = [];
    for (const ticket of waiting) {
      const choice = chooseAgent(ticket, candidates);
      if (!choice) continue;
      const at = new Date(now.getTime() + assigned.length); // distinct times keep round-robin order within a batch
      choice.agent.activeTickets += 1;
      choice.agent.lastAssignedAt = at;
      assigned.push({ ticketId: ticket.id, queueId, agentId: choice.agent.userId, reason: choice.reason });
      await tx
        .update(tickets)
        .set({
          assignedAgentId: choice.agent.userId,
          status: 'assigned',
          assignedAt: at,
          updatedAt: at,
          routing: sql`jsonb_build_object('reason', ${choice.reason}::text, 'agentId', ${choice.agent.userId}::text, 'priorityScore', ${ticket.priorityScore}::int, 'decidedAt', ${at.toISOString()}::text) || jsonb_build_object('priority', ${tickets.routing}->'priority')`,
        })
        .where(eq(tickets.id, ticket.id));
      await tx.insert(ticketEvents).values({ ticketId: ticket.id, type: 'assigned', actor: 'system', data: { agentId: choice.agent.userId, reason: choice.reason }, at });
    }
    for (const agent of candidates) {
      const original = locked.find((a) => a.userId === agent.userId)!;
      if (agent.activeTickets !== original.activeTickets) {
        await tx.update(agents).set({ activeTickets: agent.activeTickets, lastAssignedAt: agent.lastAssignedAt }).where(eq(agents.userId, agent.userId));
      }
    }
    return { assigned, more: waiting.length === BATCH };
  }

  private async announce(assignments: Assignment[]): Promise<void> {
    if (!this.live) return;
    for (const a of assignments) {
      await this.live.publish({ type: 'ticket.changed', ticketId: a.ticketId, queueId: a.queueId, assignedAgentId: a.agentId, status: 'assigned' });
    }
  }
}

export function toTextArray(values: string[]) {
  return sql`ARRAY[${sql.join(values.map((v) => sql`${v}`), sql`, `)}]::text[]`;
}
