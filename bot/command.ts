import { CANARY_REF } from './ids';
import { findKind } from './kinds';
import { inlineCode } from './mrkdwn';
import type { CanaryStatus } from './model/canary';
import type { MintOptions } from './model/job';
import { cut } from './text';

/** What `/canary <text>` asks for, decided before anything touches AWS. */
export type Command =
  | { type: 'help' }
  | { type: 'list'; filter: ListFilter; cursor?: string }
  | { type: 'new-modal' }
  | ({ type: 'new'; kind: string; location: string; owner?: string } & MintOptions)
  | { type: 'test'; id: string }
  | { type: 'audit' }
  | { type: 'redrive' }
  | { type: 'show'; id: string }
  | { type: 'unsuppress'; id: string; suppression: string }
  | { type: 'retire'; id: string }
  | { type: 'rotate'; id: string }
  | { type: 'place'; id: string; location: string }
  | { type: 'invalid'; message: string };

export interface ListFilter {
  /** Unset: every status (`--status all`, the default). */
  status?: CanaryStatus;
  owner?: string;
  kind?: string;
  /** As typed, an account id or name: the listener resolves it (organization mode). */
  account?: string;
  /** Case-insensitive text match on id, location and note. */
  text?: string;
}

export const LOCATION_MAX = 200;
export const NOTE_MAX = 500;

// Control characters, bidirectional overrides and zero-width characters make a location read
// differently from what it is (a classic for disguising text), so they are refused outright.
const ODD_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/;

/**
 * Slash-command text arrives with Slack's escaping (manifest: should_escape): links as
 * <https://x|label>, and & < > as entities. Locations are stored as the person typed them.
 */
export function unescapeSlackText(text: string): string {
  return text
    .replace(/<((?:https?|mailto):[^|>]*)(?:\|[^>]*)?>/g, '$1')
    .replace(/<#C[A-Z0-9]+\|([^>]*)>/g, '#$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** Checks free text a person typed; returns the problem, or undefined when it is fine. */
export function checkFreeText(label: string, value: string, max: number): string | undefined {
  if (!value.trim()) return `The ${label} is empty.`;
  if (value.length > max) return `The ${label} is ${value.length} characters; the limit is ${max}.`;
  if (ODD_CHARACTERS.test(value)) return `The ${label} contains control, invisible or text-direction characters; please type it plainly.`;
  return undefined;
}

const FLAG = /\s--(owner|name|note|auto-disable|expires|self-test|bucket|allow-ip|allow-principal|profile|account)(?=\s|=|$)[\s=]*/;

function parseNew(rest: string): Command {
  let text = rest.trim();
  if (!text) return { type: 'new-modal' };
  const [first = '', ...others] = text.split(/\s+/);
  const kind = findKind(first);
  if (kind) text = others.join(' ');
  if (/^--/.test(text) || (kind && !text))
    return { type: 'invalid', message: 'Say where the canary will live first, e.g. `/canary new laptop-42 ~/.aws/credentials`.' };

  const flagAt = text.search(FLAG);
  const location = unescapeSlackText((flagAt === -1 ? text : text.slice(0, flagAt)).trim());
  const cmd: Extract<Command, { type: 'new' }> = { type: 'new', kind: (kind ?? findKind('aws-key')!).name, location };
  let tail = flagAt === -1 ? '' : text.slice(flagAt);
  while (tail) {
    const m = FLAG.exec(tail);
    if (!m || m.index !== 0) break;
    const flag = m[1] as
      | 'owner'
      | 'name'
      | 'note'
      | 'auto-disable'
      | 'expires'
      | 'self-test'
      | 'bucket'
      | 'allow-ip'
      | 'allow-principal'
      | 'profile'
      | 'account';
    tail = tail.slice(m[0].length);
    // Account names may have spaces: "--account "Shared services"" (Slack may send curly quotes).
    const quoted = flag === 'account' ? /^["\u201c]([^"\u201d]{1,50})["\u201d](?=\s|$)/.exec(tail) : null;
    if (quoted) {
      const name = unescapeSlackText(quoted[1]!).trim();
      const bad = checkFreeText('account', name, 50);
      if (bad) return { type: 'invalid', message: bad };
      cmd.account = name;
      tail = tail.slice(quoted[0].length);
      continue;
    }
    if (flag === 'self-test') {
      cmd.selfTest = true; // takes no value
      tail = tail ? ` ${tail}` : '';
      continue;
    }
    if (flag === 'note') {
      cmd.note = unescapeSlackText(tail.trim());
      tail = '';
      continue;
    }
    const [value = '', ...after] = tail.split(/\s+/);
    tail = after.length ? ` ${after.join(' ')}` : '';
    if (flag === 'owner') {
      const owner = /^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$/.exec(value);
      if (!owner) return { type: 'invalid', message: 'Give `--owner` as an @-mention of a person, e.g. `--owner @alice`.' };
      cmd.owner = owner[1]!;
    } else if (flag === 'bucket') {
      cmd.bucket = value;
    } else if (flag === 'allow-ip') {
      if (!/^[0-9a-fA-F.:]{2,45}$/.test(value)) return { type: 'invalid', message: '`--allow-ip` takes an IP address.' };
      (cmd.allowIps ??= []).push(value);
    } else if (flag === 'allow-principal') {
      if (!/^arn:[\w-]+:(iam|sts)::\d{12}:[\w+=,.@/-]+$/.test(value))
        return { type: 'invalid', message: '`--allow-principal` takes an IAM or STS ARN.' };
      (cmd.allowPrincipals ??= []).push(value);
    } else if (flag === 'expires') {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(value)) || value <= new Date().toISOString().slice(0, 10)) {
        return { type: 'invalid', message: '`--expires` takes a future date, e.g. `--expires 2027-06-30`.' };
      }
      cmd.expiresOn = value;
    } else if (flag === 'account') {
      const bad = checkFreeText('account', unescapeSlackText(value), 50);
      if (bad) return { type: 'invalid', message: '`--account` takes an account id or name (quoted if it has spaces).' };
      cmd.account = unescapeSlackText(value);
    } else if (flag === 'profile') {
      if (value !== 'quiet' && value !== 'deny-all') return { type: 'invalid', message: '`--profile` takes `deny-all` or `quiet`.' };
      cmd.profile = value;
    } else if (flag === 'auto-disable') {
      if (value !== 'on' && value !== 'off') return { type: 'invalid', message: '`--auto-disable` takes `on` or `off`.' };
      cmd.autoDisable = value === 'on';
    } else {
      cmd.name = value;
    }
  }
  if (tail.trim())
    return {
      type: 'invalid',
      message: `I did not understand ${inlineCode(tail.trim(), 40)}. Options are --owner, --name, --account, --bucket, --allow-ip, --allow-principal, --auto-disable, --expires, --profile, --self-test and --note (last).`,
    };

  const problem =
    checkFreeText('location', cmd.location, LOCATION_MAX) ??
    (cmd.note !== undefined ? checkFreeText('note', cmd.note, NOTE_MAX) : undefined);
  if (problem) return { type: 'invalid', message: problem };
  if (cmd.name !== undefined && !cmd.name) return { type: 'invalid', message: '`--name` needs a value.' };
  return cmd;
}

