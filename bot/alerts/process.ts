import { partitionOf } from '../accounts';
import { unknownCanaryId } from '../ids';
import { KINDS } from '../kinds';
import { errorText } from '../errors';
import { guard, isGuardEvent } from '../guard';
import { classifySource, countryOf } from './source';
import type { Sources } from '../store/counting';
import { log } from '../log';
import { inlineCode } from '../mrkdwn';
import { isSelfTest } from '../self-test';
import { HEARTBEAT_BY } from '../heartbeat';
import { handleControl } from './control';
import type { Control } from './control';
import { unwrap } from './envelope';
import { performDisable, requestDisable } from '../triage/disable';
import { matchingSuppression } from '../triage/suppress';
import { alertDegraded } from './degraded';
import { reconcile } from './reconcile';
import type { AlertRuntime } from './runtime';
import { actionOf, parseTrailEvent } from './trail-event';
import { AlreadyExistsError } from '../errors';
import type { CanaryRecord } from '../model/canary';
import { ipEntry } from '../model/incident';
import type { TrailEvent } from '../model/trail-event';

export interface QueueMessage {
  id: string;
  body: string;
}

/**
 * One batch from the queue: unwrap, match each event to its canary, count every event once per
 * incident, decide containment, then bring Slack in line; everything else on the queue goes to
 * control.ts. Returns the ids of messages to redeliver: a message fails alone (its canary's
 * storage or Slack failing) and never drops the rest, and a failure a person should hear of now
 * (counting refused, the lookup failing) also posts a degraded alert.
 */
export async function processMessages(rt: AlertRuntime, messages: QueueMessage[], now = Date.now()): Promise<string[]> {
  const failed = new Set<string>();
  const groups = new Map<string, { canary: CanaryRecord; events: TrailEvent[]; messages: Set<string> }>();
  const canaries = new Map<string, Promise<CanaryRecord | undefined>>();
  const control: Array<{ id: string; message: Control }> = [];
  const unmatched: TrailEvent[] = [];
  const guarded: Array<{ id: string; event: TrailEvent }> = [];

  for (const m of messages) {
    const unwrapped = unwrap(m.body);
    if (!('records' in unwrapped)) {
      control.push({ id: m.id, message: unwrapped });
      continue;
    }
    for (const raw of unwrapped.records) {
      const parsed = parseTrailEvent(raw);
      if (!parsed.ok) {
        control.push({ id: m.id, message: { error: `unusable CloudTrail record (${parsed.reason})` } });
        continue;
      }
      const event = parsed.event;
      // A change to a canary's permissions, by anyone; a canary's own call also alerts as usual below.
      if (isGuardEvent(event)) guarded.push({ id: m.id, event });
      let canary: CanaryRecord | undefined;
      try {
        canary = await canaryFor(rt, event, canaries);
      } catch (err) {
        log.error('canary lookup failed', { messageId: m.id, eventId: event.eventId, error: errorText(err) });
        failed.add(m.id);
        unmatched.push(event);
        continue;
      }
      if (!canary) {
        log.info('event is not from a canary; ignored', { eventId: event.eventId, arn: event.userIdentity.arn, action: event.eventName });
        continue;
      }
      const group = groups.get(canary.id) ?? { canary, events: [], messages: new Set<string>() };
      group.events.push(event);
      group.messages.add(m.id);
      groups.set(canary.id, group);
    }
  }

  if (guarded.length) await guardCanaries(rt, guarded, failed);

  for (const { canary, events: all, messages: ids } of groups.values()) {
    let counted = false;
    try {
      const events = await countAndDropSuppressed(rt, canary, await reportAndDropSelfTests(rt, canary, all, now), now);
      if (!events.length) continue;
      const seq = await incidentFor(rt, canary, events, now);
      const fresh = await rt.alertStore.countEvents(canary, seq, events, now, SOURCES);
      counted = true;
      log.info('canary events counted', { canaryId: canary.id, incident: seq, received: events.length, new: fresh.length });
      // Containment is decided from the stored state, before Slack hears: an outage never delays
      // it. A failure is retried with the messages, after the alert is out.
      const containment =
        canary.status === 'active' && (canary.autoDisable ?? rt.config.autoDisable)
          ? await contain(rt, canary, seq).then(
              () => undefined,
              (err: unknown) => err,
            )
          : undefined;
      await reconcile(rt, canary, seq, now);
      if (containment) throw containment;
    } catch (err) {
      log.error('alert processing failed; the messages will be redelivered', {
        canaryId: canary.id,
        events: all.length,
        error: errorText(err),
      });
      ids.forEach((id) => failed.add(id));
      // Counting failed for good (not a race: those are retried inside): a person still hears now.
      if (!counted)
        await alertDegraded(
          rt,
          canary,
          all.filter((e) => !isSelfTest(canary, e.userAgent) && !matchingSuppression(canary, e)),
          errorText(err),
          now,
        );
    }
  }
  // The store could not even say which canary (DynamoDB unreachable): every event on this queue
  // came from a detection rule, so say so per key rather than stay silent.
  for (const events of groupBy(unmatched, (e) => e.userIdentity.arn ?? e.userIdentity.accessKeyId ?? 'unknown').values()) {
    const arn = events[0]!.userIdentity.arn ?? events[0]!.userIdentity.accessKeyId ?? 'unknown';
    await alertDegraded(rt, standIn(arn, events[0]!), events, 'the canary lookup failed', now);
  }
  await handleControl(rt, control, failed, now);
  return [...failed];
}

