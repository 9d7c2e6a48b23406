import type { Credentials } from '../kinds/kind';
import { findKind } from '../kinds';
import { codeBlock, escapeMrkdwn, inlineCode, mention } from '../mrkdwn';
import { cut } from '../text';
import { context, ephemeral, fields, header, section } from './blocks';
import type { Reply } from './blocks';
import type { CanaryRecord } from '../model/canary';

/** The shapes people paste the key in. Region matters to SDKs that refuse to start without one. */
export function credentialShapes(c: Credentials, region: string): Array<[string, string]> {
  return [
    [
      '~/.aws/credentials',
      `[default]\naws_access_key_id = ${c.accessKeyId}\naws_secret_access_key = ${c.secretAccessKey}\nregion = ${region}`,
    ],
    [
      'Shell',
      `export AWS_ACCESS_KEY_ID=${c.accessKeyId}\nexport AWS_SECRET_ACCESS_KEY=${c.secretAccessKey}\nexport AWS_DEFAULT_REGION=${region}`,
    ],
    ['.env', `AWS_ACCESS_KEY_ID=${c.accessKeyId}\nAWS_SECRET_ACCESS_KEY=${c.secretAccessKey}\nAWS_DEFAULT_REGION=${region}`],
    ['JSON', JSON.stringify({ AccessKeyId: c.accessKeyId, SecretAccessKey: c.secretAccessKey, Region: region }, null, 2)],
  ];
}

/**
 * The one message that carries the secret: ephemeral, to the requester. The notification text
 * (shown in previews) deliberately leaves the secret out.
 */
export function mintedReply(rec: CanaryRecord, creds: Credentials | undefined, region: string): Reply {
  const kind = findKind(rec.kind);
  const blocks = [
    header(`Canary ${rec.id} is armed`),
    fields([
      ['Location', inlineCode(rec.location)],
      ['Owner', mention(rec.owner)],
      ...(kind?.describe(rec) ?? []).map(([k, v]): [string, string] => [k, inlineCode(v)]),
    ]),
  ];
  if (creds) {
    blocks.push(
      section(
        rec.selfTestSecretArn
          ? 'Paste one of these where the location says. *This is the only time the secret is shown.* Self-test is on: as you asked, a copy of the key is kept in Secrets Manager so `/canary test` can use it; it is deleted when the canary is retired.'
          : 'Paste one of these where the location says. *This is the only time the secret is shown*: the bot does not keep it.',
      ),
    );
    for (const [label, text] of credentialShapes(creds, region)) blocks.push(section(`*${label}*\n${codeBlock(text)}`));
  }
  if (!creds)
    blocks.push(
      section(
        'Nothing to paste: the object itself is the decoy. Mention it where an intruder would look (a runbook, a config comment, a bucket listing); anyone who reads it raises an alert.',
      ),
    );
  blocks.push(
    context(`Any use of this ${kind?.label ?? 'canary'} raises an alert in the security channel. \`/canary list\` shows every canary.`),
  );
  return { ...ephemeral(`Canary ${rec.id} is armed for ${escapeMrkdwn(cut(rec.location, 80))}`, blocks), replace_original: false };
}
