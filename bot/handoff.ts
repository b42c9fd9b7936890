import type { Activity, TurnContext } from 'botbuilder';
import type { Crm, CustomerRecord, StoredMessage } from '../crm';
import type { Support, TicketView } from '../crm/support';
import { answersWhileWaiting, ContentCatalog, contentLanguage, fill, replyLanguageOf, setTurnOutcome, understandTurn, type HandoffOutcome, type HandoffPort, type HandoffTrigger, type Recognizer, type Understanding } from '../dialogs';
import { conversationSentiment, problemStatement, type BuiltInIntent, type UnderstoodMessage } from '../nlp';
import { forbidden, HttpError } from './errors';
import { hostileCharacterIn } from './api/inputChecks';
import type { Delivery } from './delivery';
import { CUSTOMER_KEY } from './timelineMiddleware';
import { agentMessage } from './agentMessages';
import { redactSensitive } from '../crm/privacy';

export interface HandoffBridgeOptions {
  crm: Crm;
  support: Support;
  /** Only for a turn that carries no understanding (the bot's middleware computes it before): one per message. */
  recognizer: Recognizer;
  delivery: Delivery;
  content?: ContentCatalog;
}


/** Customer messages of the conversation a ticket's subject and sentiment are read from (the latest). */
const CONVERSATION_WINDOW = 20;

/** Intents that close a conversation politely rather than ask for more: they never reopen a ticket. */
const NOT_A_REOPEN: ReadonlySet<string> = new Set<BuiltInIntent>(['thanks', 'goodbye', 'greeting']);

/**
 * Between the bot and the agents: opens tickets when the dialogs ask for a person, keeps the bot quiet
 * while a person owns the conversation (the customer's messages go to the agent live), and delivers
 * agents' replies on the customer's channel.
 */
export class HandoffBridge implements HandoffPort {
  private readonly content: ContentCatalog;

  constructor(private readonly o: HandoffBridgeOptions) {
    this.content = o.content ?? new ContentCatalog();
  }

  async requestHandoff(context: TurnContext, request: { understanding: Understanding; trigger: HandoffTrigger; topic: string }): Promise<HandoffOutcome> {
    const customer = context.turnState.get(CUSTOMER_KEY) as CustomerRecord | undefined;
    if (!customer) throw new Error('handoff without a resolved customer');
    const { channelId, conversation } = context.activity;
    // The ticket tells the customer's problem and mood over the conversation, not only its last message.
    const { inbound, understood } = await this.conversationUnderstood(channelId, conversation.id, request.understanding);
    const recentMessages = inbound.slice(-5).map((m) => m.text);
    const { ticket, created, position } = await this.o.support.tickets.open({
      customerId: customer.id,
      channel: channelId,
      conversationId: conversation.id,
      intent: request.topic,
      // The language the customer writes in, also one the bot does not speak (routing looks for an agent who does).
      language: request.understanding.detectedLanguage,
      sentiment: conversationSentiment(understood),
      recentMessages,
      subject: problemStatement(understood, request.topic)?.text,
      entities: request.understanding.entities,
      trigger: request.trigger,
    });
    if (created) await this.o.support.tickets.recordCustomerMessage(ticket.id, { text: context.activity.text ?? '', sentiment: request.understanding.sentiment.score });
    const agent = ticket.assignedAgentId ? await this.o.support.agents.get(ticket.assignedAgentId) : null;
    return { ticketNumber: ticket.number, position, agentName: agent?.displayName ?? null, alreadyOpen: !created };
  }

  /**
   * The conversation's sentiment with this message, and the subject when this message is the first to
   * state a problem (an earlier statement stays the subject).
   */
  private async conversationSoFar(channel: string, conversationId: string, current: Understanding): Promise<{ sentiment: number; subject?: string }> {
    const { understood } = await this.conversationUnderstood(channel, conversationId, current);
    const earlier = problemStatement(understood.slice(0, -1));
    const now = problemStatement(understood);
    return { sentiment: conversationSentiment(understood), ...(!earlier && now === current ? { subject: now.text } : {}) };
  }

