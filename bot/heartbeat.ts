import type { Core, WithSlack } from './deps';
import { log } from './log';
import { inlineCode } from './mrkdwn';
import { runSelfTest } from './self-test';

/**
 * The end-to-end heartbeat: a tripwire that breaks without a sound is worse than none. On a
 * schedule (daily, opt-in at deploy with `-c heartbeat=true`), every canary that opted in to
 * `/canary test` at mint makes its test call; its arrival is recorded quietly. Every few minutes
 * the audit looks for a test call (scheduled or by hand) that never arrived, and says so: that is
 * how a silently broken path shows up.
 */
export const HEARTBEAT_BY = 'heartbeat';
/** CloudTrail to EventBridge takes minutes, rarely more than fifteen. */
const ARRIVAL_WITHIN_MS = 30 * 60_000;

type Deps = Core & WithSlack;

export async function sendHeartbeats(deps: Deps, now = Date.now()): Promise<number> {
  // EventBridge delivers a schedule at least once: one run a day.
  if (!(await deps.store.claimOnce(`HEARTBEAT#${new Date(now).toISOString().slice(0, 10)}`, 3 * 24 * 3600))) return 0;
  let sent = 0;
  for (const c of await deps.store.allCanaries()) {
    if (c.status !== 'active' || !c.selfTestSecretArn) continue;
    // A test call still on its way keeps its nonce: a new one would make it look like an attacker's.
    if (c.selfTest && !c.selfTest.arrivedAt && now - Date.parse(c.selfTest.at) < ARRIVAL_WITHIN_MS) continue;
    try {
      await runSelfTest(deps, c, HEARTBEAT_BY);
      sent++;
    } catch (err) {
      log.error('heartbeat call failed', { canaryId: c.id, error: err instanceof Error ? err.name : String(err) });
    }
  }
  return sent;
}

/** Test calls that should have arrived by now and did not: one alert each. */
export async function checkHeartbeats(deps: Deps, now = Date.now()): Promise<number> {
  let missing = 0;
  for (const c of await deps.store.allCanaries()) {
    const t = c.selfTest;
    if (c.status !== 'active' || !t || t.arrivedAt || t.missingReportedAt || now - Date.parse(t.at) < ARRIVAL_WITHIN_MS) continue;
    const won = await deps.store.markSelfTestMissing(c.id, t.nonce, new Date(now).toISOString());
    if (!won) continue;
    const what = t.by === HEARTBEAT_BY ? 'The scheduled heartbeat call' : `The test call <@${t.by}> asked for`;
    await deps.slack.chat
      .postMessage({
        channel: deps.config.alertChannelId,
        text: `:rotating_light: *Heartbeat missing*: ${what} with canary ${inlineCode(c.id)}'s key at ${t.at.slice(11, 16)} UTC never reached this channel. The detection path (CloudTrail, EventBridge, SNS, SQS, the alert function) is broken somewhere: run \`/canary audit\` and look at the pipeline alarms.`,
        unfurl_links: false,
      })
      .catch(async (err: unknown) => {
        // Said next time instead: the claim goes back.
        await deps.store.unmarkSelfTestMissing(c.id, t.nonce).catch(() => undefined);
        throw err;
      });
    log.error('heartbeat missing', { canaryId: c.id, at: t.at });
    missing++;
  }
  return missing;
}
