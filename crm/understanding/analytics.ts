/**
 * Bot analytics for supervisors, built from what was stored (message_understandings, messages,
 * tickets, intent_labels), never from counters: outcomes and their reasons per local day, intents
 * by volume and per day, conversations the bot handled alone, the confidence distribution of each
 * model version, and the messages the bot did not understand. Days are the support team's
 * (SUPPORT_TIME_ZONE). Definitions: crm/understanding/README.md.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db';
import { CrmError } from '../errors';
import { queryRows } from '../commerce/rows';
import { daysOf, DEFAULT_TIME_ZONE } from '../calendar';
import type { Period } from '../scores';
import { UNDERSTANDING_OUTCOMES, type UnderstandingOutcome } from '../schema';

export const CONFIDENCE_BINS = 10;

export interface OutcomeCounts {
  messages: number;
  answered: number;
  clarified: number;
  not_understood: number;
  handed_over: number;
  other_language: number;
  /** Stored before the turn decided (or the turn failed). */
  undecided: number;
}

export interface OutcomeRates {
  /** not_understood / messages. */
  fallback: number | null;
  clarification: number | null;
  handover: number | null;
  otherLanguage: number | null;
  answered: number | null;
}

export interface ConversationCounts {
  /** Conversations with at least one understood customer message in the period. */
  conversations: number;
  /** No person involved (no hand-over, no ticket open then) and at least one message answered. */
  resolvedByBot: number;
  /** A hand-over in the period, or a ticket of the conversation open during it. */
  withPerson: number;
  /** No person and nothing answered: the customer left without an answer. */
  unanswered: number;
}

export interface BotOverview {
  period: Period;
  timeZone: string;
  totals: OutcomeCounts & { rates: OutcomeRates };
  days: Array<{ day: string } & OutcomeCounts & { rates: OutcomeRates }>;
  conversations: ConversationCounts & { resolvedByBotRate: number | null; days: Array<{ day: string } & ConversationCounts> };
  /** By outcome: its reasons (outcome_reason) with counts, most frequent first. */
  reasons: Partial<Record<UnderstandingOutcome, Array<{ reason: string; count: number }>>>;
  /** Intents by volume (most first), each with its count per day (same order as `days`). */
  intents: Array<{ intent: string; total: number; share: number; days: number[] }>;
  /** Per model version: how confident it was (CONFIDENCE_BINS equal bins of [0, 1]). */
  confidence: Array<{ modelVersion: string; messages: number; mean: number; bins: number[]; decision: string | null; active: boolean | null }>;
}

export interface NotUnderstoodMessage {
  messageId: string;
  text: string;
  language: string;
  at: Date;
  channel: string;
  conversationId: string;
  /** The bot's best guess and its confidence. */
  intent: string;
  confidence: number;
  reason: string | null;
  modelVersion: string;
  /** The conversation's latest ticket, if it has one. */
  ticket: { id: string; number: number } | null;
  /** The latest label of the message, if someone labelled it. */
  label: { intent: string; source: string; labelledBy: string; at: Date } | null;
}

export interface NotUnderstoodPage {
  messages: NotUnderstoodMessage[];
  /** Pass as `cursor` for the next (older) page; null at the end. */
  nextCursor: string | null;
}

const ts = (d: Date): SQL => sql`${d.toISOString()}::timestamptz`;
const n = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
const rate = (part: number, whole: number): number | null => (whole ? Math.round((part / whole) * 10_000) / 10_000 : null);

function ratesOf(c: OutcomeCounts): OutcomeRates {
  return {
    fallback: rate(c.not_understood, c.messages),
    clarification: rate(c.clarified, c.messages),
    handover: rate(c.handed_over, c.messages),
    otherLanguage: rate(c.other_language, c.messages),
    answered: rate(c.answered, c.messages),
  };
}

const emptyCounts = (): OutcomeCounts => ({ messages: 0, answered: 0, clarified: 0, not_understood: 0, handed_over: 0, other_language: 0, undecided: 0 });

export class InvalidCursorError extends CrmError {
  constructor() {
    super('this cursor was not given out by the server', 'invalid_cursor');
  }
}

function encodeCursor(at: string, id: string): string {
  return Buffer.from(JSON.stringify([at, id])).toString('base64url');
}
function decodeCursor(cursor: string): { at: string; id: string } {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, unknown];
    if (typeof at !== 'string' || typeof id !== 'string' || Number.isNaN(Date.parse(at)) || !/^[0-9a-f-]{36}$/i.test(id)) throw new Error('shape');
    return { at, id };
  } catch {
    throw new InvalidCursorError();
  }
}

export interface BotAnalyticsOptions {
  db: Db;
  /** The support team's IANA zone (config SUPPORT_TIME_ZONE). Default UTC. */
  timeZone?: string;
  /** Longest period a report may span (default 366 days). */
  maxDays?: number;
}