  /** The conversation's customer messages, and the last CONVERSATION_WINDOW of them with their understanding. */
  private async conversationUnderstood(channel: string, conversationId: string, current: Understanding): Promise<{ inbound: StoredMessage[]; understood: UnderstoodMessage[] }> {
    const inbound = (await this.o.crm.timeline.forConversation(channel, conversationId)).filter((m) => m.direction === 'inbound');
    return { inbound, understood: await this.understoodMessages(channel, conversationId, inbound.slice(-CONVERSATION_WINDOW), current) };
  }

  /**
   * The conversation's customer messages with what the bot understood of each (recorded on their
   * turns), oldest first; this turn's message with this turn's understanding.
   */
  private async understoodMessages(channel: string, conversationId: string, inbound: readonly StoredMessage[], current: Understanding): Promise<UnderstoodMessage[]> {
    const rows = new Map((await this.o.crm.understanding.forConversation(channel, conversationId)).map((r) => [r.messageId, r]));
    const out: UnderstoodMessage[] = [];
    for (const m of inbound) {
      if (m.id === current.messageId) continue;
      const r = rows.get(m.id);
      if (r) out.push({ text: m.text, intent: r.intent, ranking: r.ranking, sentiment: { label: r.sentimentLabel, score: r.sentimentScore } });
    }
    out.push(current);
    return out;
  }

  /**
   * When a person owns this conversation: hands the customer's message to the ticket (and the agent,
   * live) and returns true, so the bot stays quiet. While the ticket still waits, the bot still
   * answers what it can answer itself (self-service questions, its own buttons, the reply to a question
   * it just asked: `awaitingReply`) and returns false, the customer keeping their place in the queue;
   * for anything else they are told their place.
   */
  async routeToPerson(context: TurnContext, o: { awaitingReply?: boolean } = {}): Promise<boolean> {
    const { channelId, conversation } = context.activity;
    const latest = await this.o.support.tickets.openOrLastResolvedForConversation(channelId, conversation.id);
    const ticket = latest && latest.status !== 'resolved' ? latest : null;
    if (!ticket) return this.reopenIfRecent(context, latest);
    const text = context.activity.text ?? '';
    const u = text.trim() || context.activity.value !== undefined ? await understandTurn(context, this.o.recognizer) : undefined;
    // The agent sees everything the customer writes, answered by the bot or not; the ticket's mood and
    // subject follow the conversation ("I want to talk to a human", then "I was charged twice, this is outrageous").
    const soFar = u && text.trim() ? await this.conversationSoFar(channelId, conversation.id, u) : undefined;
    await this.o.support.tickets.recordCustomerMessage(ticket.id, { text, sentiment: u?.sentiment.score, conversation: soFar });
    if (!ticket.assignedAgentId && u && (o.awaitingReply || answersWhileWaiting(u, context.activity.value))) return false;
    setTurnOutcome(context, 'handed_over', ticket.assignedAgentId ? 'agent_owns_conversation' : 'waiting_for_agent');
    if (!ticket.assignedAgentId) {
      const position = await this.o.support.tickets.positionInQueue(ticket);
      const language = replyLanguageOf(context, contentLanguage(ticket.language));
      await context.sendActivity(fill(this.content.texts(language).stillQueued, { position: position ?? 1 }));
    }
    return true;
  }

