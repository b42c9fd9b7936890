import { extractPreferences, matchCatalogue, type PreferenceVocabulary } from '../../nlp';

/** The demo shop's catalogue (crm/commerce/demo.ts), as the bot passes it in. */
const shop: PreferenceVocabulary = {
  categories: ['kitchen', 'tea', 'home', 'coffee'],
  products: [
    { sku: 'MUG-CLASSIC', name: 'Classic stoneware mug', category: 'kitchen' },
    { sku: 'MUG-TRAVEL', name: 'Insulated travel mug', category: 'kitchen' },
    { sku: 'TEA-SENCHA', name: 'Organic sencha tea, 100 g', category: 'tea' },
    { sku: 'TEA-EARLGREY', name: 'Earl Grey tea, 100 g', category: 'tea' },
    { sku: 'KETTLE-GOOSE', name: 'Gooseneck kettle', category: 'kitchen' },
    { sku: 'BLANKET-WOOL', name: 'Merino wool blanket', category: 'home' },
    { sku: 'CANDLE-CEDAR', name: 'Cedar scented candle', category: 'home' },
    { sku: 'LAMP-DESK', name: 'Brass desk lamp', category: 'home' },
    { sku: 'COFFEE-BEANS', name: 'Single-origin coffee beans, 250 g', category: 'coffee' },
  ],
};

