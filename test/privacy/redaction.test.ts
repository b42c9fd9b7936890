import { maskForLog, passesIbanCheck, passesLuhn, redactSensitive } from '../../crm/privacy';

describe('passesLuhn / passesIbanCheck', () => {
  it.each(['4111111111111111', '5500000000000004', '378282246310005', '4222222222222', '6011111111111117', '30569309025904', '3530111333300000', '4000056655665556'])(
    'accepts the test card number %s',
    (n) => expect(passesLuhn(n)).toBe(true),
  );
  it.each(['4111111111111112', '5500000000000005', '1234567890123456', '12a4'])('refuses %s', (n) => expect(passesLuhn(n)).toBe(false));

  it.each(['DE89370400440532013000', 'GB29NWBK60161331926819', 'FR1420041010050500013M02606', 'NL91ABNA0417164300', 'CH9300762011623852957', 'BE68539007547034'])(
    'accepts the IBAN %s',
    (iban) => expect(passesIbanCheck(iban)).toBe(true),
  );
  it.each(['DE89370400440532013001', 'GB28NWBK60161331926819', 'DE8937040044'])('refuses %s', (iban) => expect(passesIbanCheck(iban)).toBe(false));
});

describe('redactSensitive: payment cards', () => {
  it.each([
    ['4111111111111111', '[card •••• 1111]'],
    ['4111 1111 1111 1111', '[card •••• 1111]'],
    ['4111-1111-1111-1111', '[card •••• 1111]'],
    ['my card is 5500 0000 0000 0004, please refund', 'my card is [card •••• 0004], please refund'],
    ['Amex 3782 822463 10005 expired', 'Amex [card •••• 0005] expired'],
    ['old Visa 4222222222222.', 'old Visa [card •••• 2222].'],
    ['Diners 30569309025904', 'Diners [card •••• 5904]'],
    ['card: 4111111111111111!', 'card: [card •••• 1111]!'],
    ['(4111 1111 1111 1111)', '([card •••• 1111])'],
  ])('masks %j', (input, expected) => {
    expect(redactSensitive(input)).toBe(expected);
  });

  it('masks card numbers inside Chinese text, with or without spaces around them', () => {
    expect(redactSensitive('我的卡号是4111111111111111，谢谢')).toBe('我的卡号是[card •••• 1111]，谢谢');
    expect(redactSensitive('卡号 6011 1111 1111 1117 被扣款两次')).toBe('卡号 [card •••• 1117] 被扣款两次');
  });

  it('masks card numbers typed with full-width digits or ideographic spaces (Chinese and Japanese input methods)', () => {
    expect(redactSensitive('卡号４１１１１１１１１１１１１１１１谢谢')).toBe('卡号[card •••• 1111]谢谢');
    expect(redactSensitive('卡号 4111\u30001111\u30001111\u30001111')).toBe('卡号 [card •••• 1111]');
    expect(redactSensitive('订单号１００４２')).toBe('订单号１００４２');
  });

  it('masks several cards in one message, also when they stand next to each other', () => {
    expect(redactSensitive('first 4111 1111 1111 1111 then 5500-0000-0000-0004 and 378282246310005')).toBe(
      'first [card •••• 1111] then [card •••• 0004] and [card •••• 0005]',
    );
    expect(redactSensitive('4111 1111 1111 1111 5500 0000 0000 0004')).toBe('[card •••• 1111] [card •••• 0004]');
    expect(redactSensitive('4111111111111111,5500000000000004')).toBe('[card •••• 1111],[card •••• 0004]');
  });

  it('keeps the last four digits and nothing else of the number', () => {
    const out = redactSensitive('pay with 4000 0566 5566 5556 now');
    expect(out).toContain('5556');
    expect(out.replace(/\D/g, '')).toBe('5556');
  });

  it('is idempotent', () => {
    const once = redactSensitive('card 4111 1111 1111 1111, IBAN DE89 3704 0044 0532 0130 00');
    expect(redactSensitive(once)).toBe(once);
  });

  it.each([
    ['Luhn-failing 16 digits', '4111 1111 1111 1112'],
    ['Luhn-failing block', '1234567890123456'],
    ['12 digits (too short)', '411111111111'],
    ['20 digits (too long)', '41111111111111111111'],
    ['an order number', 'where is my order A10042?'],
    ['an order number with a long code', 'order ORD-4111111111111111'],
    ['a digit code after letters', 'ref X4111111111111111'],
    ['all zeros (passes Luhn, no card)', '0000 0000 0000 0000'],
    ['a date', 'delivered on 2026-12-07, ordered 07/12/2026'],
    ['two dates in a row', '2026-12-07 2026-12-08'],
    ['an amount', 'I paid $1,234.56 and ¥12,345.00 and 1 234 567,89 €'],
    ['a decimal with many digits', '3.141592653589793238'],
    ['a Chinese mobile number', '请打 138 0013 8000 或 13800138000'],
    ['an international phone number', 'call +86 138 0013 8000 or +44 20 7946 0958 or +1 (415) 555-2671'],
    ['a phone number with an international prefix', '0086 138 0013 8000'],
    ['a 13-digit phone number after a plus', '+4915112345678'],
    ['an email', 'dana.smith@example.com'],
    ['a time', '10:31:07'],
    ['a mixed separator run', '4111 1111-1111 1111'],
  ])('leaves %s unchanged', (_what, input) => {
    expect(redactSensitive(input)).toBe(input);
  });
});