const STATUSES = ['active', 'disabled', 'retired', 'unknown', 'all'] as const;
/** What `--page` takes: the cursor a list's More button and footer carry (the store decodes it). */
const LIST_CURSOR = /^[A-Za-z0-9_-]{1,200}$/;

function parseList(after: string): Command {
  const filter: ListFilter = {};
  let cursor: string | undefined;
  const words: string[] = [];
  let rest = after;
  const take = (): string | undefined => {
    const m = /^\s*(\S+)/.exec(rest);
    if (!m) return undefined;
    rest = rest.slice(m[0].length);
    return m[1];
  };
  const invalid = (message: string): Command => ({ type: 'invalid', message });
  for (let a = take(); a !== undefined; a = take()) {
    if (a === '--status') {
      const value = take();
      if (!value || !(STATUSES as readonly string[]).includes(value)) return invalid(`\`--status\` is one of ${STATUSES.join(', ')}.`);
      if (value === 'all') delete filter.status;
      else filter.status = value as CanaryStatus;
    } else if (a === '--owner') {
      const m = /^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$/.exec(take() ?? '');
      if (!m) return invalid('Give `--owner` as an @-mention, e.g. `--owner @alice`.');
      filter.owner = m[1]!;
    } else if (a === '--kind') {
      const kind = findKind(take() ?? '');
      if (!kind) return invalid('Unknown `--kind`; `/canary help` lists the kinds.');
      filter.kind = kind.name;
    } else if (a === '--account') {
      // Account names may have spaces: "--account "Shared services"" (Slack may send curly quotes).
      const quoted = /^\s*["\u201c]([^"\u201d]{1,50})["\u201d](?=\s|$)/.exec(rest);
      if (quoted) rest = rest.slice(quoted[0].length);
      const value = quoted ? quoted[1] : take();
      const account = unescapeSlackText(value ?? '').trim();
      if (!value || checkFreeText('account', account, 50) || /^--/.test(account))
        return invalid('`--account` takes an account id or name (quoted if it has spaces).');
      filter.account = account;
    } else if (a === '--page') {
      const value = take();
      if (!value || !LIST_CURSOR.test(value)) return invalid("`--page` takes the marker from a list's More line.");
      cursor = value;
    } else if (a.startsWith('--')) {
      return invalid(`\`/canary list\` knows --status, --kind, --account, --owner and --page, not ${inlineCode(a, 30)}.`);
    } else words.push(a);
  }
  const text = unescapeSlackText(words.join(' ')).trim();
  if (text) filter.text = cut(text, LOCATION_MAX, ''); // a search term: a prefix, no ellipsis
  return { type: 'list', filter, ...(cursor ? { cursor } : {}) };
}

const byId =
  (type: 'retire' | 'rotate' | 'test' | 'show') =>
  (rest: string[]): Command =>
    rest.length === 1 && CANARY_REF.test(rest[0]!)
      ? { type, id: rest[0]! }
      : { type: 'invalid', message: `Give the canary id, e.g. \`/canary ${type} c7k2mq4\`.` };

