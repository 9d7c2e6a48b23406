import { DescribeImagesCommand, DescribeRepositoriesCommand, ECRClient } from '@aws-sdk/client-ecr';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RETIRE_ACTION } from '../../bot/views/retire';
import { checkMessage } from '../../local/block-kit';
import { blockAction, viewSubmission } from '../../local/slack-requests';
import { SAMPLES_DIR, eventBridgeEnvelope, readSample, snsNotificationBody, sqsEvent } from '../support/cloudtrail';
import { ADMIN, startHarness } from '../support/harness';
import type { Harness } from '../support/harness';
import { awsEndpoint } from '../support/emulator';
import type { CanaryRecord } from '../../bot/model/canary';

describe('ecr-image decoys, minted from the form, alerting on pulls', () => {
  let h: Harness;
  let canary: CanaryRecord;
  const ecr = () =>
    new ECRClient({ region: 'us-east-1', endpoint: awsEndpoint(), credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  beforeAll(async () => {
    h = await startHarness({ env: { ALERT_UPDATE_SECONDS: '0' } });
    await h.command('new');
    const view = h.standin.calls.find((c) => c.method === 'views.open')!.args.view as Record<string, string>;
    const kinds = JSON.stringify(view);
    expect(kinds).toContain('"value":"ecr-image"');
    expect(kinds).toContain('"value":"s3-object"');
    await h.interact(
      viewSubmission({
        userId: ADMIN,
        callbackId: view.callback_id!,
        privateMetadata: view.private_metadata!,
        values: {
          kind: { value: { type: 'static_select', selected_option: { value: 'ecr-image' } } },
          location: { value: { type: 'plain_text_input', value: 'mentioned in the deploy runbook' } },
          owner: { value: { type: 'users_select', selected_user: 'U0OWNER1' } },
        },
      }),
    );
    await h.settle();
    const rec = (await h.store.allCanaries()).find((i) => i.kind === 'ecr-image')!;
    canary = (await h.store.getCanary(String(rec.id)))!;
  });
  afterAll(() => h.close());

  it('creates the decoy repository and tagged image, and records them', async () => {
    const repos =
      (await ecr().send(new DescribeRepositoriesCommand({ repositoryNames: [canary.resource.repository!] }))).repositories ?? [];
    expect(repos).toHaveLength(1);
    const images =
      (
        await ecr().send(
          new DescribeImagesCommand({ repositoryName: canary.resource.repository!, imageIds: [{ imageTag: canary.resource.tag! }] }),
        )
      ).imageDetails ?? [];
    expect(images).toHaveLength(1);
    expect(canary).toMatchObject({
      location: 'mentioned in the deploy runbook',
      owner: 'U0OWNER1',
      aliases: [`ecr://${canary.resource.repository}`],
    });
  });

  it('alerts on a pull (BatchGetImage) by any caller, through the same thread', async () => {
    const base = readSample(join(SAMPLES_DIR, 'edge', '001-sts-GetCallerIdentity-iamuser.json'));
    const pull = (eventName: string) => ({
      ...base,
      eventID: `ecr-${Math.random()}`,
      eventTime: new Date().toISOString(),
      eventSource: 'ecr.amazonaws.com',
      eventName,
      awsRegion: 'us-east-1',
      requestParameters: {
        registryId: '123456789012',
        repositoryName: canary.resource.repository,
        imageIds: [{ imageTag: canary.resource.tag }],
      },
    });
    expect(await h.alert.handler(sqsEvent([snsNotificationBody(eventBridgeEnvelope(pull('BatchGetImage')))]))).toEqual({
      batchItemFailures: [],
    });
    const post = h.standin.calls.find((c) => c.method === 'chat.postMessage' && c.args.channel === 'C0ALERTS1')!;
    expect(checkMessage(post.args)).toEqual([]);
    const text = JSON.stringify(post.args.blocks);
    expect(text).toContain(`\`${canary.resource.repository}:${canary.resource.tag}\``);
    expect(text).toContain('`IAMUser` `arn:aws:iam::070411556318:user/christophe`');
    expect(text).toContain('`ecr:BatchGetImage`');
    await h.alert.handler(sqsEvent([snsNotificationBody(eventBridgeEnvelope(pull('GetDownloadUrlForLayer')))]));
    expect(
      h.standin.calls.some(
        (c) =>
          c.method === 'chat.postMessage' && c.args.thread_ts && JSON.stringify(c.args.blocks).includes('`ecr:GetDownloadUrlForLayer`'),
      ),
    ).toBe(true);
  });

  it('retires by deleting the repository', async () => {
    await h.interact(
      blockAction({
        userId: ADMIN,
        actionId: RETIRE_ACTION,
        value: JSON.stringify({ canaryId: canary.id, seq: 0 }),
        responseUrl: h.standin.newResponseUrl(),
        channelId: 'C0SECURITY',
        messageTs: '1.000001',
      }),
    );
    await h.settle();
    await expect(ecr().send(new DescribeRepositoriesCommand({ repositoryNames: [canary.resource.repository!] }))).rejects.toMatchObject({
      name: 'RepositoryNotFoundException',
    });
    expect(await h.store.getCanary(canary.id)).toMatchObject({ status: 'retired' });
  });
});
