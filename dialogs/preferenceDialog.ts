import { MessageFactory } from 'botbuilder-core';
import type { CardAction } from 'botbuilder-core';
import { ComponentDialog, WaterfallDialog } from 'botbuilder-dialogs';
import type { WaterfallStepContext } from 'botbuilder-dialogs';
import { ContentCatalog, fill, type Content } from './content';
import type { Language } from './recognizer';
import { recommendCategoryValue } from './recommendationDialog';
import type { PersonalisationConsentPort } from './personalisationDialog';

export const PREFERENCE_DIALOG = 'preference';
/** Catalogue products named in the confirmation (the recommendation carousel shows more). */
const MATCHES_SHOWN = 3;

/** One preference a message states, matched to the shop's catalogue where it names something in it. */
export type StatedPreference =
  | { kind: 'likes' | 'dislikes'; term: string; categories: string[]; products: Array<{ sku: string; name: string }> }
  | { kind: 'contact'; channel: string };

/** Reads stated preferences (the bot wiring implements it with nlp's extractPreferences and the catalogue). */
export interface PreferencePort {
  statedIn(text: string): Promise<StatedPreference[]>;
}

export interface PreferenceDialogOptions {
  language: Language;
  /** The customer's message. */
  text: string;
}

export interface PreferenceDialogResult {
  noted: StatedPreference[];
}

/** A like that names something the shop sells: worth offering recommendations for. */
function likesSomethingWeSell(p: StatedPreference): boolean {
  return p.kind === 'likes' && (p.products.length > 0 || p.categories.length > 0);
}

/**
 * "Thanks, I have noted that you like tea and that you prefer to be contacted by email. In our shop: …":
 * what was understood, in the customer's language (their own words for the things, our names for the
 * matching products).
 */
export function preferenceConfirmation(noted: readonly StatedPreference[], t: Content): string {
  const parts = noted.map((p) =>
    p.kind === 'contact'
      ? fill(t.preferenceContact, { channel: t.contactChannelNames[p.channel] ?? p.channel })
      : fill(p.kind === 'likes' ? t.preferenceLikes : t.preferenceDislikes, { term: p.term }),
  );
  const list = parts.length > 1 ? `${parts.slice(0, -1).join(t.preferenceListSeparator)}${t.preferenceListLast}${parts[parts.length - 1]}` : parts[0];
  const sentence = fill(t.preferenceNoted, { list });
  const liked = noted.filter(likesSomethingWeSell) as Array<Extract<StatedPreference, { kind: 'likes' | 'dislikes' }>>;
  const products = [...new Map(liked.flatMap((p) => p.products).map((p) => [p.sku, p.name])).values()];
  const matches = products.length ? products.slice(0, MATCHES_SHOWN) : [...new Set(liked.flatMap((p) => p.categories))];
  return matches.length ? `${sentence}${t.preferenceSentenceBreak}${fill(t.preferenceMatches, { items: matches.join('; ') })}` : sentence;
}

/**
 * "Show me recommendations": for a liked category, a messageBack whose value names it (the main dialog
 * then shows that category's products); for a like of products only ("I love candles"), the plain
 * question, whose list already puts the liked products first. Either way the text is a question the
 * bot reads as asking for recommendations, so a channel that drops the value still gets an answer.
 */
function showPicksAction(noted: readonly StatedPreference[], t: Content): CardAction {
  const category = noted.flatMap((p) => (p.kind === 'likes' ? p.categories : []))[0];
  if (!category) return { type: 'imBack', title: t.preferenceShowPicks, value: t.preferenceShowPicksAsk };
  return { type: 'messageBack', title: t.preferenceShowPicks, text: t.preferenceShowPicksAsk, displayText: t.preferenceShowPicksAsk, value: recommendCategoryValue(category) };
}

/**
 * A stated preference ("I love dark roast coffee", "please email me rather than call", 我喜欢绿茶):
 * confirms what was noted (the bot's learner records it in the customer's profile), offers
 * recommendations when a like names something in the catalogue, and for a contact channel offers a
 * person in case the customer did want to be contacted now.
 */
export class PreferenceDialog extends ComponentDialog {
  constructor(
    private readonly preferences?: PreferencePort,
    private readonly content: ContentCatalog = new ContentCatalog(),
    /** Consent to personalisation: when withdrawn nothing is recorded, so the reply must not say it was noted. */
    private readonly personalisation?: PersonalisationConsentPort,
  ) {
    super(PREFERENCE_DIALOG);
    this.addDialog(new WaterfallDialog('preferenceSteps', [this.confirm.bind(this)]));
    this.initialDialogId = 'preferenceSteps';
  }

  private async confirm(step: WaterfallStepContext) {
    const { language, text } = step.options as PreferenceDialogOptions;
    const t = this.content.texts(language);
    if (this.personalisation && !(await this.personalisation.allowed(step.context))) {
      await step.context.sendActivity(t.preferenceNotRecorded);
      return step.endDialog({ noted: [] } satisfies PreferenceDialogResult);
    }
    const noted = this.preferences ? await this.preferences.statedIn(text) : [];
    if (noted.length === 0) {
      // The classifier heard a preference the rules cannot name ("I'm more of a tea person"): nothing is recorded, so promise nothing.
      await step.context.sendActivity(t.preferenceThanks);
      return step.endDialog({ noted } satisfies PreferenceDialogResult);
    }
    const actions: CardAction[] = [];
    if (noted.some(likesSomethingWeSell)) actions.push(showPicksAction(noted, t));
    if (noted.some((p) => p.kind === 'contact')) actions.push({ type: 'imBack', title: t.preferenceTalkToPerson, value: t.preferenceTalkToPersonAsk });
    const confirmation = preferenceConfirmation(noted, t);
    await step.context.sendActivity(actions.length ? MessageFactory.suggestedActions(actions, confirmation) : MessageFactory.text(confirmation));
    return step.endDialog({ noted } satisfies PreferenceDialogResult);
  }
}