describe('stated preferences', () => {
  it.each([
    ['I love candles', [{ kind: 'likes', term: 'candles', categories: [], skus: ['CANDLE-CEDAR'] }]],
    ['I really like your tea!', [{ kind: 'likes', term: 'tea', categories: ['tea'], skus: ['TEA-SENCHA', 'TEA-EARLGREY'] }]],
    ["I'm a big fan of mugs, but the kettle was late", [{ kind: 'likes', term: 'mugs', categories: [], skus: ['MUG-CLASSIC', 'MUG-TRAVEL'] }]],
    ["don't like plastic", [{ kind: 'dislikes', term: 'plastic', categories: [], skus: [] }]],
    ['I hate wool blankets because they itch', [{ kind: 'dislikes', term: 'wool blankets', categories: [], skus: ['BLANKET-WOOL'] }]],
    ['I prefer email', [{ kind: 'contact', channel: 'email' }]],
    ["I'd rather be contacted by phone", [{ kind: 'contact', channel: 'phone' }]],
    ['please contact me via WhatsApp.', [{ kind: 'contact', channel: 'whatsapp' }]],
    ['我喜欢蜡烛', [{ kind: 'likes', term: '蜡烛', categories: [], skus: ['CANDLE-CEDAR'] }]],
    ['我不喜欢塑料的东西', [{ kind: 'dislikes', term: '塑料', categories: [], skus: [] }]],
    ['我最爱你们的绿茶，但是水壶太贵了', [{ kind: 'likes', term: '绿茶', categories: ['tea'], skus: ['TEA-SENCHA', 'TEA-EARLGREY'] }]],
    ['请用邮件联系我', [{ kind: 'contact', channel: 'email' }]],
    ['我更喜欢电话联系', [{ kind: 'contact', channel: 'phone' }]],
    ["I love candles, but I don't like plastic", [{ kind: 'likes', term: 'candles', categories: [], skus: ['CANDLE-CEDAR'] }, { kind: 'dislikes', term: 'plastic', categories: [], skus: [] }]],
    ['我喜欢蜡烛，请用邮件联系我', [{ kind: 'likes', term: '蜡烛', categories: [], skus: ['CANDLE-CEDAR'] }, { kind: 'contact', channel: 'email' }]],
    // A like withdrawn: the thing alone is the term, so it replaces the earlier like of the same thing.
    ["I don't like candles after all", [{ kind: 'dislikes', term: 'candles', categories: [], skus: ['CANDLE-CEDAR'] }]],
    ["I don't like candles any more after all", [{ kind: 'dislikes', term: 'candles', categories: [], skus: ['CANDLE-CEDAR'] }]],
    ['actually I no longer like tea', [{ kind: 'dislikes', term: 'tea', categories: ['tea'], skus: ['TEA-SENCHA', 'TEA-EARLGREY'] }]],
    ['I love tea now', [{ kind: 'likes', term: 'tea', categories: ['tea'], skus: ['TEA-SENCHA', 'TEA-EARLGREY'] }]],
  ])('%s', (text, expected) => {
    expect(extractPreferences(text, shop)).toEqual(expected);
  });

  it.each([
    'where is my order A10042?',
    'I like it',
    "I'd like to know when it arrives",
    "I don't want to wait any longer",
    "I don't want a refund, just the parcel",
    'I love how fast you answered',
    '我要退货',
    '这个很可爱',
    '',
  ])('finds nothing in %p', (text) => {
    expect(extractPreferences(text, shop)).toEqual([]);
  });

  const TEA = { categories: ['tea'], skus: ['TEA-SENCHA', 'TEA-EARLGREY'] };
  const COFFEE = { categories: ['coffee'], skus: ['COFFEE-BEANS'] };
  it.each([
    // Comparative and indirect likes: the thing preferred, not the one it is compared with.
    ["I'm more of a tea person than a coffee person", [{ kind: 'likes', term: 'tea', ...TEA }]],
    ['we are coffee people', [{ kind: 'likes', term: 'coffee', ...COFFEE }]],
    ['cedar candles are more my thing', [{ kind: 'likes', term: 'cedar candles', categories: [], skus: ['CANDLE-CEDAR'] }]],
    ["I'm really into earl grey", [{ kind: 'likes', term: 'earl grey', categories: [], skus: ['TEA-EARLGREY'] }]],
    ['I prefer wool blankets over cotton ones', [{ kind: 'likes', term: 'wool blankets', categories: [], skus: ['BLANKET-WOOL'] }]],
    ['I love italian coffee', [{ kind: 'likes', term: 'italian coffee', ...COFFEE }]],
    ['我更喜欢红茶', [{ kind: 'likes', term: '红茶', ...TEA }]],
    ['比起咖啡，我更喜欢喝茶', [{ kind: 'likes', term: '茶', ...TEA }]],
    ['蜡烛是我的最爱', [{ kind: 'likes', term: '蜡烛', categories: [], skus: ['CANDLE-CEDAR'] }]],
    ['我是红茶爱好者', [{ kind: 'likes', term: '红茶', ...TEA }]],
    ['我只喝绿茶', [{ kind: 'likes', term: '绿茶', ...TEA }]],
    // Indirect dislikes.
    ['not a fan of instant coffee', [{ kind: 'dislikes', term: 'instant coffee', ...COFFEE }]],
    ["wool blankets just aren't for me", [{ kind: 'dislikes', term: 'wool blankets', categories: [], skus: ['BLANKET-WOOL'] }]],
    ['lamps are not my thing', [{ kind: 'dislikes', term: 'lamps', categories: [], skus: ['LAMP-DESK'] }]],
    ["I'm not keen on scented candles", [{ kind: 'dislikes', term: 'scented candles', categories: [], skus: ['CANDLE-CEDAR'] }]],
    ["I'm not really a coffee person", [{ kind: 'dislikes', term: 'coffee', ...COFFEE }]],
    ["I'd rather avoid plastic", [{ kind: 'dislikes', term: 'plastic', categories: [], skus: [] }]],
    ["I'm allergic to wool", [{ kind: 'dislikes', term: 'wool', categories: [], skus: ['BLANKET-WOOL'] }]],
    ['马克杯不太适合我', [{ kind: 'dislikes', term: '马克杯', categories: [], skus: ['MUG-CLASSIC', 'MUG-TRAVEL'] }]],
    // 不太喜欢 is a dislike (it used to read as 喜欢).
    ['我不太喜欢塑料杯', [{ kind: 'dislikes', term: '塑料杯', categories: [], skus: [] }]],
    ['羊毛毯子我不太感冒', [{ kind: 'dislikes', term: '羊毛毯子', categories: [], skus: ['BLANKET-WOOL'] }]],
    ['我对咖啡不感冒', [{ kind: 'dislikes', term: '咖啡', ...COFFEE }]],
  ])('comparative or indirect: %s', (text, expected) => {
    expect(extractPreferences(text, shop)).toEqual(expected);
  });

  it.each([
    ["I'd prefer a phone call", 'phone'],
    ['text me', 'sms'],
    ['email me please', 'email'],
    ['WhatsApp is best', 'whatsapp'],
    ['SMS is easiest for me', 'sms'],
    ['the best way to reach me is email', 'email'],
    ["I'm easier to reach on WeChat", 'wechat'],
    ["I'd rather you emailed me", 'email'],
    ["I'd rather you called me than emailed", 'phone'],
    ['keep it to chat please, no calls', 'chat'],
    ['reach me by e-mail, not phone', 'email'],
    ['phone calls are better for me than emails', 'phone'],
    ["I'd rather get a text than a phone call", 'sms'],
    ["I don't like phone calls, send me an email instead", 'email'],
    ['I only use email', 'email'],
    ['短信联系我', 'sms'],
    ['比起打电话我更希望发短信', 'sms'],
    ['请发邮件给我，别打电话', 'email'],
    ['别打电话，微信联系我就行', 'wechat'],
    ['微信上更容易找到我', 'wechat'],
    ['联系我最好的方式是邮件', 'email'],
    ['打电话比发邮件更适合我', 'phone'],
    ['我白天不方便接电话，请发微信', 'wechat'],
  ])('contact channel: %s → %s', (text, channel) => {
    expect(extractPreferences(text, shop)).toEqual([{ kind: 'contact', channel }]);
  });

  // "email me the invoice" asks for one thing to be sent; "email me instead" says how to write from now on.
  it.each([
    'email me the invoice',
    'can you text me the tracking number',
    'please email me a copy of the receipt',
    'send me an email with the invoice',
    'email me with the details',
    '发邮件给我发票',
    '请发邮件给我发票',
    '把发票发邮件给我',
  ])('a one-off request to send something is no contact preference: %p', (text) => {
    expect(extractPreferences(text, shop)).toEqual([]);
  });

  it.each([
    ['email me instead', 'email'],
    ['just text me', 'sms'],
    ['email me please', 'email'],
    ['text me when it ships', 'sms'],
    ['email me with updates', 'email'],
    ['text me any updates', 'sms'],
    ["I'd rather you emailed me", 'email'],
    ['contact me by email', 'email'],
    ['send me an email instead', 'email'],
    ['以后用邮件联系我', 'email'],
    ['发邮件给我', 'email'],
    ['发短信给我就好', 'sms'],
    // The second alternative of 发邮件给我|给我发邮件 (it threw a TypeError: the channel is its second group).
    ['给我发邮件', 'email'],
    ['给我发微信吧', 'wechat'],
  ])('a standing way of contact stays one: %s → %s', (text, channel) => {
    expect(extractPreferences(text, shop)).toEqual([{ kind: 'contact', channel }]);
  });

  it.each([
    // Asking to be phoned is a request for a call now (a handoff), not a standing preference.
    'please phone me',
    'call me back please',
    'can you ring me this afternoon',
    '给我打个电话吧',
    "don't call me",
    // Praise, account words, refunds, people and questions are no tastes.
    'the chat is great',
    "I can't use chat on my phone",
    '请用邮箱登录',
    'my email is dana@example.com',
    "I'd prefer a refund",
    'No refund for me?',
    "I'm a busy person",
    'I want to talk to a real person',
    "I'm a dog person",
    'I always get the wrong size',
    '哪款最适合我',
    '我只用了一次就坏了',
  ])('no preference in %p', (text) => {
    expect(extractPreferences(text, shop)).toEqual([]);
  });

  it('keeps weak statements only when they name something in the catalogue; several per message', () => {
    expect(extractPreferences("No more candles please. I prefer email. I love tea", shop)).toEqual([
      { kind: 'dislikes', term: 'candles', categories: [], skus: ['CANDLE-CEDAR'] },
      { kind: 'contact', channel: 'email' },
      { kind: 'likes', term: 'tea', categories: ['tea'], skus: ['TEA-SENCHA', 'TEA-EARLGREY'] },
    ]);
    expect(extractPreferences("I don't want any lamps", shop)).toEqual([{ kind: 'dislikes', term: 'lamps', categories: [], skus: ['LAMP-DESK'] }]);
  });

  it('matches categories and product words, singular or plural, and a caller glossary for other words', () => {
    expect(matchCatalogue('kitchen stuff', shop)).toEqual({ categories: ['kitchen'], skus: [] });
    expect(matchCatalogue('kettles', shop).skus).toEqual(['KETTLE-GOOSE']);
    expect(matchCatalogue('surfboards', shop)).toEqual({ categories: [], skus: [] });
    expect(matchCatalogue('油灯', { ...shop, glossary: { 油灯: 'lamp' } }).skus).toEqual(['LAMP-DESK']);
  });
});
