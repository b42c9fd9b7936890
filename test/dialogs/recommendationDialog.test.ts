import { ActivityTypes, ConversationState, MemoryStorage, TestAdapter, type Activity, type CardAction, type HeroCard } from 'botbuilder';
import type { DialogState } from 'botbuilder-dialogs';
import { createCrm, openDatabase, type Database } from '../../crm';
import { DEMO_ORDERS, DEMO_PRODUCTS, seedDemoCatalog } from '../../crm/commerce';
import { IdentityLinker, LearnedProfileStore } from '../../crm/identity';
import { RecommendationService } from '../../crm/recommendations';
import { MainDialog, type ConversationFacts } from '../../dialogs';
import { loadDefaultNlpEngine, type NlpEngine } from '../../nlp';
import { NlpRecognizer } from '../../bot/nlpRecognizer';
import { ServiceRecommendations } from '../../bot/recommendations';
import { TimelineMiddleware } from '../../bot/timelineMiddleware';
import { cachedCatalogueVocabulary, ConversationLearner } from '../../bot/conversationLearning';
import { CataloguePreferences } from '../../bot/preferences';
import { CommerceProductCatalogue } from '../../bot/productCatalogue';
import { CommerceStore } from '../../crm/commerce';
import { sharedNlpCache, testDatabaseUrl } from '../support/apps';

/**
 * The `recommendation` intent end to end below the HTTP edge: the real NLP model, the timeline
 * middleware resolving the chat user to a customer, the service on the demo shop in PostgreSQL.
 */
