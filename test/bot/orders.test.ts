import { startInProcessApp } from '../support/apps';
import { DirectLineClient } from '../support/directLineClient';
import type { Application } from '../../bot/application';
import { DEMO_ORDERS } from '../../crm/commerce';

/** Order status in chat, from the orders in crm/commerce (the demo shop seeded on an empty database). */
describe('order status in chat', () => {
  let app: Application & { url: string };
  beforeAll(async () => {
    app = await startInProcessApp({ DEMO_SEED: 'always' });
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
});
