import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifySource } from '../../bot/alerts/source';
import { FIELD_MAX, actionOf, parseTrailEvent } from '../../bot/alerts/trail-event';
import { parseCommand } from '../../bot/command';
import { inlineCode } from '../../bot/mrkdwn';
import { cut } from '../../bot/text';
import { alertParent } from '../../bot/views/alert';
import { header } from '../../bot/views/blocks';
import { mintedReply } from '../../bot/views/minted';
import type { Incident } from '../../bot/model/incident';
import type { TrailEvent } from '../../bot/model/trail-event';
import type { CanaryRecord } from '../../bot/model/canary';

/** Generated cases per property. */
const RUNS = 500;

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const wellFormed = (s: string) => !LONE.test(s);
const replaceLone = (s: string) => s.replace(new RegExp(LONE.source, 'g'), '\ufffd');

/**
 * Every string (keys too) inside a message: what Slack would get. Not JSON.stringify's output:
 * since ES2019 it writes a lone surrogate as the six characters \ud800, which a regex on the
 * JSON would miss and Slack would decode back into a lone surrogate.
 */
function loneSurrogates(x: unknown, found: string[] = []): string[] {
  if (typeof x === 'string') {
    if (!wellFormed(x)) found.push(x);
  } else if (Array.isArray(x)) {
    for (const v of x) loneSurrogates(v, found);
  } else if (typeof x === 'object' && x !== null) {
    for (const [k, v] of Object.entries(x)) {
      loneSurrogates(k, found);
      loneSurrogates(v, found);
    }
  }
  return found;
}

const EMOJI = '😀'; // one surrogate pair
const FAMILY = '👨‍👩‍👧‍👦'; // four pairs joined by ZWJ: 11 code units
const HIGH = '\ud83d'; // alone, as JSON "\ud83d" can carry it
const LOW = '\ude00';

/**
 * `emoji` at every position where it overlaps the last kept code unit of a cut to `max`
 * (cut keeps max - 1 units and adds the ellipsis), so one of them splits a pair.
 */
const across = (max: number, emoji: string) =>
  Array.from({ length: emoji.length + 1 }, (_, i) => max - 1 - emoji.length + i).map((start) => 'a'.repeat(start) + emoji + 'b'.repeat(60));

/** Text from the pieces that matter here: pairs, lone halves, ZWJ, and plain characters. */
const hostileText = fc.string({
  unit: fc.oneof(
    fc.constantFrom(EMOJI, FAMILY, HIGH, LOW, '\u200d', '\ufe0f', 'a', 'é', '…'),
    fc.integer({ min: 0, max: 0xffff }).map((u) => String.fromCharCode(u)),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  ),
  maxLength: 80,
});
const ellipsis = fc.constantFrom('…', '', '...', EMOJI, ' [cut]');

describe('cut(): well-formed, never longer than max, by code point', () => {
  it(`never yields a lone surrogate (${RUNS} generated texts, limits and ellipses)`, () => {
    expect(cut(`ab${EMOJI}cd`, 4)).toBe('ab…'); // the pair at the cut goes whole
    fc.assert(
      fc.property(hostileText, fc.integer({ min: 0, max: 90 }), ellipsis, (text, max, tail) => {
        expect(cut(text, max, tail)).not.toMatch(LONE);
      }),
      { numRuns: RUNS },
    );
  });

  it(`never exceeds max code units, and keeps all of the text it can (${RUNS} generated)`, () => {
    expect(cut('abcdef', 0)).toBe('');
    expect(cut('abcdef', 2, '...')).toBe('ab'); // an ellipsis that does not fit is left off
    fc.assert(
      fc.property(hostileText, fc.integer({ min: 0, max: 90 }), ellipsis, (text, max, tail) => {
        const out = cut(text, max, tail);
        expect(out.length).toBeLessThanOrEqual(max);
        if (text.length <= max) return;
        const used = tail.length <= max ? tail : '';
        expect(out.endsWith(used)).toBe(true);
        const kept = out.slice(0, out.length - used.length);
        // a prefix of the well-formed text, one unit short at most: the half of a split pair
        expect(replaceLone(text).startsWith(kept)).toBe(true);
        expect(kept.length).toBeGreaterThanOrEqual(max - used.length - 1);
        expect(kept).not.toMatch(LONE);
      }),
      { numRuns: RUNS },
    );
  });

  it(`keeps text that fits unchanged, except lone surrogates, which become U+FFFD (${RUNS} generated)`, () => {
    expect(cut(`curl ${HIGH}x${LOW}`, 50)).toBe('curl \ufffdx\ufffd');
    fc.assert(
      fc.property(hostileText, fc.integer({ min: 0, max: 20 }), ellipsis, (text, extra, tail) => {
        const out = cut(text, text.length + extra, tail);
        expect(out).toBe(replaceLone(text));
        if (wellFormed(text)) expect(out).toBe(text);
      }),
      { numRuns: RUNS },
    );
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), (text) => {
        expect(cut(text, text.length)).toBe(text);
      }),
      { numRuns: RUNS },
    );
  });
});

