/** dialogs/: conversation flows. Uses botbuilder-dialogs; reaches the NLP, tickets and orders through ports. */
export { MainDialog, MAIN_DIALOG, welcomeActivity } from './mainDialog';
export type { MainDialogOptions, ConversationFacts } from './mainDialog';
export { HelpDialog, HELP_DIALOG } from './helpDialog';
export { OrderStatusDialog, ORDER_STATUS_DIALOG } from './orderStatusDialog';
export type { OrderLookupPort, OrderSummary, OrderStatusResult } from './orderStatusDialog';
export { VerifyIdentityDialog, VERIFY_IDENTITY_DIALOG, proofDetailsIn } from './verifyIdentityDialog';
export type { IdentityProof, IdentityProofOutcome, IdentityProofPort, VerifyIdentityOptions, VerifyIdentityResult } from './verifyIdentityDialog';
export { RecommendationDialog, RECOMMENDATION_DIALOG, RECOMMENDATION_CARD_COUNT, RECOMMEND_CATEGORY_TYPE, TIMELINE_SUMMARY_FIELD, formatPrice, recommendCategoryValue, recommendationCategoryIn, shownSummary } from './recommendationDialog';
export type { RecommendationPort, RecommendedProduct, RecommendationDialogOptions } from './recommendationDialog';
export { PreferenceDialog, PREFERENCE_DIALOG, preferenceConfirmation } from './preferenceDialog';
export type { PreferencePort, StatedPreference, PreferenceDialogOptions, PreferenceDialogResult } from './preferenceDialog';
export type { HandoffPort, HandoffOutcome, HandoffTrigger } from './handoffPort';
export { KeywordRecognizer, contentLanguage, languageOf } from './recognizer';
export type { Recognizer, Understanding, Language } from './recognizer';
export { content, textsFor, fill, ContentCatalog } from './content';
export type { Content, ContentOverrides } from './content';
