import { randomUUID } from 'node:crypto';
import { ActivityTypes, TurnContext } from 'botbuilder';
import type { Activity, Middleware } from 'botbuilder';
import type { Crm, CustomerRecord } from '../crm';
import { TIMELINE_SUMMARY_FIELD } from '../dialogs';
import type { ProfileLearner } from './conversationLearning';
import type { TurnUnderstanding } from './turnUnderstanding';
import { deliveryIdOf } from './directline/adapter';

export const CUSTOMER_KEY = Symbol('customer');

/** Which identity a channel user is: Teams users by their Entra object id when present. */
export function channelIdentity(activity: Partial<Activity>): { kind: string; externalId: string; displayName?: string } | null {
  const user = activity.from?.role === 'bot' ? activity.membersAdded?.find((m) => m.id !== activity.recipient?.id) : activity.from;
  if (!user?.id || !activity.channelId) return null;
  const externalId = activity.channelId === 'msteams' && user.aadObjectId ? user.aadObjectId : user.id;
  return { kind: activity.channelId, externalId, displayName: user.name && user.name !== 'You' ? user.name : undefined };
}

/**
 * Before the bot answers: resolve the channel user to a customer, store the inbound message in their
 * timeline, understand it once (the turn carries the understanding to everything after), and
 * remember how to reach the conversation. Every outgoing message is stored before it is sent.
 */
export class TimelineMiddleware implements Middleware {
  /** References already stored by this instance (bounded): they rarely change within a conversation. */
  private readonly savedReferences = new Map<string, string>();

  constructor(
    private readonly crm: Pick<Crm, 'customers' | 'timeline' | 'references'>,
    /** Learning from conversations: each newly stored customer message updates the learned profile. */
    private readonly learning?: { learner: ProfileLearner; onError: (err: unknown) => void },
    /** Understanding each stored customer message once, before the dialogs (and recording it). */
    private readonly understanding?: TurnUnderstanding,
  ) {}

  private async saveReference(channelId: string, conversationId: string, activity: Partial<Activity>, customerId: string): Promise<void> {
    const reference = JSON.parse(JSON.stringify(TurnContext.getConversationReference(activity))) as Record<string, unknown>;
    // Proactive messages must not reply to a message the client may never have seen.
    delete reference.activityId;
    const key = `${channelId}\u0000${conversationId}`;
    const serialized = `${customerId}|${JSON.stringify(reference)}`;
    if (this.savedReferences.get(key) === serialized) return;
    await this.crm.references.save(channelId, conversationId, reference, customerId);
    this.savedReferences.delete(key);
    this.savedReferences.set(key, serialized);
    if (this.savedReferences.size > 10_000) this.savedReferences.delete(this.savedReferences.keys().next().value!);
  }

  async onTurn(context: TurnContext, next: () => Promise<void>): Promise<void> {
    const activity = context.activity;
    const identity = channelIdentity(activity);
    const conversationId = activity.conversation?.id;
    let customer: CustomerRecord | undefined;
    if (identity && conversationId) {
      customer = await this.crm.customers.resolve({ ...identity, language: activity.locale });
      context.turnState.set(CUSTOMER_KEY, customer);
    }
    let inboundId: string | undefined;
    // Proactive turns (agent replies, follow-ups) are events: their replies are recorded, nothing else.
    if (customer && conversationId && activity.type !== ActivityTypes.Event) {
      if (activity.type === ActivityTypes.Message) {
        const inbound = {
          customerId: customer.id,
          channel: activity.channelId,
          conversationId,
          direction: 'inbound' as const,
          author: 'customer',
          text: activity.text ?? '',
          activityId: activity.id ?? `${conversationId}:${Date.now()}`,
        };
        // Stored before anything else: a crash after this line loses no message.
        const { id, isNew } = await this.crm.timeline.recordReturningId(inbound);
        inboundId = id;
        const understood = this.understanding ? await this.understanding.understand(context, id) : undefined;
        // Learned once per stored message (a re-run turn learns nothing twice); never fails the turn.
        if (isNew && this.learning) {
          await this.learning.learner.learn({ ...inbound, locale: activity.locale, at: new Date() }, understood).catch(this.learning.onError);
        }
      }
      await this.saveReference(activity.channelId, conversationId, activity, customer.id);
    }
    let sent = 0;
    // Proactive turns (agent replies) have no activity id: give each its own.
    const turnId = activity.id ?? `proactive-${randomUUID()}`;
    context.onSendActivities(async (ctx, activities, sendNext) => {
      const target = (ctx.turnState.get(CUSTOMER_KEY) as CustomerRecord | undefined) ?? customer;
      if (target && conversationId) {
        for (const out of activities) {
          if (out.type !== ActivityTypes.Message) continue;
          sent += 1;
          await this.crm.timeline.record({
            customerId: target.id,
            channel: activity.channelId,
            conversationId,
            direction: 'outbound',
            author: (out.channelData as { author?: string } | undefined)?.author ?? 'bot',
            text: timelineTextOf(out),
            // Deterministic per turn, so a turn re-run after a crash records its replies once; a
            // delivery (follow-up job) by its delivery id, so a retried job records it once.
            activityId: deliveryIdOf(out) ? `delivery:${deliveryIdOf(out)}` : `${turnId}:out:${sent}`,
          });
        }
      }
      // Meant for the timeline only: not sent to the channel.
      for (const out of activities) withoutTimelineSummary(out);
      return sendNext();
    });
    try {
      await next();
    } catch (err) {
      if (inboundId && this.understanding) await this.understanding.finish(context, inboundId, { failed: true });
      throw err;
    }
    if (inboundId && this.understanding) await this.understanding.finish(context, inboundId);
  }
}

/**
 * The stored text of an outgoing message: its text, then the summary a dialog attached for the
 * timeline (channelData.timelineSummary, e.g. the products of a carousel), or a note of attachments.
 */
export function timelineTextOf(activity: Partial<Activity>): string {
  const summary = (activity.channelData as Record<string, unknown> | undefined)?.[TIMELINE_SUMMARY_FIELD];
  if (typeof summary === 'string' && summary.trim()) return activity.text ? `${activity.text}\n${summary}` : summary;
  return activity.text ?? summarizeAttachments(activity);
}

function withoutTimelineSummary(activity: Partial<Activity>): void {
  const data = activity.channelData as Record<string, unknown> | undefined;
  if (!data || !(TIMELINE_SUMMARY_FIELD in data)) return;
  const { [TIMELINE_SUMMARY_FIELD]: _omitted, ...rest } = data;
  activity.channelData = Object.keys(rest).length > 0 ? rest : undefined;
}

function summarizeAttachments(activity: Partial<Activity>): string {
  const n = activity.attachments?.length ?? 0;
  return n > 0 ? `[${n} attachment${n > 1 ? 's' : ''}: ${activity.attachments!.map((a) => a.contentType).join(', ')}]` : '';
}
