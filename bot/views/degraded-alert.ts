import { actionOf } from '../alerts/trail-event';
import { escapeMrkdwn, inlineCode, mention } from '../mrkdwn';
import { cut } from '../text';
import type { Block } from './blocks';
import { context, fields, header, section } from './blocks';
import type { TrailEvent } from '../model/trail-event';
import type { CanaryRecord } from '../model/canary';

/**
 * The alert the bot posts when it cannot record an event: what the event itself says, no totals,
 * no buttons (they need the stored incident). The full alert replaces it when counting recovers.
 */
export function degradedAlert(canary: CanaryRecord, e: TrailEvent, events: number, reason: string): { text: string; blocks: Block[] } {
  const unknown = canary.status === 'unknown';
  return {
    text: escapeMrkdwn(
      cut(`${unknown ? 'Unknown canary' : `Canary ${canary.id}`} used: ${actionOf(e)} from ${e.sourceIp} (degraded alert)`, 300),
    ),
    blocks: [
      header(unknown ? `Unknown canary used: ${e.userIdentity.arn ?? canary.id}` : `Canary used: ${canary.location}`),
      section(
        `:rotating_light: *High severity* · :warning: *Degraded alert*: the bot could not record ${events === 1 ? 'this call' : `these ${events} calls`} (${inlineCode(reason, 200)}). It keeps retrying; this message becomes the full alert, with totals and buttons, when it succeeds. If it does not within minutes, disable the key in IAM and check the alert function's logs and its dead-letter queue.`,
      ),
      fields([
        ['Canary', inlineCode(canary.id)],
        ['Owner', canary.owner ? mention(canary.owner) : '_none_'],
        ['Key id', inlineCode(e.userIdentity.accessKeyId ?? canary.resource.accessKeyId ?? 'unknown', 128)],
        ['Action', inlineCode(actionOf(e), 200)],
        ['Region', inlineCode(e.region, 64)],
        ['Source IP', inlineCode(e.sourceIp, 100)],
        ['User agent', inlineCode(e.userAgent || 'none', 300)],
        ['Event time', e.eventTime.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC')],
      ]),
      context(`CloudTrail event ${inlineCode(e.eventId, 128)}`),
    ],
  };
}
