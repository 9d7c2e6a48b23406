/**
 * Cutting text we did not write (CloudTrail fields an attacker controls, locations, notes and
 * reasons people typed) to a length limit.
 *
 * Unit: `max` counts UTF-16 code units, i.e. JavaScript's `.length`. The limits this serves are
 * Block Kit's (header 150, section text 3000, field 2000...) and ours (FIELD_MAX, LOCATION_MAX,
 * checkFreeText, Slack's `max_length` on inputs), which all say "characters" and are all
 * checked with `.length` here. A string of at most `max` code units also has at most `max` code
 * points and at most `max` grapheme clusters, so whichever of those Slack really counts, the
 * result fits; and since one code unit is at most 3 UTF-8 bytes, it bounds DynamoDB's byte
 * sizes at 3 * max too. Counting code points instead would let 😀 x max (2 * max code units)
 * through a limit meant as `max`.
 *
 * Well-formedness, the requirement: the result never holds a lone surrogate. A cut never falls
 * between the two halves of a surrogate pair (an emoji at the cut point is dropped whole), and
 * lone surrogates already in the input (JSON may carry "\ud800") become U+FFFD, one code unit
 * for one, so lengths do not change. This applies to short text too: `cut(s, max)` is also how
 * a field is made safe to store and to post when it needs no cutting.
 *
 * Grapheme clusters, a nicety we decided against: a cut may fall inside a ZWJ sequence (👨‍👩‍👧‍👦
 * shows as 👨‍👩 before the ellipsis), a flag or a run of combining marks. That text is still
 * well-formed, and the ellipsis says it was cut. Doing better needs Intl.Segmenter, and a
 * cluster has no length bound (combining marks), so it means segmenting either the whole text
 * (about 2 ms for a 1,000-character field, measured on Node 20) or a bounded window around the
 * cut that can still be wrong (about 6 µs, against about 1 µs for this function). Every event of
 * a flood cuts several fields; that cost buys nothing a responder needs.
 */

/** String.prototype.toWellFormed is in Node 20 but not in TypeScript's ES2023 lib. */
const nativeToWellFormed = (String.prototype as { toWellFormed?: (this: string) => string }).toWellFormed;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const wellFormed: (s: string) => string = nativeToWellFormed
  ? (s) => nativeToWellFormed.call(s)
  : (s) => s.replace(LONE_SURROGATE, '\ufffd');

const isHighSurrogate = (unit: number) => unit >= 0xd800 && unit <= 0xdbff;

/**
 * `text` made well-formed and, when longer than `max` UTF-16 code units, cut at a code point
 * boundary and ended with `ellipsis`: the result, ellipsis included, is at most `max` code
 * units. Text that fits comes back unchanged apart from lone surrogates (as U+FFFD). Pass ''
 * as the ellipsis where the result must stay a prefix (a search term). An ellipsis longer than
 * `max` is left off; a `max` below 1 (or NaN) gives ''.
 */
export function cut(text: string, max: number, ellipsis = '…'): string {
  const limit = max > 0 ? Math.floor(max) : 0;
  if (text.length <= limit) return wellFormed(text);
  const tail = ellipsis.length <= limit ? ellipsis : '';
  let end = limit - tail.length;
  // Slicing only ever orphans the first half of a pair; the input's own lone surrogates are
  // replaced by wellFormed below. Only the kept part is scanned, however long the input.
  if (end > 0 && isHighSurrogate(text.charCodeAt(end - 1))) end--;
  return wellFormed(text.slice(0, end) + tail);
}

/**
 * An integer with commas every three digits, as `n.toLocaleString('en-US')` writes it, without
 * ICU: the first toLocaleString in a process sets up the locale data, about 10 ms of the alert
 * function's first event (measured with --cpu-prof, bench/cold-start.ts).
 */
export function thousands(n: number): string {
  return Number.isInteger(n) ? String(n).replace(/\B(?=(\d{3})+$)/g, ',') : n.toLocaleString('en-US');
}
