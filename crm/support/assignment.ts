import { and, asc, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Db, Tx } from '../db';
import { agents, queues, ticketEvents, tickets } from '../schema';
import { chooseAgent, type AgentCandidate } from './policy';
import type { LiveEventPublisher } from './types';
import { withRetry } from './views';

/**
 * Frees one of the agent's slots (the ticket they held was resolved, closed or moved away), in the
 * caller's transaction; never below zero. The caller then lets them pull the next waiting ticket.
 */
export async function releaseAgentSlot(tx: Tx, agentId: string): Promise<void> {
  await tx.update(agents).set({ activeTickets: sql`greatest(${agents.activeTickets} - 1, 0)` }).where(eq(agents.userId, agentId));
}

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
    // Cheap check first: with a long queue and every agent busy there is nothing to lock.
    if (!(await this.anyFreeAgentFor(queueId))) return all;
    for (;;) {
      const batch = await withRetry(() => this.db.transaction((tx) => this.assignBatch(tx, queueId)));
      all.push(...batch.assigned);
      if (batch.assigned.length === 0 || !batch.more) break;
    }
    await this.announce(all);
    return all;
  }

  /**
   * An agent has room (resolved a ticket, came online): they take the best waiting tickets of their
   * skills, highest priority then oldest, until full. Takes the same queue locks as drain().
   */
  async drainForAgent(agentId: string): Promise<Assignment[]> {
    const all: Assignment[] = [];
    for (;;) {
      const one = await withRetry(() => this.db.transaction((tx) => this.assignOneTo(tx, agentId)));
      if (!one) break;
      all.push(one);
    }
    await this.announce(all);
    return all;
  }

  private async anyFreeAgentFor(queueId: string): Promise<boolean> {
    const rows = await this.db
      .select({ one: sql<number>`1` })
      .from(agents)
      .innerJoin(queues, eq(queues.id, queueId))
      .where(and(eq(agents.status, 'online'), sql`${agents.activeTickets} < ${agents.maxConcurrent}`, sql`${agents.skills} && ${queues.categories}`))
      .limit(1);
    return rows.length > 0;
  }

  private async assignOneTo(tx: Tx, agentId: string): Promise<Assignment | null> {
    const [peek] = await tx.select({ skills: agents.skills }).from(agents).where(eq(agents.userId, agentId));
    if (!peek || peek.skills.length === 0) return null;
    const qs = await tx.select({ id: queues.id, categories: queues.categories }).from(queues).orderBy(asc(queues.id));
    const mine = qs.filter((q) => q.categories.some((c) => peek.skills.includes(c)));
    // Queue locks in id order (drain takes one of them): never a deadlock, and a queue's order holds.
    for (const q of mine) await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${'concierge.queue:' + q.id}))`);
    const [agent] = await tx.select().from(agents).where(eq(agents.userId, agentId)).for('update');
    if (!agent || agent.status !== 'online' || agent.activeTickets >= agent.maxConcurrent) return null;
    const [ticket] = await tx
      .select({ id: tickets.id, queueId: tickets.queueId, category: tickets.category, language: tickets.language, priorityScore: tickets.priorityScore })
      .from(tickets)
      .where(and(inArray(tickets.status, [...WAITING]), isNull(tickets.assignedAgentId), inArray(tickets.category, agent.skills)))
      .orderBy(desc(tickets.priorityScore), asc(tickets.createdAt), asc(tickets.number))
      .limit(1)
      .for('update');
    if (!ticket) return null;
    const languages = agent.languages.includes(ticket.language) ? `, speaks ${ticket.language}` : '';
    const reason = `online, skill ${ticket.category}${languages}, had room (${agent.activeTickets}/${agent.maxConcurrent} open): next in queue`;
    await this.assign(tx, ticket, agent.userId, reason, new Date());
    await tx.update(agents).set({ activeTickets: agent.activeTickets + 1, lastAssignedAt: new Date() }).where(eq(agents.userId, agent.userId));
    return { ticketId: ticket.id, queueId: ticket.queueId, agentId: agent.userId, reason };
  }

  private async assign(tx: Tx, ticket: { id: string; priorityScore: number }, agentId: string, reason: string, at: Date): Promise<void> {
    await tx
      .update(tickets)
      .set({
        assignedAgentId: agentId,
        status: 'assigned',
        assignedAt: at,
        updatedAt: at,
        routing: sql`jsonb_build_object('reason', ${reason}::text, 'agentId', ${agentId}::text, 'priorityScore', ${ticket.priorityScore}::int, 'decidedAt', ${at.toISOString()}::text) || jsonb_build_object('priority', ${tickets.routing}->'priority')`,
      })
      .where(eq(tickets.id, ticket.id));
    await tx.insert(ticketEvents).values({ ticketId: ticket.id, type: 'assigned', actor: 'system', data: { agentId, reason }, at });
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
      await this.assign(tx, ticket, choice.agent.userId, choice.reason, at);
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
