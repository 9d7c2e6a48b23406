import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkMessage } from '../../local/block-kit';
import { canaryCall, eventBridgeEnvelope, snsNotificationBody, sqsEvent } from '../support/cloudtrail';
import { startHarness } from '../support/harness';
import { mrkdwnOf } from '../support/mrkdwn-text';
import type { Harness } from '../support/harness';

const HOSTILE = '<!channel> <https://evil.example|click here> *urgent* <@U0VICTIM> `code` ~strike~ _it_ &amp;';

/** Attacker-controlled fields render as inert text: no pings, no disguised links, no formatting. */
describe('hostile CloudTrail fields are escaped before they reach mrkdwn', () => {
  let h: Harness;
  let messages: Array<Record<string, unknown>>;
  beforeAll(async () => {
    h = await startHarness({ env: { ALERT_UPDATE_SECONDS: '0' } });
    const identity = {
      accessKeyId: 'AKIAHOSTILE000000001',
      arn: `arn:aws:iam::123456789012:user${h.userPath}ci-deploy-web`,
      userName: 'ci-deploy-web',
    };
    await h.store.putNewCanary({
      id: 'chostil',
      kind: 'aws-key',
      location: 'laptop <!here>',
      owner: 'U0OWNER1',
      createdAt: new Date().toISOString(),
      createdBy: 'U0ADMIN',
      status: 'active',
      aliases: [identity.accessKeyId],
      resource: {},
    });
    const hostile = (i: number) =>
      canaryCall(identity, {
        userAgent: HOSTILE,
        sourceIPAddress: i ? `<!here>${i}` : HOSTILE,
        errorCode: `<!everyone>${i}`,
        errorMessage: HOSTILE,
        eventName: `List<@U0VICTIM>${i}`,
        awsRegion: '<#C0GENERAL>',
        requestParameters: { bucketName: HOSTILE, nested: { deep: [HOSTILE, { x: '<!subteam^S0SEC>' }] } },
      });
    await h.alert.handler(sqsEvent([snsNotificationBody(eventBridgeEnvelope(hostile(0)))]));
    await h.alert.handler(sqsEvent([1, 2, 3].map((i) => snsNotificationBody(eventBridgeEnvelope(hostile(i))))));
    messages = h.standin.calls.filter((c) => c.method.startsWith('chat.') && c.method !== 'chat.getPermalink').map((c) => c.args);
  });
  afterAll(() => h.close());

  it('posted the parent, a thread summary and an update, all accepted by Slack', () => {
    expect(messages.length).toBeGreaterThanOrEqual(3);
    for (const m of messages) expect(checkMessage(m)).toEqual([]);
  });

  it('lets no mention, broadcast, channel link or disguised link through', () => {
    for (const m of messages) {
      const text = mrkdwnOf(m).join('\n');
      for (const raw of ['<!channel>', '<!here>', '<!everyone>', '<!subteam', '<https://evil', '<@U0VICTIM>', '<#C0GENERAL>'])
        expect(text).not.toContain(raw);
      // the only mention is the canary's owner, which the bot itself wrote
      expect(text.match(/<@/g)?.length ?? 0).toBe((text.match(/<@U0OWNER1>/g) ?? []).length);
    }
  });

  it('shows the hostile text as code, escaped, with its backticks neutralised', () => {
    const parent = JSON.stringify(messages[0]!.blocks);
    expect(parent).toContain(
      '`&lt;!channel&gt; &lt;https://evil.example|click here&gt; *urgent* &lt;@U0VICTIM&gt; ˋcodeˋ ~strike~ _it_ &amp;amp;`',
    );
    expect(parent).toContain('Canary used: laptop <!here>'); // header: plain_text, where Slack renders no mrkdwn
    expect(String(messages[0]!.text)).not.toMatch(/<[!@#]/);
  });

  it('cuts very long values with a marker, within Block Kit limits', async () => {
    const before = h.standin.calls.length;
    const identity = { accessKeyId: 'AKIAHOSTILE000000001', arn: 'arn:aws:iam::123456789012:user/x', userName: 'x' };
    await h.alert.handler(
      sqsEvent([
        snsNotificationBody(
          eventBridgeEnvelope(canaryCall(identity, { userAgent: 'A'.repeat(100_000), requestParameters: { blob: 'B'.repeat(100_000) } })),
        ),
      ]),
    );
    for (const c of h.standin.calls.slice(before)) expect(checkMessage(c.args)).toEqual([]);
  });
});