describe('redactSensitive: IBANs', () => {
  it.each([
    ['DE89370400440532013000', '[IBAN •••• 3000]'],
    ['DE89 3704 0044 0532 0130 00', '[IBAN •••• 3000]'],
    ['refund to GB29 NWBK 6016 1331 9268 19 please', 'refund to [IBAN •••• 6819] please'],
    ['IBAN: fr14 2004 1010 0505 0001 3m02 606', 'IBAN: [IBAN •••• 2606]'],
    ['NL91ABNA0417164300.', '[IBAN •••• 4300].'],
    ['BE68 5390 0754 7034 THANKS', '[IBAN •••• 7034] THANKS'],
    ['CH93 0076 2011 6238 5295 7 CASH', '[IBAN •••• 2957] CASH'],
    ['退款到 DE89370400440532013000 谢谢', '退款到 [IBAN •••• 3000] 谢谢'],
    ['two: DE89370400440532013000 and BE68539007547034', 'two: [IBAN •••• 3000] and [IBAN •••• 7034]'],
  ])('masks %j', (input, expected) => {
    expect(redactSensitive(input)).toBe(expected);
  });

  it.each([
    ['too short', 'DE89 3704 0044'],
    ['words after letters and digits', 'ab12 this that them with'],
    ['a postcode and street', 'SW1A 1AA London'],
    ['a product code', 'SKU AB12CD34EF56GH'],
  ])('leaves %s unchanged', (_what, input) => {
    expect(redactSensitive(input)).toBe(input);
  });

  it('does not take an IBAN with a wrong check digit for one', () => {
    expect(redactSensitive('DE89 3704 0044 0532 0130 01')).not.toContain('[IBAN');
    expect(redactSensitive('DE89370400440532013001')).toBe('DE89370400440532013001');
  });

  it('masks the IBAN whole, not a Luhn-valid run of its digits', () => {
    const out = redactSensitive('DE89 3704 0044 0532 0130 00');
    expect(out).not.toContain('[card');
  });
});

describe('maskForLog', () => {
  it('masks emails keeping the first character and the domain', () => {
    expect(maskForLog('from dana@example.com and x.y+z@mail.example.co.uk')).toBe('from d***@example.com and x***@mail.example.co.uk');
  });

  it.each([
    ['+1 (415) 555-2671', '[phone ••71]'],
    ['+86 138 0013 8000', '[phone ••00]'],
    ['+4915112345678', '[phone ••78]'],
    ['13800138000', '[phone ••00]'],
    ['call 138-0013-8001 now', 'call [phone ••01] now'],
    ['(020) 7946 0958', '[phone ••58]'],
  ])('masks the phone number in %j', (input, expected) => {
    expect(maskForLog(input)).toBe(expected);
  });

  it('masks cards and IBANs as redactSensitive does', () => {
    expect(maskForLog('card 4111 1111 1111 1111, IBAN DE89370400440532013000')).toBe('card [card •••• 1111], IBAN [IBAN •••• 3000]');
  });

  it.each([
    'order A10042 shipped',
    'at 2026-12-07T09:31:31.000Z',
    'took 1234567 ms',
    'from 192.168.100.200',
    'ticket 3f2a1234-5678-4abc-9def-012345678901',
    'relation "messages" violates constraint',
    'amount 1,234.56',
    'Key (customer_id)=(42) is not present',
  ])('leaves %j unchanged', (input) => {
    expect(maskForLog(input)).toBe(input);
  });

  it('masks everything of one message at once', () => {
    const out = maskForLog('I am dana@example.com, +44 20 7946 0958, card 5500-0000-0000-0004, order A10042');
    expect(out).toBe('I am d***@example.com, [phone ••58], card [card •••• 0004], order A10042');
  });
});
