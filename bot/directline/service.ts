import { randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Activity } from 'botbuilder';
import type { StoredActivity, TranscriptStore } from '../../crm';
import { seqOfActivityId } from '../../crm';
import { timestampProblem } from '../api/inputChecks';
import { badRequest, forbidden, notFound } from '../errors';
import { redactInboundActivity } from '../redactionMiddleware';
import type { DirectLineClaims, DirectLineTokens } from './tokens';
import type { TranscriptBus } from './bus';

export type TurnRunner = (activity: Partial<Activity>) => Promise<void>;

export interface DirectLineServiceOptions {
  transcripts: TranscriptStore;
  bus: TranscriptBus;
  tokens: DirectLineTokens;
  bot: { id: string; name: string };
  serviceUrl: string;
  runTurn: TurnRunner;
  maxTextLength?: number;
  /**
   * How long a process holds the turn of a customer message it stored or claimed (default 10 s),
   * renewed every half of it while the turn runs; past it, another process's sweep or the client's
   * retry answers the message. Every process on one database should use the same value.
   */
  turnLeaseMs?: number;
  /** A lease renewal failed (the turn goes on; if the lease runs out another process may answer it too). */
  onLeaseRenewalError?: (err: unknown, activityId: string) => void;
}

export const DEFAULT_TURN_LEASE_MS = 10_000;

const MAX_TEXT = 100_000;

/** What a client may post. Everything about identity (from, recipient, conversation) is set by the server. */
const postedActivitySchema = z.looseObject({
  type: z.enum(['message', 'event', 'typing']),
  text: z.string().max(MAX_TEXT).optional(),
  textFormat: z.enum(['plain', 'markdown', 'xml']).optional(),
  locale: z.string().max(35).optional(),
  name: z.string().max(200).optional(),
  value: z.unknown().optional(),
  attachments: z.array(z.looseObject({ contentType: z.string().max(200) })).max(10).optional(),
  entities: z.array(z.record(z.string(), z.unknown())).max(20).optional(),
  channelData: z.record(z.string(), z.unknown()).optional(),
  from: z.looseObject({ name: z.string().max(200).optional() }).optional(),
  // The customer's clock, kept as sent: a date-time PostgreSQL and the reports can hold, whatever the offset.
  localTimestamp: z
    .string()
    .max(64)
    .superRefine((value, ctx) => {
      const problem = timestampProblem(value);
      if (problem) ctx.addIssue({ code: 'custom', message: `timestamp ${problem}` });
    })
    .optional(),
  localTimezone: z.string().max(64).optional(),
});

export function newConversationId(): string {
  return randomBytes(12).toString('base64url');
}

export function newUserId(): string {
  return `dl_${randomUUID()}`;
}

/**
 * The Direct Line 3.0 conversation logic: start/resume, post (store first, then run the bot's turn),
 * read with watermarks. Turns of one conversation run one at a time on this instance.
 */
export class DirectLineService {
  private readonly turnQueues = new Map<string, Promise<unknown>>();
  private readonly inflight = new Set<Promise<unknown>>();

  /** The lease this service takes on a customer message's turn (the sweep claims with the same). */
  readonly turnLeaseMs: number;

  constructor(private readonly o: DirectLineServiceOptions) {
    this.turnLeaseMs = o.turnLeaseMs ?? DEFAULT_TURN_LEASE_MS;
  }

  /** Starts the conversation the token is bound to; idempotent for a token whose conversation exists. */
  async start(claims: DirectLineClaims): Promise<{ created: boolean }> {
    const existing = await this.o.transcripts.getConversation(claims.conversationId);
    if (existing) {
      if (existing.userId !== claims.userId) throw forbidden('token does not match this conversation');
      return { created: false };
    }
    await this.o.transcripts.createConversation(claims.conversationId, claims.userId);
    const join: Partial<Activity> = {
      type: 'conversationUpdate',
      id: `${claims.conversationId}|join`,
      channelId: 'directline',
      serviceUrl: this.o.serviceUrl,
      conversation: { id: claims.conversationId } as Activity['conversation'],
      from: { id: claims.userId, role: 'user' } as Activity['from'],
      recipient: { id: this.o.bot.id, name: this.o.bot.name, role: 'bot' } as Activity['recipient'],
      membersAdded: [
        { id: this.o.bot.id, name: this.o.bot.name },
        { id: claims.userId, name: 'You' },
      ],
      timestamp: new Date(),
      locale: claims.locale,
    };
    await this.serialised(claims.conversationId, () => this.o.runTurn(join));
    return { created: true };
  }

  async requireConversation(claims: DirectLineClaims, conversationId: string): Promise<void> {
    if (claims.conversationId !== conversationId) throw forbidden('token is for another conversation', 'wrong_conversation');
    const conv = await this.o.transcripts.getConversation(conversationId);
    if (!conv) throw notFound('unknown conversation', 'unknown_conversation');
    if (conv.userId !== claims.userId) throw forbidden('token does not match this conversation');
  }

