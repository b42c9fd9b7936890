/**
 * A customer withdrawing or giving back their consent to personalisation in chat: "stop personalising",
 * "don't use my data for recommendations", "stop tracking me", 不要再给我个性化推荐, 别用我的数据做推荐 —
 * and the reverse, "you can personalise again", 可以恢复个性化推荐. A rule on the words, not an intent of
 * the model: it is a command, said in many ways around the same few words, and a misread either way
 * would do what the customer did not ask. Pure: text in, the request (or null) out.
 */

export type PersonalisationRequest = 'withdraw' | 'grant';

const PERSONALISE = String.raw`personali[sz](?:e|es|ed|ing|ation)`;
/** What the data would be used for: recommendations, personalisation, profiling, ads. */
const FOR_PURPOSE = String.raw`(?:for|to|in)\s+(?:\w+\s+){0,2}?(?:recommend\w*|suggest\w*|${PERSONALISE}|profil\w*|target\w*|advert\w*|ads|marketing)`;
const NEGATION = String.raw`(?:don['’]?t|do not|dont|never|stop|quit|no longer|not)`;

const WITHDRAW_EN = new RegExp(
  [
    // "stop personalising (my recommendations)", "don't personalise", "no longer personalise"
    String.raw`\b${NEGATION}\s+(?:\w+\s+){0,2}?${PERSONALISE}\b`,
    // "don't use my data for recommendations", "stop using my data to personalise", "do not use my personal information for ads"
    String.raw`\b${NEGATION}\s+(?:\w+\s+)?us(?:e|ing)\s+my\s+(?:personal\s+)?(?:data|information|info|history|purchases|browsing)\s+${FOR_PURPOSE}`,
    // "stop tracking me", "don't track me", "stop profiling me"
    String.raw`\b${NEGATION}\s+(?:\w+\s+)?(?:track|tracking|profile|profiling|follow(?:ing)?)\s+me\b`,
    // "no (more) personalised recommendations", "I don't want personalised ads"
    String.raw`\b(?:no|no more|without|don['’]?t want|do not want|not want)\s+(?:any\s+)?(?:more\s+)?${PERSONALISE}\s+(?:recommendations?|suggestions?|ads|offers|content)\b`,
    // "turn off personalisation", "switch personalisation off", "opt out of personalisation"
    String.raw`\b(?:turn|switch|shut)\s+(?:off\s+(?:the\s+)?${PERSONALISE}|(?:the\s+)?${PERSONALISE}\s+off)\b`,
    String.raw`\b(?:disable|opt(?:\s+|-)?out\s+of)\s+(?:the\s+)?${PERSONALISE}\b`,
  ].join('|'),
  'i',
);

const GRANT_EN = new RegExp(
  [
    // "you can personalise again", "please personalise my recommendations again", "start personalising again"
    String.raw`\b${PERSONALISE}\b[^.!?]{0,40}\bagain\b`,
    // "resume / restart / re-enable / turn back on personalisation"
    String.raw`\b(?:resume|restart|re-?enable|enable|reactivate|turn on|switch on|bring back)\s+(?:the\s+)?${PERSONALISE}\b`,
    String.raw`\b(?:turn|switch)\s+(?:the\s+)?${PERSONALISE}\s+(?:back\s+)?on\b`,
    String.raw`\bopt(?:\s+|-)?(?:back\s+)?in(?:to)?\s+(?:to\s+)?(?:the\s+)?${PERSONALISE}\b`,
    // "you can use my data for recommendations again", "it's ok to use my data for recommendations"
    String.raw`\b(?:you\s+(?:can|may)|ok(?:ay)?\s+to|fine\s+to|allowed\s+to)\s+(?:\w+\s+)?use\s+my\s+(?:personal\s+)?(?:data|information|info|history|purchases)\s+${FOR_PURPOSE}`,
  ].join('|'),
  'i',
);

/** 不要/别/停止 … 个性化 (推荐) / 用我的数据 (做推荐) / 追踪我. */
const WITHDRAW_ZH = new RegExp(
  [
    '(?:不要|别|不用|不许|不准|请勿|勿|停止|关闭|关掉|取消)[^，。！？,.!?]{0,6}个性化',
    '(?:不要|别|不许|不准|请勿|勿|停止)[^，。！？,.!?]{0,4}(?:用|使用|利用)我的(?:个人)?(?:数据|信息|资料|记录)',
    '(?:不要|别|停止|不许|不准)[^，。！？,.!?]{0,3}(?:追踪|跟踪|监视)我',
  ].join('|'),
);

/** 恢复/重新开启/打开 个性化, 可以 (再) 个性化 / 用我的数据做推荐. */
const GRANT_ZH = new RegExp(
  [
    '(?:恢复|重新(?:开启|打开|启用)?|开启|打开|启用)[^，。！？,.!?]{0,4}个性化',
    '可以(?:再|继续|重新)?[^，。！？,.!?]{0,4}(?:个性化|(?:用|使用|利用)我的(?:个人)?(?:数据|信息|资料)(?:做|来|进行)?推荐)',
  ].join('|'),
);

/**
 * What a message asks of personalisation: `withdraw` (stop using my data for recommendations and
 * learning), `grant` (you may again), or null (neither). A withdrawal said with a negation wins over
 * the words of a grant in the same message ("don't personalise again").
 */
export function personalisationRequestIn(text: string): PersonalisationRequest | null {
  if (WITHDRAW_EN.test(text) || WITHDRAW_ZH.test(text)) return 'withdraw';
  if (GRANT_EN.test(text) || GRANT_ZH.test(text)) return 'grant';
  return null;
}
