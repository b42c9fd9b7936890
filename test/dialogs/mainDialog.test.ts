import { ActivityTypes, ConversationState, MemoryStorage, TestAdapter, type Activity, type CardAction } from 'botbuilder';
import type { DialogState } from 'botbuilder-dialogs';
import { createCrm, openDatabase, type Database } from '../../crm';
import { CommerceStore, seedDemoCatalog } from '../../crm/commerce';
import { ContentCatalog, MainDialog, welcomeActivity, type ConversationFacts, type MainDialogOptions } from '../../dialogs';
import { createNlpEngine, decideTurn, IntentClassifier, loadDefaultNlpEngine, SentimentAnalyzer, type NlpEngine } from '../../nlp';
import { NlpRecognizer } from '../../bot/nlpRecognizer';
import { cachedCatalogueVocabulary } from '../../bot/conversationLearning';
import { CommerceOrderLookup } from '../../bot/orderLookup';
import { CataloguePreferences } from '../../bot/preferences';
import { sharedNlpCache, testDatabaseUrl } from '../support/apps';

/** An assertReply inspector that really checks the text against a pattern. */
const textMatching = (pattern: RegExp) => (activity: Partial<Activity>) => {
  expect(activity.text).toMatch(pattern);
};

let engine: NlpEngine;
beforeAll(async () => {
  engine = await loadDefaultNlpEngine({ cacheDir: sharedNlpCache });
});

/** The main dialog with the real trained NLP model, in memory (no handoff port wired: it says it would connect). */
function harness(content?: ContentCatalog, ports: Partial<MainDialogOptions> = {}) {
  const state = new ConversationState(new MemoryStorage());
  const accessor = state.createProperty<DialogState>('dialogState');
  const dialog = new MainDialog({ recognizer: new NlpRecognizer(engine), facts: state.createProperty<ConversationFacts>('facts'), content, ...ports });
  return new TestAdapter(async (context) => {
    if (context.activity.type === ActivityTypes.Message) await dialog.run(context, accessor);
    await state.saveChanges(context);
  });
}