  /**
   * A customer writing again shortly after an agent resolved their ticket (within REOPEN_WINDOW_SECONDS)
   * reopens it, back to that agent when they can take it, else to the queue. Thanks, goodbyes and
   * greetings do not reopen (the bot answers them); survey answers never get here (bot/csatAnswers.ts).
   */
  private async reopenIfRecent(context: TurnContext, latest: TicketView | null): Promise<boolean> {
    const text = context.activity.text ?? '';
    if (!text.trim() || !latest) return false;
    const resolved = await this.o.support.followUps.reopenableTicket(latest);
    if (!resolved) return false;
    // Events apply in the order they were accepted: a message stored before the resolve (its turn ran
    // late, after a crash or an outage) belongs to the ticket as it was, and reopens nothing.
    const accepted = acceptedAt(context.activity.timestamp);
    if (accepted && resolved.resolvedAt && accepted <= resolved.resolvedAt) {
      await this.o.support.tickets.recordCustomerMessage(resolved.id, { text, at: accepted });
      return false;
    }
    const u = await understandTurn(context, this.o.recognizer);
    if (NOT_A_REOPEN.has(u.intent)) return false;
    const ticket = await this.o.support.followUps.reopen(resolved.id);
    if (!ticket) return false;
    await this.o.support.tickets.recordCustomerMessage(ticket.id, { text, sentiment: u.sentiment.score });
    setTurnOutcome(context, 'handed_over', 'reopened');
    const t = this.content.texts(contentLanguage(ticket.language));
    const agent = ticket.assignedAgentId ? await this.o.support.agents.get(ticket.assignedAgentId) : null;
    if (agent) await context.sendActivity(fill(t.reopenedAssigned, { ticket: ticket.number, agent: agent.displayName }));
    else await context.sendActivity(fill(t.reopenedQueued, { ticket: ticket.number, position: (await this.o.support.tickets.positionInQueue(ticket)) ?? 1 }));
    return true;
  }

  /** An agent's reply, delivered to the customer on their channel. */
  async agentReply(ticketId: string, user: { id: string; role: string }, written: string, options: { awaitingCustomer?: boolean } = {}): Promise<TicketView> {
    // Masked where an agent's words enter: the customer, the transcript, the timeline and the live console see the same text.
    const text = redactSensitive(written);
    const ticket = await this.o.support.tickets.require(ticketId);
    if (user.role === 'agent' && ticket.assignedAgentId !== user.id) throw forbidden('only the assigned agent can reply to this ticket');
    if (!['assigned', 'pending_customer', 'reopened', 'new'].includes(ticket.status)) throw new HttpError(409, 'ticket_closed', `ticket is ${ticket.status}`);
    // Refused before anything is written: PostgreSQL cannot store the character, so the delivery would
    // fail after the reply was accepted and the customer would get an apology instead.
    const problem = hostileCharacterIn(text);
    if (problem) throw new HttpError(400, 'invalid_characters', `reply text contains a ${problem}`);
    // The customer sees who answers: the agent's name travels with the reply.
    const author = await this.o.crm.users.get(user.id);
    const reference = await this.referenceOf(ticket);
    // Recorded first, under the ticket's lock: a reply refused (the ticket was resolved meanwhile) is
    // never delivered, and a delivered one is always in the ticket.
    const recorded = await this.o.support.tickets.recordAgentMessage(ticketId, user.id, text, options);
    await this.o.delivery.send(reference, [agentMessage(text, `agent:${user.id}`, author?.displayName)]);
    return recorded;
  }

  /** Resolves the ticket and tells the customer; the bot answers their next message. */
  async resolve(ticketId: string, actor: string): Promise<TicketView> {
    const ticket = await this.o.support.tickets.resolve(ticketId, actor);
    await this.deliver(ticket, { type: 'message', text: this.content.texts(contentLanguage(ticket.language)).resolved, channelData: { author: 'system' } });
    return ticket;
  }

  /** The agent hands the conversation back to the bot. */
  async handBack(ticketId: string, actor: string): Promise<TicketView> {
    const ticket = await this.o.support.tickets.resolve(ticketId, actor, { reason: 'handback' });
    await this.deliver(ticket, { type: 'message', text: this.content.texts(contentLanguage(ticket.language)).handedBack, channelData: { author: 'system' } });
    return ticket;
  }

  private async deliver(ticket: TicketView, activity: Partial<Activity>): Promise<void> {
    await this.o.delivery.send(await this.referenceOf(ticket), [activity]);
  }

  private async referenceOf(ticket: TicketView) {
    const reference = await this.o.crm.references.get(ticket.channel, ticket.conversationId);
    if (!reference) throw new HttpError(409, 'no_conversation', 'the customer conversation cannot be reached');
    return reference;
  }
}

/** When the channel accepted the activity (the transcript's timestamp, Bot Framework's for Teams). */
function acceptedAt(timestamp: unknown): Date | null {
  const at = timestamp instanceof Date ? timestamp : typeof timestamp === 'string' ? new Date(timestamp) : null;
  return at && !Number.isNaN(at.getTime()) ? at : null;
}
