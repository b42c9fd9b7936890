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
    handoffQueued: 'I am connecting you with a member of our team (ticket #{ticket}). You are number {position} in the queue; someone will be with you shortly.',
    handoffAssigned: 'I am connecting you with a member of our team (ticket #{ticket}). {agent} will be with you in a moment.',
    otherLanguage: 'Sorry, I can only help in English and Chinese, so I am getting a member of our team for you.',
    stillQueued: 'Thanks, I have added that to your ticket. You are number {position} in the queue; someone will be with you shortly.',
    handedBack: 'You are back with the virtual assistant. Write here if you need anything else.',
    resolved: 'Your request has been marked as resolved. If you need anything else, just write here.',
    csatTitle: 'How did we do?',
    csatQuestion: 'How would you rate the help you got with ticket #{ticket}?',
    csatChoices: ['1 – Very poor', '2 – Poor', '3 – OK', '4 – Good', '5 – Excellent'],
    csatRatingRequired: 'Please choose a rating from 1 to 5.',
    csatCommentLabel: 'Anything you would like to add? (optional)',
    csatSubmit: 'Send rating',
    csatThanks: 'Thank you for your rating!',
    csatDuplicate: 'Thanks, we already have your rating for this request.',
    csatInvalid: 'Sorry, I could not read that rating. Please choose a number from 1 to 5 and send it again.',
    csatNotOpen: 'Sorry, that survey is not open in this conversation any more.',
    pendingReminder: 'Just checking in on ticket #{ticket}: we are waiting for your reply. If we do not hear from you, we will close the ticket.',
    autoClosed: 'We have closed ticket #{ticket} because we did not hear back. If you still need help, just write here.',
    reopenedAssigned: 'Welcome back: I have reopened ticket #{ticket}. {agent} will be with you shortly.',
    reopenedQueued: 'Welcome back: I have reopened ticket #{ticket}. You are number {position} in the queue; someone will be with you shortly.',
    didYouMean: 'Did you mean {a} or {b}?',
    neither: 'Something else',
    askOrderNumber: 'Sure. What is your order number? (for example #A12345)',
    orderNumberRetry: 'I could not find an order number in that. It looks like #A12345; what is yours?',
    orderFound: 'Order {order}: {status}{eta}.',
    orderNotFound: 'I could not find order {order}. Please check the number, or I can connect you with a person.',
    orderLookupUnavailable: 'Thanks, order {order} is noted. I cannot look orders up right now, so I will connect you with a person if you need more.',
    orderFoundDetails: 'Order {order}: {status}{eta}. Items: {items}. Total: {total}.',
    orderProofOffer: 'If this is your order, tell me the email address you used for it and I can show you the items and total.',
    proofOffer: 'If you tell me your email address and one of your order numbers, I can link this chat to your account.',
    proofAskEmail: 'Sure, I can link this chat to your account. What email address do you use for your orders?',
    proofAskEmailForOrder: 'To confirm it is your order, what email address did you use for it?',
    proofEmailRetry: 'That does not look like an email address (like name@example.com). What is yours?',
    proofAskOrderNumber: 'Thanks. And the number of one of your orders? (for example #A12345)',
    proofLinked: 'Thanks, you are verified: I have linked this chat to your account.',
    proofLinkedNamed: 'Thanks, {name}, you are verified: I have linked this chat to your account.',
    proofAlreadyLinked: 'Thanks, this chat is already linked to your account.',
    proofMismatch: "I couldn't match those details. Please check the email address and the order number, or I can connect you with a person.",
    proofRateLimited: "I'm sorry, I can't check any more details in this conversation right now. Please try again in an hour, or I can connect you with a person.",
    proofUnavailable: "I can't check account details right now. Please try again later, or I can connect you with a person.",
    proofGaveUp: 'No problem, we can leave that for now. What else can I help you with?',
    recommendationsForYou: 'Here are a few picks for you, based on what you bought before:',
    recommendationsPopular: 'I do not know your purchases yet, so here is what other customers like right now:',
    /** No purchases known, but the customer told the bot what they like. */
    recommendationsLiked: 'Here are a few picks for you, based on what you told me you like:',
    /** Both: some cards from the customer's purchases, some from what they said they like. */
    recommendationsLikedAndBought: 'Here are a few picks for you, based on what you told me you like and what you bought before:',
    recommendationsNone: 'I have no suggestions right now. Tell me what you are looking for and I will help you find it.',
    /** Consent to personalisation withdrawn: popular items, said as such. */
    recommendationsNotPersonalised: 'As you asked, these are not personalised: here is what other customers like right now.',
    /** "stop personalising" and the like, in chat: what now holds, and how to undo it. */
    personalisationWithdrawn: 'Done: I have stopped personalising for you. I will not learn from your messages, and recommendations will be what is popular with everyone rather than picks based on your data. Say "you can personalise again" whenever you like.',
    personalisationAlreadyWithdrawn: 'Personalisation is already off for you: I do not learn from your messages, and recommendations are what is popular with everyone. Say "you can personalise again" whenever you like.',
    personalisationGranted: 'Done: personalisation is back on. From now on I will learn from your messages again, and recommendations can be based on what you tell me and what you buy. Say "stop personalising" to turn it off.',
    personalisationAlreadyGranted: 'Personalisation is already on for you. Say "stop personalising" if you would rather I did not use your data for recommendations.',
    personalisationUnavailable: 'Sorry, I cannot change that setting in this chat right now. Please try again later, or I can connect you with a person.',
    /** A stated preference while personalisation is off: nothing is recorded, and the reply says so. */
    preferenceNotRecorded: 'Thanks for telling me. As you asked, I am not personalising for you, so I have not recorded it. Say "you can personalise again" if you would like me to.',
    recommendationBecauseBought: 'Because you bought {item}',
    recommendationBecauseViewed: 'Because you looked at {item}',
    /** {term}: the customer's own word for what they like. */
    recommendationBecauseLiked: 'Because you said you like {term}',
    recommendationForYou: 'Recommended for you',
    recommendationPopularIn: 'Popular in {category}',
    recommendationPopularNow: 'Popular right now',
    recommendationButton: 'Tell me more',
    recommendationAsk: 'Tell me more about {item}',
    /** Heading of the product list the timeline (agent console) stores with a carousel. */
    recommendationsShown: 'Shown:',
    /** A product's details from the catalogue: {name}, {price}, then its description and facts. */
    productDetails: '{name}: {price}.',
    productFacts: '{facts}.',
    productFact: '{name}: {value}',
    productFactSeparator: '; ',
    productUnavailable: 'It is no longer available.',
    productSentenceBreak: ' ',
    /** A stated preference: {list} is the statements below joined; {term} is the customer's own words. */
    preferenceNoted: 'Thanks, I have noted that {list}.',
    preferenceLikes: 'you like {term}',
    preferenceDislikes: 'you would rather avoid {term}',
    preferenceContact: 'you prefer to be contacted by {channel}',
    preferenceListSeparator: ', ',
    preferenceListLast: ' and ',
    preferenceMatches: 'In our shop that matches {items}.',
    /** Between the confirmation and the matches sentence (Chinese sentences need no space). */
    preferenceSentenceBreak: ' ',
    preferenceThanks: 'Thanks for telling me. Is there anything I can help you with?',
    preferenceShowPicks: 'Show me recommendations',
    /** What the button sends: a sentence the bot reads as asking for recommendations. */
    preferenceShowPicksAsk: 'What would you recommend?',
    preferenceTalkToPerson: 'Talk to a person now',
    preferenceTalkToPersonAsk: 'I want to talk to a person',
    /** Data-subject requests (privacyRequestDialog): {request} is the request's number, {due} its deadline as a date. */
    privacyUnavailable: 'I cannot file requests about your personal data in this chat. Please ask a member of our team, who can.',
    privacyAskKind: 'I can help with your personal data. Would you like a copy of the data we hold about you, or would you like us to delete it?',
    privacyChooseExport: 'A copy of my data',
    privacyChooseErasure: 'Delete my data',
    privacyCancel: 'Cancel',
    privacyNothingFiled: 'All right, I have not filed any request. What else can I help you with?',
    privacyProofNeededErasure: 'Before I file a deletion request, I need to check that you are the account holder.',
    privacyProofNeededExport: 'Before I file a request for a copy of your data, I need to check that you are the account holder.',
    privacyNotProven: 'Without checking who you are I cannot file a request about your personal data, so none has been made. You can try again at any time, or I can connect you with a person.',
    /** A message from someone whose data was erased at their request, in the conversation it was erased from: nothing of it is kept. */
    erasedCustomer: 'Your personal data was deleted at your request, so this conversation has ended and I have not kept what you just wrote. To contact us again, please start a new conversation (on our website, reload the chat).',
    privacyErasureWhat: '{erasureScope} This cannot be undone. Shall I file the deletion request?',
    privacyErasureScope:
      "Deleting your data removes what we hold about you: your profile and contact details, this chat and your other conversations with us, the texts of your tickets, your orders, what you looked at in our shop, what we learned from your messages, the recommendations we showed you and the comments you left with your ratings. Our reports and our team's scores keep their counts and ratings, with nothing that identifies you, and we keep a record that your request was carried out.",
    privacyConfirmErasure: 'Yes, delete my data',
    privacyErasureCancelled: 'All right, nothing will be deleted and no request has been filed.',
    privacyErasureFiled: 'Your deletion request {request} is filed. It will be completed by {due} at the latest, and I will tell you here when it is done.',
    privacyErasureAlreadyOpen: 'You already have a deletion request open ({request}); it will be completed by {due} at the latest. I have not filed a second one.',
    privacyExportFiled: 'Your request for a copy of your data ({request}) is filed. It will be ready by {due} at the latest, and I will tell you here when it is.',
    privacyExportAlreadyOpen: 'You already have a request for a copy of your data open ({request}); it will be ready by {due} at the latest. I have not filed a second one.',
    privacyErasureDone: 'Your deletion request {request} is complete: we have deleted the personal data we held about you. This chat is no longer linked to any account.',
    privacyExportDone:
      'Your copy of your data ({request}) is ready. For your safety we do not send personal data in chat: our privacy team gives it to you once they have checked it is you. Ask here to talk to a person and mention {request}.',
    contactChannelNames: { email: 'email', phone: 'phone', sms: 'text message', chat: 'chat', whatsapp: 'WhatsApp', wechat: 'WeChat' } as Record<string, string>,
    intentNames: {
      order_status: 'checking an order', cancel_order: 'cancelling an order', return_refund: 'a return or refund', billing: 'a billing question',
      account_access: 'signing in to your account', update_details: 'updating your details', technical_issue: 'a technical problem',
      product_question: 'a product question', recommendation: 'a recommendation', shipping_info: 'shipping', complaint: 'a complaint',
      human_agent: 'talking to a person', subscription: 'your subscription', feedback: 'giving feedback', privacy_request: 'your personal data',
      greeting: 'saying hello', goodbye: 'saying goodbye', thanks: 'saying thanks', preference: 'telling us what you like',
    } as Record<string, string>,
    answers: {
      cancel_order: 'Orders can be cancelled until they ship. Tell me the order number, or open Orders > Cancel in your account.',
      return_refund: 'You can return most items within 30 days of delivery. Start a return from Orders > Return in your account; refunds reach your card 3–5 business days after we receive the item.',
      billing: 'You can see every charge and download invoices under Account > Billing. If something looks wrong, tell me and I will connect you with our billing team.',
      account_access: 'To get back into your account, use "Forgot password" on the sign-in page; the reset link is valid for one hour. If the email does not arrive, check your spam folder.',
      update_details: 'You can change your name, email, phone and addresses under Account > Details. Email changes are confirmed by a link sent to the new address.',
      technical_issue: 'Sorry about that. Please try refreshing the page or updating the app; if it still fails, tell me what you see and I will connect you with our technical team.',
      product_question: 'Every product page lists sizes, materials and care instructions. Tell me which product you mean and what you would like to know.',
      recommendation: 'I can suggest products you might like. Tell me what you are looking for, or browse our bestsellers.',
      shipping_info: 'Standard delivery takes 3–5 business days and is free over 50 EUR; express delivery takes 1–2 days. We ship to the EU, the UK and Switzerland.',
      subscription: 'You can pause, change or cancel your subscription any time under Account > Subscription; changes apply from the next billing date.',
      feedback: 'Thank you for your feedback: it goes straight to our team.',
      privacy_request: 'I can file a request for a copy of the personal data we hold about you, or for its deletion. I will check who you are first.',
    } as Record<string, string>,
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
    handoffQueued: '正在为您转接人工客服（工单 #{ticket}）。您前面还有 {position} 位（含您），客服会尽快为您服务。',
    handoffAssigned: '正在为您转接人工客服（工单 #{ticket}）。{agent} 马上为您服务。',
    otherLanguage: '抱歉，我目前只能用中文和英文为您服务，正在为您转接人工客服。',
    stillQueued: '好的，已补充到您的工单。您目前排在第 {position} 位，客服会尽快为您服务。',
    handedBack: '您已回到智能助手。如有其他需要，请随时留言。',
    resolved: '您的问题已标记为已解决。如有其他需要，请随时留言。',
    csatTitle: '服务评价',
    csatQuestion: '您对工单 #{ticket} 的服务满意吗？请打分。',
    csatChoices: ['1 – 非常不满意', '2 – 不满意', '3 – 一般', '4 – 满意', '5 – 非常满意'],
    csatRatingRequired: '请选择 1 到 5 之间的评分。',
    csatCommentLabel: '还有什么想告诉我们的吗？（选填）',
    csatSubmit: '提交评价',
    csatThanks: '感谢您的评价！',
    csatDuplicate: '谢谢，我们已经收到您对此工单的评价。',
    csatInvalid: '抱歉，无法识别该评分。请选择 1 到 5 之间的数字后重新提交。',
    csatNotOpen: '抱歉，该评价在此对话中已不再开放。',
    pendingReminder: '关于工单 #{ticket}：我们正在等待您的回复。如未收到回复，我们将关闭该工单。',
    autoClosed: '由于未收到您的回复，工单 #{ticket} 已关闭。如仍需帮助，请随时留言。',
    reopenedAssigned: '欢迎回来：工单 #{ticket} 已重新打开，{agent} 马上为您服务。',
    reopenedQueued: '欢迎回来：工单 #{ticket} 已重新打开。您目前排在第 {position} 位，客服会尽快为您服务。',
    didYouMean: '您是想问{a}，还是{b}？',
    neither: '其他问题',
    askOrderNumber: '好的，请问您的订单号是多少？（例如 #A12345）',
    orderNumberRetry: '没有找到订单号。订单号类似 #A12345，请问您的是？',
    orderFound: '订单 {order}：{status}{eta}。',
    orderNotFound: '没有找到订单 {order}。请核对订单号，或者我可以为您转接人工客服。',
    orderLookupUnavailable: '已记录订单 {order}。目前无法查询订单，如需进一步帮助我可以为您转接人工客服。',
    orderFoundDetails: '订单 {order}：{status}{eta}。商品：{items}。合计：{total}。',
    orderProofOffer: '如果这是您的订单，请告诉我下单时使用的邮箱地址，我可以为您显示商品和金额。',
    proofOffer: '如果您告诉我邮箱地址和一个订单号，我可以把本次对话关联到您的账户。',
    proofAskEmail: '好的，我可以把本次对话关联到您的账户。请问您下单时使用的邮箱地址是？',
    proofAskEmailForOrder: '为确认这是您的订单，请告诉我下单时使用的邮箱地址。',
    proofEmailRetry: '这看起来不像邮箱地址（例如 name@example.com），请问您的邮箱是？',
    proofAskOrderNumber: '谢谢。请再提供您的一个订单号（例如 #A12345）。',
    proofLinked: '谢谢，验证成功：已将本次对话关联到您的账户。',
    proofLinkedNamed: '谢谢 {name}，验证成功：已将本次对话关联到您的账户。',
    proofAlreadyLinked: '谢谢，本次对话已关联到您的账户。',
    proofMismatch: '抱歉，无法匹配您提供的信息。请核对邮箱地址和订单号，或者我可以为您转接人工客服。',
    proofRateLimited: '抱歉，本次对话暂时无法再核对信息。请一小时后再试，或者我可以为您转接人工客服。',
    proofUnavailable: '目前无法核对账户信息，请稍后再试，或者我可以为您转接人工客服。',
    proofGaveUp: '没关系，我们先不验证。还有什么可以帮您？',
    recommendationsForYou: '根据您之前的购买，为您挑选了这些商品：',
    recommendationsPopular: '我还不了解您的购买记录，这些是其他顾客现在喜欢的商品：',
    recommendationsLiked: '根据您告诉我的喜好，为您挑选了这些商品：',
    recommendationsLikedAndBought: '根据您告诉我的喜好和之前的购买，为您挑选了这些商品：',
    recommendationsNone: '暂时没有可推荐的商品。请告诉我您在找什么，我来帮您找。',
    recommendationsNotPersonalised: '按照您的要求，以下推荐未做个性化：这些是其他顾客现在喜欢的商品。',
    personalisationWithdrawn: '好的，已为您关闭个性化：我不会再从您的消息中学习，推荐也只会是大家都喜欢的热门商品，不再基于您的数据。想恢复时，请说“可以恢复个性化推荐”。',
    personalisationAlreadyWithdrawn: '您的个性化已经是关闭的：我不会从您的消息中学习，推荐是大家都喜欢的热门商品。想恢复时，请说“可以恢复个性化推荐”。',
    personalisationGranted: '好的，已为您恢复个性化：从现在起我会重新从您的消息中学习，推荐也可以基于您告诉我的喜好和购买记录。想关闭时，请说“不要再给我个性化推荐”。',
    personalisationAlreadyGranted: '您的个性化已经是开启的。如果不希望我用您的数据做推荐，请说“不要再给我个性化推荐”。',
    personalisationUnavailable: '抱歉，目前无法在本次对话中更改这项设置。请稍后再试，或者我可以为您转接人工客服。',
    preferenceNotRecorded: '谢谢您告诉我。按照您的要求，我没有为您做个性化，所以没有记录这条喜好。如果希望我记录，请说“可以恢复个性化推荐”。',
    recommendationBecauseBought: '因为您购买过{item}',
    recommendationBecauseViewed: '因为您浏览过{item}',
    recommendationBecauseLiked: '因为您说喜欢{term}',
    recommendationForYou: '为您推荐',
    recommendationPopularIn: '{category}类热销',
    recommendationPopularNow: '当前热销',
    recommendationButton: '了解详情',
    recommendationAsk: '介绍一下{item}',
    recommendationsShown: '已展示：',
    productDetails: '{name}：{price}。',
    productFacts: '{facts}。',
    productFact: '{name}：{value}',
    productFactSeparator: '；',
    productUnavailable: '该商品已下架。',
    productSentenceBreak: '',
    preferenceNoted: '好的，已为您记下：{list}。',
    preferenceLikes: '您喜欢{term}',
    preferenceDislikes: '您不喜欢{term}',
    preferenceContact: '您希望通过{channel}联系',
    preferenceListSeparator: '；',
    preferenceListLast: '；',
    preferenceMatches: '本店相关商品：{items}。',
    preferenceSentenceBreak: '',
    preferenceThanks: '谢谢您告诉我。还有什么可以帮您？',
    preferenceShowPicks: '看看推荐',
    preferenceShowPicksAsk: '有什么推荐的吗？',
    preferenceTalkToPerson: '现在转人工',
    preferenceTalkToPersonAsk: '转人工',
    privacyUnavailable: '本对话无法提交个人数据相关申请，请联系我们的客服人员为您办理。',
    privacyAskKind: '我可以帮您处理个人数据。您是想获取我们所持有的您的数据副本，还是希望我们删除这些数据？',
    privacyChooseExport: '导出我的数据副本',
    privacyChooseErasure: '删除我的数据',
    privacyCancel: '取消',
    privacyNothingFiled: '好的，我没有提交任何申请。还有什么可以帮您？',
    privacyProofNeededErasure: '提交删除申请前，我需要先核实您是账户本人。',
    privacyProofNeededExport: '提交数据副本申请前，我需要先核实您是账户本人。',
    privacyNotProven: '未能核实您的身份，因此无法提交个人数据申请，也没有创建任何申请。您可以随时再试，或者我可以为您转接人工客服。',
    erasedCustomer: '您的个人数据已按您的要求删除，因此本次对话已结束，您刚才发送的内容也没有保留。如需再次联系我们，请开始新的对话（在我们的网站上，请重新加载聊天窗口）。',
    privacyErasureWhat: '{erasureScope}此操作无法撤销。确认提交删除申请吗？',
    privacyErasureScope:
      '删除后，我们将清除所持有的您的数据：您的资料和联系方式、本次及以往与我们的对话、您工单中的文字、您的订单、您在本店的浏览记录、我们从您的消息中了解到的信息、向您展示过的推荐以及您在评价中留下的意见。我们的报表和团队评分只保留统计数字和评分，不含任何可识别您的信息；我们还会保留一条已执行您申请的记录。',
    privacyConfirmErasure: '确认删除我的数据',
    privacyErasureCancelled: '好的，不会删除任何数据，也没有提交申请。',
    privacyErasureFiled: '您的删除申请 {request} 已提交，最迟将于 {due} 前完成；完成后我会在这里通知您。',
    privacyErasureAlreadyOpen: '您已有一个处理中的删除申请（{request}），最迟将于 {due} 前完成。我没有重复提交。',
    privacyExportFiled: '您的数据副本申请（{request}）已提交，最迟将于 {due} 前准备好；准备好后我会在这里通知您。',
    privacyExportAlreadyOpen: '您已有一个处理中的数据副本申请（{request}），最迟将于 {due} 前准备好。我没有重复提交。',
    privacyErasureDone: '您的删除申请 {request} 已完成：我们已删除所持有的您的个人数据。本次对话已不再关联任何账户。',
    privacyExportDone: '您的数据副本（{request}）已准备好。为保护您的安全，我们不会在聊天中发送个人数据：我们的隐私团队核实您的身份后会将其交给您。请在这里要求转人工客服，并提供编号 {request}。',
    contactChannelNames: { email: '邮件', phone: '电话', sms: '短信', chat: '在线聊天', whatsapp: 'WhatsApp', wechat: '微信' } as Record<string, string>,
    intentNames: {
      order_status: '查询订单', cancel_order: '取消订单', return_refund: '退货退款', billing: '账单问题', account_access: '登录账户',
      update_details: '修改资料', technical_issue: '技术问题', product_question: '产品咨询', recommendation: '商品推荐', shipping_info: '配送信息',
      complaint: '投诉', human_agent: '人工客服', subscription: '订阅', feedback: '意见反馈', privacy_request: '个人数据',
      greeting: '打招呼', goodbye: '告别', thanks: '致谢', preference: '告诉我们您的偏好',
    } as Record<string, string>,
    answers: {
      cancel_order: '订单在发货前都可以取消。请告诉我订单号，或在账户的“订单 > 取消”中操作。',
      return_refund: '大多数商品在签收后 30 天内可以退货。请在账户的“订单 > 退货”中发起；我们收到商品后 3–5 个工作日内退款到原支付方式。',
      billing: '您可以在“账户 > 账单”中查看所有扣款并下载发票。如果有异常，请告诉我，我为您转接账单团队。',
      account_access: '如无法登录，请在登录页点击“忘记密码”，重置链接一小时内有效。如未收到邮件，请检查垃圾邮件箱。',
      update_details: '您可以在“账户 > 资料”中修改姓名、邮箱、电话和地址。修改邮箱需点击发送到新邮箱的确认链接。',
      technical_issue: '很抱歉给您带来不便。请刷新页面或更新应用；如果仍有问题，请描述您看到的情况，我为您转接技术团队。',
      product_question: '每个商品页面都有尺寸、材质和保养说明。请告诉我是哪件商品，以及您想了解什么。',
      recommendation: '我可以为您推荐商品。请告诉我您在找什么，或者看看我们的热销商品。',
      shipping_info: '标准配送需 3–5 个工作日，满 50 欧元包邮；加急配送 1–2 天。我们配送至欧盟、英国和瑞士。',
      subscription: '您可以随时在“账户 > 订阅”中暂停、修改或取消订阅，变更从下一个扣费日起生效。',
      feedback: '感谢您的反馈，我们会转达给团队。',
      privacy_request: '我可以为您提交导出个人数据副本或删除个人数据的申请。提交前需要先核实您的身份。',
    } as Record<string, string>,
  },
} satisfies Record<Language, unknown>;

