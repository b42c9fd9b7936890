import type { Activity } from 'botbuilder';

/** Who wrote a message the bot delivers for a person (channelData.sender): the customer sees their name. */
export interface MessageSender {
  role: 'agent';
  name: string;
}

/**
 * An agent's reply as the bot delivers it: the agent's words, who wrote them (timeline author and shown
 * name). Plain text: what an agent types (or pastes) is shown as written, never rendered as markdown
 * (no remote images, no disguised links) on the customer's page.
 */
export function agentMessage(text: string, author: string, name: string | null | undefined): Partial<Activity> {
  return { type: 'message', text, textFormat: 'plain', channelData: { author, ...(name ? { sender: { role: 'agent', name } satisfies MessageSender } : {}) } };
}

/** The person an outgoing message is from, when a person wrote it. */
export function senderOf(activity: Partial<Activity>): MessageSender | undefined {
  const sender = (activity.channelData as { sender?: Partial<MessageSender> } | undefined)?.sender;
  return sender?.role === 'agent' && typeof sender.name === 'string' && sender.name.trim() ? { role: 'agent', name: sender.name.trim() } : undefined;
}

/**
 * The message as a channel that shows every bot message under the bot's name (Teams) must carry it:
 * the person's name in bold before their words. The website shows the name itself (from.name).
 */
export function withSenderNamed(activity: Partial<Activity>): Partial<Activity> {
  const sender = senderOf(activity);
  if (!sender || typeof activity.text !== 'string') return activity;
  activity.text = `**${sender.name.replace(/([\\*_`[\]])/g, '\\$1')}**: ${activity.text}`;
  activity.textFormat = 'markdown';
  return activity;
}
