import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Application } from '../../bot/application';
import { runImport, type ImportKind } from '../../crm/import';
import { createCustomer360 } from '../../crm/identity';
import { CustomerValueStore } from '../../crm/value';
import { users } from '../../crm/schema';
import { tempDir } from '../support/apps';
import { DirectLineClient, type DlActivity } from '../support/directLineClient';

export interface SeededCustomer {
  customerId: string;
  /** The imported profile merged into the chat customer. */
  importedId: string;
  retailId: string;
  name: string;
  email: string;
  phone: string;
  /** What the customer wrote (each must be findable before erasure, and nowhere after). */
  texts: string[];
  csatComment: string;
  orderNumber: string;
  ticketIds: string[];
  chat: DirectLineClient;
  agentId: string;
  customersCsv: string;
  ordersJsonl: string;
  eventsCsv: string;
}

export async function importFile(app: Application, kind: ImportKind, name: string, content: string, o: { rejectsAllowed?: boolean } = {}) {
  const dir = tempDir('privacy-import');
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  const report = await runImport({ db: app.database.db, kind, file, rejectsFile: path.join(dir, `${name}.rejected.csv`), progress: null });
  if (!o.rejectsAllowed && report.rejected > 0) throw new Error(`import ${kind} rejected rows: ${JSON.stringify(report.rejectedByReason)}`);
  return report;
}

const isCard = (a: DlActivity) => Array.isArray(a.attachments) && (a.attachments as Array<{ contentType: string }>).some((x) => x.contentType === 'application/vnd.microsoft.card.adaptive');

/**
 * One customer with data of every kind, through the real services: an imported profile (email, phone,
 * consent, attribute), products, an order and shop events; a Web Chat conversation (timeline,
 * transcript, understandings, learned profile, a recommendation asked for), a handover to an agent, a
 * reply, a resolve with a CSAT rating and comment, a second ticket left waiting on the customer (a
 * queued reminder), a clarification label, the imported profile merged into the chat one, customer value.
 * Needs the app in role `all` with CSAT_SURVEY_DELAY_SECONDS=1.
 */
export async function seedCustomer(app: Application & { url: string }): Promise<SeededCustomer> {
  const tag = randomUUID().slice(0, 8);
  const name = `Paula Privat${tag}`;
  const email = `paula.${tag}@example.com`;
  const phone = `+44 7700 9${tag.replace(/[^0-9]/g, '').padEnd(5, '1').slice(0, 5)}`;
  const retailId = `R${tag}`;
  const sku = `TEA-${tag.toUpperCase()}`;
  const orderNumber = `ORD-${tag}`;
  await importFile(app, 'products', `products-${tag}.csv`, `sku,name,category,price,currency\n${sku},Sencha Green Tea ${tag},tea,8.50,GBP\n`);
  const customersCsv = `customer_id,name,email,phone,consent_email_marketing,attr_favourite_tea\n${retailId},${name},${email},${phone},true,sencha\n`;
  await importFile(app, 'customers', `customers-${tag}.csv`, customersCsv);
  const ordersJsonl = `${JSON.stringify({ order_number: orderNumber, customer_id: retailId, placed_at: '2026-11-02T10:00:00Z', currency: 'GBP', status: 'delivered', lines: [{ sku, quantity: 2, unit_price: 8.5 }] })}\n`;
  await importFile(app, 'orders', `orders-${tag}.jsonl`, ordersJsonl);
  const eventsCsv = `customer_id,type,sku,at\n${retailId},add_to_cart,${sku},2026-11-01T09:00:00Z\n`;
  await importFile(app, 'events', `events-${tag}.csv`, eventsCsv);
  const c360 = createCustomer360(app.database.db);
  const imported = (await app.database.db.execute(sql`select customer_id::text as id from identities where kind = 'retail_customer_id' and external_id = ${retailId}`)) as unknown as { rows: Array<{ id: string }> };
  const importedId = imported.rows[0].id;
  await c360.events.ingest([{ type: 'view', customer: { customerId: importedId }, sku, idempotencyKey: `view-${tag}`, data: { page: 'tea' } }], 'test');

  // An agent of the billing queue, online.
  const [agent] = await app.database.db.insert(users).values({ email: `${randomUUID()}@agents.test`, displayName: `Agent ${tag}`, role: 'agent', passwordHash: 'x' }).returning();
  await app.support.agents.upsert({ userId: agent.id, skills: ['billing'], languages: ['en'], maxConcurrent: 5, queues: ['billing'] });
  await app.support.agents.setStatus(agent.id, 'online');

  const texts = [`Hello, my name is ${name} and I love green tea ${tag}`, `Can you recommend a present for my sister ${tag}?`, `I want to talk to a person, I was charged twice for ${orderNumber}`];
  const chat = await DirectLineClient.open(app.url);
  for (const t of texts) await chat.replyTo(await chat.say(t));
  const ticket = (await app.support.tickets.findOpenForConversation('directline', chat.conversationId))!;
  if (ticket.assignedAgentId !== agent.id) await app.support.tickets.reassign(ticket.id, agent.id, 'test');
  await app.handoff!.agentReply(ticket.id, { id: agent.id, role: 'agent' }, `Hello ${name}, refunded the second charge.`);
  await app.handoff!.resolve(ticket.id, agent.id);
  const card = await chat.waitFor(isCard);
  const data = (card.attachments as Array<{ content: { actions: Array<{ data: Record<string, unknown> }> } }>)[0].content.actions[0].data;
  const csatComment = `Quick and kind, thanks ${tag}`;
  await chat.replyTo(await chat.say('', { value: { ...data, rating: '5', comment: csatComment } }));

  const customerId = (await app.crm.customers.findByIdentity('directline', chat.userId))!.id;
  // A second ticket waiting on the customer: its reminder is a queued (delayed) job.
  const second = await app.support.tickets.open({ customerId, channel: 'directline', conversationId: chat.conversationId, intent: 'billing', language: 'en', sentiment: -0.2, recentMessages: [`Still waiting about ${orderNumber}`], entities: [], trigger: 'asked_for_person' });
  if (second.ticket.assignedAgentId !== agent.id) await app.support.tickets.reassign(second.ticket.id, agent.id, 'test');
  await app.handoff!.agentReply(second.ticket.id, { id: agent.id, role: 'agent' }, 'Could you send the bank statement?', { awaitingCustomer: true });

  // A clarification label on the first message (training data from their words).
  const first = (await app.crm.timeline.forCustomer(customerId, 20)).find((m) => m.direction === 'inbound')!;
  await app.crm.understanding.recordClarification({ messageId: first.id, text: first.text, language: 'en', intent: 'preference', previousIntent: 'greeting' });

  await c360.linker.merge({ survivorId: customerId, mergedId: importedId, actor: `agent:${agent.id}`, reason: 'same person' });
  await c360.profiles.update(customerId, { consent: { email_marketing: false, personalisation: true } }, 'console');
  await new CustomerValueStore(app.database.db).computeAll();
  return { customerId, importedId, retailId, name, email, phone, texts, csatComment, orderNumber, ticketIds: [ticket.id, second.ticket.id], chat, agentId: agent.id, customersCsv, ordersJsonl, eventsCsv };
}