export type Content = (typeof content)['en'];

/** Fills {placeholders}. */
export function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (m, k: string) => (k in values ? String(values[k]) : m));
}

/** The built-in sentences (used when no catalog is given, e.g. in unit tests). */
export function textsFor(language: Language | undefined): Content {
  return language === 'zh' ? (content.zh as unknown as Content) : content.en;
}

export type ContentOverrides = Partial<Record<Language, Partial<Record<keyof Content, unknown>>>>;

/**
 * Everything the bot says, per language: the built-in table with an operator's overrides on top
 * (CONTENT_FILE, JSON `{"en": {"answers": {"shipping_info": "…"}}, "zh": {…}}`). Nested tables such as
 * `answers` are merged key by key, so a file changes only what it names.
 */
export class ContentCatalog {
  private readonly tables: Record<Language, Content>;

  constructor(overrides: ContentOverrides = {}) {
    this.tables = { en: merge(content.en, overrides.en), zh: merge(content.zh as unknown as Content, overrides.zh) };
  }

  static fromFile(file: string | undefined, read: (file: string) => string): ContentCatalog {
    if (!file) return new ContentCatalog();
    let parsed: unknown;
    try {
      parsed = JSON.parse(read(file));
    } catch (err) {
      throw new Error(`CONTENT_FILE ${file}: ${(err as Error).message}`);
    }
    if (!parsed || typeof parsed !== 'object') throw new Error(`CONTENT_FILE ${file}: must be a JSON object with "en" and/or "zh"`);
    for (const key of Object.keys(parsed)) if (key !== 'en' && key !== 'zh') throw new Error(`CONTENT_FILE ${file}: unknown language "${key}" (en, zh)`);
    return new ContentCatalog(parsed as ContentOverrides);
  }

  texts(language: Language | undefined): Content {
    return language === 'zh' ? this.tables.zh : this.tables.en;
  }
}

function merge(base: Content, over: Partial<Record<keyof Content, unknown>> | undefined): Content {
  if (!over) return base;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (!(key in base)) throw new Error(`CONTENT_FILE: unknown entry "${key}"`);
    const current = (base as unknown as Record<string, unknown>)[key];
    if (typeof current === 'string' && typeof value !== 'string') throw new Error(`CONTENT_FILE: "${key}" must be text`);
    out[key] = current && typeof current === 'object' && !Array.isArray(current) && value && typeof value === 'object' ? { ...current, ...value } : value;
  }
  return out as unknown as Content;
}