export class BotAnalytics {
  readonly timeZone: string;

  constructor(private readonly o: BotAnalyticsOptions) {
    this.timeZone = o.timeZone ?? DEFAULT_TIME_ZONE;
  }

  private assertPeriod(period: Period): void {
    if (!(period.end.getTime() > period.start.getTime())) throw new CrmError('the period must end after it starts', 'invalid_period');
    const max = this.o.maxDays ?? 366;
    if (period.end.getTime() - period.start.getTime() > max * 86_400_000) throw new CrmError(`a report covers at most ${max} days`, 'period_too_long');
  }

  async overview(period: Period): Promise<BotOverview> {
    this.assertPeriod(period);
    const tz = this.timeZone;
    const db = this.o.db;
    const inPeriod = sql`u.created_at >= ${ts(period.start)} and u.created_at < ${ts(period.end)}`;
    const day = sql`to_char(u.created_at at time zone ${tz}, 'YYYY-MM-DD')`;
    const days = daysOf(period, tz);

    const outcomeRows = await queryRows<Record<string, unknown>>(
      db,
      sql`select ${day} as day, count(*)::int as messages,
                 ${sql.join(
                   UNDERSTANDING_OUTCOMES.map((o) => sql`count(*) filter (where u.outcome = ${o})::int as ${sql.identifier(o)}`),
                   sql`, `,
                 )},
                 count(*) filter (where u.outcome is null)::int as undecided
          from message_understandings u where ${inPeriod} group by 1 order by 1`,
    );
    const byDay = new Map<string, OutcomeCounts>();
    for (const r of outcomeRows) {
      const c = emptyCounts();
      for (const k of Object.keys(c) as Array<keyof OutcomeCounts>) c[k] = n(r[k]);
      byDay.set(String(r.day), c);
    }
    const totals = emptyCounts();
    const dayList = days.map((d) => {
      const c = byDay.get(d) ?? emptyCounts();
      for (const k of Object.keys(totals) as Array<keyof OutcomeCounts>) totals[k] += c[k];
      return { day: d, ...c, rates: ratesOf(c) };
    });

    const reasonRows = await queryRows<{ outcome: UnderstandingOutcome; reason: string; count: number }>(
      db,
      sql`select u.outcome, coalesce(nullif(u.outcome_reason, ''), 'unspecified') as reason, count(*)::int as count
          from message_understandings u where ${inPeriod} and u.outcome is not null and u.outcome <> 'answered'
          group by 1, 2 order by 3 desc, 2`,
    );
    const reasons: BotOverview['reasons'] = {};
    for (const r of reasonRows) (reasons[r.outcome] ??= []).push({ reason: r.reason, count: n(r.count) });

    const intentRows = await queryRows<{ intent: string; day: string; count: number }>(
      db,
      sql`select u.intent, ${day} as day, count(*)::int as count from message_understandings u where ${inPeriod} group by 1, 2`,
    );
    const intentMap = new Map<string, Map<string, number>>();
    for (const r of intentRows) {
      const m = intentMap.get(r.intent) ?? new Map<string, number>();
      m.set(r.day, n(r.count));
      intentMap.set(r.intent, m);
    }
    const intents = [...intentMap.entries()]
      .map(([intent, m]) => {
        const series = days.map((d) => m.get(d) ?? 0);
        const total = series.reduce((a, b) => a + b, 0);
        return { intent, total, share: rate(total, totals.messages) ?? 0, days: series };
      })
      .sort((a, b) => b.total - a.total || (a.intent < b.intent ? -1 : 1));

    const binRows = await queryRows<{ model_version: string; bin: number; count: number; sum: number; decision: string | null; active: boolean | null }>(
      db,
      sql`select u.model_version, least(greatest(floor(u.confidence * ${CONFIDENCE_BINS}), 0), ${CONFIDENCE_BINS - 1})::int as bin,
                 count(*)::int as count, sum(u.confidence)::float8 as sum, v.decision, v.active
          from message_understandings u left join intent_models v on v.version_id = u.model_version
          where ${inPeriod} group by u.model_version, 2, v.decision, v.active`,
    );
    const versions = new Map<string, BotOverview['confidence'][number] & { sum: number }>();
    for (const r of binRows) {
      const v = versions.get(r.model_version) ?? { modelVersion: r.model_version, messages: 0, mean: 0, sum: 0, bins: new Array<number>(CONFIDENCE_BINS).fill(0), decision: r.decision, active: r.active };
      v.bins[n(r.bin)] += n(r.count);
      v.messages += n(r.count);
      v.sum += n(r.sum);
      versions.set(r.model_version, v);
    }
    const confidence = [...versions.values()]
      .map(({ sum, ...v }) => ({ ...v, mean: v.messages ? Math.round((sum / v.messages) * 10_000) / 10_000 : 0 }))
      .sort((a, b) => b.messages - a.messages || (a.modelVersion < b.modelVersion ? -1 : 1));

    // A person was involved when the bot handed over in the period, or a ticket of the conversation was
    // open at some time during its activity (created before its last message, not closed or resolved before its first).
    const convRows = await queryRows<Record<string, unknown>>(
      db,
      sql`with conv as (
            select u.channel, u.conversation_id, min(u.created_at) as first_at, max(u.created_at) as last_at,
                   bool_or(u.outcome = 'handed_over') as handed_over, bool_or(u.outcome = 'answered') as answered
            from message_understandings u where ${inPeriod} group by 1, 2
          ), judged as (
            select to_char(c.first_at at time zone ${tz}, 'YYYY-MM-DD') as day, coalesce(c.answered, false) as answered,
                   coalesce(c.handed_over, false) or exists (
                     select 1 from tickets t where t.channel = c.channel and t.conversation_id = c.conversation_id
                       and t.created_at <= c.last_at + interval '1 minute'
                       and coalesce(t.resolved_at, t.closed_at, 'infinity'::timestamptz) >= c.first_at
                   ) as person
            from conv c
          )
          select day, count(*)::int as conversations,
                 count(*) filter (where person)::int as with_person,
                 count(*) filter (where not person and answered)::int as resolved_by_bot,
                 count(*) filter (where not person and not answered)::int as unanswered
          from judged group by 1 order by 1`,
    );
    const convByDay = new Map(convRows.map((r) => [String(r.day), r]));
    const convTotals: ConversationCounts = { conversations: 0, resolvedByBot: 0, withPerson: 0, unanswered: 0 };
    const convDays = days.map((d) => {
      const r = convByDay.get(d);
      const c: ConversationCounts = { conversations: n(r?.conversations), resolvedByBot: n(r?.resolved_by_bot), withPerson: n(r?.with_person), unanswered: n(r?.unanswered) };
      for (const k of Object.keys(convTotals) as Array<keyof ConversationCounts>) convTotals[k] += c[k];
      return { day: d, ...c };
    });

    return {
      period,
      timeZone: tz,
      totals: { ...totals, rates: ratesOf(totals) },
      days: dayList,
      conversations: { ...convTotals, resolvedByBotRate: rate(convTotals.resolvedByBot, convTotals.conversations), days: convDays },
      reasons,
      intents,
      confidence,
    };
  }