const groupBy = <T>(xs: T[], key: (x: T) => string) =>
  xs.reduce((m, x) => m.set(key(x), [...(m.get(key(x)) ?? []), x]), new Map<string, T[]>());

/** A record for a key the store could not look up: enough for a degraded alert, never stored. */
function standIn(arn: string, e: TrailEvent): CanaryRecord {
  return {
    id: unknownCanaryId(arn),
    kind: 'aws-key',
    location: 'unknown (the canary lookup failed)',
    owner: '',
    createdAt: e.eventTime,
    createdBy: 'cloudtrail',
    status: 'unknown',
    aliases: [],
    resource: { ...(e.userIdentity.accessKeyId ? { accessKeyId: e.userIdentity.accessKeyId } : {}) },
  };
}

/**
 * The incident these events belong to. A false-positive verdict covers the sources it saw: a new
 * source raises a new top-level alert instead of a line under a message marked harmless.
 */
async function incidentFor(rt: AlertRuntime, canary: CanaryRecord, events: TrailEvent[], now: number): Promise<number> {
  const seq = await rt.alertStore.currentIncident(canary.id, now);
  const inc = await rt.store.getIncident(canary.id, seq);
  if (!inc?.triage || events.every((e) => ipEntry(e.sourceIp) in inc.ips)) return seq;
  log.info('new source after a false positive: a new incident', { canaryId: canary.id, closed: seq });
  return rt.alertStore.currentIncident(canary.id, now, seq);
}

/**
 * Automatic containment: the first alert disables the key, through the same conditional claim
 * and code as the button, so it happens once however many Lambdas see the first calls.
 */
async function contain(rt: AlertRuntime, canary: CanaryRecord, seq: number): Promise<void> {
  if (canary.status !== 'active') return;
  const claimed = await requestDisable(rt, canary.id, seq, 'auto');
  if (claimed.ok) await performDisable(rt, canary.id, seq, 'auto');
}

/**
 * The bot's own `/canary test` calls (recognised by the nonce in their user agent) prove the
 * pipeline end to end: each is reported once as a test, closed, and opens no incident.
 */
async function reportAndDropSelfTests(rt: AlertRuntime, canary: CanaryRecord, events: TrailEvent[], now: number): Promise<TrailEvent[]> {
  const rest: TrailEvent[] = [];
  for (const e of events) {
    if (!isSelfTest(canary, e.userAgent)) {
      rest.push(e);
      continue;
    }
    if (!(await rt.store.claimEvent(e.eventId, 7 * 24 * 3600))) continue;
    const took = canary.selfTest ? Math.max(0, Math.round((now - Date.parse(canary.selfTest.at)) / 1000)) : undefined;
    await rt.store.markSelfTestArrived(canary.id, canary.selfTest!.nonce, new Date(now).toISOString());
    await rt.store.recordAction(canary.id, {
      action: 'self-test-arrived',
      by: canary.selfTest?.by ?? 'unknown',
      detail: `${took ?? '?'} s`,
    });
    if (canary.selfTest?.by === HEARTBEAT_BY) continue; // the scheduled heartbeat arrives quietly
    const text = `:test_tube: *Self-test of canary ${inlineCode(canary.id)}* (${inlineCode(canary.location, 120)}) arrived: ${inlineCode(actionOf(e))} in ${inlineCode(e.region, 40)}${took !== undefined ? `, ${took} s after the test call` : ''}. CloudTrail -> EventBridge -> SNS -> SQS -> Slack works end to end. Closed automatically.`;
    await rt.slack.chat.postMessage({ channel: rt.config.alertChannelId, text, unfurl_links: false });
  }
  return rest;
}

