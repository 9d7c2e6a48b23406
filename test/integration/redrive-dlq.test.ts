import { GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDRIVE_ACTION } from '../../bot/views/redrive';
import { checkMessage } from '../../local/block-kit';
import { blockAction } from '../../local/slack-requests';
import { canaryCall, eventBridgeEnvelope, receive, snsNotificationBody } from '../support/cloudtrail';
import { ADMIN, OUTSIDER, startHarness } from '../support/harness';
import type { Harness } from '../support/harness';

/**
 * After a fix, `/canary redrive` moves what waits in the alert DLQ back to the alert queue,
 * against the emulator's real queues: the count first, a confirm, admins only, and each event
 * still counted once.
 */
describe('/canary redrive', () => {
  let h: Harness;
  const sqs = new SQSClient({ region: 'us-east-1' });
  const identity = { accessKeyId: 'AKIAREDRIVE000000001', arn: 'arn:aws:iam::123456789012:user/svc/etl-nightly', userName: 'etl-nightly' };
  const depth = async (url: string) =>
    Number(
      (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages'] }))).Attributes
        ?.ApproximateNumberOfMessages,
    );
  beforeAll(async () => {
    h = await startHarness({ env: { POWERTOOLS_LOG_LEVEL: 'ERROR' } });
    await h.store.putNewCanary({
      id: 'credriv',
      kind: 'aws-key',
      location: 'etl box',
      owner: '',
      createdAt: new Date().toISOString(),
      createdBy: 'U0ADMIN',
      status: 'active',
      aliases: [identity.accessKeyId],
      resource: {},
    });
  });
  afterAll(() => h.close());

  it('says the DLQ is empty when it is', async () => {
    const { body } = await h.command('redrive');
    expect(String(body?.text)).toContain('empty');
  });

  it('shows the count, refuses outsiders, and on confirm moves every message back to be counted once', async () => {
    // Three alerts that failed five times (or that EventBridge could not deliver), one of them twice.
    const bodies = Array.from({ length: 3 }, () => snsNotificationBody(eventBridgeEnvelope(canaryCall(identity))));
    for (const b of [...bodies, bodies[0]!]) await sqs.send(new SendMessageCommand({ QueueUrl: h.resources.dlqUrl, MessageBody: b }));

    const { body } = await h.command('redrive');
    expect(checkMessage(body!)).toEqual([]);
    expect(JSON.stringify(body!.blocks)).toContain('*4 messages* wait in the alert dead-letter queue');
    expect(JSON.stringify(body!.blocks)).toContain(REDRIVE_ACTION);
    expect(String((await h.command('redrive', { userId: OUTSIDER })).body?.text)).toMatch(/only the security team/);

    const refused = h.standin.newResponseUrl();
    await h.interact(
      blockAction({
        userId: OUTSIDER,
        actionId: REDRIVE_ACTION,
        value: '4',
        responseUrl: refused,
        channelId: 'C0ALERTS1',
        messageTs: '1.000100',
        ephemeral: true,
      }),
    );
    await h.settle();
    expect(await depth(h.resources.dlqUrl)).toBe(4);

    const url = h.standin.newResponseUrl();
    await h.interact(
      blockAction({
        userId: ADMIN,
        actionId: REDRIVE_ACTION,
        value: '4',
        responseUrl: url,
        channelId: 'C0ALERTS1',
        messageTs: '1.000100',
        ephemeral: true,
      }),
    );
    await h.settle();
    const replies = h.standin.calls
      .filter((c) => c.method === 'response_url' && url.endsWith(c.responseUrlId!))
      .map((c) => String(c.args.text));
    expect(replies.some((t) => t.startsWith('Moved 4 messages back to the alert queue.'))).toBe(true);
    expect(await depth(h.resources.dlqUrl)).toBe(0);

    const batch = await receive(h.resources.queueUrl, 10, 1);
    expect(batch.Records).toHaveLength(4);
    expect(await h.alert.handler(batch)).toEqual({ batchItemFailures: [] });
    expect((await h.store.getIncident('credriv', 1))?.calls).toBe(3);
  });
});
