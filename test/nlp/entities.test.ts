import { extractEntities } from '../../nlp/entities';
import type { Entity } from '../../nlp/types';

// Wednesday 18 November 2026, noon UTC.
const now = new Date('2026-11-18T12:00:00Z');
const products = [
  { id: 'p-aurora', name: 'Aurora Headphones', aliases: ['极光耳机'] },
  { id: 'p-nimbus', name: 'Nimbus Kettle', aliases: ['云朵水壶'] },
];
const en = (t: string) => extractEntities(t, { language: 'en', now, products });
const zh = (t: string) => extractEntities(t, { language: 'zh', now, products });
const ofType = (es: Entity[], type: Entity['type']) => es.filter((e) => e.type === type);

describe('entities', () => {
  test('spans index into the input text', () => {
    const text = 'Order #A12345 cost $49.99';
    for (const e of en(text)) expect(text.slice(e.start, e.end)).toBe(e.text);
  });

  test('order numbers (en)', () => {
    expect(ofType(en('where is order #A12345?'), 'order_number')).toEqual([
      { type: 'order_number', text: '#A12345', start: 15, end: 22, value: 'A12345' },
    ]);
    expect(ofType(en('my order number: 1002334 is late'), 'order_number')[0].value).toBe('1002334');
    expect(ofType(en('please cancel ORD-55821'), 'order_number')[0].value).toBe('ORD55821');
    expect(ofType(en('it was B-77812'), 'order_number')[0].value).toBe('B77812');
    // plain short numbers and words are not order numbers
    expect(ofType(en('I bought 2 items for my order'), 'order_number')).toEqual([]);
  });

  test('order numbers (zh)', () => {
    expect(ofType(zh('订单号是A12345，还没发货'), 'order_number')[0]).toMatchObject({ text: 'A12345', value: 'A12345' });
    expect(ofType(zh('订单1002334到哪了'), 'order_number')[0].value).toBe('1002334');
  });

  test('emails are lowercased', () => {
    const [e] = ofType(en('write to Anna.Lee@Example.COM please'), 'email');
    expect(e).toMatchObject({ text: 'Anna.Lee@Example.COM', value: 'anna.lee@example.com' });
    expect(ofType(zh('我的邮箱是wang.li@example.cn'), 'email')[0].value).toBe('wang.li@example.cn');
  });

  test('phones become E.164-ish', () => {
    expect(ofType(en('call me on +1 (415) 555-0134'), 'phone')[0].value).toBe('+14155550134');
    expect(ofType(en('my number is 415-555-0134'), 'phone')[0].value).toBe('+14155550134');
    expect(ofType(en('UK: +44 20 7946 0958'), 'phone')[0].value).toBe('+442079460958');
    expect(ofType(zh('电话13812345678'), 'phone')[0].value).toBe('+8613812345678');
    expect(ofType(zh('打138-1234-5678找我'), 'phone')[0].value).toBe('+8613812345678');
  });

  test('money amounts (en)', () => {
    expect(ofType(en('I was charged $49.99 twice'), 'money')[0].value).toEqual({ amountMinor: 4999, currency: 'USD' });
    expect(ofType(en('refund 30 dollars'), 'money')[0].value).toEqual({ amountMinor: 3000, currency: 'USD' });
    expect(ofType(en('it cost €15.50'), 'money')[0].value).toEqual({ amountMinor: 1550, currency: 'EUR' });
    expect(ofType(en('a charge of GBP 1,200'), 'money')[0].value).toEqual({ amountMinor: 120000, currency: 'GBP' });
  });

  test('money amounts (zh)', () => {
    expect(ofType(zh('扣了299元'), 'money')[0].value).toEqual({ amountMinor: 29900, currency: 'CNY' });
    expect(ofType(zh('多扣了我25块'), 'money')[0].value).toEqual({ amountMinor: 2500, currency: 'CNY' });
    expect(ofType(zh('付了一百二十元'), 'money')[0].value).toEqual({ amountMinor: 12000, currency: 'CNY' });
    expect(ofType(zh('价格是¥88.8'), 'money')[0].value).toEqual({ amountMinor: 8880, currency: 'CNY' });
  });

  test('relative and absolute dates (en)', () => {
    const d = (t: string) => ofType(en(t), 'date').map((e) => (e.value as { date: string }).date);
    expect(d('it was due yesterday')).toEqual(['2026-11-17']);
    expect(d('deliver tomorrow or the day after tomorrow')).toEqual(['2026-11-19', '2026-11-20']);
    expect(d('I ordered last Monday')).toEqual(['2026-11-16']);
    expect(d('can it come next Friday')).toEqual(['2026-11-20']);
    expect(d('ordered 3 days ago')).toEqual(['2026-11-15']);
    expect(d('bought on May 3rd, 2025')).toEqual(['2025-05-03']);
    expect(d('placed 2026-11-02')).toEqual(['2026-11-02']);
    expect(d('placed 11/02/2026')).toEqual(['2026-11-02']);
  });

  test('relative and absolute dates (zh)', () => {
    const d = (t: string) => ofType(zh(t), 'date').map((e) => (e.value as { date: string }).date);
    expect(d('我上周一买的')).toEqual(['2026-11-09']);
    expect(d('昨天下的单')).toEqual(['2026-11-17']);
    expect(d('前天付的款，明天能到吗')).toEqual(['2026-11-16', '2026-11-19']);
    expect(d('下周五之前')).toEqual(['2026-11-27']);
    expect(d('3天前发货')).toEqual(['2026-11-15']);
    expect(d('2025年5月3日下单')).toEqual(['2025-05-03']);
    expect(d('11月2号买的')).toEqual(['2026-11-02']);
  });

  test('products from the catalog, with aliases and plurals', () => {
    expect(ofType(en('are the aurora headphones noise cancelling?'), 'product')[0]).toMatchObject({
      text: 'aurora headphones',
      value: { id: 'p-aurora', name: 'Aurora Headphones' },
    });
    expect(ofType(en('two Nimbus Kettles please'), 'product')[0].value).toEqual({ id: 'p-nimbus', name: 'Nimbus Kettle' });
    expect(ofType(en('my Aurora headphone is broken'), 'product')[0].text).toBe('Aurora headphone');
    // the same catalog object is reused across calls (compiled patterns are cached)
    expect(ofType(en('aurora-headphones'), 'product')[0].value).toEqual({ id: 'p-aurora', name: 'Aurora Headphones' });
    expect(ofType(zh('我买的极光耳机坏了'), 'product')[0].value).toEqual({ id: 'p-aurora', name: 'Aurora Headphones' });
    // no catalog, no products
    expect(extractEntities('aurora headphones', { language: 'en', now })).toEqual([]);
  });

  test('a mixed sentence yields each entity once, in order', () => {
    const es = zh('我上周一买的极光耳机还没到，订单号是A12345，扣了299元，电话13812345678，邮箱a@b.co');
    expect(es.map((e) => e.type)).toEqual(['date', 'product', 'order_number', 'money', 'phone', 'email']);
  });
});