/** Calls from a suppressed source are counted against their suppression and raise nothing. */
async function countAndDropSuppressed(rt: AlertRuntime, canary: CanaryRecord, events: TrailEvent[], now: number): Promise<TrailEvent[]> {
  const bySuppression = new Map<string, TrailEvent[]>();
  const rest: TrailEvent[] = [];
  for (const e of events) {
    const id = matchingSuppression(canary, e);
    if (id) bySuppression.set(id, [...(bySuppression.get(id) ?? []), e]);
    else rest.push(e);
  }
  for (const [id, matched] of bySuppression) {
    const counted = await rt.alertStore.countSuppressed(canary, id, matched, now);
    log.info('suppressed calls counted', { canaryId: canary.id, suppression: id, received: matched.length, new: counted.length });
  }
  return rest;
}

/**
 * The guard's events are every IAM change to any user of the account, most of them real users, and
 * IAM names users without case, so the canary they touch is found by name among the guarded
 * canaries, read at most every GUARD_READ_MS per process (and again at most every
 * GUARD_REREAD_MS when a name is not found: a canary minted since), never once per event: a flood
 * of IAM changes costs a read of the records every few seconds, not one per message.
 */
const GUARD_READ_MS = 60_000;
const GUARD_REREAD_MS = 10_000;
let guardedCache: { at: number; canaries: CanaryRecord[]; store: unknown } | undefined;
async function guardedCanaries(rt: AlertRuntime, names: string[], now = Date.now()): Promise<CanaryRecord[]> {
  const fresh = guardedCache && guardedCache.store === rt.store && now - guardedCache.at < GUARD_READ_MS;
  const known = (c: CanaryRecord[]) => names.every((n) => c.some((x) => x.resource.userName?.toLowerCase() === n));
  if (fresh && (known(guardedCache!.canaries) || now - guardedCache!.at < GUARD_REREAD_MS)) return guardedCache!.canaries;
  const canaries = (await rt.store.allCanaries()).filter((c) => c.kind === 'aws-key' && c.status !== 'retired' && !c.account);
  guardedCache = { at: now, canaries, store: rt.store };
  return canaries;
}

/** Each guarded IAM change that acted on a canary's user: the guard restores it (a failure is retried). */
async function guardCanaries(rt: AlertRuntime, guarded: Array<{ id: string; event: TrailEvent }>, failed: Set<string>): Promise<void> {
  let canaries: CanaryRecord[];
  try {
    canaries = await guardedCanaries(
      rt,
      guarded.map((g) => g.event.targetUser!.toLowerCase()),
    );
  } catch (err) {
    log.error('could not read the canaries for the guard; the messages will be redelivered', { error: errorText(err) });
    guarded.forEach((g) => failed.add(g.id));
    return;
  }
  const restored = new Set<string>(); // the guard compares state: once per canary per batch is enough
  for (const { id, event } of guarded) {
    const target = event.targetUser!.toLowerCase(); // IAM user names are unique without case
    const home = rt.config.homeAccountId ?? event.userIdentity.accountId;
    // The guard's events are the home account's (its rule pins it): a member canary of the same name is not this user.
    const canary =
      canaries.find((c) => c.resource.userName?.toLowerCase() === target) ??
      // Minted since the list was read: its user's ARN, as the event names the user, is one of its aliases.
      (home
        ? await rt.store
            .findByAlias([`arn:${partitionOf(rt.config.region)}:iam::${home}:user${rt.config.userPath}${event.targetUser}`])
            .then((c) => (c && c.kind === 'aws-key' && !c.account ? c : undefined))
            .catch((err: unknown) => {
              // Unread is not "not a canary": the message comes back.
              log.error('could not look up the user the guard event names; it will be redelivered', { error: errorText(err) });
              failed.add(id);
              return undefined;
            })
        : undefined);
    if (!canary || restored.has(canary.id)) continue;
    restored.add(canary.id);
    // The list may be a minute old: the guard acts on the record as it is now (retired since, say).
    const current = await rt.store.getCanary(canary.id).catch(() => canary);
    if (!current || current.status === 'retired') continue;
    await guard(rt, current, event).catch((err: unknown) => {
      log.error('the guard could not restore a canary; the message will be redelivered', { canaryId: canary.id, error: errorText(err) });
      failed.add(id);
    });
  }
}