  /** The messages the bot did not understand (outcome not_understood), newest first, with the conversation's ticket and any label. */
  async notUnderstood(period: Period, o: { language?: 'en' | 'zh'; limit?: number; cursor?: string } = {}): Promise<NotUnderstoodPage> {
    this.assertPeriod(period);
    const limit = Math.min(Math.max(o.limit ?? 50, 1), 200);
    const after = o.cursor ? decodeCursor(o.cursor) : null;
    const rows = await queryRows<Record<string, unknown>>(
      this.o.db,
      sql`select u.message_id, m.text, u.language, u.created_at, to_char(u.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as at_exact,
                 u.channel, u.conversation_id, u.intent, u.confidence, u.outcome_reason, u.model_version,
                 t.id as ticket_id, t.number as ticket_number, l.intent as label_intent, l.source as label_source, l.labelled_by, l.created_at as labelled_at
          from message_understandings u
          join messages m on m.id = u.message_id
          left join lateral (select id, number from tickets t where t.channel = u.channel and t.conversation_id = u.conversation_id order by t.created_at desc limit 1) t on true
          left join lateral (select intent, source, labelled_by, created_at from intent_labels l where l.message_id = u.message_id order by l.created_at desc limit 1) l on true
          where u.outcome = 'not_understood' and u.created_at >= ${ts(period.start)} and u.created_at < ${ts(period.end)}
            ${o.language ? sql`and u.language = ${o.language}` : sql``}
            ${after ? sql`and (u.created_at, u.message_id) < (${after.at}::timestamptz, ${after.id}::uuid)` : sql``}
          order by u.created_at desc, u.message_id desc
          limit ${limit + 1}`,
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      messages: page.map((r) => ({
        messageId: String(r.message_id),
        text: String(r.text),
        language: String(r.language),
        at: new Date(r.created_at as string),
        channel: String(r.channel),
        conversationId: String(r.conversation_id),
        intent: String(r.intent),
        confidence: n(r.confidence),
        reason: (r.outcome_reason as string | null) ?? null,
        modelVersion: String(r.model_version),
        ticket: r.ticket_id ? { id: String(r.ticket_id), number: n(r.ticket_number) } : null,
        label: r.label_intent ? { intent: String(r.label_intent), source: String(r.label_source), labelledBy: String(r.labelled_by), at: new Date(r.labelled_at as string) } : null,
      })),
      // Microseconds kept in the cursor: messages of one millisecond are neither skipped nor repeated.
      nextCursor: rows.length > limit && last ? encodeCursor(String(last.at_exact), String(last.message_id)) : null,
    };
  }
}
