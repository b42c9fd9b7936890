/**
 * A customer reporting something wrong with what they paid (a double charge, a wrong amount, a charge
 * without an order, a refund that never came), as opposed to asking how billing works ("where are my
 * invoices?"). Pure: the words of the message and the understanding's intent and sentiment.
 */
import type { Sentiment } from './types';

/** Money taken that should not have been, or not given back: the words that report it, in English. */
const PROBLEM_EN = new RegExp(
  [
    String.raw`\b(?:charged|billed|debited|invoiced|paid)\s+(?:me\s+|us\s+)?(?:\w+\s+)?(?:twice|two times|2 times|double|2x|three times|again|too much|more than)\b`,
    String.raw`\bdouble[- ]?(?:charged?|billed|billing|payments?|debit(?:ed)?)\b`,
    String.raw`\b(?:two|2|duplicate)\s+(?:charges|payments|debits|transactions)\b`,
    String.raw`\bover-?(?:charged?|billed|billing)\b`,
    String.raw`\b(?:wrong|incorrect)\s+(?:amount|charge|price|total|sum)\b`,
    String.raw`\b(?:amount|charge|price|total|invoice|bill)\b[^.!?]{0,25}\b(?:is|was|looks|seems)\s+(?:wrong|incorrect|too high)\b`,
    String.raw`\bcharged\s+(?:me\s+)?(?:the\s+)?(?:wrong|incorrect)\b`,
    // "charged but no order", "took the money but I never got an order"
    String.raw`\b(?:charged|paid|billed|took (?:the|my) money|money (?:was )?taken)\b[^.!?]{0,40}\b(?:no|never|without|didn'?t|did not|haven'?t|have not|not)\b[^.!?]{0,20}\b(?:order|receive[d]?|get|got|arrived?|confirmation)\b`,
    // "my refund has not arrived", "refund still not received"
    String.raw`\brefund\b[^.!?]{0,30}\b(?:not|never|still|yet|hasn'?t|haven'?t|didn'?t|isn'?t|wasn'?t)\b[^.!?]{0,20}\b(?:arrived?|received|come|came|through|there|back|showed?|shown|processed)\b`,
    String.raw`\b(?:not|never|haven'?t|hasn'?t|didn'?t|did not|have not|has not|yet to)\s+(?:(?:yet|still|even|ever|actually)\s+)?(?:receive[d]?|get|got|gotten|seen)\s+(?:my|the|a|any)?\s*(?:money back|refund)\b`,
    String.raw`\bstill no (?:refund|money back)\b`,
    String.raw`\bunauthori[sz]ed\s+(?:charges?|payments?|transactions?|debits?)\b`,
    String.raw`\b(?:charges?|payments?|transactions?)\b[^.!?]{0,40}\b(?:don'?t|do not|didn'?t|did not)\s+recogni[sz]e\b`,
  ].join('|'),
  'i',
);

/** The same in Chinese: 重复扣款, 扣了两次, 多扣, 金额不对, 付了钱没有订单, 没收到退款, 退款还没到. */
const PROBLEM_ZH = new RegExp(
  [
    '重复(?:扣款|扣费|收费|付款|支付)',
    '(?:扣|收|付)了(?:两|二|2|三|3)次',
    '(?:多扣|多收|乱扣|错扣|扣错|收错|盗刷)',
    '(?:扣款|扣费|收费|金额|价格|账单|发票)[^，。！？,.!?]{0,6}(?:不对|错误|有误|错了|不一致)',
    '(?:付了钱|付了款|付款了|已付款|扣了钱|扣款了|钱扣了)[^。！？.!?]{0,10}(?:没|未|没有)',
    '(?:没|未|没有|还没)(?:有)?(?:收到|到账|退回)[^，。！？,.!?]{0,4}(?:退款|钱)',
    '退款[^，。！？,.!?]{0,6}(?:还没|没有|未|没)(?:到|收到|到账|退回|处理)',
  ].join('|'),
);

export interface BillingReading {
  text: string;
  intent: string;
  sentiment: Pick<Sentiment, 'label'>;
}

/** Whether the words of a message report a problem with a charge or a refund (in English or Chinese). */
export function namesBillingProblem(text: string): boolean {
  return PROBLEM_EN.test(text) || PROBLEM_ZH.test(text);
}

/**
 * A billing problem reported: a billing message that is upset or names what went wrong, or a refund
 * message that says the money never came back (the model may read that as a return). Such a customer
 * needs the billing team, not the text about where invoices are.
 */
export function reportsBillingProblem(u: BillingReading): boolean {
  if (u.intent === 'billing') return u.sentiment.label === 'negative' || namesBillingProblem(u.text);
  if (u.intent === 'return_refund') return namesBillingProblem(u.text);
  return false;
}
