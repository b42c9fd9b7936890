import { extractPreferences, matchCatalogue, type PreferenceVocabulary } from '../../nlp';

/** The demo shop's catalogue (crm/commerce/demo.ts), as the bot passes it in. */
const shop: PreferenceVocabulary = {
  categories: ['kitchen', 'tea', 'home'],
  products: [
    { sku: 'MUG-CLASSIC', name: 'Classic stoneware mug', category: 'kitchen' },
    { sku: 'MUG-TRAVEL', name: 'Insulated travel mug', category: 'kitchen' },
    { sku: 'TEA-SENCHA', name: 'Organic sencha tea, 100 g', category: 'tea' },
    { sku: 'TEA-EARLGREY', name: 'Earl Grey tea, 100 g', category: 'tea' },
    { sku: 'KETTLE-GOOSE', name: 'Gooseneck kettle', category: 'kitchen' },
    { sku: 'BLANKET-WOOL', name: 'Merino wool blanket', category: 'home' },
    { sku: 'CANDLE-CEDAR', name: 'Cedar scented candle', category: 'home' },
    { sku: 'LAMP-DESK', name: 'Brass desk lamp', category: 'home' },
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
