import type { TurnContext } from 'botbuilder';
import type { Crm, CustomerRecord } from '../crm';
import type { Support, TicketView } from '../crm/support';
import { ContentCatalog, contentLanguage, fill, setTurnOutcome, understandTurn, type HandoffOutcome, type HandoffPort, type HandoffTrigger, type Recognizer, type Understanding } from '../dialogs';
import type { BuiltInIntent } from '../nlp';
import { forbidden, HttpError } from './errors';
import type { Delivery } from './delivery';
import { CUSTOMER_KEY } from './timelineMiddleware';

export interface HandoffBridgeOptions {
  crm: Crm;
  support: Support;
  /** Only for a turn that carries no understanding (the bot's middleware computes it before): one per message. */
  recognizer: Recognizer;
  delivery: Delivery;
  content?: ContentCatalog;
}


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
    const history = await this.o.crm.timeline.forConversation(channelId, conversation.id);
    const recentMessages = history.filter((m) => m.direction === 'inbound').slice(-5).map((m) => m.text);
    const { ticket, created, position } = await this.o.support.tickets.open({
      customerId: customer.id,
      channel: channelId,
      conversationId: conversation.id,
      intent: request.topic,
      // The language the customer writes in, also one the bot does not speak (routing looks for an agent who does).
      language: request.understanding.detectedLanguage,
      sentiment: request.understanding.sentiment.score,
      recentMessages,
      entities: request.understanding.entities,
      trigger: request.trigger,
    });
    if (created) await this.o.support.tickets.recordCustomerMessage(ticket.id, { text: context.activity.text ?? '', sentiment: request.understanding.sentiment.score });
    const agent = ticket.assignedAgentId ? await this.o.support.agents.get(ticket.assignedAgentId) : null;
    return { ticketNumber: ticket.number, position, agentName: agent?.displayName ?? null, alreadyOpen: !created };
  }

  /**
   * When a person owns this conversation: hands the customer's message to the ticket (and the agent,
   * live) and returns true, so the bot stays quiet. While the ticket still waits, the customer is told
   * their place in the queue.
   */
  async routeToPerson(context: TurnContext): Promise<boolean> {
    const { channelId, conversation } = context.activity;
    const ticket = await this.o.support.tickets.findOpenForConversation(channelId, conversation.id);
    if (!ticket) return this.reopenIfRecent(context);
    const text = context.activity.text ?? '';
    const u = text.trim() ? await understandTurn(context, this.o.recognizer) : undefined;
    await this.o.support.tickets.recordCustomerMessage(ticket.id, { text, sentiment: u?.sentiment.score });
    setTurnOutcome(context, 'handed_over', ticket.assignedAgentId ? 'agent_owns_conversation' : 'waiting_for_agent');
    if (!ticket.assignedAgentId) {
      const position = await this.o.support.tickets.positionInQueue(ticket);
      await context.sendActivity(fill(this.content.texts(contentLanguage(ticket.language)).stillQueued, { position: position ?? 1 }));
    }
    return true;
  }

  /**
   * A customer writing again shortly after an agent resolved their ticket (within REOPEN_WINDOW_SECONDS)
   * reopens it, back to that agent when they can take it, else to the queue. Thanks, goodbyes and
   * greetings do not reopen (the bot answers them); survey answers never get here (bot/csatAnswers.ts).
   */
  private async reopenIfRecent(context: TurnContext): Promise<boolean> {
    const { channelId, conversation } = context.activity;
    const text = context.activity.text ?? '';
    if (!text.trim()) return false;
    const resolved = await this.o.support.followUps.reopenable(channelId, conversation.id);
    if (!resolved) return false;
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
  async agentReply(ticketId: string, user: { id: string; role: string }, text: string, options: { awaitingCustomer?: boolean } = {}): Promise<TicketView> {
    const ticket = await this.o.support.tickets.require(ticketId);
    if (user.role === 'agent' && ticket.assignedAgentId !== user.id) throw forbidden('only the assigned agent can reply to this ticket');
    if (!['assigned', 'pending_customer', 'reopened', 'new'].includes(ticket.status)) throw new HttpError(409, 'ticket_closed', `ticket is ${ticket.status}`);
    await this.deliver(ticket, text, `agent:${user.id}`);
    return this.o.support.tickets.recordAgentMessage(ticketId, user.id, text, options);
  }

  /** Resolves the ticket and tells the customer; the bot answers their next message. */
  async resolve(ticketId: string, actor: string): Promise<TicketView> {
    const ticket = await this.o.support.tickets.resolve(ticketId, actor);
    await this.deliver(ticket, this.content.texts(contentLanguage(ticket.language)).resolved, 'system');
    return ticket;
  }

  /** The agent hands the conversation back to the bot. */
  async handBack(ticketId: string, actor: string): Promise<TicketView> {
    const ticket = await this.o.support.tickets.resolve(ticketId, actor, { reason: 'handback' });
    await this.deliver(ticket, this.content.texts(contentLanguage(ticket.language)).handedBack, 'system');
    return ticket;
  }

  private async deliver(ticket: TicketView, text: string, author: string): Promise<void> {
    const reference = await this.o.crm.references.get(ticket.channel, ticket.conversationId);
    if (!reference) throw new HttpError(409, 'no_conversation', 'the customer conversation cannot be reached');
    await this.o.delivery.send(reference, [{ type: 'message', text, channelData: { author } }]);
  }
}
