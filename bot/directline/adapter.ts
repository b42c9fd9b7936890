import { ActivityTypes, BotAdapter, TurnContext } from 'botbuilder';
import type { Activity, ConversationReference, ResourceResponse } from 'botbuilder';
import { activityId, seqOfActivityId, type TranscriptStore } from '../../crm';
import type { TranscriptBus } from './bus';
import { senderOf } from '../agentMessages';

export interface DirectLineAdapterOptions {
  transcripts: TranscriptStore;
  bus: TranscriptBus;
  bot: { id: string; name: string };
  serviceUrl: string;
}

const PROACTIVE = Symbol('proactive');

/** The idempotency key a delivery puts on its activity (bot/deliveryWorker.ts). */
export function deliveryIdOf(activity: Partial<Activity>): string | undefined {
  const id = (activity.channelData as { deliveryId?: unknown } | undefined)?.deliveryId;
  return typeof id === 'string' && id ? id : undefined;
}

/**
 * The bot's adapter for website conversations served by our own Direct Line endpoint: turns run in
 * process, and everything the bot sends is appended to the transcript (PostgreSQL) and published to
 * every instance (Redis) for the browsers streaming it.
 */
export class DirectLineAdapter extends BotAdapter {
  constructor(private readonly options: DirectLineAdapterOptions) {
    super();
  }

  /** Runs one turn for an activity already stored in the transcript. */
  async processActivity(activity: Partial<Activity>, logic: (context: TurnContext) => Promise<void>): Promise<void> {
    const context = new TurnContext(this, activity);
    await this.runMiddleware(context, logic);
  }

  override async sendActivities(context: TurnContext, activities: Partial<Activity>[]): Promise<ResourceResponse[]> {
    const responses: ResourceResponse[] = [];
    let batch: Array<Partial<Activity>> = [];
    const flush = async (clientActivityId?: string) => {
      if (batch.length === 0) return;
      const conversationId = batch[0].conversation!.id;
      // A delivery (a follow-up job's message) is stored once per delivery id: a retried job gets the
      // stored copy back, and publishing it again is harmless (Web Chat replaces an activity by id).
      const { activities: stored } = await this.options.transcripts.append(
        conversationId,
        batch.map((a) => this.outgoing(context, a)),
        clientActivityId ? { clientActivityId } : {},
      );
      for (const s of stored) responses.push({ id: s.id });
      const last = stored[stored.length - 1];
      await this.options.bus.publish({ conversationId, activities: stored, watermark: seqOfActivityId(last.id) ?? 0 });
      batch = [];
    };
    for (const activity of activities) {
      if (activity.type === 'delay') {
        await flush();
        await new Promise((r) => setTimeout(r, typeof activity.value === 'number' ? activity.value : 1000));
        responses.push({ id: '' });
      } else if (activity.type === ActivityTypes.InvokeResponse || activity.type === ActivityTypes.Trace) {
        responses.push({ id: '' });
      } else if (deliveryIdOf(activity)) {
        await flush();
        batch.push(activity);
        await flush(`delivery:${deliveryIdOf(activity)}`);
      } else {
        batch.push(activity);
      }
    }
    await flush();
    return responses;
  }

  override async updateActivity(): Promise<void> {
    throw new Error('DirectLineAdapter: updating sent activities is not supported');
  }

  override async deleteActivity(): Promise<void> {
    throw new Error('DirectLineAdapter: deleting sent activities is not supported');
  }

  override async continueConversation(
    reference: Partial<ConversationReference>,
    logic: (context: TurnContext) => Promise<void>,
  ): Promise<void> {
    const activity = TurnContext.applyConversationReference(
      { type: ActivityTypes.Event, name: 'ContinueConversation' },
      reference,
      true,
    );
    const context = new TurnContext(this, activity);
    context.turnState.set(PROACTIVE, true);
    await this.runMiddleware(context, logic);
  }

  /**
   * Shows activities to the browsers streaming a conversation without storing them: for a message
   * sent after the conversation's transcript was erased (there is nothing to append to, and nothing
   * of the person may be written again). Their ids follow `afterSeq`, the last one the browser saw.
   */
  async announceUnstored(reference: Partial<ConversationReference>, activities: Array<Partial<Activity>>, afterSeq: number): Promise<string[]> {
    const conversationId = reference.conversation!.id;
    const context = new TurnContext(this, TurnContext.applyConversationReference({ type: ActivityTypes.Event, name: 'ContinueConversation' }, reference, true));
    context.turnState.set(PROACTIVE, true);
    const shown = activities.map((a, i) => ({ ...this.outgoing(context, TurnContext.applyConversationReference({ ...a }, reference)), id: activityId(conversationId, afterSeq + 1 + i) }));
    await this.options.bus.publish({ conversationId, activities: shown as never, watermark: afterSeq + shown.length });
    return shown.map((a) => a.id);
  }

  override async continueConversationAsync(
    _botAppIdOrClaims: unknown,
    reference: Partial<ConversationReference>,
    logicOrAudience: unknown,
    maybeLogic?: (context: TurnContext) => Promise<void>,
  ): Promise<void> {
    const logic = (typeof logicOrAudience === 'function' ? logicOrAudience : maybeLogic) as (c: TurnContext) => Promise<void>;
    await this.continueConversation(reference, logic);
  }

  private outgoing(context: TurnContext, activity: Partial<Activity>): Record<string, unknown> {
    const out: Record<string, unknown> = {
      ...activity,
      // A person's reply (an agent) carries their name; the page marks it as theirs.
      from: { id: this.options.bot.id, name: senderOf(activity)?.name ?? this.options.bot.name, role: 'bot' },
      channelId: 'directline',
      serviceUrl: this.options.serviceUrl,
      timestamp: new Date().toISOString(),
    };
    delete out.id;
    // Web Chat waits for an activity named by replyToId; proactive sends name one it may never have seen.
    if (context.turnState.get(PROACTIVE)) delete out.replyToId;
    return JSON.parse(JSON.stringify(out)) as Record<string, unknown>;
  }
}