describe('recommendation carousel', () => {
  let engine: NlpEngine;
  let database: Database;
  let crm: ReturnType<typeof createCrm>;
  let service: RecommendationService;
  let danaId: string;
  const danaSkus = new Set(DEMO_ORDERS.flatMap((o) => o.lines.map(([sku]) => sku)));
  const nameOf = (sku: string) => DEMO_PRODUCTS.find((p) => p.sku === sku)!.name;

  beforeAll(async () => {
    engine = await loadDefaultNlpEngine({ cacheDir: sharedNlpCache });
    database = await openDatabase({ url: testDatabaseUrl(), poolSize: 4 });
    crm = createCrm(database.db);
    await seedDemoCatalog(database.db, crm.customers);
    danaId = (await crm.customers.resolve({ kind: 'email', externalId: 'dana.demo@example.com' })).id;
    service = new RecommendationService({ db: database.db });
    await service.start();
  });
  afterAll(async () => {
    await service?.close();
    await database?.close();
  });

  /**
   * A chat user on the `test` channel, through the timeline middleware and the main dialog; with
   * `learning`, as the app wires it: stated preferences confirmed and learned into the profile.
   */
  function chatAs(userId: string, recommendations: RecommendationService = service, o: { learning?: boolean } = {}) {
    const state = new ConversationState(new MemoryStorage());
    const accessor = state.createProperty<DialogState>('dialogState');
    const recognizer = new NlpRecognizer(engine);
    const vocabulary = cachedCatalogueVocabulary(database.db);
    const dialog = new MainDialog({
      recognizer,
      facts: state.createProperty<ConversationFacts>('facts'),
      recommendations: new ServiceRecommendations(recommendations),
      products: new CommerceProductCatalogue(new CommerceStore(database.db), vocabulary),
      ...(o.learning ? { preferences: new CataloguePreferences(vocabulary) } : {}),
    });
    const adapter = new TestAdapter(
      async (context) => {
        if (context.activity.type === ActivityTypes.Message) await dialog.run(context, accessor);
        await state.saveChanges(context);
      },
      { channelId: 'test', from: { id: userId, name: userId } },
    );
    adapter.conversation.conversation = { ...adapter.conversation.conversation, id: `conv-${userId}` };
    const learner = new ConversationLearner({ recognizer, learned: new LearnedProfileStore(database.db), vocabulary });
    adapter.use(
      new TimelineMiddleware(
        crm,
        o.learning
          ? {
              learner,
              onError: (err) => {
                throw err;
              },
            }
          : undefined,
      ),
    );
    return adapter;
  }

  const heroes = (a: Partial<Activity>): HeroCard[] => {
    expect(a.attachmentLayout).toBe('carousel');
    for (const att of a.attachments ?? []) expect(att.contentType).toBe('application/vnd.microsoft.card.hero');
    return (a.attachments ?? []).map((att) => att.content as HeroCard);
  };

  it('a returning customer (chat identity linked by order proof) gets cards of products they never bought, with why', async () => {
    const visitor = await crm.customers.resolve({ kind: 'test', externalId: 'visitor-dana' });
    const link = await new IdentityLinker(database.db).linkByOrderProof({ customerId: visitor.id, email: 'dana.demo@example.com', orderNumber: 'A10042' });
    expect(link).toMatchObject({ linked: true, customerId: danaId });
    const expected = (await service.recommendFor(danaId, { k: 4 })).cards;
    expect(expected).toHaveLength(4);

    await chatAs('visitor-dana')
      .send('can you recommend something for me?')
      .assertReply((a) => {
        expect(a.text).toBe('Here are a few picks for you, based on what you bought before:');
        const cards = heroes(a);
        expect(cards.map((c) => c.title)).toEqual(expected.map((c) => c.name));
        for (const [i, card] of cards.entries()) {
          const sku = expected[i].sku;
          expect(danaSkus.has(sku)).toBe(false);
          expect(sku).not.toBe('MUG-ENAMEL');
          expect(card.subtitle).toMatch(/^€\d+\.\d\d$/);
          // The button carries the product; its text is the question typed out.
          expect(card.buttons).toEqual([{ type: 'messageBack', title: 'Tell me more', text: `Tell me more about ${card.title}`, displayText: `Tell me more about ${card.title}`, value: { type: 'product.details', sku, language: 'en' } }]);
        }
        // Personal picks name one of the customer's own purchases.
        const reasons = cards.map((c) => c.text ?? '');
        expect(reasons.some((r) => [...danaSkus].some((sku) => r === `Because you bought ${nameOf(sku)}`))).toBe(true);
      })
      .startTest();
  });

  it('in Chinese: the same products, with the reason and price in Chinese', async () => {
    const expected = (await service.recommendFor(danaId, { k: 4 })).cards;
    await chatAs('visitor-dana')
      .send('有什么推荐的吗？')
      .assertReply((a) => {
        expect(a.text).toBe('根据您之前的购买，为您挑选了这些商品：');
        const cards = heroes(a);
        expect(cards.map((c) => c.title)).toEqual(expected.map((c) => c.name));
        expect(cards.some((c) => /^因为您购买过/.test(c.text ?? ''))).toBe(true);
        expect(cards[0].buttons?.[0]).toMatchObject({ type: 'messageBack', title: '了解详情', text: `介绍一下${cards[0].title}`, value: { type: 'product.details', sku: expected[0].sku, language: 'zh' } });
        expect(cards[0].subtitle).toMatch(/^€\d+\.\d\d$/);
      })
      .startTest();
  });

  it('an unknown visitor gets popular products and is told why', async () => {
    await chatAs('visitor-new')
      .send('what would you recommend?')
      .assertReply((a) => {
        expect(a.text).toBe('I do not know your purchases yet, so here is what other customers like right now:');
        const cards = heroes(a);
        expect(cards).toHaveLength(4);
        for (const c of cards) expect(c.text).toBe('Popular right now');
        expect(cards.map((c) => c.title)).not.toContain(nameOf('MUG-ENAMEL'));
      })
      .startTest();
  });

  it('the timeline (what agents read) stores which products were shown, with prices, in the customer\'s language', async () => {
    const expected = (await service.recommendFor(danaId, { k: 4 })).cards;
    const price = (priceMinor: number) => `€${(priceMinor / 100).toFixed(2)}`;
    const visitor = await crm.customers.resolve({ kind: 'test', externalId: 'visitor-dana' });
    let sent: Partial<Activity> | undefined;
    await chatAs('visitor-dana')
      .send('can you recommend something for me?')
      .assertReply((a) => {
        sent = a;
      })
      .send('有什么推荐的吗？')
      .assertReply(() => undefined)
      .startTest();
    // The summary is for the timeline only: the channel gets the cards, not the extra line.
    expect((sent?.channelData as Record<string, unknown> | undefined)?.timelineSummary).toBeUndefined();

    const outbound = (await crm.timeline.forConversation('test', 'conv-visitor-dana')).filter((m) => m.direction === 'outbound' && m.customerId === visitor.id);
    const [en, zh] = outbound.slice(-2).map((m) => m.text);
    const lines = expected.map((c) => `• ${c.name} (${price(c.priceMinor)})`);
    expect(en).toBe(['Here are a few picks for you, based on what you bought before:', 'Shown:', ...lines].join('\n'));
    expect(zh).toBe(['根据您之前的购买，为您挑选了这些商品：', '已展示：', ...lines].join('\n'));
  });

  it('"I love tea", then the confirmation\'s button: a carousel of tea, each card saying it is because they like tea', async () => {
    const tea = DEMO_PRODUCTS.filter((p) => p.category === 'tea' && p.active !== false).map((p) => p.name);
    expect(tea).toHaveLength(4);
    let button: CardAction | undefined;
    const chat = chatAs('visitor-tea', service, { learning: true });
    await chat
      .send('I love tea')
      .assertReply((a) => {
        expect(a.text).toMatch(/^Thanks, I have noted that you like tea\./);
        button = a.suggestedActions?.actions.find((x) => x.title === 'Show me recommendations');
        expect(button).toMatchObject({ type: 'messageBack', text: 'What would you recommend?', value: { category: 'tea' } });
      })
      .startTest();
    // What Web Chat posts for a messageBack button: its text and its value.
    await chat
      .send({ type: ActivityTypes.Message, text: button!.text, value: button!.value })
      .assertReply((a) => {
        expect(a.text).toBe('Here are a few picks for you, based on what you told me you like:');
        const cards = heroes(a);
        expect(cards.map((c) => c.title).sort()).toEqual([...tea].sort());
        for (const c of cards) expect(c.text).toBe('Because you said you like tea');
      })
      .startTest();
    const visitor = await crm.customers.resolve({ kind: 'test', externalId: 'visitor-tea' });
    expect(new Set((await service.recommendFor(visitor.id, { k: 4, category: 'tea' })).cards.map((c) => c.category))).toEqual(new Set(['tea']));

    // Asked in general, tea is favoured (half the slots) and the rest is the model's "popular right now".
    await chat
      .send('what would you recommend?')
      .assertReply((a) => {
        const cards = heroes(a);
        expect(cards.slice(0, 2).map((c) => c.text)).toEqual(['Because you said you like tea', 'Because you said you like tea']);
        expect(cards.slice(0, 2).every((c) => tea.includes(c.title!))).toBe(true);
        expect(cards.slice(2).map((c) => c.text)).toEqual(['Popular right now', 'Popular right now']);
      })
      .startTest();
  });

  it('in Chinese: 我喜欢茶, then 看看推荐: tea, explained in Chinese; what they bought stays out', async () => {
    const visitor = await crm.customers.resolve({ kind: 'test', externalId: 'visitor-dana-zh' });
    expect(await new IdentityLinker(database.db).linkByOrderProof({ customerId: visitor.id, email: 'dana.demo@example.com', orderNumber: 'A10041' })).toMatchObject({ linked: true, customerId: danaId });
    let button: CardAction | undefined;
    const chat = chatAs('visitor-dana-zh', service, { learning: true });
    await chat
      .send('我喜欢茶')
      .assertReply((a) => {
        button = a.suggestedActions?.actions.find((x) => x.title === '看看推荐');
        expect(button).toMatchObject({ type: 'messageBack', text: '有什么推荐的吗？', value: { category: 'tea' } });
      })
      .startTest();
    const teaNotBought = DEMO_PRODUCTS.filter((p) => p.category === 'tea' && !danaSkus.has(p.sku)).map((p) => p.name);
    await chat
      .send({ type: ActivityTypes.Message, text: button!.text, value: button!.value, locale: 'zh-CN' })
      .assertReply((a) => {
        const cards = heroes(a);
        expect(cards.map((c) => c.title).sort()).toEqual([...teaNotBought].sort());
        for (const c of cards) expect(c.text).toBe('因为您说喜欢茶');
      })
      .startTest();
    // Asked in general: her liked tea and picks from her purchases, and the heading names both reasons.
    await chat
      .send({ type: ActivityTypes.Message, text: '有什么推荐的吗？', locale: 'zh-CN' })
      .assertReply((a) => {
        expect(a.text).toBe('根据您告诉我的喜好和之前的购买，为您挑选了这些商品：');
        const reasons = heroes(a).map((c) => c.text);
        expect(reasons.slice(0, 2)).toEqual(['因为您说喜欢茶', '因为您说喜欢茶']);
        expect(reasons.slice(2).every((r) => r!.startsWith('因为您购买过'))).toBe(true);
      })
      .startTest();
  });

  const attributesOf = (sku: string) => DEMO_PRODUCTS.find((p) => p.sku === sku)!.attributes as { description: string; description_zh: string };
  const textMatching = (pattern: RegExp) => (a: Partial<Activity>) => expect(a.text).toMatch(pattern);

  it('a card\'s "Tell me more" answers with that product from the catalogue (name, price, description), also when typed', async () => {
    let button: CardAction | undefined;
    let card: HeroCard | undefined;
    const chat = chatAs('visitor-curious');
    await chat
      .send('what would you recommend?')
      .assertReply((a) => {
        card = heroes(a)[0];
        button = card.buttons![0];
      })
      .startTest();
    const sku = (button!.value as { sku: string }).sku;
    // What Web Chat posts for a messageBack: its text and its value.
    await chat
      .send({ type: ActivityTypes.Message, text: button!.text, value: button!.value })
      .assertReply(`${card!.title}: ${card!.subtitle}. ${attributesOf(sku).description}`)
      .startTest();
    // Typed (or from a channel that drops the value): the product the question names.
    const kettle = `Gooseneck kettle: €59.00. ${attributesOf('KETTLE-GOOSE').description}`;
    await chat.send('Tell me more about Gooseneck kettle').assertReply(kettle).startTest();
    await chat.send('Tell me more about the hand coffee grinder').assertReply(textMatching(/^Hand coffee grinder: €45\.00\. A hand grinder with ceramic burrs/)).startTest();
    // A product question that names no product of the catalogue: the general answer.
    await chat.send('is this sofa cover machine washable?').assertReply(textMatching(/sizes, materials and care instructions/)).startTest();
  });

  it('in Chinese: the card\'s 了解详情 answers in Chinese with the catalogue\'s Chinese description', async () => {
    let button: CardAction | undefined;
    let card: HeroCard | undefined;
    const chat = chatAs('visitor-curious-zh');
    await chat
      .send('有什么推荐的吗？')
      .assertReply((a) => {
        card = heroes(a)[0];
        button = card.buttons![0];
        expect(button).toMatchObject({ title: '了解详情', text: `介绍一下${card.title}` });
      })
      .startTest();
    const sku = (button!.value as { sku: string }).sku;
    await chat
      .send({ type: ActivityTypes.Message, text: button!.text, value: button!.value })
      .assertReply(`${card!.title}：${card!.subtitle}。${attributesOf(sku).description_zh}`)
      .startTest();
  });

  it('without a model yet: a polite sentence, no empty carousel', async () => {
    const noModel = new RecommendationService({ db: database.db, autoTrainMaxProducts: 0 });
    await chatAs('visitor-early', noModel)
      .send('can you recommend something?')
      .assertReply((a) => {
        expect(a.attachments ?? []).toHaveLength(0);
        expect(a.text).toBe('I have no suggestions right now. Tell me what you are looking for and I will help you find it.');
      })
      .startTest();
  });
});
