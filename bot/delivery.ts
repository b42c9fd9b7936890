import type { Activity, ConversationReference, TurnContext } from 'botbuilder';
import type { ConversationReferenceDocument } from '../crm';
import type { DirectLineAdapter } from './directline/adapter';
import type { ChannelAdapter } from './teams';
import { withSenderNamed } from './agentMessages';

/**
 * The delivery port: one way to reach a customer wherever they are. Website conversations go through
 * our Direct Line adapter (transcript + Redis push, so any instance's browser gets it), Teams and other
 * channels through the Bot Connector as proactive messages.
 */
export class Delivery {
  constructor(
    private readonly o: { directLine: DirectLineAdapter; channel: ChannelAdapter; appId: string },
  ) {}

  /**
   * Sends to a conversation whose records were erased, writing nothing: on the website the browsers
   * still streaming it are shown the activities (`afterSeq`: the transcript's last seq before the
   * erasure); elsewhere a proactive message without the user in the reference, so no timeline
   * middleware resolves (and re-creates) the person.
   */
  async sendUnstored(reference: ConversationReferenceDocument, activities: Array<Partial<Activity>>, afterSeq: number | null): Promise<string[]> {
    const ref = { ...(reference as unknown as Partial<ConversationReference>) };
    if (ref.channelId === 'directline') return this.o.directLine.announceUnstored(ref, activities, afterSeq ?? -1);
    delete ref.user;
    const ids: string[] = [];
    await this.o.channel.continueConversationAsync(this.o.appId, ref, async (context) => {
      for (const r of await context.sendActivities(activities)) if (r?.id) ids.push(r.id);
    });
    return ids;
  }

  /** Sends the activities; returns the ids the channel gave them. */
  async send(reference: ConversationReferenceDocument, activities: Array<Partial<Activity>>): Promise<string[]> {
    const ref = reference as unknown as Partial<ConversationReference>;
    const ids: string[] = [];
    const logic = async (context: TurnContext) => {
      // After the timeline has stored each message as written (its handler runs first): Teams gets the
      // person's name in the text, as it shows every message under the bot's name.
      if (ref.channelId !== 'directline') {
        context.onSendActivities(async (_ctx, outgoing, next) => {
          for (const a of outgoing) withSenderNamed(a);
          return next();
        });
      }
      const responses = await context.sendActivities(activities);
      for (const r of responses) if (r?.id) ids.push(r.id);
    };
    if (ref.channelId === 'directline') await this.o.directLine.continueConversation(ref, logic);
    else await this.o.channel.continueConversationAsync(this.o.appId, ref, logic);
    return ids;
  }
}
