import type { AlarmNotice } from '../alerts/envelope';
import { escapeMrkdwn, inlineCode } from '../mrkdwn';
import type { Block } from './blocks';
import { context, section } from './blocks';

/**
 * A pipeline alarm in the security channel: what broke and what to do (the alarm's description,
 * written in infra/), then CloudWatch's reason. Short: the email has the rest.
 */
export function opsAlarmMessage(a: AlarmNotice): { text: string; blocks: Block[] } {
  const firing = a.state === 'ALARM';
  const head = firing
    ? ':rotating_light: *Pipeline alarm*'
    : a.state === 'OK'
      ? ':white_check_mark: *Pipeline alarm resolved*'
      : `:grey_question: *Pipeline alarm ${escapeMrkdwn(a.state)}*`;
  const text = `${firing ? 'Pipeline alarm' : `Pipeline alarm ${a.state}`}: ${a.name}`;
  return {
    text: escapeMrkdwn(text),
    blocks: [
      section(
        `${head}: ${inlineCode(a.name, 200)} in ${inlineCode(a.region || 'unknown region', 40)}\n${escapeMrkdwn(a.description || 'No description.')}`,
      ),
      context(
        `${a.previous ? `${escapeMrkdwn(a.previous)} -> ${escapeMrkdwn(a.state)}` : escapeMrkdwn(a.state)} at ${escapeMrkdwn(a.at)} · ${inlineCode(a.reason || 'no reason given', 400)}`,
      ),
    ],
  };
}