const base = {
  eventVersion: '1.08',
  eventID: 'e544d47e-6d75-45cf-a8a9-7e90d5f7d38d',
  eventName: 'GetCallerIdentity',
  eventSource: 'sts.amazonaws.com',
  eventTime: '2024-08-01T13:42:21Z',
  awsRegion: 'us-east-1',
  sourceIPAddress: '203.0.113.7',
  userAgent: 'aws-cli/2.15.0',
  requestParameters: null,
  userIdentity: {
    type: 'IAMUser',
    arn: 'arn:aws:iam::111122223333:user/canary-c1234567',
    accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
    userName: 'canary-c1234567',
    accountId: '111122223333',
  },
};

function parse(record: Record<string, unknown>): TrailEvent {
  const parsed = parseTrailEvent({ ...base, ...record });
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.event;
}

const canary = (over: Partial<CanaryRecord> = {}): CanaryRecord => ({
  id: 'c1234567',
  kind: 'aws-key',
  location: 'laptop-42 ~/.aws/credentials',
  owner: 'U0OWNER',
  createdAt: '2024-07-01T09:00:00.000Z',
  createdBy: 'U0ADMIN',
  status: 'active',
  aliases: ['AKIAIOSFODNN7EXAMPLE'],
  resource: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', userName: 'canary-c1234567' },
  ...over,
});

const incident = (e: TrailEvent, over: Partial<Incident> = {}): Incident => ({
  canaryId: 'c1234567',
  seq: 1,
  openedAt: '2024-08-01T13:43:00.000Z',
  calls: 1,
  actions: { [actionOf(e)]: 1 },
  ips: { [e.sourceIp]: 1 },
  sources: { unknown: 1 },
  firstSeen: e.eventTime,
  lastSeen: e.eventTime,
  firstEvent: { ...e, source: classifySource(e) },
  ...over,
});

/** requestParameters {"k":"<value>"}: the value starts 6 code units into the JSON. */
const params = (json: string) => ({ k: json.slice(6) });

