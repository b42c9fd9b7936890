import { conversationSentiment, namesBillingProblem, problemStatement, reportsBillingProblem, type UnderstoodMessage } from '../../nlp';

describe('a reported billing problem', () => {
  it.each([
    'I was charged twice, this is outrageous',
    'I was charged twice for order A10042, something looks wrong',
    'I was billed double this month',
    'there are two charges on my card',
    'I was overcharged for my last order',
    'you charged me the wrong amount',
    'the amount on my invoice is wrong',
    'charged but no order',
    'you took the money but I never got an order confirmation',
    'my refund has not arrived yet',
    "I haven't got my refund yet",
    'still no refund after two weeks',
    'why is there a charge on my credit card statement I do not recognise',
    '我被重复扣款了',
    '扣了两次钱',
    '扣款金额不对',
    '付款了但是没有订单',
    '我付了钱但是没收到订单确认',
    '退款还没到账',
    '还是没有收到退款',
  ])('names one: %s', (text) => {
    expect(namesBillingProblem(text)).toBe(true);
  });

  it.each([
    'where can I download my invoices?',
    'how do I update my payment method',
    'do you accept paypal',
    'can I pay twice a month',
    'I paid for express shipping',
    'how do I send back a jacket that does not fit and get my money back',
    'I want a refund for order A10042, the kettle arrived broken',
    '我想下载发票',
    '怎么修改支付方式',
  ])('is no problem: %s', (text) => {
    expect(namesBillingProblem(text)).toBe(false);
  });

  it('a billing message reports one when it names it or is upset; a refund message only when it says the money never came', () => {
    const neutral = { label: 'neutral' } as const;
    const negative = { label: 'negative' } as const;
    expect(reportsBillingProblem({ text: 'I was charged twice', intent: 'billing', sentiment: neutral })).toBe(true);
    expect(reportsBillingProblem({ text: 'this invoice makes no sense to me at all', intent: 'billing', sentiment: negative })).toBe(true);
    expect(reportsBillingProblem({ text: 'where can I download my invoices?', intent: 'billing', sentiment: neutral })).toBe(false);
    expect(reportsBillingProblem({ text: 'I still have not received my refund', intent: 'return_refund', sentiment: neutral })).toBe(true);
    expect(reportsBillingProblem({ text: 'how do I return a jacket', intent: 'return_refund', sentiment: negative })).toBe(false);
    expect(reportsBillingProblem({ text: 'I was charged twice', intent: 'order_status', sentiment: negative })).toBe(false);
  });
});

describe('what a conversation says together', () => {
  const m = (text: string, intent: string, score: number, ranking = [{ name: intent, confidence: 0.9 }]): UnderstoodMessage => ({
    text,
    intent,
    ranking,
    sentiment: { label: score <= -0.15 ? 'negative' : score >= 0.15 ? 'positive' : 'neutral', score },
  });

  it('the problem is stated by the latest message that names a need, not by the request for a person', () => {
    const conversation = [m('hello', 'greeting', 0.1), m('I was charged twice, this is outrageous', 'billing', -0.5), m('I want to talk to a human', 'human_agent', 0.02, [{ name: 'human_agent', confidence: 1 }])];
    expect(problemStatement(conversation)?.text).toBe('I was charged twice, this is outrageous');
    // The ticket's topic wins over a later message about something else.
    expect(problemStatement([...conversation, m('where is my order A10042?', 'order_status', 0)], 'billing')?.text).toBe('I was charged twice, this is outrageous');
    // A request for a person that names its topic states the problem itself.
    const named = m('I want to talk to a person, I was charged twice', 'human_agent', -0.3, [{ name: 'human_agent', confidence: 1 }, { name: 'billing', confidence: 0.8 }]);
    expect(problemStatement([m('hello', 'greeting', 0.1), named])?.text).toBe(named.text);
    expect(problemStatement([m('hello', 'greeting', 0.1), m('I want to talk to a human', 'human_agent', 0, [{ name: 'human_agent', confidence: 1 }])])).toBeUndefined();
  });

  it('the sentiment is the mean of the messages that express one (not greetings)', () => {
    expect(conversationSentiment([m('你好', 'greeting', 0.33), m('I was charged twice, this is outrageous', 'billing', -0.5), m('I want to talk to a human', 'human_agent', 0.02)])).toBe(-0.5);
    expect(conversationSentiment([m('this is awful', 'complaint', -0.6), m('thanks for the quick answer', 'thanks', 0.2), m('A10042', 'order_status', 0)])).toBe(-0.2);
    expect(conversationSentiment([m('ok', 'thanks', 0.1), m('A10042', 'order_status', -0.04)])).toBe(0.03);
    expect(conversationSentiment([])).toBe(0);
  });
});
