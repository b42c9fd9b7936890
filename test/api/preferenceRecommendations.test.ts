import type { Application } from '../../bot/application';
import { customerPanelSchema } from '../../bot/api/schemas';
import { DEMO_ORDERS, DEMO_PRODUCTS } from '../../crm/commerce';
import { RecommendationService } from '../../crm/recommendations';
import { startInProcessApp } from '../support/apps';
import { DirectLineClient, type DlActivity } from '../support/directLineClient';
import { ConsoleClient, makeUser, PASSWORD } from './consoleClient';

/**
 * What the customer told the bot shapes their recommendations the same way in the chat and in the
 * agent console: the app on PostgreSQL with the demo shop (its model trained at start), a Web Chat
 * visitor over Direct Line who states likes and a withdrawn like, proves they are Dana, and asks; a
 * supervisor's customer panel over HTTP.
 */
describe('recommendations from stated preferences, chat and console alike', () => {
  let app: Application & { url: string };
  let danaId: string;
  beforeAll(async () => {
    app = await startInProcessApp({ DEMO_SEED: 'always', CUSTOMER_VALUE_CRON: 'off', AGENT_EVALUATION_CRON: 'off' });
    danaId = (await app.crm.customers.findByIdentity('email', 'dana.demo@example.com'))!.id;
  }, 120_000);
  afterAll(async () => {
    await app?.stop();
  });

  const nameOf = (sku: string) => DEMO_PRODUCTS.find((p) => p.sku === sku)!.name;
  const categoryOf = (name: string) => DEMO_PRODUCTS.find((p) => p.name === name)!.category;
  const bought = new Set(DEMO_ORDERS.flatMap((o) => o.lines.map(([sku]) => nameOf(sku))));
  type Hero = { title: string; text: string };
  const heroes = (a: DlActivity): Hero[] => ((a.attachments as Array<{ content: Hero }> | undefined) ?? []).map((att) => att.content);

  it('likes favoured, dislikes and a withdrawn like left out: the console panel lists what the chat carousel shows', async () => {
    const c = await DirectLineClient.open(app.url);
    const ask = async (text: string, extra: Record<string, unknown> = {}) => c.replyTo(await c.say(text, extra));

    await ask('I love lamps');
    const coffee = await ask('I love coffee');
    const button = (coffee.suggestedActions as { actions: Array<{ type: string; title: string; text?: string; value?: unknown }> }).actions.find((x) => x.title === 'Show me recommendations');
    expect(button).toMatchObject({ type: 'messageBack', text: 'What would you recommend?', value: { type: 'recommendations.category', category: 'coffee' } });
    await ask("I don't like lamps after all");
    expect((await ask('my email is dana.demo@example.com and my order is A10042')).text).toBe('Thanks, Dana Demo, you are verified: I have linked this chat to your account.');

    // The model alone would offer the desk lamp to Dana (the home basket): the withdrawn like must take it out.
    const reference = new RecommendationService({ db: app.database.db, autoTrainMaxProducts: 0 });
    await reference.start();
    const modelOnly = reference.forCustomer(danaId, { k: 10, purchased: await reference.purchasedSkus(danaId) }).cards.map((card) => card.name);
    const shaped = (await reference.recommendFor(danaId, { k: 10 })).cards.map((card) => card.name);
    await reference.close();
    expect(modelOnly).toContain(nameOf('LAMP-DESK'));
    expect(shaped).not.toContain(nameOf('LAMP-DESK'));
    // Everything else Dana has not bought is still there (the likes only reorder it).
    expect([...shaped].sort()).toEqual(modelOnly.filter((name) => name !== nameOf('LAMP-DESK')).sort());

    const carousel = await ask('what would you recommend?');
    const cards = heroes(carousel);
    expect(cards).toHaveLength(4);
    expect(cards.slice(0, 2).map((card) => [categoryOf(card.title), card.text])).toEqual([
      ['coffee', 'Because you said you like coffee'],
      ['coffee', 'Because you said you like coffee'],
    ]);
    for (const card of cards) {
      expect(card.title).not.toBe(nameOf('LAMP-DESK'));
      expect(bought.has(card.title)).toBe(false);
    }

    const supervisor = await makeUser(app, 'supervisor');
    const client = await new ConsoleClient(app.url).signIn(supervisor.email, PASSWORD);
    const res = await client.get(`/api/customers/${danaId}`);
    expect(res.status).toBe(200);
    const panel = customerPanelSchema.parse(res.body);
    // The same products, in the same order, with the same reasons.
    expect(panel.recommendations.items.map((item) => [item.name, item.explanation])).toEqual(cards.map((card) => [card.title, card.text]));
    expect(panel.recommendations.items.slice(0, 2).map((item) => [item.source, item.liked])).toEqual([
      ['stated-preference', { term: 'coffee' }],
      ['stated-preference', { term: 'coffee' }],
    ]);

    // The button from "I love coffee", as Web Chat posts a messageBack: coffee only, none of it bought.
    const picks = heroes(await ask(button!.text!, { value: button!.value }));
    const coffeeProducts = DEMO_PRODUCTS.filter((p) => p.category === 'coffee' && !bought.has(p.name)).map((p) => p.name);
    expect(picks.map((card) => card.title).sort()).toEqual([...coffeeProducts].sort());
    for (const card of picks) expect(card.text).toBe('Because you said you like coffee');
    c.close();
  });
});
