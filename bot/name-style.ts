import { randomInt } from 'node:crypto';
import { checkUserName, generateUserName, ROLE_WORDS } from './names';

/**
 * Names in the account's own style. The style is learned at mint from the names of the IAM
 * users already there (and the roles, when users are few), never stored in the repository, so no
 * regular expression written from this code matches what it mints: in an account of
 * `payments.exporter.prod` names a canary is `payments.reconciler.prod`; in one of `SVC_BILLING_ETL`
 * names, `SVC_LEDGER_SYNC`.
 *
 * A style is: the separator between words (or camelCase), the case of the words, the words that
 * several names share first and last (team prefixes, environment and region suffixes), and how
 * many words a name has. Only a word at least MIN_SHARED names share is learned: a convention, not
 * a person's name or a stack's random suffix. A position with no shared word, and every middle
 * word, is drawn from plain role words, so the name is new but looks at home.
 */
export interface NameStyle {
  separator: string;
  /** `camel`: words joined as fooBarBaz, the first one lower case. */
  casing: 'lower' | 'upper' | 'title' | 'camel' | 'pascal';
  first: string[];
  last: string[];
  /** Word counts of the names seen, one entry per name (so drawing from it follows the distribution). */
  lengths: number[];
}

/** Fewer names than this say too little about a style: the fixed lists are used instead. */
export const MIN_NAMES = 5;
/** A word becomes part of the style only when this many names use it in that position. */
export const MIN_SHARED = 3;
const SEPARATORS = ['-', '_', '.', '@', '+', '=', ','];

const words = (name: string, separator: string): string[] =>
  (separator ? name.split(separator) : name.split(/(?<=[a-z0-9])(?=[A-Z])/)).filter((w) => w.length > 0);

function casingOf(name: string, separator: string): NameStyle['casing'] {
  if (!separator) return /^[A-Z]/.test(name) ? 'pascal' : 'camel';
  if (name === name.toUpperCase() && /[A-Z]/.test(name)) return 'upper';
  if (words(name, separator).every((w) => /^[A-Z][a-z0-9]*$/.test(w))) return 'title';
  return 'lower';
}

const majority = <T>(xs: T[]): T | undefined => {
  const counts = new Map<T, number>();
  for (const x of xs) counts.set(x, (counts.get(x) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0];
};

/** The separator a name uses: the first of SEPARATORS in it, '' for camelCase, undefined for one plain word. */
function separatorOf(name: string): string | undefined {
  const found = SEPARATORS.find((s) => name.includes(s));
  if (found) return found;
  return /[a-z0-9][A-Z]/.test(name) ? '' : undefined;
}

/** Email addresses are people's, not service accounts': never learned from. */
const isEmail = (name: string) => name.includes('@');

/** The words at least MIN_SHARED of `occurrences` are, each once. */
function shared(occurrences: string[]): string[] {
  const counts = new Map<string, number>();
  for (const w of occurrences) counts.set(w, (counts.get(w) ?? 0) + 1);
  // A word that gives a decoy away is never learned, whatever the account calls its users.
  return [...counts].filter(([w, n]) => n >= MIN_SHARED && checkUserName(`${w}-word`).ok).map(([w]) => w);
}

/** The style most of `names` share, or undefined when they are too few to say. */
export function learnStyle(names: string[]): NameStyle | undefined {
  const candidates = names.filter((n) => !isEmail(n));
  const separator = majority(candidates.map(separatorOf).filter((s): s is string => s !== undefined));
  if (separator === undefined) return undefined;
  const styled = candidates.filter((n) => separatorOf(n) === separator && words(n, separator).length >= 2);
  if (styled.length < MIN_NAMES) return undefined;
  const casing = majority(styled.map((n) => casingOf(n, separator)))!;
  const split = styled.map((n) => words(n, separator).map((w) => w.toLowerCase()));
  return {
    separator,
    casing,
    first: shared(split.map((ws) => ws[0]!)),
    last: shared(split.map((ws) => ws.at(-1)!)),
    lengths: split.map((ws) => ws.length),
  };
}

const pick = <T>(xs: readonly T[]): T => xs[randomInt(xs.length)]!;

function render(ws: string[], style: NameStyle): string {
  const cased = ws.map((w, i) => {
    if (style.casing === 'upper') return w.toUpperCase();
    if (style.casing === 'title' || style.casing === 'pascal' || (style.casing === 'camel' && i > 0))
      return w.charAt(0).toUpperCase() + w.slice(1);
    return w;
  });
  return cased.join(style.separator);
}

/** A position's words: the account's shared ones, or plain role words where it shares none. */
const wordsFor = (learned: string[]): readonly string[] => (learned.length ? learned : ROLE_WORDS);

/**
 * A name in `style` that no user or role in `taken` has (IAM compares names without case), and
 * that passes the name checks; today's fixed lists when there is no style or no such name.
 */
export function generateInStyle(style: NameStyle | undefined, taken: Set<string>): string {
  const free = (n: string) => !taken.has(n.toLowerCase()) && checkUserName(n).ok;
  if (style) {
    for (let attempt = 0; attempt < 200; attempt++) {
      const length = Math.max(2, pick(style.lengths));
      const ws = [pick(wordsFor(style.first)), ...Array.from({ length: length - 2 }, () => pick(ROLE_WORDS)), pick(wordsFor(style.last))];
      if (new Set(ws).size < ws.length) continue;
      const name = render(ws, style);
      if (free(name)) return name;
    }
  }
  // The fixed lists hold tens of thousands of names; a free one comes within a few draws.
  for (let attempt = 0; attempt < 1000; attempt++) {
    const name = generateUserName();
    if (free(name)) return name;
  }
  throw new Error('no free IAM user name could be drawn');
}
