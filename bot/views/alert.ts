import type { Source } from '../alerts/source';
import { actionOf } from '../alerts/trail-event';
import { findKind } from '../kinds';
import { escapeMrkdwn, inlineCode, mention } from '../mrkdwn';
import { cut, thousands } from '../text';
import type { Block } from './blocks';
import { context, fields, header, section } from './blocks';
import type { FirstEvent, Incident } from '../model/incident';
import { incidentId } from '../model/incident';
import { livePending } from '../model/canary';
import type { CanaryRecord } from '../model/canary';

/** Stable ids the triage listeners match on; buttons carry the canary and incident. */
export const ALERT_ACTIONS = { disableKey: 'canary_disable_key', falsePositive: 'canary_false_positive', rearm: 'canary_rearm' } as const;

export interface ButtonValue {
  canaryId: string;
  seq: number;
}

const SOURCE_LABEL: Record<Source['class'], string> = {
  unknown: 'unknown source',
  scanner: 'the user agent claims to be a secret scanner',
  'aws-internal': 'AWS itself (internal call)',
};

const plural = (n: number, word: string) => `${thousands(n)} ${word}${n === 1 ? '' : 's'}`;

/** Countries are looked up by the alert handler; this module stays free of the country table. */
export type CountryLookup = (ip: string) => string | undefined;

function ipWithCountry(ip: string, cc: string | undefined): string {
  return `${inlineCode(ip, 100)}${cc ? ` (${cc})` : ''}`;
}

const hhmm = (iso: string) => `${iso.slice(11, 16)} UTC`;
const who = (by: string) => (by === 'auto' ? 'automatic containment' : mention(by));

/** Where triage stands, one line each; empty while nobody has acted. */
export function triageLines(canary: CanaryRecord, inc: Incident): string[] {
  const lines: string[] = [];
  const pending = livePending(canary);
  if (pending?.action === 'disable') lines.push(`:hourglass_flowing_sand: Disabling the key... (requested by ${who(pending.by)})`);
  if (pending?.action === 'rearm') lines.push(`:hourglass_flowing_sand: Re-arming... (requested by ${who(pending.by)})`);
  if (canary.disableFailed && canary.status !== 'disabled')
    lines.push(
      `:warning: *Disabling the key failed* for ${who(canary.disableFailed.by)} at ${hhmm(canary.disableFailed.at)}: ${inlineCode(canary.disableFailed.reason, 300)}. Disable it in IAM, or press again.`,
    );
  if (canary.status === 'retired' && canary.retiredAt)
    lines.push(`:file_cabinet: Retired by ${who(canary.retiredBy ?? '')} at ${hhmm(canary.retiredAt)}`);
  if (canary.status === 'disabled' && canary.disabledAt)
    lines.push(`:lock: *Disabled* by ${who(canary.disabledBy ?? '')} at ${hhmm(canary.disabledAt)}`);
  if (inc.triage)
    lines.push(
      `:white_check_mark: *Marked false positive* by ${mention(inc.triage.by)} at ${hhmm(inc.triage.at)}: ${inlineCode(inc.triage.reason, 300)}`,
    );
  if (canary.replacedBy) lines.push(`:recycle: Re-armed as ${inlineCode(canary.replacedBy)}`);
  return lines;
}

function ago(fromIso: string, now: number): string {
  const s = Math.max(0, Math.round((now - Date.parse(fromIso)) / 1000));
  return s < 120 ? `${s} s` : s < 7200 ? `${Math.round(s / 60)} min` : `${Math.round(s / 3600)} h`;
}

/** "3 calls · 2 IPs · 2 actions · first seen ... · last seen ...": the live part of the parent. */
export function totalsLine(inc: Incident): string {
  const ips = Object.keys(inc.ips).filter((k) => k !== 'other').length;
  const more = inc.ips.other ? '+' : '';
  return [
    `*${plural(inc.calls, 'call')}*`,
    `${plural(ips, 'IP')}${more}`,
    plural(Object.keys(inc.actions).length, 'action'),
    inc.firstSeen ? `first seen ${inc.firstSeen.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC')}` : '',
    inc.lastSeen ? `last seen ${inc.lastSeen.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC')}` : '',
  ]
    .filter(Boolean)
    .join(' · ');
}

