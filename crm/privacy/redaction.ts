/**
 * Masking of sensitive numbers in free text (pure: no I/O).
 *
 * `redactSensitive` is applied to every message text before it is stored or shown (customers paste
 * card numbers and IBANs into chats; nobody needs them afterwards). It keeps emails and phone numbers:
 * identity proof and agents need those. `maskForLog` masks those too, for log lines.
 *
 * Formats (one each, chosen so a masked text is never masked again and still tells an agent which
 * card or account it was):
 *   payment card  "4111 1111 1111 1111"          → "[card •••• 1111]"
 *   IBAN          "DE89 3704 0044 0532 0130 00"  → "[IBAN •••• 3000]"
 *   email (logs)  "dana@example.com"             → "d***@example.com"
 *   phone (logs)  "+1 415-555-2671"              → "[phone ••71]"
 */

export const MASK = '••••';

/** Luhn (mod 10) check of a string of digits: what every payment card number satisfies. */
export function passesLuhn(digits: string): boolean {
  if (!/^\d+$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** ISO 13616 check of a compact IBAN (letters upper case): first four characters moved to the end, letters as 10–35, mod 97 = 1. */
export function passesIbanCheck(iban: string): boolean {
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(iban)) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const ch of rearranged) {
    const value = ch >= 'A' ? ch.charCodeAt(0) - 55 : ch.charCodeAt(0) - 48;
    // Letters are two digits: fold them in one at a time so the remainder stays small.
    remainder = value > 9 ? (remainder * 100 + value) % 97 : (remainder * 10 + value) % 97;
  }
  return remainder === 1;
}

/**
 * Runs of digit groups separated by one space or dash. Not after a letter, digit, `+` or "letters-" (a
 * `+` starts a phone number; letters make it a code such as an order number "ORD-…"), not before a
 * letter or a decimal part.
 * ASCII letters only: Chinese text written right against a number ("卡号4111…谢谢") still counts, and
 * full-width digits and the ideographic space count as digits and a space.
 */
const DIGIT_RUN = /(?<![A-Za-z0-9\uFF10-\uFF19+.]|[A-Za-z]-)[0-9\uFF10-\uFF19]+(?:[ \u3000-][0-9\uFF10-\uFF19]+)*(?![A-Za-z0-9\uFF10-\uFF19]|\.\d)/g;

/** Full-width digits (０–９, typed with Chinese and Japanese input methods) as ASCII digits. */
function asciiDigits(text: string): string {
  return text.replace(/[\uFF10-\uFF19]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0));
}

/**
 * Whether these groups (as written) have the shape of a card number: one block of 13–19 digits, or
 * groups split by one kind of separator with a first group of four and middle groups of four to six
 * digits (4-4-4-4, 4-6-5, 4-4-4-4-3). Dates (2026-12-07) and phone numbers (138 0013 8000) do not.
 */
function cardShaped(groups: string[], separators: string[]): boolean {
  const digits = asciiDigits(groups.join(''));
  if (digits.length < 13 || digits.length > 19) return false;
  // No card number starts with 0 (an international dialling prefix does, and all zeros pass Luhn).
  if (digits[0] === '0') return false;
  if (groups.length === 1) return true;
  if (new Set(separators).size > 1) return false;
  if (groups[0].length !== 4) return false;
  return groups.slice(1, -1).every((g) => g.length >= 4 && g.length <= 6) && groups[groups.length - 1].length <= 6;
}

function maskCards(text: string): string {
  return text.replace(DIGIT_RUN, (run) => {
    const parts = run.split(/([ \u3000-])/);
    const groups = parts.filter((_, i) => i % 2 === 0);
    const separators = parts.filter((_, i) => i % 2 === 1);
    // Several cards may stand in one run ("4111 1111 1111 1111 5500 0000 0000 0004"): from each group,
    // the longest card-shaped stretch that passes Luhn is masked, else the group is kept as written.
    const out: string[] = [];
    let i = 0;
    while (i < groups.length) {
      let end = -1;
      for (let j = groups.length; j > i; j--) {
        const g = groups.slice(i, j);
        if (cardShaped(g, separators.slice(i, j - 1)) && passesLuhn(asciiDigits(g.join('')))) {
          end = j;
          break;
        }
      }
      if (end > 0) {
        const digits = asciiDigits(groups.slice(i, end).join(''));
        out.push(`[card ${MASK} ${digits.slice(-4)}]`);
        if (end < groups.length) out.push(separators[end - 1]);
        i = end;
      } else {
        out.push(groups[i]);
        if (i < separators.length) out.push(separators[i]);
        i += 1;
      }
    }
    return out.join('');
  });
}