/** The canary an event belongs to: through its aliases, or an "unknown canary" under our path. */
async function canaryFor(
  rt: AlertRuntime,
  event: TrailEvent,
  cache: Map<string, Promise<CanaryRecord | undefined>>,
): Promise<CanaryRecord | undefined> {
  const aliases = [...new Set(KINDS.flatMap((k) => k.aliasesFromEvent(event)))];
  const key = aliases.join('|');
  if (!cache.has(key)) cache.set(key, rt.store.findByAlias(aliases));
  const known = await cache.get(key);
  if (known) return known;
  const arn = event.userIdentity.arn ?? '';
  if (!arn.includes(`:user${rt.config.userPath}`)) return undefined;
  // Organization mode's rule takes any account (the bus takes the organization's only, but a call
  // from outside into the home account is logged there too): an unknown user must be ours.
  if (rt.config.organizationId && !(await inOrganization(rt, arn.split(':')[4]))) {
    log.warn('a user under the canary path in an account outside the organization; ignored', { arn });
    return undefined;
  }
  return unknownCanary(rt, event, arn, cache, key);
}

async function inOrganization(rt: AlertRuntime, account: string | undefined): Promise<boolean> {
  if (!account || account === rt.config.homeAccountId) return true;
  const listed = await rt.store.getOrgAccounts().catch(() => undefined);
  // No list yet (the audit writes it daily): alert rather than drop.
  return !listed || listed.accounts.some((a) => a.id === account);
}

/**
 * A user under the canary path that the store does not know (minted by hand, or by another
 * deployment) still alerts. It gets a record of its own, status "unknown", with a stable id
 * derived from its ARN, so its events form incidents like any other canary's.
 */
async function unknownCanary(
  rt: AlertRuntime,
  event: TrailEvent,
  arn: string,
  cache: Map<string, Promise<CanaryRecord | undefined>>,
  key: string,
): Promise<CanaryRecord> {
  const id = unknownCanaryId(arn);
  // Organization mode: a user of a member account is reached, for Disable key, through its role there.
  const account = arn.split(':')[4];
  const member =
    rt.config.organizationId && account && /^\d{12}$/.test(account) && account !== rt.config.homeAccountId ? account : undefined;
  const record: CanaryRecord = {
    id,
    kind: 'aws-key',
    location: 'unknown: not minted by this bot',
    owner: '',
    createdAt: new Date().toISOString(),
    createdBy: 'cloudtrail',
    status: 'unknown',
    ...(member ? { account: member } : {}),
    aliases: [arn],
    resource: {
      userArn: arn,
      ...(event.userIdentity.userName ? { userName: event.userIdentity.userName } : {}),
      ...(event.userIdentity.accessKeyId ? { accessKeyId: event.userIdentity.accessKeyId } : {}),
    },
  };
  try {
    await rt.store.putNewCanary(record);
    log.warn('event from an unknown canary under the canary path', { canaryId: id, arn });
  } catch (err) {
    if (!(err instanceof AlreadyExistsError)) throw err;
  }
  const stored = (await rt.store.getCanary(id)) ?? record;
  cache.set(key, Promise.resolve(stored));
  return stored;
}

/** How counting reads a source: its class, and for the first event the details the parent shows. */
const SOURCES: Sources = {
  classify: classifySource,
  describe: (e) => {
    const country = countryOf(e.sourceIp);
    return { ...e, source: classifySource(e), ...(country ? { country } : {}) };
  },
};
