import { CloudTrailClient, CreateTrailCommand, GetEventSelectorsCommand } from '@aws-sdk/client-cloudtrail';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { placeholderSelector } from '../../bot/kinds/data-events';
import { s3DecoyEventPattern } from '../../infra/detection';
import { ALERT_ACTIONS } from '../../bot/views/alert';
import { RETIRE_ACTION } from '../../bot/views/retire';
import { checkMessage } from '../../local/block-kit';
import { blockAction } from '../../local/slack-requests';
import { SAMPLES_DIR, eventBridgeEnvelope, readSample, snsNotificationBody, sqsEvent } from '../support/cloudtrail';
import { startHarness } from '../support/harness';
import type { Harness } from '../support/harness';
import { join } from 'node:path';
import { awsEndpoint } from '../support/emulator';
import type { CanaryRecord } from '../../bot/model/canary';

describe('s3-object decoys: minted, selected for data events, alerting through the same incidents and triage', () => {
  let h: Harness;
  let canary: CanaryRecord;
  const aws = () => ({ region: 'us-east-1', endpoint: awsEndpoint(), credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const trusted = 'arn:aws:iam::123456789012:role/company-backup-verifier';
  const trail = `decoys-${Date.now()}`;
  beforeAll(async () => {
    await new S3Client({ ...aws(), forcePathStyle: true }).send(new CreateBucketCommand({ Bucket: `${trail}-logs` }));
    const created = await new CloudTrailClient(aws()).send(new CreateTrailCommand({ Name: trail, S3BucketName: `${trail}-logs` }));
    // As the CDK app sets it: the trail's ARN, which the functions' roles name.
    h = await startHarness({ env: { ALERT_UPDATE_SECONDS: '0', DECOY_TRAIL_NAME: created.TrailARN! } });
    const { body } = await h.command(`new s3-object finance wiki, page "Backups" --allow-principal ${trusted}`);
    expect(String(body?.text)).toContain('Minting a canary (S3 decoy object)');
    await h.settle();
    const rec = (await h.store.allCanaries()).find((i) => i.kind === 's3-object')!;
    canary = (await h.store.getCanary(String(rec.id)))!;
  });
  afterAll(() => h.close());

  /** A GetObject from the real sample (edge/046, an assumed role), aimed at the decoy. */
  const read = (arn: string, ip = '1.2.3.4') => {
    const r = readSample(join(SAMPLES_DIR, 'edge', '046-s3-GetObject-assumedrole.json'));
    return {
      ...r,
      eventID: `s3-${Math.random()}`,
      eventTime: new Date().toISOString(),
      sourceIPAddress: ip,
      requestParameters: {
        bucketName: canary.resource.bucket,
        key: canary.resource.key,
        Host: `${canary.resource.bucket}.s3.amazonaws.com`,
      },
      userIdentity: { ...(r.userIdentity as object), arn },
    };
  };

  it('creates the decoy bucket and object, records them, and selects data events for that object only', async () => {
    const s3 = new S3Client({ ...aws(), forcePathStyle: true });
    await s3.send(new HeadBucketCommand({ Bucket: canary.resource.bucket }));
    await s3.send(new HeadObjectCommand({ Bucket: canary.resource.bucket, Key: canary.resource.key }));
    expect(canary.resource.key).toMatch(/\//);
    expect(canary.aliases).toEqual([`s3://${canary.resource.bucket}/${canary.resource.key}`]);
    const selectors =
      (await new CloudTrailClient(aws()).send(new GetEventSelectorsCommand({ TrailName: canary.resource.dataEvents })))
        .AdvancedEventSelectors ?? [];
    expect(JSON.stringify(selectors)).toContain(`arn:aws:s3:::${canary.resource.bucket}/${canary.resource.key}`);
    const reply = h.standin.calls.find((c) => c.method === 'response_url' && JSON.stringify(c.args).includes('Nothing to paste'));
    expect(reply).toBeDefined();
  });

  it('alerts on a read by anyone, showing the object and the caller of any identity type', async () => {
    const attacker = 'arn:aws:sts::123456789012:assumed-role/web-app-role/i-0317f6c6b66ae9c40';
    const out = await h.alert.handler(sqsEvent([snsNotificationBody(eventBridgeEnvelope(read(attacker)))]));
    expect(out).toEqual({ batchItemFailures: [] });
    const post = h.standin.calls.find((c) => c.method === 'chat.postMessage' && c.args.channel === 'C0ALERTS1')!;
    expect(checkMessage(post.args)).toEqual([]);
    const text = JSON.stringify(post.args.blocks);
    expect(text).toContain(`\`s3://${canary.resource.bucket}/${canary.resource.key}\``);
    expect(text).toContain(`\`AssumedRole\` \`${attacker}\``);
    expect(text).toContain('`s3:GetObject`');
    const buttons = (post.args.blocks as Array<{ type: string; elements?: Array<{ action_id: string }> }>)
      .find((b) => b.type === 'actions')!
      .elements!.map((e) => e.action_id);
    expect(buttons).toEqual([ALERT_ACTIONS.falsePositive]); // nothing to disable: there is no key
  });

  it('counts a read by an allowlisted principal (any session of the trusted role) without alerting', async () => {
    const before = h.standin.calls.length;
    await h.alert.handler(
      sqsEvent([snsNotificationBody(eventBridgeEnvelope(read('arn:aws:sts::123456789012:assumed-role/company-backup-verifier/nightly')))]),
    );
    expect(h.standin.calls.length).toBe(before);
    const c = (await h.store.getCanary(canary.id))!;
    expect(Object.values(c.suppressions!)).toMatchObject([{ principalArn: trusted, hits: 1 }]);
  });

  /** /canary audit, and the report it answers with. */
  const auditReport = async () => {
    const { responseUrl } = await h.command('audit');
    await h.settle();
    return JSON.stringify(
      h.standin.calls.filter((c) => c.method === 'response_url' && responseUrl.endsWith(c.responseUrlId!)).at(-1)!.args.blocks,
    );
  };

  it('checks the decoy with no call the S3 decoy rule matches, nor one the decoy trail records', async () => {
    // The bot's S3 client is the SDK's (the kind loads it on first use): every command it sends, recorded.
    const sent: Array<{ command: string; input: Record<string, unknown> }> = [];
    const send = S3Client.prototype.send;
    const spy = vi.spyOn(S3Client.prototype, 'send').mockImplementation(function (this: S3Client, command: unknown, ...rest: unknown[]) {
      const c = command as { constructor: { name: string }; input: Record<string, unknown> };
      sent.push({ command: c.constructor.name, input: c.input });
      return (send as (...a: unknown[]) => unknown).call(this, command, ...rest);
    } as typeof send);
    let report: string;
    try {
      report = await auditReport();
    } finally {
      spy.mockRestore();
    }
    const mine = sent.filter((c) => c.input.Bucket === canary.resource.bucket);
    expect(mine.length).toBeGreaterThan(0);
    // CloudTrail's event names: the command's, ListObjectsV2 logged as ListObjects.
    const eventNames = mine.map((c) => c.command.replace(/Command$/, '').replace(/^ListObjectsV2$/, 'ListObjects'));
    const pattern = s3DecoyEventPattern('123456789012') as { detail: { eventName: string[] } };
    expect(eventNames.filter((n) => pattern.detail.eventName.includes(n))).toEqual([]);
    // A listing is an object-level event only for "a prefix specified in the trail": the decoy's ARN is not its prefix.
    for (const c of mine) expect(c.input.Prefix).not.toBe(canary.resource.key);
    expect(report).not.toContain(`s3://${canary.resource.bucket}/${canary.resource.key}`);
  });

  it('is reported by the audit when the decoy object is rewritten, or gone', async () => {
    const s3 = new S3Client({ ...aws(), forcePathStyle: true });
    const Bucket = canary.resource.bucket!;
    const Key = canary.resource.key!;
    const original = await (await s3.send(new GetObjectCommand({ Bucket, Key }))).Body!.transformToString();
    await s3.send(new PutObjectCommand({ Bucket, Key, Body: 'something else entirely' }));
    expect(await auditReport()).toContain('was rewritten after it was minted');
    await s3.send(new DeleteObjectCommand({ Bucket, Key }));
    expect(await auditReport()).toContain('is gone (NoSuchKey)');
    await s3.send(new PutObjectCommand({ Bucket, Key, Body: original, ContentType: 'application/octet-stream' }));
    const report = await auditReport();
    expect(report).not.toContain('was rewritten');
    expect(report).not.toContain('is gone');
    // The listing the audit makes finds the object among neighbours of its prefix.
    expect((await s3.send(new ListObjectsV2Command({ Bucket, Prefix: Key.slice(0, -1) }))).Contents?.map((o) => o.Key)).toEqual([Key]);
  });

  it("refuses a mint beyond the decoy trail's 500 selector values with a reason, leaving nothing behind", async () => {
    const { PutEventSelectorsCommand } = await import('@aws-sdk/client-cloudtrail');
    const ct = new CloudTrailClient(aws());
    const TrailName = canary.resource.dataEvents!;
    const before = (await ct.send(new GetEventSelectorsCommand({ TrailName }))).AdvancedEventSelectors!;
    // Someone else's selector of 497 values, beside the decoys' 3: the next decoy would make 501.
    const other = {
      Name: 'someone else',
      FieldSelectors: [
        { Field: 'eventCategory', Equals: ['Data'] },
        { Field: 'resources.type', Equals: ['AWS::S3::Object'] },
        { Field: 'resources.ARN', Equals: Array.from({ length: 495 }, (_, i) => `arn:aws:s3:::other/k${i}`) },
      ],
    };
    await ct.send(new PutEventSelectorsCommand({ TrailName, AdvancedEventSelectors: [...before, other] }));
    const count = (await h.store.allCanaries()).length;
    const { responseUrl } = await h.command('new s3-object one too many');
    await h.settle();
    const reply = JSON.stringify(h.standin.calls.filter((c) => c.method === 'response_url' && responseUrl.endsWith(c.responseUrlId!)));
    expect(reply).toContain('CloudTrail allows a trail 500 values across all its advanced event selectors');
    expect(reply).toContain('leaves room for 1 decoy objects');
    expect((await h.store.allCanaries()).length).toBe(count);
    expect((await ct.send(new GetEventSelectorsCommand({ TrailName }))).AdvancedEventSelectors).toEqual([...before, other]);
    await ct.send(new PutEventSelectorsCommand({ TrailName, AdvancedEventSelectors: before }));
  });

  it('is reported by the audit when the trail stops selecting the object', async () => {
    const { PutEventSelectorsCommand } = await import('@aws-sdk/client-cloudtrail');
    const ct = new CloudTrailClient(aws());
    const before = await ct.send(new GetEventSelectorsCommand({ TrailName: canary.resource.dataEvents }));
    await ct.send(
      new PutEventSelectorsCommand({
        TrailName: canary.resource.dataEvents,
        AdvancedEventSelectors: [
          {
            Name: 'someone else',
            FieldSelectors: [
              { Field: 'eventCategory', Equals: ['Data'] },
              { Field: 'resources.type', Equals: ['AWS::S3::Object'] },
              { Field: 'resources.ARN', Equals: ['arn:aws:s3:::other/x'] },
            ],
          },
        ],
      }),
    );
    expect(await auditReport()).toContain('the decoy trail no longer records reads of this object');
    await ct.send(
      new PutEventSelectorsCommand({ TrailName: canary.resource.dataEvents, AdvancedEventSelectors: before.AdvancedEventSelectors }),
    );
  });

  it('retires by removing the object, its bucket and its data-event selection', async () => {
    const url = h.standin.newResponseUrl();
    await h.interact(
      blockAction({
        userId: 'UADMIN001',
        actionId: RETIRE_ACTION,
        value: JSON.stringify({ canaryId: canary.id, seq: 0 }),
        responseUrl: url,
        channelId: 'C0SECURITY',
        messageTs: '1.000001',
      }),
    );
    await h.settle();
    const s3 = new S3Client({ ...aws(), forcePathStyle: true });
    await expect(s3.send(new HeadBucketCommand({ Bucket: canary.resource.bucket }))).rejects.toBeDefined();
    expect(await h.store.getCanary(canary.id)).toMatchObject({ status: 'retired' });
    // The last decoy gone, the trail records nothing, with a selector CloudTrail accepts (the
    // emulator refuses one that selects nothing): data events on a prefix of its own log bucket.
    const out = await new CloudTrailClient(aws()).send(new GetEventSelectorsCommand({ TrailName: canary.resource.dataEvents }));
    expect(out.AdvancedEventSelectors).toEqual([placeholderSelector('aws', `${trail}-logs`)]);
    expect(out.EventSelectors ?? []).toEqual([]);
  });

  it('lists the kinds in /canary help', async () => {
    const { body } = await h.command('help');
    expect(JSON.stringify(body?.blocks)).toContain('`s3-object`');
  });
});