describe('MainDialog', () => {
  it('answers greetings, thanks and goodbyes', async () => {
    await harness()
      .send('hello')
      .assertReply('Hello! How can I help you today?')
      .send('thanks a lot')
      .assertReply("You're welcome! Is there anything else I can do?")
      .send('bye, have a nice day')
      .assertReply('Goodbye, and thanks for visiting!')
      .startTest();
  });

  it('offers help topics and answers the one picked, across turns', async () => {
    await harness()
      .send('help')
      .assertReply((a) => {
        expect(a.text).toBe('What can I help you with?');
        expect(a.suggestedActions?.actions.map((x) => x.title)).toEqual(['Orders', 'Returns', 'Account', 'Something else']);
      })
      .send('returns')
      .assertReply(textMatching(/return most items within 30 days/))
      .send('help')
      .assertReply('What can I help you with?')
      .send('banana')
      .assertReply(textMatching(/What can I help you with\? \(Orders \/ Returns/))
      .send('2')
      .assertReply(textMatching(/return most items/))
      .startTest();
  });

  it('asks for the order number when it is missing, and keeps asking until it gets one', async () => {
    await harness()
      .send('where is my order?')
      .assertReply(textMatching(/What is your order number/))
      .send('I do not remember')
      .assertReply(textMatching(/It looks like #A12345/))
      .send('it is #B77881')
      .assertReply(textMatching(/order B77881 is noted/))
      .startTest();
  });

  it('asks for the order number in Chinese', async () => {
    await harness().send('我的订单到哪里了？').assertReply(textMatching(/请问您的订单号是多少/)).startTest();
  });

  it('falls back politely, then offers a person after repeated misunderstanding', async () => {
    await harness()
      .send('what is the capital of france')
      .assertReply(textMatching(/Sorry, I didn't quite get that/))
      .send('asdkjh qwe zzz')
      .assertReply('I will connect you with a member of our team.')
      .startTest();
  });

  it('hands over when asked for a person, on a complaint, and on strong negative sentiment', async () => {
    await harness()
      .send('I want to talk to a real person')
      .assertReply('I will connect you with a member of our team.')
      .send('this is the worst service ever, I am furious')
      .assertReply('I will connect you with a member of our team.')
      .startTest();
  });

  it('replies in Chinese to a Chinese message', async () => {
    await harness().send('你好').assertReply('您好！今天有什么可以帮您？').send('帮助').assertReply('请问需要什么帮助？').startTest();
  });

  // One test per routed intent: a customer's sentence (with the real model) and the answer it routes to.
  it.each([
    ['cancel_order', 'I want to cancel the order I placed yesterday', /cancelled until they ship/],
    ['return_refund', 'how do I send back a jacket that does not fit and get my money back', /return most items within 30 days/],
    ['billing', 'where can I download my invoices?', /Account > Billing/],
    ['account_access', 'I forgot my password and cannot log in', /Forgot password/],
    ['update_details', 'I need to change my delivery address on my profile', /Account > Details/],
    ['technical_issue', 'the checkout page shows an error when I click pay', /refreshing the page or updating the app/],
    ['product_question', 'is this sofa cover machine washable?', /sizes, materials and care instructions/],
    ['recommendation', 'can you recommend a good gift for my mother', /suggest products you might like/],
    ['shipping_info', 'how long does delivery take to Germany', /Standard delivery takes 3–5 business days/],
    ['subscription', 'I want to pause my monthly subscription box', /Account > Subscription/],
    ['feedback', 'I would like to leave some feedback about your website', /Thank you for your feedback/],
    ['privacy_request', 'please delete all the personal data you hold about me', /cannot file requests about your personal data in this chat/],
    ['退货 (zh return_refund)', '我想退货退款', /30 天内可以退货/],
  ])('routes %s', async (_intent, sentence, answer) => {
    await harness().send(sentence).assertReply(textMatching(answer)).startTest();
  });

  it('asks "did you mean A or B?" when two topics are close, and follows the choice', async () => {
    const state = new ConversationState(new MemoryStorage());
    // A model that cannot tell billing from subscription (a stand-in for the trained one: the question depends on its scores).
    const close: NlpEngine = {
      modelInfo: { id: 'close', dataHash: 'test' },
      analyze: async () => ({
        language: 'en', languageConfidence: 1, intent: { name: 'billing', confidence: 0.45 }, outOfScope: false, sentiment: { label: 'neutral', score: 0 }, entities: [],
        ranking: [{ name: 'billing', confidence: 0.45 }, { name: 'subscription', confidence: 0.4 }],
      }),
    };
    expect(decideTurn({ intent: 'billing', confidence: 0.45, outOfScope: false, ranking: [{ name: 'billing', confidence: 0.45 }, { name: 'subscription', confidence: 0.4 }] }).action).toBe('clarify');
    const dialog = new MainDialog({ recognizer: new NlpRecognizer(close), facts: state.createProperty<ConversationFacts>('facts') });
    const accessor = state.createProperty<DialogState>('dialogState');
    await new TestAdapter(async (context) => {
      if (context.activity.type === ActivityTypes.Message) await dialog.run(context, accessor);
      await state.saveChanges(context);
    })
      .send('my plan charge')
      .assertReply((a) => {
        expect(a.text).toBe('Did you mean a billing question or your subscription?');
        expect(a.suggestedActions?.actions.map((x) => [x.type, x.title, x.value])).toEqual([
          ['messageBack', 'a billing question', { type: 'concierge.clarification', intent: 'billing' }],
          ['messageBack', 'your subscription', { type: 'concierge.clarification', intent: 'subscription' }],
          ['messageBack', 'Something else', { type: 'concierge.clarification', intent: 'something_else' }],
        ]);
      })
      .send('your subscription')
      .assertReply(textMatching(/Account > Subscription/))
      .send('my plan charge')
      .assertReply(textMatching(/^Did you mean/))
      .send('something else')
      .assertReply(textMatching(/Sorry, I didn't quite get that/))
      // In Chinese the labels are Chinese; the number of a choice picks it too.
      .send('我的套餐扣费')
      .assertReply((a) => {
        expect(a.text).toBe('您是想问账单问题，还是订阅？');
        expect(a.suggestedActions?.actions.map((x) => x.title)).toEqual(['账单问题', '订阅', '其他问题']);
      })
      .send('1')
      .assertReply(textMatching(/账户 > 账单/))
      .startTest();
  });

  it('answers from the operator content, overriding only what it names', async () => {
    const files: Record<string, string> = {
      'ok.json': JSON.stringify({ en: { answers: { shipping_info: 'We deliver island-wide in 2 days.' } }, zh: { greeting: '欢迎光临！' } }),
      'bad-lang.json': JSON.stringify({ fr: {} }),
      'bad-key.json': JSON.stringify({ en: { nonsense: 'x' } }),
      'bad-json.json': '{',
    };
    const read = (f: string) => files[f];
    const catalog = ContentCatalog.fromFile('ok.json', read);
    await harness(catalog)
      .send('how long does delivery take to Germany')
      .assertReply('We deliver island-wide in 2 days.')
      .send('I want to cancel the order I placed yesterday')
      .assertReply(textMatching(/cancelled until they ship/))
      .send('你好')
      .assertReply('欢迎光临！')
      .startTest();
    expect(() => ContentCatalog.fromFile('bad-lang.json', read)).toThrow(/unknown language "fr"/);
    expect(() => ContentCatalog.fromFile('bad-key.json', read)).toThrow(/unknown entry "nonsense"/);
    expect(() => ContentCatalog.fromFile('bad-json.json', read)).toThrow(/CONTENT_FILE bad-json.json/);
  });

  it('welcomes in the customer locale', () => {
    expect(welcomeActivity('en-US').text).toMatch(/Concierge/);
    expect(welcomeActivity('zh-CN').text).toMatch(/您好/);
  });
});

/** A billing problem goes to the billing team; a billing question still gets the answer. */
describe('MainDialog: a reported billing problem', () => {
  const HANDOFF = 'I will connect you with a member of our team.';

  it.each([
    'I was charged twice, this is outrageous',
    'I was charged twice for order A10042, something looks wrong',
    'the amount on my invoice is wrong',
    'you took the money but I never got an order confirmation',
    'I still have not received my refund',
  ])('hands "%s" over instead of repeating the billing text', async (sentence) => {
    await harness().send(sentence).assertReply(HANDOFF).startTest();
  });

  it.each(['我被重复扣款了', '扣款金额不对', '付款了但是没有订单', '退款还没到账'])('hands %s over in Chinese', async (sentence) => {
    await harness().send(sentence).assertReply('我将为您转接人工客服。').startTest();
  });

  it('answers a billing question that reports nothing wrong, in both languages', async () => {
    await harness().send('how do I update my payment method').assertReply(textMatching(/Account > Billing/)).send('发票在哪里下载').assertReply(textMatching(/账户 > 账单/)).startTest();
  });
});

/** While a prompt waits for an order number, a new question is answered (the prompt ends); replies follow the latest message's language. */
describe('MainDialog: a prompt gives way to a new question', () => {
  it('asked for an order number, "what would you recommend?" gets recommendations, in English and in Chinese', async () => {
    await harness()
      .send('where is my order?')
      .assertReply(textMatching(/What is your order number/))
      .send('what would you recommend?')
      .assertReply(textMatching(/I can suggest products you might like/))
      .startTest();
    await harness()
      .send('我的订单什么时候到')
      .assertReply(textMatching(/请问您的订单号是多少/))
      .send('有什么推荐的吗？')
      .assertReply(textMatching(/我可以为您推荐商品/))
      .startTest();
  });

  it('in a chat begun in Chinese, an English question gets an English answer', async () => {
    await harness()
      .send('我的订单什么时候到')
      .assertReply(textMatching(/请问您的订单号是多少/))
      .send('what would you recommend?')
      .assertReply(textMatching(/I can suggest products you might like/))
      .startTest();
  });

  it('an English refund complaint with an order number in a Chinese chat is answered in English as a refund, not a status lookup', async () => {
    await harness()
      .send('我的订单什么时候到')
      .assertReply(textMatching(/请问您的订单号是多少/))
      .send('I want a refund for order A10042, the kettle arrived broken')
      .assertReply(textMatching(/^You can return most items within 30 days/))
      .startTest();
  });

  it('the reply to the prompt is answered in its own language; a reply that asks nothing new is asked again', async () => {
    await harness()
      .send('我的订单什么时候到')
      .assertReply(textMatching(/请问您的订单号是多少/))
      .send('my order number is B77881')
      .assertReply(textMatching(/^Thanks, order B77881 is noted/))
      .startTest();
    await harness()
      .send('我的订单什么时候到')
      .assertReply(textMatching(/请问您的订单号是多少/))
      .send('I do not remember')
      .assertReply(textMatching(/^I could not find an order number in that/))
      .send('B77881')
      .assertReply(textMatching(/^Thanks, order B77881 is noted/))
      .startTest();
  });

  it('the help menu gives way to a question it does not offer, and still takes its topics', async () => {
    await harness()
      .send('help')
      .assertReply('What can I help you with?')
      .send('what would you recommend?')
      .assertReply(textMatching(/I can suggest products you might like/))
      .send('help')
      .assertReply('What can I help you with?')
      .send('returns')
      .assertReply(textMatching(/return most items within 30 days/))
      .startTest();
  });
});

/**
 * Stated preferences: the real model, the bot's CataloguePreferences on the demo shop's catalogue in
 * PostgreSQL (the vocabulary the conversation learner uses), and the real order lookup.
 */
describe('MainDialog: stated preferences', () => {
  let database: Database;
  let ports: Partial<MainDialogOptions>;
  const HANDOFF = 'I will connect you with a member of our team.';
  const actionsOf = (a: Partial<Activity>) => a.suggestedActions?.actions.map((x) => [x.title, x.value]) ?? [];

  beforeAll(async () => {
    database = await openDatabase({ url: testDatabaseUrl(), poolSize: 2 });
    await seedDemoCatalog(database.db, createCrm(database.db).customers);
    ports = { preferences: new CataloguePreferences(cachedCatalogueVocabulary(database.db)), orders: new CommerceOrderLookup(new CommerceStore(database.db)) };
  });
  afterAll(() => database?.close());

  it('confirms a like with the matching products and offers recommendations, whose button leads to the recommendation dialog', async () => {
    let button: CardAction | undefined;
    await harness(undefined, ports)
      .send('I love dark roast coffee')
      .assertReply((a) => {
        expect(a.text).toBe('Thanks, I have noted that you like dark roast coffee. In our shop that matches Single-origin coffee beans, 250 g; Hand coffee grinder.');
        // The liked category travels with the button; its text alone still asks for recommendations.
        expect(a.suggestedActions?.actions).toEqual([
          { type: 'messageBack', title: 'Show me recommendations', text: 'What would you recommend?', displayText: 'What would you recommend?', value: { type: 'recommendations.category', category: 'coffee' } },
        ]);
        button = a.suggestedActions!.actions[0];
      })
      .startTest();
    // What Web Chat posts for a messageBack: its text and its value (no recommendation port here: the built-in answer).
    await harness(undefined, ports)
      .send({ type: ActivityTypes.Message, text: button!.text, value: button!.value })
      .assertReply(textMatching(/I can suggest products you might like/))
      .send('What would you recommend?')
      .assertReply(textMatching(/I can suggest products you might like/))
      .startTest();
  });

  it('a like of products only (no category) offers the plain question', async () => {
    await harness(undefined, ports)
      .send('I love candles')
      .assertReply((a) => {
        expect(actionsOf(a)).toEqual([['Show me recommendations', 'What would you recommend?']]);
        expect(a.suggestedActions?.actions[0].type).toBe('imBack');
      })
      .startTest();
  });

  it('confirms in Chinese, matching 绿茶 to the tea catalogue', async () => {
    await harness(undefined, ports)
      .send('我喜欢绿茶')
      .assertReply((a) => {
        expect(a.text).toBe('好的，已为您记下：您喜欢绿茶。本店相关商品：Organic sencha tea, 100 g; Earl Grey tea, 100 g; Jasmine green tea, 100 g。');
        expect(a.suggestedActions?.actions.map((x) => [x.type, x.title, x.text, x.value])).toEqual([['messageBack', '看看推荐', '有什么推荐的吗？', { type: 'recommendations.category', category: 'tea' }]]);
      })
      .send('有什么推荐的吗？')
      .assertReply(textMatching(/我可以为您推荐商品/))
      .startTest();
  });

  it('a contact preference gets the confirmation, not a handoff; a person stays one tap away', async () => {
    await harness(undefined, ports)
      .send("I prefer email, please don't call me")
      .assertReply((a) => {
        expect(a.text).toBe('Thanks, I have noted that you prefer to be contacted by email.');
        expect(actionsOf(a)).toEqual([['Talk to a person now', 'I want to talk to a person']]);
      })
      // The next reply answers the next message: no handoff was queued behind the confirmation.
      .send('thanks')
      .assertReply("You're welcome! Is there anything else I can do?")
      .send('I want to talk to a person')
      .assertReply(HANDOFF)
      .startTest();
    await harness(undefined, ports).send('请用电话联系我').assertReply('好的，已为您记下：您希望通过电话联系。').startTest();
  });

  it('comparative tastes and contact phrasings are noted; asking to be phoned is a handoff; a disliked item sent back is a return', async () => {
    await harness(undefined, ports)
      .send("I'm more of a tea person than a coffee person")
      .assertReply((a) => {
        expect(a.text).toBe('Thanks, I have noted that you like tea. In our shop that matches Organic sencha tea, 100 g; Earl Grey tea, 100 g; Jasmine green tea, 100 g.');
        expect(actionsOf(a)[0]?.[0]).toBe('Show me recommendations');
      })
      .send("I'd prefer a phone call")
      .assertReply((a) => {
        expect(a.text).toBe('Thanks, I have noted that you prefer to be contacted by phone.');
        expect(actionsOf(a)).toEqual([['Talk to a person now', 'I want to talk to a person']]);
      })
      .send('please phone me')
      .assertReply(HANDOFF)
      .startTest();
    await harness(undefined, ports).send('短信联系我').assertReply('好的，已为您记下：您希望通过短信联系。').startTest();
    await harness(undefined, ports).send('我要退掉不喜欢的那个杯子').assertReply(textMatching(/30 天内可以退货/)).startTest();
  });

  it('a strongly worded dislike is noted, not handed over for its negative sentiment', async () => {
    const text = 'I really hate scented candles, they are awful';
    expect((await engine.analyze(text)).sentiment.score).toBeLessThanOrEqual(-0.6);
    await harness(undefined, ports)
      .send(text)
      .assertReply((a) => {
        expect(a.text).toBe('Thanks, I have noted that you would rather avoid scented candles.');
        expect(actionsOf(a)).toEqual([]);
      })
      .startTest();
  });

  it('a preference with an order question answers the order', async () => {
    const answer = textMatching(/^Order A10042: shipped \(ordered on \d{4}-\d{2}-\d{2}\)\.$/);
    await harness(undefined, ports).send('I prefer email — where is my order A10042?').assertReply(answer).startTest();
    // Whether the model reads these as a preference on the whole or as the order question, the order is
    // answered (the clause rule itself: test/nlp/understanding.test.ts, on a fixed analysis).
    for (const text of ['I prefer email, and has A10042 shipped yet?', "I like tea. where's A10042"]) {
      await harness(undefined, ports).send(text).assertReply(answer).startTest();
    }
    await harness(undefined, ports).send('我更喜欢邮件联系，订单A10042到哪了').assertReply(textMatching(/^订单 A10042：已发货/)).startTest();
  });

  it('without a catalogue port it thanks without claiming to have noted anything', async () => {
    await harness().send('I love dark roast coffee').assertReply('Thanks for telling me. Is there anything I can help you with?').startTest();
  });

  it('a model that reads a contact channel as a request for a person does not hand over; explicit requests still do', async () => {
    // A small real engine whose training data puts contact sentences under human_agent.
    const rows = [
      ...['contact me please', 'please email me', 'can someone phone me', 'call me back', 'reach me', 'get a person to contact me'].map((text) => ({ text, intent: 'human_agent' })),
      ...['hello', 'hi there', 'good morning', 'hey'].map((text) => ({ text, intent: 'greeting' })),
      ...['where is my parcel', 'track my order', 'order status', 'has my order shipped'].map((text) => ({ text, intent: 'order_status' })),
    ];
    const small = createNlpEngine({ classifier: await IntentClassifier.train(rows, { calibrationFraction: 0 }), sentiment: SentimentAnalyzer.train([]), modelInfo: { id: 'small', dataHash: 'test' } });
    expect((await small.analyze('please contact me by email')).intent.name).toBe('human_agent');
    const state = new ConversationState(new MemoryStorage());
    const dialog = new MainDialog({ recognizer: new NlpRecognizer(small), facts: state.createProperty<ConversationFacts>('facts'), ...ports });
    const accessor = state.createProperty<DialogState>('dialogState');
    await new TestAdapter(async (context) => {
      if (context.activity.type === ActivityTypes.Message) await dialog.run(context, accessor);
      await state.saveChanges(context);
    })
      .send('please contact me by email')
      .assertReply(textMatching(/^Thanks, I have noted that you prefer to be contacted by email\.$/))
      .send('call me back')
      .assertReply(HANDOFF)
      .startTest();
  });
});
