/**
 * What the bot learns about a customer from their messages: the language they write in, a sentiment
 * trend and the preferences they state. Pure: an observation of one message in, the updated
 * profile out (stored by LearnedProfileStore in customers.attributes.learned).
 */
import { z } from 'zod';

/** Where a learned fact came from: one inbound message of the timeline. */
export interface MessageSource {
  channel: string;
  conversationId: string;
  activityId: string;
  /** The message text (first 200 characters). */
  text: string;
  at: string;
}

export interface LearnedPreference {
  /** The thing as the customer named it, lowercased ("candles", "蜡烛"). */
  term: string;
  /** Catalogue categories and product SKUs it matched (may be empty: "plastic"). */
  categories: string[];
  skus: string[];
  source: MessageSource;
}

export type SentimentTrend = 'improving' | 'declining' | 'steady';

export interface LearnedProfile {
  version: 1;
  /** Messages per detected language; `value` is the most used (ties: the latest). */
  language: { value: string | null; counts: Record<string, number> };
  sentiment: {
    /** Exponentially weighted mean of the scores of messages that express a feeling (−1 … 1), the latest weighing `alpha`. */
    ewma: number | null;
    /** Messages whose sentiment was read (neutral ones included). */
    count: number;
    /** The last scores of messages that express a feeling, oldest first. */
    recent: Array<{ score: number; at: string }>;
    /** Recent half against the earlier half of `recent` (null with fewer than 4 readings). */
    trend: SentimentTrend | null;
  };
  likes: LearnedPreference[];
  dislikes: LearnedPreference[];
  contact: { channel: string; source: MessageSource } | null;
  updatedAt: string;
}

export type ObservedPreference =
  | { kind: 'likes' | 'dislikes'; term: string; categories: string[]; skus: string[] }
  | { kind: 'contact'; channel: string };

export interface MessageObservation {
  /** Detected language when the message says enough to tell (null: too short, only numbers). */
  language: string | null;
  /** Sentiment score −1 … 1, null when not analysed. */
  sentiment: number | null;
  /**
   * Whether the message expresses a feeling (its sentiment is not neutral; default true). Only those
   * shape the mood (mean, recent scores, trend): an order number or an email says nothing of it.
   */
  sentimentExpressed?: boolean;
  preferences: ObservedPreference[];
  source: MessageSource;
}

export interface LearningOptions {
  /** Weight of the newest score in the moving mean (default 0.3). */
  alpha?: number;
  /** Scores kept in `recent` (default 10). */
  keepScores?: number;
  /** Likes and dislikes kept each, newest first (default 30). */
  maxPreferences?: number;
  /** Mean difference between the halves of `recent` that counts as a trend (default 0.2). */
  trendThreshold?: number;
}

const sourceSchema = z.object({ channel: z.string(), conversationId: z.string(), activityId: z.string(), text: z.string(), at: z.string() });
const preferenceSchema = z.object({ term: z.string(), categories: z.array(z.string()), skus: z.array(z.string()), source: sourceSchema });

/** The stored shape, checked on read: a hand-edited or older attribute never breaks a turn. */
export const learnedProfileSchema = z.object({
  version: z.literal(1),
  language: z.object({ value: z.string().nullable(), counts: z.record(z.string(), z.number()) }),
  sentiment: z.object({
    ewma: z.number().nullable(),
    count: z.number().int(),
    recent: z.array(z.object({ score: z.number(), at: z.string() })),
    trend: z.enum(['improving', 'declining', 'steady']).nullable(),
  }),
  likes: z.array(preferenceSchema),
  dislikes: z.array(preferenceSchema),
  contact: z.object({ channel: z.string(), source: sourceSchema }).nullable(),
  updatedAt: z.string(),
});

export function emptyLearnedProfile(): LearnedProfile {
  return { version: 1, language: { value: null, counts: {} }, sentiment: { ewma: null, count: 0, recent: [], trend: null }, likes: [], dislikes: [], contact: null, updatedAt: new Date(0).toISOString() };
}

