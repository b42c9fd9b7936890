/**
 * Choosing when to answer, ask or say "I did not understand", by measurement: each candidate
 * policy is run over labelled messages (the frozen split in `npm run nlp -- eval`) and priced with
 * CLARIFICATION_COSTS. Pure.
 */
import { decideTurn, type ClarificationPolicy, type RankedUnderstanding } from './clarification';
import { OUT_OF_SCOPE } from './types';

/**
 * What each outcome costs the customer, in "wrong answers": a wrong answer sends them down the
 * wrong path (1); a question with the right intent among its two options costs one click (0.25);
 * a question without it, or "I did not understand" for an answerable message, costs a rephrase
 * (0.6). For an out-of-scope message "I did not understand" is right (0) and a question half wrong.
 */
export const CLARIFICATION_COSTS = {
  wrongAnswer: 1,
  usefulQuestion: 0.25,
  uselessQuestion: 0.6,
  missedAnswer: 0.6,
  questionOutOfScope: 0.5,
} as const;

export interface LabelledUnderstanding {
  gold: string;
  understanding: RankedUnderstanding;
}

export interface PolicyOutcome {
  policy: ClarificationPolicy;
  n: number;
  answeredRight: number;
  answeredWrong: number;
  askedUseful: number;
  askedUseless: number;
  notUnderstood: number;
  /** Mean cost per message. */
  cost: number;
}

export function measurePolicy(rows: LabelledUnderstanding[], policy: ClarificationPolicy, costs = CLARIFICATION_COSTS): PolicyOutcome {
  const o: PolicyOutcome = { policy, n: rows.length, answeredRight: 0, answeredWrong: 0, askedUseful: 0, askedUseless: 0, notUnderstood: 0, cost: 0 };
  let cost = 0;
  for (const { gold, understanding } of rows) {
    const d = decideTurn(understanding, policy);
    const oos = gold === OUT_OF_SCOPE;
    if (d.action === 'answer') {
      if (d.intent === gold) o.answeredRight++;
      else {
        o.answeredWrong++;
        cost += costs.wrongAnswer;
      }
    } else if (d.action === 'clarify') {
      if (d.options.includes(gold)) {
        o.askedUseful++;
        cost += costs.usefulQuestion;
      } else {
        o.askedUseless++;
        cost += oos ? costs.questionOutOfScope : costs.uselessQuestion;
      }
    } else {
      o.notUnderstood++;
      if (!oos) cost += costs.missedAnswer;
    }
  }
  o.cost = rows.length ? cost / rows.length : 0;
  return o;
}

/** The candidate policies `nlp eval` compares. */
export function policyGrid(): ClarificationPolicy[] {
  const out: ClarificationPolicy[] = [];
  for (const answerAbove of [0.4, 0.5, 0.6, 0.7, 0.8, 0.9])
    for (const askMargin of [0, 0.1, 0.2, 0.3, 0.4])
      for (const notUnderstoodBelow of [0, 0.2, 0.3, 0.4]) if (notUnderstoodBelow < answerAbove) out.push({ answerAbove, askMargin, notUnderstoodBelow });
  return out;
}

/** The cheapest policy on these rows (ties: the one that asks least, then answers most). */
export function choosePolicy(rows: LabelledUnderstanding[], grid = policyGrid(), costs = CLARIFICATION_COSTS): PolicyOutcome {
  const measured = grid.map((p) => measurePolicy(rows, p, costs));
  measured.sort(
    (a, b) =>
      a.cost - b.cost ||
      a.askedUseful + a.askedUseless - (b.askedUseful + b.askedUseless) ||
      b.answeredRight + b.answeredWrong - (a.answeredRight + a.answeredWrong),
  );
  return measured[0];
}