/**
 * The parent message of an incident. Everything that came from the event (user agent, IP,
 * parameters, error message) is attacker-controlled and goes through inlineCode(). `account`
 * (organization mode only) names where the canary lives; it shares a field with the region, as
 * Slack allows ten fields.
 */
export function alertParent(canary: CanaryRecord, inc: Incident, autoDisable = false, account?: string): { text: string; blocks: Block[] } {
  const e = inc.firstEvent as FirstEvent;
  const kind = findKind(canary.kind);
  const unknown = canary.status === 'unknown';
  const title = unknown
    ? `Unknown canary used: ${e.userIdentity.arn ?? e.userIdentity.accessKeyId ?? canary.id}`
    : `Canary used: ${canary.location}`;
  const result = e.errorCode ? `${inlineCode(e.errorCode, 100)}${e.errorMessage ? ` ${inlineCode(e.errorMessage, 300)}` : ''}` : 'success';
  const severity = e.source.severity === 'high' ? ':rotating_light: *High severity*' : ':large_yellow_circle: *Lower severity*';
  const blocks: Block[] = [
    header(title),
    section(
      `${severity}: ${SOURCE_LABEL[e.source.class]}${e.source.label ? ` (${escapeMrkdwn(e.source.label)})` : ''}. ${unknown ? 'This key is under the canary path but the bot has no record of it.' : ''}`.trim(),
    ),
    fields([
      ['Canary', `${inlineCode(canary.id)} · ${kind?.label ?? canary.kind}${unknown ? ' · *unknown canary*' : ''}`],
      ['Owner', canary.owner ? mention(canary.owner) : '_none_'],
      ...(kind?.callerIsCanary
        ? ([
            ['Key id', inlineCode(e.userIdentity.accessKeyId ?? canary.resource.accessKeyId ?? 'unknown', 128)],
            ['IAM user', inlineCode(e.userIdentity.userName ?? canary.resource.userName ?? e.userIdentity.arn ?? 'unknown', 200)],
          ] as Array<[string, string]>)
        : ([
            ...(kind?.describe(canary) ?? []).map(([k, v]): [string, string] => [k, inlineCode(v, 300)]),
            [
              'Caller',
              `${inlineCode(e.userIdentity.type ?? 'unknown', 40)} ${inlineCode(e.userIdentity.arn ?? e.userIdentity.principalId ?? e.userIdentity.accountId ?? 'anonymous', 300)}`,
            ],
          ] as Array<[string, string]>)),
      ['Action', inlineCode(actionOf(e), 200)],
      account ? ['Account · region', `${inlineCode(account, 120)} · ${inlineCode(e.region, 64)}`] : ['Region', inlineCode(e.region, 64)],
      ['Result', result],
      ['Source IP', ipWithCountry(e.sourceIp, e.country)],
      ['User agent', inlineCode(e.userAgent || 'none', 300)],
      // When the incident opened, not this render's time: the parent is re-rendered on every update.
      [
        'Event time',
        `${e.eventTime.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC')}, alerted ${ago(e.eventTime, Date.parse(inc.openedAt))} later`,
      ],
    ]),
  ];
  if (e.requestParameters) blocks.push(section(`*Request parameters* ${inlineCode(e.requestParameters, 500)}`));
  blocks.push(section(totalsLine(inc)));
  const triage = triageLines(canary, inc);
  if (triage.length) blocks.push(section(triage.join('\n')));
  const buttons = triageButtons(canary, inc);
  if (buttons.length) blocks.push({ type: 'actions', block_id: 'triage', elements: buttons });
  const containment =
    (canary.autoDisable ?? autoDisable) ? 'automatic containment on: the key is disabled on the first alert' : 'automatic containment off';
  blocks.push(
    context(
      `Incident ${incidentId(canary.id, inc.seq)} · CloudTrail event ${inlineCode(e.eventId, 128)} · placed ${canary.createdAt.slice(0, 10)} · ${containment}`,
    ),
  );
  const text = `${unknown ? 'Unknown canary' : `Canary ${canary.id}`} used: ${actionOf(e)} from ${e.sourceIp}`;
  return { text: escapeMrkdwn(cut(text, 300)), blocks };
}

