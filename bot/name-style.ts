import { randomInt } from 'node:crypto';
import { checkUserName, combinations, DOMAIN_WORDS, drawWords, fixedNames, generateUserName, ROLE_WORDS } from './names';
import type { Random, Shape } from './names';

/**
 * Names in the account's own style. The style is learned at mint from the names of the IAM
 * users already there (and the roles, when users are few), never stored in the repository, so no
 * regular expression written from this code matches what it mints: in an account of
 * `payments.exporter.prod` names a canary is `payments.reconciler.prod`; in one of `SVC_BILLING_ETL`
 * names, `SVC_LEDGER_SYNC`.
 *
 * A style is: the separator between words (or camelCase), the case of the words, the words that
 * several names share first, last and between (team prefixes, environment and region suffixes,
 * systems), whether names end in a number, and how many words a name has. Only a word at least
 * MIN_SHARED names share is learned: a convention, not a person's name or a stack's random suffix.
 * Every other word is a plain domain or role word (names.ts), combined freely with the learned
 * ones, so the name is new but looks at home. Thousands of canaries fit in one style: when the
 * account's own word counts are crowded, a name takes one inner word more (`payments.ledger.
 * exporter.prod` among `payments.exporter.prod`), never a suffix or a marker the account lacks.
 */
export interface NameStyle {
  separator: string;
  /** `camel`: words joined as fooBarBaz, the first one lower case. */
  casing: 'lower' | 'upper' | 'title' | 'camel' | 'pascal';
  first: string[];
  last: string[];
  /** Words several names share between their first and last (a team, a system): inner words like the domain words. */
  middle: string[];
  /** When several names end in a number: its digits (`01` is 2), so names may end in one too. */
  digits?: number;
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
  const numbered = split.map((ws) => ws.at(-1)!).filter((w) => /^\d{1,3}$/.test(w));
  if (numbered.length < MIN_SHARED) numbered.length = 0;
  return {
    separator,
    casing,
    first: shared(split.map((ws) => ws[0]!)),
    last: shared(split.map((ws) => ws.at(-1)!)),
    middle: shared(split.flatMap((ws) => ws.slice(1, -1))),
    digits: majority(numbered.map((w) => w.length)),
    lengths: split.map((ws) => ws.length),
  };
}

function render(ws: string[], style: NameStyle): string {
  const cased = ws.map((w, i) => {
    if (style.casing === 'upper') return w.toUpperCase();
    if (style.casing === 'title' || style.casing === 'pascal' || (style.casing === 'camel' && i > 0))
      return w.charAt(0).toUpperCase() + w.slice(1);
    return w;
  });
  return cased.join(style.separator);
}

const union = (...lists: (readonly string[])[]): string[] => [...new Set(lists.flat())];

/** The numbers a name may end in when the account's do: 1 to 9, 01 to 99, or 001 to 999. */
const numbers = (digits: number): string[] =>
  Array.from({ length: 10 ** Math.min(digits, 3) - 1 }, (_, i) => String(i + 1).padStart(digits, '0'));

/**
 * The shapes a style's names are drawn in: `observed`, the word counts the account's names have;
 * `longer`, one inner word more, drawn from only when the observed shapes are crowded. Positions:
 * the first (the account's shared first words, else a domain word), the inner ones (domain words
 * and the account's shared inner words, the last of them a role word too), the last (the shared
 * last words and, when the account's names end in numbers, numbers of their width; else a role).
 * In an account of `payments.exporter.prod`, `orders.sync.dev`... that is team.thing.env with some
 * 200 things, then team.domain.thing.env with some 25,000 per team and environment.
 */
interface StyleShapes {
  observed: Shape[];
  longer: Shape[];
}
const shapesCache = new WeakMap<NameStyle, StyleShapes>();

function shapesOf(style: NameStyle): StyleShapes {
  const cached = shapesCache.get(style);
  if (cached) return cached;
  const first = style.first.length ? style.first : DOMAIN_WORDS;
  const lastWords = union(style.last, style.digits ? numbers(style.digits) : []);
  const last = lastWords.length ? lastWords : ROLE_WORDS;
  const inner = union(DOMAIN_WORDS, style.middle);
  const beforeLast = union(DOMAIN_WORDS, ROLE_WORDS, style.middle);
  const shape = (length: number, weight: number): Shape => ({
    slots: [first, ...Array.from({ length: length - 3 }, () => inner), ...(length > 2 ? [beforeLast] : []), last],
    weight,
  });
  const counts = new Map<number, number>();
  for (const l of style.lengths) counts.set(Math.max(2, l), (counts.get(Math.max(2, l)) ?? 0) + 1);
  const shapes = {
    observed: [...counts].map(([length, n]) => shape(length, n)),
    longer: [...counts].map(([length, n]) => shape(length + 1, n)),
  };
  shapesCache.set(style, shapes);
  return shapes;
}

/** Draws after which the observed shapes count as crowded and a name may have one word more. */
const CROWDED = 8;
const STYLE_ATTEMPTS = 200;

/**
 * A name in `style` that no user or role in `taken` (lower case: IAM compares names without case)
 * has, and that passes the name checks; the fixed lists when there is no style or no such name.
 * A draw is a few microseconds: thousands of canaries in one account cost well under a second.
 */
export function generateInStyle(style: NameStyle | undefined, taken: Set<string>, random: Random = randomInt): string {
  const free = (n: string) => !taken.has(n.toLowerCase()) && checkUserName(n).ok;
  if (style) {
    const { observed, longer } = shapesOf(style);
    for (let attempt = 0; attempt < STYLE_ATTEMPTS; attempt++) {
      const ws = drawWords(attempt < CROWDED ? observed : longer, random);
      if (!ws) continue;
      const name = render(ws, style);
      if (free(name)) return name;
    }
  }
  // The fixed lists hold hundreds of thousands of names; a free one comes within a few draws.
  for (let attempt = 0; attempt < 1000; attempt++) {
    const name = generateUserName(random);
    if (free(name)) return name;
  }
  throw new Error('no free IAM user name could be drawn');
}

/**
 * Every name generateInStyle can draw in `style` (the fixed lists' without one) that passes the
 * name checks, the observed shapes first; a name may come twice. For tests and sizing: a style's
 * space can run to millions.
 */
export function* nameSpace(style: NameStyle | undefined): Generator<string> {
  if (!style) return yield* fixedNames();
  const { observed, longer } = shapesOf(style);
  for (const shape of [...observed, ...longer])
    for (const ws of combinations(shape.slots)) {
      if (new Set(ws).size < ws.length) continue;
      const name = render(ws, style);
      if (checkUserName(name).ok) yield name;
    }
}