  /** Stores the customer's activity (accepted), then runs the bot's turn, then returns the stored id. */
  async post(claims: DirectLineClaims, conversationId: string, body: unknown): Promise<{ id: string }> {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw badRequest('activity must be a JSON object', 'invalid_activity');
    const parsed = postedActivitySchema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw badRequest(`invalid activity: ${issue.path.join('.') || '(root)'}: ${issue.message}`, 'invalid_activity');
    }
    if (claims.conversationId !== conversationId) throw forbidden('token is for another conversation', 'wrong_conversation');
    // Masked before the transcript stores it: the echo the page shows and the turn read the masked text.
    const posted = redactInboundActivity(parsed.data);
    const clientActivityId =
      typeof posted.channelData?.clientActivityID === 'string' ? posted.channelData.clientActivityID.slice(0, 200) : undefined;
    const activity: Record<string, unknown> = {
      type: posted.type,
      text: posted.text,
      textFormat: posted.textFormat,
      locale: posted.locale,
      name: posted.name,
      value: posted.value,
      attachments: posted.attachments,
      entities: posted.entities,
      channelData: posted.channelData,
      localTimestamp: posted.localTimestamp,
      localTimezone: posted.localTimezone,
      from: { id: claims.userId, name: posted.from?.name, role: 'user' },
      recipient: { id: this.o.bot.id, name: this.o.bot.name, role: 'bot' },
      channelId: 'directline',
      serviceUrl: this.o.serviceUrl,
    };
    const runsTurn = posted.type !== 'typing';
    const { activities, created } = await this.o.transcripts.append(conversationId, [JSON.parse(JSON.stringify(activity))], {
      clientActivityId,
      pendingTurn: posted.type === 'message',
      turnLeaseMs: this.turnLeaseMs,
      // The conversation's existence and owner are checked by the append itself (no read first).
      ownerUserId: claims.userId,
    });
    const stored = activities[0];
    if (!stored) {
      await this.requireConversation(claims, conversationId);
      throw notFound('unknown conversation', 'unknown_conversation');
    }
    if (created) {
      await this.publish(conversationId, [stored]);
      if (runsTurn) await this.runStoredTurn(stored);
    } else if (stored.type === 'message') {
      // The client's retry of a message already stored: if its first attempt's turn never finished (the
      // process died, the turn failed) and its lease is past, answer it now, before this POST returns.
      // A first attempt still running holds the lease: the claim fails and the message is not run twice.
      const claimed = await this.o.transcripts.claim(stored.id, this.turnLeaseMs);
      if (claimed) await this.runStoredTurn(claimed);
    }
    return { id: stored.id };
  }

  /**
   * Runs the turn of a stored customer activity and marks it handled. The caller holds the message's
   * lease (stored it, or claimed it); it is renewed from now until the turn ends, including the wait
   * behind the conversation's earlier turns, so no other process takes it meanwhile.
   */
  async runStoredTurn(stored: StoredActivity): Promise<void> {
    const conversationId = (stored.conversation as { id: string }).id;
    const renewal = stored.type === 'message' ? this.keepLease(stored.id) : undefined;
    try {
      await this.serialised(conversationId, async () => {
        await this.o.runTurn(stored as Partial<Activity>);
        if (stored.type === 'message') await this.o.transcripts.markHandled(stored.id);
      });
    } finally {
      if (renewal) clearInterval(renewal);
    }
  }

  /** Renews the lease every half of it; the timer does not keep the process alive. */
  private keepLease(activityId: string): NodeJS.Timeout {
    const timer = setInterval(() => {
      this.o.transcripts.renewLease(activityId, this.turnLeaseMs).catch((err: unknown) => this.o.onLeaseRenewalError?.(err, activityId));
    }, Math.max(1, Math.floor(this.turnLeaseMs / 2)));
    timer.unref();
    return timer;
  }

  async read(claims: DirectLineClaims, conversationId: string, watermarkParam: unknown) {
    const watermark = parseWatermark(watermarkParam);
    await this.requireConversation(claims, conversationId);
    const page = await this.o.transcripts.since(conversationId, watermark);
    return { activities: page.activities, watermark: page.watermark === null ? undefined : String(page.watermark) };
  }

  private async publish(conversationId: string, activities: StoredActivity[]): Promise<void> {
    const last = activities[activities.length - 1];
    await this.o.bus.publish({ conversationId, activities, watermark: seqOfActivityId(last.id) ?? 0 });
  }

  private serialised<T>(conversationId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.turnQueues.get(conversationId) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(work);
    this.turnQueues.set(conversationId, next);
    this.inflight.add(next);
    const cleanup = () => {
      this.inflight.delete(next);
      if (this.turnQueues.get(conversationId) === next) this.turnQueues.delete(conversationId);
    };
    next.then(cleanup, cleanup);
    return next;
  }

  /** Resolves when every turn in progress has finished (graceful shutdown). */
  async drain(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }
}

export function parseWatermark(value: unknown): number | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string' || !/^\d{1,9}$/.test(value)) throw badRequest('watermark must be a non-negative integer', 'invalid_watermark');
  return Number(value);
}