/** The stored value as a LearnedProfile, or null when absent or not of this shape. */
export function parseLearnedProfile(value: unknown): LearnedProfile | null {
  const parsed = learnedProfileSchema.safeParse(value);
  return parsed.success ? (parsed.data as LearnedProfile) : null;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

export function sentimentTrend(recent: ReadonlyArray<{ score: number }>, threshold = 0.2): SentimentTrend | null {
  if (recent.length < 4) return null;
  const half = Math.floor(recent.length / 2);
  const delta = mean(recent.slice(recent.length - half).map((r) => r.score)) - mean(recent.slice(0, half).map((r) => r.score));
  return delta > threshold ? 'improving' : delta < -threshold ? 'declining' : 'steady';
}

/**
 * The profile after one more message. Never mutates its input. A message can arrive late (learned by
 * the catch-up after newer ones were learned inline): it then counts and scores, but never overrides
 * a newer statement, and its score takes its place in time among the recent ones.
 */
export function learnFrom(profile: LearnedProfile | null, obs: MessageObservation, options: LearningOptions = {}): LearnedProfile {
  const alpha = options.alpha ?? 0.3;
  const keep = options.keepScores ?? 10;
  const maxPrefs = options.maxPreferences ?? 30;
  const base = profile ?? emptyLearnedProfile();
  const at = obs.source.at;
  const late = at < base.updatedAt;
  const next: LearnedProfile = {
    ...base,
    language: { value: base.language.value, counts: { ...base.language.counts } },
    sentiment: { ...base.sentiment, recent: [...base.sentiment.recent] },
    likes: [...base.likes],
    dislikes: [...base.dislikes],
    updatedAt: late ? base.updatedAt : at,
  };

  if (obs.language) {
    const counts = next.language.counts;
    counts[obs.language] = (counts[obs.language] ?? 0) + 1;
    const best = Math.max(...Object.values(counts));
    // Ties go to the language used latest.
    const latest = late && next.language.value && counts[next.language.value] === best ? next.language.value : obs.language;
    next.language.value = counts[latest] === best ? latest : Object.keys(counts).find((k) => counts[k] === best)!;
  }

  if (obs.sentiment !== null && Number.isFinite(obs.sentiment)) next.sentiment.count += 1;
  if (obs.sentiment !== null && Number.isFinite(obs.sentiment) && obs.sentimentExpressed !== false) {
    const s = Math.max(-1, Math.min(1, obs.sentiment));
    const prev = next.sentiment.ewma;
    next.sentiment.ewma = prev === null ? s : alpha * s + (1 - alpha) * prev;
    const recent = [...next.sentiment.recent, { score: s, at }];
    if (late) recent.sort((x, y) => (x.at < y.at ? -1 : x.at > y.at ? 1 : 0));
    next.sentiment.recent = recent.slice(-keep);
    next.sentiment.trend = sentimentTrend(next.sentiment.recent, options.trendThreshold);
  }

  const source = { ...obs.source, text: obs.source.text.slice(0, 200) };
  for (const p of obs.preferences) {
    if (p.kind === 'contact') {
      if (!next.contact || next.contact.source.at <= at) next.contact = { channel: p.channel, source };
      continue;
    }
    const term = p.term.toLowerCase();
    const stated = [...next.likes, ...next.dislikes].find((l) => l.term === term);
    if (stated && stated.source.at > at) continue;
    // A newer statement replaces an older one about the same thing, either way ("changed my mind").
    next.likes = next.likes.filter((l) => l.term !== term);
    next.dislikes = next.dislikes.filter((l) => l.term !== term);
    const entry: LearnedPreference = { term, categories: [...p.categories], skus: [...p.skus], source };
    // Newest first, a late statement in its place.
    const insert = (list: LearnedPreference[]) => {
      const i = list.findIndex((l) => l.source.at <= at);
      return (i < 0 ? [...list, entry] : [...list.slice(0, i), entry, ...list.slice(i)]).slice(0, maxPrefs);
    };
    if (p.kind === 'likes') next.likes = insert(next.likes);
    else next.dislikes = insert(next.dislikes);
  }
  return next;
}

/**
 * Two customers' learned profiles as one (a merge): language counts added, scores interleaved by time,
 * the moving mean weighted by each side's count, and per thing the newer statement (like or dislike).
 */
export function mergeLearnedProfiles(a: LearnedProfile | null, b: LearnedProfile | null, options: LearningOptions = {}): LearnedProfile | null {
  if (!a || !b) return a ?? b;
  const counts: Record<string, number> = { ...a.language.counts };
  for (const [k, n] of Object.entries(b.language.counts)) counts[k] = (counts[k] ?? 0) + n;
  const newer = a.updatedAt >= b.updatedAt ? a : b;
  const best = Math.max(0, ...Object.values(counts));
  const value = newer.language.value && counts[newer.language.value] === best ? newer.language.value : (Object.keys(counts).find((k) => counts[k] === best) ?? null);
  const recent = [...a.sentiment.recent, ...b.sentiment.recent].sort((x, y) => (x.at < y.at ? -1 : x.at > y.at ? 1 : 0)).slice(-(options.keepScores ?? 10));
  const count = a.sentiment.count + b.sentiment.count;
  const weighted = [a, b].filter((p) => p.sentiment.ewma !== null);
  const ewma = weighted.length ? weighted.reduce((sum, p) => sum + p.sentiment.ewma! * p.sentiment.count, 0) / Math.max(1, weighted.reduce((n, p) => n + p.sentiment.count, 0)) : null;
  const statements = [...a.likes.map((p) => ({ kind: 'likes' as const, p })), ...a.dislikes.map((p) => ({ kind: 'dislikes' as const, p })), ...b.likes.map((p) => ({ kind: 'likes' as const, p })), ...b.dislikes.map((p) => ({ kind: 'dislikes' as const, p }))];
  const latest = new Map<string, (typeof statements)[number]>();
  for (const s of statements) {
    const seen = latest.get(s.p.term);
    if (!seen || s.p.source.at > seen.p.source.at) latest.set(s.p.term, s);
  }
  const byTime = [...latest.values()].sort((x, y) => (x.p.source.at > y.p.source.at ? -1 : x.p.source.at < y.p.source.at ? 1 : 0));
  const max = options.maxPreferences ?? 30;
  const contacts = [a.contact, b.contact].filter((c): c is NonNullable<LearnedProfile['contact']> => c !== null).sort((x, y) => (x.source.at > y.source.at ? -1 : 1));
  return {
    version: 1,
    language: { value, counts },
    sentiment: { ewma, count, recent, trend: sentimentTrend(recent, options.trendThreshold) },
    likes: byTime.filter((s) => s.kind === 'likes').map((s) => s.p).slice(0, max),
    dislikes: byTime.filter((s) => s.kind === 'dislikes').map((s) => s.p).slice(0, max),
    contact: contacts[0] ?? null,
    updatedAt: newer.updatedAt,
  };
}
