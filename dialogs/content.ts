import type { Language } from './recognizer';

/** Every sentence the bot says, per language. Operators can replace this table. */
export const content = {
  en: {
    welcome: "Hi, I'm Concierge, the virtual assistant. I can help with orders, returns, your account and our products. Type 'help' to see what I can do.",
    helpPrompt: 'What can I help you with?',
    helpTopics: ['Orders', 'Returns', 'Account', 'Something else'],
    helpAnswers: {
      Orders: 'I can look up an order for you: tell me the order number (for example #A12345) and I will check its status.',
      Returns: 'You can return most items within 30 days of delivery. Tell me the order number and I will start the return.',
      Account: 'I can help you sign in, reset your password or update your details. What would you like to do?',
      'Something else': 'Tell me in a few words what you need, and I will do my best, or connect you with a person.',
    } as Record<string, string>,
    greeting: 'Hello! How can I help you today?',
    thanks: "You're welcome! Is there anything else I can do?",
    goodbye: 'Goodbye, and thanks for visiting!',
    fallback: "Sorry, I didn't quite get that. Could you say it another way? You can also type 'help'.",
    handoff: 'I will connect you with a member of our team.',
    error: 'Sorry, something went wrong on our side. Please try again in a moment.',
  },
  zh: {
    welcome: '您好，我是 Concierge 智能助手。我可以帮您处理订单、退货、账户和产品问题。输入“帮助”查看我能做什么。',
    helpPrompt: '请问需要什么帮助？',
    helpTopics: ['订单', '退货', '账户', '其他'],
    helpAnswers: {
      订单: '我可以帮您查询订单：请告诉我订单号（例如 #A12345），我来查看状态。',
      退货: '大多数商品在签收后 30 天内可以退货。请告诉我订单号，我来为您办理。',
      账户: '我可以帮您登录、重置密码或更新资料。您想做什么？',
      其他: '请简单描述您的需求，我会尽力帮忙，或为您转接人工客服。',
    } as Record<string, string>,
    greeting: '您好！今天有什么可以帮您？',
    thanks: '不客气！还有其他可以帮您的吗？',
    goodbye: '再见，感谢您的光临！',
    fallback: '抱歉，我没有完全理解。可以换个说法吗？也可以输入“帮助”。',
    handoff: '我将为您转接人工客服。',
    error: '抱歉，我们这边出了点问题，请稍后再试。',
  },
} satisfies Record<Language, unknown>;

export type Content = (typeof content)['en'];

export function textsFor(language: Language | undefined): Content {
  return language === 'zh' ? (content.zh as unknown as Content) : content.en;
}