/**
 * IBAN candidates: country code, check digits, then 11–30 letters or digits in one block or in
 * groups of four (the printed form) with a shorter last group. Case-insensitive: people type them so.
 */
const IBAN_CANDIDATE = /(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?:[A-Za-z0-9]{11,30}|(?: [A-Za-z0-9]{4}){2,7}(?: [A-Za-z0-9]{1,4})?)(?![A-Za-z0-9])/g;

/** Every country's IBAN carries a numeric account number: a word run that happens to pass mod 97 does not. */
const MIN_IBAN_DIGITS = 8;

function maskIbans(text: string): string {
  return text.replace(IBAN_CANDIDATE, (candidate) => {
    // A word in capitals right after the IBAN ("… 0130 00 CASH") may have been taken in: drop trailing groups until it checks.
    const groups = candidate.split(' ');
    for (let n = groups.length; n >= 1; n--) {
      const compact = groups.slice(0, n).join('').toUpperCase();
      if (compact.length < 15) break;
      const digitCount = compact.slice(4).replace(/\D/g, '').length;
      if (digitCount >= MIN_IBAN_DIGITS && passesIbanCheck(compact)) {
        const rest = groups.slice(n).join(' ');
        return `[IBAN ${MASK} ${compact.slice(-4)}]${rest ? ` ${rest}` : ''}`;
      }
    }
    return candidate;
  });
}

/**
 * The text with payment card numbers (Luhn-valid, 13–19 digits) and IBANs (mod-97-valid) masked,
 * keeping their last four characters. Everything else (order numbers, phone numbers, dates, amounts,
 * emails) is left as written. Idempotent: a masked text is returned unchanged.
 */
export function redactSensitive(text: string): string {
  if (!text || !/[0-9\uFF10-\uFF19]/.test(text)) return text;
  // IBANs first: the digits of a printed IBAN ("DE89 3704 0044 …") can form a Luhn-valid run.
  return maskCards(maskIbans(text));
}

const EMAIL = /([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})/g;

/** Phone-like: an optional +country code, an optional (area code), digits with single spaces or dashes between them. */
const PHONE_CANDIDATE = /(?<![A-Za-z0-9_+-])(?:\+ ?\d{1,3} ?)?(?:\(\d{1,5}\) ?)?\d(?:[ -]?\d){5,16}(?![A-Za-z0-9_-])/g;
const DATE_SHAPE = /\d{4}[-/]\d{1,2}[-/]\d{1,2}|\d{1,2}[-/]\d{1,2}[-/]\d{4}/;

function looksLikePhone(candidate: string): boolean {
  const digits = candidate.replace(/\D/g, '');
  if (digits.length < 7 || digits.length > 15) return false;
  if (DATE_SHAPE.test(candidate)) return false;
  if (candidate.startsWith('+') || candidate.includes('(')) return true;
  // A bare block of digits is an id, a count or a timestamp, except a Chinese mobile number.
  if (/^\d+$/.test(candidate)) return /^1[3-9]\d{9}$/.test(candidate);
  return digits.length >= 8;
}

/**
 * For log lines: `redactSensitive`, and emails ("d***@example.com") and phone numbers ("[phone ••71]")
 * masked too (a log is read by more people than a ticket, and kept elsewhere).
 */
export function maskForLog(text: string): string {
  if (!text) return text;
  const redacted = redactSensitive(text).replace(EMAIL, (_m, first: string, domain: string) => `${first}***@${domain}`);
  return redacted.replace(PHONE_CANDIDATE, (candidate) => (looksLikePhone(candidate) ? `[phone ••${candidate.replace(/\D/g, '').slice(-2)}]` : candidate));
}
