import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../db';
import { NotFoundError } from '../errors';
import { agents, queueMembers, queues, ticketEvents, tickets, users, type AgentStatus } from '../schema';
import type { AssignmentService } from './assignment';
import type { RoutingConfig } from './routingConfig';
import type { AgentView, LiveEventPublisher } from './types';
import { withRetry } from './views';

export interface AgentProfile {
  userId: string;
  skills: string[];
  languages: string[];
  maxConcurrent: number;
  queues: string[];
}

/** Agents' availability and capacity. Going offline returns their open tickets to the queue. */
export class AgentService {
  constructor(
    private readonly db: Db,
    private readonly assignment: AssignmentService,
    private readonly live?: LiveEventPublisher,
  ) {}

  async upsert(profile: AgentProfile): Promise<AgentView> {
    await this.db.transaction(async (tx) => {
      await tx
        .insert(agents)
        .values({ userId: profile.userId, skills: profile.skills, languages: profile.languages, maxConcurrent: profile.maxConcurrent })
        .onConflictDoUpdate({ target: agents.userId, set: { skills: profile.skills, languages: profile.languages, maxConcurrent: profile.maxConcurrent } });
      await tx.delete(queueMembers).where(eq(queueMembers.userId, profile.userId));
      if (profile.queues.length) await tx.insert(queueMembers).values(profile.queues.map((queueId) => ({ queueId, userId: profile.userId })));
    });
    return this.require(profile.userId);
  }

  async setStatus(userId: string, status: AgentStatus): Promise<AgentView> {
    const at = new Date();
    const released = await withRetry(() =>
      this.db.transaction(async (tx) => {
        // Tickets before the agent row: the same lock order as resolve and reassign.
        const open =
          status === 'offline'
            ? await tx
                .select({ id: tickets.id, queueId: tickets.queueId })
                .from(tickets)
                .where(and(eq(tickets.assignedAgentId, userId), inArray(tickets.status, ['assigned', 'pending_customer', 'reopened'])))
                .orderBy(asc(tickets.id))
                .for('update')
            : [];
        const [agent] = await tx.select().from(agents).where(eq(agents.userId, userId)).for('update');
        if (!agent) throw new NotFoundError('agent');
        if (open.length) {
          await tx
            .update(tickets)
            .set({ assignedAgentId: null, status: 'new', updatedAt: at, routing: sql`${tickets.routing} || jsonb_build_object('reason', 'returned to the queue: agent went offline'::text)` })
            .where(inArray(tickets.id, open.map((t) => t.id)));
          await tx.insert(ticketEvents).values(open.map((t) => ({ ticketId: t.id, type: 'released', actor: 'system', data: { agentId: userId, reason: 'agent_offline' }, at })));
        }
        await tx
          .update(agents)
          .set({ status, statusChangedAt: at, activeTickets: open.length ? sql`greatest(${agents.activeTickets} - ${open.length}, 0)` : agents.activeTickets })
          .where(eq(agents.userId, userId));
        return open;
      }),
    );
    const view = await this.require(userId);
    await this.live?.publish({ type: 'agent.changed', userId, status, activeTickets: view.activeTickets });
    for (const t of released) await this.live?.publish({ type: 'ticket.changed', ticketId: t.id, queueId: t.queueId, assignedAgentId: null, status: 'new' });
    for (const queueId of new Set(released.map((t) => t.queueId))) await this.assignment.drain(queueId);
    if (status === 'online') await this.assignment.drainForAgent(userId);
    return this.require(userId);
  }

  async list(): Promise<AgentView[]> {
    const rows = await this.db
      .select({
        userId: agents.userId,
        displayName: users.displayName,
        email: users.email,
        skills: agents.skills,
        languages: agents.languages,
        maxConcurrent: agents.maxConcurrent,
        status: agents.status,
        activeTickets: agents.activeTickets,
        queues: sql<string[]>`coalesce((select array_agg(${queueMembers.queueId} order by ${queueMembers.queueId}) from ${queueMembers} where ${queueMembers.userId} = ${agents.userId}), '{}')`,
      })
      .from(agents)
      .innerJoin(users, eq(users.id, agents.userId))
      .orderBy(asc(users.displayName));
    return rows;
  }

  async get(userId: string): Promise<AgentView | null> {
    return (await this.list()).find((a) => a.userId === userId) ?? null;
  }

  async require(userId: string): Promise<AgentView> {
    const a = await this.get(userId);
    if (!a) throw new NotFoundError('agent');
    return a;
  }

  /** Queue ids the user works in (agents see only these queues' tickets). */
  async queuesOf(userId: string): Promise<string[]> {
    const rows = await this.db.select({ queueId: queueMembers.queueId }).from(queueMembers).where(eq(queueMembers.userId, userId));
    return rows.map((r) => r.queueId);
  }
}

/** Queues come from the routing config; they are written to the database at start. */
export class QueueService {
  constructor(private readonly db: Db) {}

  async sync(config: RoutingConfig): Promise<void> {
    for (const q of config.queues) {
      await this.db
        .insert(queues)
        .values({ id: q.id, name: q.name, categories: q.categories, isDefault: !!q.default })
        .onConflictDoUpdate({ target: queues.id, set: { name: q.name, categories: q.categories, isDefault: !!q.default } });
    }
  }

  async list(): Promise<Array<{ id: string; name: string; categories: string[]; isDefault: boolean; waiting: number; open: number }>> {
    return this.db
      .select({
        id: queues.id,
        name: queues.name,
        categories: queues.categories,
        isDefault: queues.isDefault,
        waiting: sql<number>`(select count(*)::int from ${tickets} where ${tickets.queueId} = "queues"."id" and ${tickets.status} in ('new','reopened') and ${tickets.assignedAgentId} is null)`,
        open: sql<number>`(select count(*)::int from ${tickets} where ${tickets.queueId} = "queues"."id" and ${tickets.status} in ('new','assigned','pending_customer','reopened'))`,
      })
      .from(queues)
      .orderBy(asc(queues.id));
  }
}
