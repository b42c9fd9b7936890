import { startInProcessApp } from '../support/apps';
import { DirectLineClient } from '../support/directLineClient';
import type { Application } from '../../bot/application';
import { DEMO_ORDERS } from '../../crm/commerce';

/** Order status in chat, from the orders in crm/commerce (the demo shop seeded on an empty database). */
describe('order status in chat', () => {
  let app: Application & { url: string };
  beforeAll(async () => {
    // Proofs of the demo customer in every run: the hourly limits are not what these tests are about.
    app = await startInProcessApp({ DEMO_SEED: 'always', IDENTITY_PROOF_MAX_ATTEMPTS: '100' });
  });
  afterAll(() => app.stop());

  it('seeds the demo shop once and answers an order number from it, in English and Chinese', async () => {
    expect(app.demoOrders).toEqual(DEMO_ORDERS.map((o) => o.orderNumber));
    const c = await DirectLineClient.open(app.url);
    const asked = await c.say('where is my order #A10042?');
    expect((await c.replyTo(asked)).text).toMatch(/^Order A10042: shipped \(ordered on \d{4}-\d{2}-\d{2}\)\.$/);

    const prompt = await c.say('I want to track my order');
    expect((await c.replyTo(prompt)).text).toMatch(/What is your order number/);
    const number = await c.say('A10043');
    expect((await c.replyTo(number)).text).toMatch(/^Order A10043: paid and being prepared/);

    const unknown = await c.say('where is order #Z99999?');
    expect((await c.replyTo(unknown)).text).toMatch(/could not find order Z99999/);

    const zh = await DirectLineClient.open(app.url);
    const zhAsk = await zh.say('我的订单 A10041 到哪里了？');
    expect((await zh.replyTo(zhAsk)).text).toMatch(/^订单 A10041：已送达（?/);
  });

  it('in a chat begun in Chinese, "I am <email>, order <number>" sent when asked for the order number verifies Dana, in English', async () => {
    const c = await DirectLineClient.open(app.url);
    const asked = await c.say('我的订单什么时候到');
    expect((await c.replyTo(asked)).text).toBe('好的，请问您的订单号是多少？（例如 #A12345）');
    const proof = await c.say('I am dana.demo@example.com, order A10042');
    expect((await c.replyTo(proof)).text).toBe('Thanks, Dana Demo, you are verified: I have linked this chat to your account.');
    const order = await c.waitFor((a) => a.replyToId === proof && /^Order A10042/.test(a.text ?? ''));
    expect(order.text).toMatch(/^Order A10042: shipped \(ordered on \d{4}-\d{2}-\d{2}\)\. Items: 1 × Gooseneck kettle\. Total: €59\.00\.$/);
    const dana = await app.crm.customers.findByIdentity('email', 'dana.demo@example.com');
    expect((await app.crm.customers.findByIdentity('directline', c.userId))!.id).toBe(dana!.id);
    // No question for the email that was already given.
    const replies = (await c.poll()).activities.filter((a) => a.replyToId === proof);
    expect(replies.map((a) => a.text)).toHaveLength(2);
    c.close();
  });
});