/** Disable key, with the confirm dialog that says what disabling costs. */
export function disableKeyButton(value: string) {
  return {
    type: 'button' as const,
    action_id: ALERT_ACTIONS.disableKey,
    style: 'danger' as const,
    text: { type: 'plain_text' as const, text: 'Disable key' },
    value,
    confirm: {
      title: { type: 'plain_text' as const, text: 'Disable this canary key?' },
      text: {
        type: 'mrkdwn' as const,
        text: "The key becomes Inactive: the attacker's next calls fail, and you may no longer see what they try next.",
      },
      confirm: { type: 'plain_text' as const, text: 'Disable key' },
      deny: { type: 'plain_text' as const, text: 'Keep watching' },
      style: 'danger' as const,
    },
  };
}

/** Only the actions that still make sense: a disabled key offers Re-arm instead of Disable. */
function triageButtons(canary: CanaryRecord, inc: Incident) {
  const value = JSON.stringify({ canaryId: canary.id, seq: inc.seq } satisfies ButtonValue);
  const buttons = [];
  if (livePending(canary)) return [];
  if ((canary.status === 'active' || canary.status === 'unknown') && findKind(canary.kind)?.disable) buttons.push(disableKeyButton(value));
  if (!inc.triage)
    buttons.push({
      type: 'button' as const,
      action_id: ALERT_ACTIONS.falsePositive,
      text: { type: 'plain_text' as const, text: 'Mark false positive' },
      value,
    });
  if (canary.status === 'disabled' && !canary.replacedBy && canary.kind === 'aws-key') {
    buttons.push({
      type: 'button' as const,
      action_id: ALERT_ACTIONS.rearm,
      style: 'primary' as const,
      text: { type: 'plain_text' as const, text: 'Re-arm' },
      value,
    });
  }
  return buttons;
}

const delta = (now: Record<string, number>, before: Record<string, number> = {}) =>
  Object.entries(now)
    .map(([k, n]): [string, number] => [k, n - (before[k] ?? 0)])
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1]);

function top(entries: Array<[string, number]>, show: (k: string) => string, max = 8): string {
  const shown = entries.slice(0, max).map(([k, n]) => `${show(k)} ×${thousands(n)}`);
  return entries.length > max ? `${shown.join(', ')} and ${entries.length - max} more` : shown.join(', ');
}

/** A batched thread reply: what happened since the last one, never one reply per call. */
export function threadSummary(
  inc: Incident,
  before: { calls: number; actions: Record<string, number>; ips: Record<string, number> },
  country: CountryLookup,
): { text: string; blocks: Block[] } {
  const calls = inc.calls - before.calls;
  const lines = [
    `*${plural(calls, 'more call')}* (${plural(inc.calls, 'call')} in all)`,
    `Actions: ${top(delta(inc.actions, before.actions), (k) => inlineCode(k, 100))}`,
    `From: ${top(delta(inc.ips, before.ips), (k) => (k === 'other' ? 'other IPs' : ipWithCountry(k, country(k))))}`,
  ];
  return { text: `${calls} more calls by canary ${inc.canaryId}`, blocks: [section(lines.join('\n'))] };
}

export function ownerNotice(canary: CanaryRecord, permalink: string | undefined): string {
  return `Your canary ${inlineCode(canary.id)} at ${inlineCode(canary.location, 200)} was just used.${permalink ? ` The security team is looking at it here: ${permalink}` : ''}`;
}