const noOptions =
  (type: 'audit' | 'redrive') =>
  (rest: string[]): Command =>
    rest.length ? { type: 'invalid', message: `\`/canary ${type}\` takes no options.` } : { type };

export type CommandGroup = 'mint' | 'look' | 'triage' | 'lifecycle' | 'checks';

export interface CommandSpec {
  name: string;
  group: CommandGroup;
  /** What follows the name in help, in mrkdwn (`&lt;` for <). */
  usage: string;
  summary: string;
  /** `rest`: the words after the name; `after`: the text after it, spacing kept. */
  parse(rest: string[], after: string): Command;
}

/**
 * Every subcommand, once: parseCommand dispatches through this table and `/canary help` is made
 * from it, so the two cannot drift (test/unit/command-parsing.test.ts holds it).
 */
export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'new',
    group: 'mint',
    usage:
      '`[kind]` `&lt;location&gt;` `[--owner @person]` `[--name iam-user-name]` `[--account id|name]` `[--auto-disable on|off]` `[--expires YYYY-MM-DD]` `[--profile deny-all|quiet]` `[--self-test]` `[--bucket name]` `[--allow-ip ip]` `[--allow-principal arn]` `[--note text]`',
    summary: `Mint a canary and record where it will live (up to ${LOCATION_MAX} characters). The key comes back to you alone, once. Alone, it opens a form.`,
    parse: (_rest, after) => parseNew(after),
  },
  {
    name: 'list',
    group: 'look',
    usage: '`[--status active|disabled|retired|unknown|all]` `[--kind k]` `[--account id|name]` `[--owner @p]` `[text]` `[--page marker]`',
    summary: 'Canaries with their location, owner and status, newest first, a page at a time (More goes on); every status unless filtered.',
    parse: (_rest, after) => parseList(after),
  },
  {
    name: 'show',
    group: 'look',
    usage: '`&lt;id&gt;`',
    summary: 'One canary: placement, incidents, suppressions and every action taken.',
    parse: byId('show'),
  },
  { name: 'help', group: 'look', usage: '', summary: 'This message.', parse: () => ({ type: 'help' }) },
  {
    name: 'unsuppress',
    group: 'triage',
    usage: '`&lt;id&gt;` `&lt;suppression&gt;`',
    summary: 'Alert again on a source marked harmless.',
    parse: (rest) =>
      rest.length === 2 && CANARY_REF.test(rest[0]!) && /^s[0-9a-f]{4}$/.test(rest[1]!)
        ? { type: 'unsuppress', id: rest[0]!, suppression: rest[1]! }
        : {
            type: 'invalid',
            message: 'Give the canary id and the suppression id, e.g. `/canary unsuppress c7k2mq4 s1a2b`; `/canary show` lists them.',
          },
  },
  {
    name: 'place',
    group: 'lifecycle',
    usage: '`&lt;id&gt;` `&lt;location&gt;`',
    summary: 'The canary moved: record where it lives now.',
    parse: (rest) => {
      const [id = '', ...where] = rest;
      const location = unescapeSlackText(where.join(' ').trim());
      if (!CANARY_REF.test(id))
        return {
          type: 'invalid',
          message: 'Give the canary id and its new location, e.g. `/canary place c7k2mq4 laptop-77 ~/.aws/credentials`.',
        };
      const problem = checkFreeText('location', location, LOCATION_MAX);
      return problem ? { type: 'invalid', message: problem } : { type: 'place', id, location };
    },
  },
  {
    name: 'rotate',
    group: 'lifecycle',
    usage: '`&lt;id&gt;`',
    summary: 'A new key for the same placement; the old one is deleted once you have it.',
    parse: byId('rotate'),
  },
  {
    name: 'retire',
    group: 'lifecycle',
    usage: '`&lt;id&gt;`',
    summary: 'Delete the key, policy and user (after a confirm); the history stays.',
    parse: byId('retire'),
  },
  {
    name: 'test',
    group: 'checks',
    usage: '`&lt;id&gt;`',
    summary: "Use a `--self-test` canary's key once and check that its alert arrives.",
    parse: byId('test'),
  },
  {
    name: 'audit',
    group: 'checks',
    usage: '',
    summary: 'Check every canary and the detection pipeline now (it also runs daily).',
    parse: noOptions('audit'),
  },
  {
    name: 'redrive',
    group: 'checks',
    usage: '',
    summary: 'Move alerts waiting in the dead-letter queue back to the alert queue, after a fix (shows the count first).',
    parse: noOptions('redrive'),
  },
];

export function parseCommand(raw: string): Command {
  const text = raw.trim();
  const [sub = '', ...rest] = text.split(/\s+/);
  if (!sub) return { type: 'help' };
  const spec = COMMANDS.find((c) => c.name === sub.toLowerCase());
  return spec ? spec.parse(rest, text.slice(sub.length)) : { type: 'invalid', message: `I don't know ${inlineCode(sub, 30)}.` };
}