describe('attacker text with an emoji at a cut point, or a lone surrogate, stays well-formed from the record to Slack', () => {
  it.each([
    ['an emoji', EMOJI],
    ['a ZWJ family emoji', FAMILY],
  ])(`parseTrailEvent cuts userAgent, errorMessage and requestParameters at FIELD_MAX (${FIELD_MAX}) around %s`, (_name, emoji) => {
    for (const long of across(FIELD_MAX, emoji)) {
      const e = parse({ userAgent: long, errorCode: 'AccessDenied', errorMessage: long, requestParameters: params(long) });
      for (const field of [e.userAgent, e.errorMessage!, e.requestParameters!]) {
        expect(field).not.toMatch(LONE);
        expect(field.length).toBeLessThanOrEqual(FIELD_MAX);
        expect(field.endsWith('…')).toBe(true);
      }
      expect(loneSurrogates(e)).toEqual([]);
    }
  });

  it('parseTrailEvent makes every field well-formed, short ones too (lone surrogates as JSON "\\ud83d" carries them)', () => {
    const e = parse({
      userAgent: `curl/8.0 ${HIGH}`,
      errorCode: `AccessDenied${LOW}`,
      errorMessage: `${LOW}not authorized${HIGH}`,
      eventName: `GetCallerIdentity${HIGH}`,
      awsRegion: `us-east-1${LOW}`,
      sourceIPAddress: `203.0.113.7${HIGH}`,
      eventTime: `Mon Jan 01 2024 00:00:00 GMT+0000 (${HIGH})`, // Date.parse accepts "(any text)"
      userIdentity: { ...base.userIdentity, arn: `arn:aws:iam::111122223333:user/${LOW}`, userName: HIGH },
      requestParameters: { bucketName: `b${HIGH}`, key: `k${LOW}`, repositoryName: `r${HIGH}` },
    });
    expect(loneSurrogates(e)).toEqual([]);
    expect(e.userAgent).toBe('curl/8.0 \ufffd');
    expect(e.errorMessage).toBe('\ufffdnot authorized\ufffd');
    const copy = parse({ eventName: 'CopyObject', requestParameters: { 'x-amz-copy-source': `src${LOW}/key${HIGH}%ZZ` } });
    expect(copy).toMatchObject({ bucket: 'src\ufffd', objectKey: 'key\ufffd%ZZ' });
  });

  it.each([
    ['an emoji', EMOJI],
    ['a ZWJ family emoji', FAMILY],
  ])(`inlineCode cuts at its max (default 500, 300, 100) around %s`, (_name, emoji) => {
    for (const max of [500, 300, 100]) {
      for (const long of across(max, emoji)) {
        const code = max === 500 ? inlineCode(long) : inlineCode(long, max);
        expect(code).not.toMatch(LONE);
        expect(code.length).toBeLessThanOrEqual(max + 2); // and the two backticks
      }
    }
    expect(inlineCode(`x${HIGH}`)).toBe('`x\ufffd`');
  });

  it.each([
    ['an emoji', EMOJI],
    ['a ZWJ family emoji', FAMILY],
  ])(
    'alertParent shows no lone surrogate when user agent, error, parameters, IP, ARN, location or reason has %s at its cut point',
    (_name, emoji) => {
      const messages: unknown[] = [];
      const render = (e: TrailEvent, c = canary(), inc: Partial<Incident> = {}) => {
        const msg = alertParent(c, incident(e, inc));
        messages.push(msg);
        return msg;
      };
      // the Slack cut points: inlineCode(userAgent, 300), inlineCode(errorMessage, 300),
      // inlineCode(requestParameters, 500), inlineCode(errorCode, 100), inlineCode(ip, 100)
      for (const long of across(300, emoji)) render(parse({ userAgent: long, errorCode: 'AccessDenied', errorMessage: long }));
      for (const long of across(500, emoji)) render(parse({ requestParameters: params(long) }));
      for (const long of across(100, emoji)) render(parse({ errorCode: long, sourceIPAddress: long }));
      // the header (150) with the location typed in Slack, or an unknown canary's ARN
      for (const long of across(150 - 'Canary used: '.length, emoji)) render(parse({}), canary({ location: long }));
      for (const long of across(150 - 'Unknown canary used: '.length, emoji))
        render(parse({ userIdentity: { ...base.userIdentity, arn: long } }), canary({ status: 'unknown' }));
      // the notification text (300) ends with the attacker's source IP
      const before = `Canary c1234567 used: ${actionOf(parse({}))} from `.length;
      for (const long of across(300 - before, emoji)) {
        const msg = render(parse({ sourceIPAddress: long }));
        expect(msg.text.length).toBeLessThanOrEqual(300);
      }
      // a responder's false-positive reason (300)
      for (const long of across(300, emoji))
        render(parse({}), canary(), { triage: { state: 'false-positive', by: 'U0ADMIN', at: '2024-08-01T14:00:00.000Z', reason: long } });
      // and the cut points of the record itself
      for (const long of across(FIELD_MAX, emoji))
        render(parse({ userAgent: long, errorCode: 'AccessDenied', errorMessage: long, requestParameters: params(long) }));
      expect(messages.length).toBeGreaterThan(8 * emoji.length);
      expect(loneSurrogates(messages)).toEqual([]);
    },
  );

  it('alertParent shows no lone surrogate when the record carries lone surrogates', () => {
    for (const half of [HIGH, LOW]) {
      const e = parse({
        userAgent: `boto3${half}`,
        errorCode: `Denied${half}`,
        errorMessage: `${half}`,
        sourceIPAddress: `${half}1.2.3.4`,
        requestParameters: { k: half },
        userIdentity: { ...base.userIdentity, arn: `arn${half}` },
      });
      expect(loneSurrogates(alertParent(canary(), incident(e)))).toEqual([]);
      expect(loneSurrogates(alertParent(canary({ status: 'unknown' }), incident(e)))).toEqual([]);
    }
  });

  it('other cuts of text people typed: a header, the minted notification, a /canary list filter', () => {
    for (const long of across(150, EMOJI)) expect(loneSurrogates(header(long))).toEqual([]);
    for (const long of across(80, EMOJI)) expect(mintedReply(canary({ location: long }), undefined, 'us-east-1').text).not.toMatch(LONE);
    for (const long of across(200, EMOJI)) {
      const cmd = parseCommand(`list ${long}`);
      expect(cmd.type === 'list' && cmd.filter.text).toEqual(expect.any(String));
      const filter = cmd.type === 'list' ? (cmd.filter.text ?? '') : '';
      expect(filter).not.toMatch(LONE);
      expect(filter.length).toBeLessThanOrEqual(200);
      expect(long.startsWith(filter)).toBe(true); // a search term stays a prefix: no ellipsis
    }
  });
});
