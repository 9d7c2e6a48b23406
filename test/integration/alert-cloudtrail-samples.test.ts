import { basename } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTrailEvent } from '../../bot/alerts/trail-event';
import { unwrap } from '../../bot/alerts/envelope';
import { checkMessage } from '../../local/block-kit';
import { readSample, sampleFiles, snsNotificationBody, sqsEvent } from '../support/cloudtrail';
import { startHarness } from '../support/harness';
import type { Harness } from '../support/harness';

/**
 * Every public real-world record in ../shared/cloudtrail goes through handlers/alert, with a
 * canary registered for each identity it names: none crashes, each usable one yields messages
 * Slack accepts (the stand-in enforces Block Kit), and the unusable ones are logged with their
 * reason, said in the channel, and dropped: never retried into the DLQ.
 */
describe('every CloudTrail sample through handlers/alert', () => {
  let h: Harness;
  const outcomes = new Map<string, 'alerted' | 'ignored' | 'reported' | 'dead-lettered'>();
  beforeAll(async () => {
    h = await startHarness({ env: { ALERT_UPDATE_SECONDS: '0' } });
    const seen = new Set<string>();
    let n = 0;
    for (const file of sampleFiles()) {
      const u = unwrap(JSON.stringify(readSample(file)));
      const record = 'records' in u ? (u.records[0] as Record<string, unknown>) : {};
      const id = (record.userIdentity ?? {}) as Record<string, unknown>;
      const aliases = [id.accessKeyId, id.arn].filter((a): a is string => typeof a === 'string' && a !== '');
      if (!aliases.length || aliases.some((a) => seen.has(a))) continue;
      aliases.forEach((a) => seen.add(a));
      await h.store.putNewCanary({
        id: `cs${String(n++).padStart(5, '0')}`,
        kind: 'aws-key',
        location: `sample ${basename(file)}`,
        owner: 'U0OWNER1',
        createdAt: new Date().toISOString(),
        createdBy: 'U0ADMIN',
        status: 'active',
        aliases,
        resource: {},
      });
    }
    for (const file of sampleFiles()) {
      const [before, logged] = [h.standin.calls.length, h.logs().length];
      const out = await h.alert.handler(sqsEvent([snsNotificationBody(readSample(file))]));
      const posted = h.standin.calls.slice(before).filter((c) => c.method.startsWith('chat.') && c.args.channel === 'C0ALERTS1');
      const reported = h.logs().slice(logged).includes('reported and dropped');
      outcomes.set(
        basename(file),
        out && out.batchItemFailures.length ? 'dead-lettered' : reported ? 'reported' : posted.length ? 'alerted' : 'ignored',
      );
    }
  }, 120_000);
  afterAll(() => h.close());

  it('handles all of them without a crash', () => {
    expect(outcomes.size).toBe(sampleFiles().length);
    expect(outcomes.size).toBeGreaterThan(170);
  });

  it('alerts on every usable record that names a canary, with messages Slack accepts', () => {
    // Some samples reuse an eventID ("1"); CloudTrail's eventID is the dedupe key, so only the
    // first of those is counted and the rest are, correctly, duplicates.
    const eventIds = new Set<string>();
    for (const file of sampleFiles()) {
      const u = unwrap(JSON.stringify(readSample(file)));
      const parsed = 'records' in u ? parseTrailEvent(u.records[0]) : undefined;
      const id = parsed?.ok ? parsed.event.userIdentity : {};
      const names = Boolean(id.accessKeyId || id.arn);
      const duplicate = parsed?.ok && eventIds.has(parsed.event.eventId);
      if (parsed?.ok) eventIds.add(parsed.event.eventId);
      expect(outcomes.get(basename(file)), basename(file)).toBe(!parsed?.ok ? 'reported' : names && !duplicate ? 'alerted' : 'ignored');
    }
    const slackMessages = h.standin.calls.filter((c) => c.method.startsWith('chat.') && c.method !== 'chat.getPermalink');
    expect(slackMessages.length).toBeGreaterThan(100);
    for (const c of slackMessages) expect(checkMessage(c.args), JSON.stringify(c.args).slice(0, 200)).toEqual([]);
  });

  it('reports and drops only records it cannot use, logging the reason; none goes to the DLQ', () => {
    expect([...outcomes.values()]).not.toContain('dead-lettered');
    expect([...outcomes.values()].filter((o) => o === 'reported').length).toBeGreaterThan(0);
    expect(h.logs()).toMatch(
      /"message":"unusable message on the alert queue; reported and dropped".*"reason":"unusable CloudTrail record \(record has no eventID\)"/,
    );
    expect(h.standin.calls.some((c) => c.method === 'chat.postMessage' && String(c.args.text).includes('cannot read'))).toBe(true);
    const counts = [...outcomes.values()].reduce((m, o) => ({ ...m, [o]: (m[o] ?? 0) + 1 }), {} as Record<string, number>);
    console.log('CloudTrail samples:', JSON.stringify(counts));
  });
});
