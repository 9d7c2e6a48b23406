import { randomInt } from 'node:crypto';
import { CloudTrailClient, CreateTrailCommand, StartLoggingCommand } from '@aws-sdk/client-cloudtrail';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { STSClient } from '@aws-sdk/client-sts';
import { enterAccount } from '../support/accounts';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { answerDeployCheck, isCustomResourceEvent } from '../../bot/deploy-check';
import { checkTrailCoverage } from '../../bot/audit';
import { awsEndpoint } from '../support/emulator';

/**
 * The deploy-time check (CloudFormation custom resource -> the audit function): in an account
 * where no trail logs management events, EventBridge would never see a canary's call, so the
 * deploy fails with a reason that says what to do. Against the emulator, in an account of its own.
 */
describe('the deploy refuses an account without a logging trail', () => {
  const region = 'us-east-1';
  const account = String(randomInt(100_000_000_000, 999_999_999_999));
  const event = (RequestType: 'Create' | 'Update' | 'Delete'): CloudFormationCustomResourceEvent =>
    ({
      RequestType,
      ServiceToken: 'arn:aws:lambda:us-east-1:1:function:audit',
      ResponseURL: 'https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x?sig',
      StackId: 'arn:aws:cloudformation:us-east-1:1:stack/CanaryBot/1',
      RequestId: 'r1',
      LogicalResourceId: 'TrailCheck',
      ResourceType: 'AWS::CloudFormation::CustomResource',
      ResourceProperties: { ServiceToken: 'x' },
      ...(RequestType === 'Create' ? {} : { PhysicalResourceId: 'TrailCheck-trail-check', OldResourceProperties: {} }),
    }) as CloudFormationCustomResourceEvent;

  async function inAccount() {
    return { region, endpoint: awsEndpoint(), credentials: await enterAccount(account, 'deployer', region) };
  }
  async function answer(e: CloudFormationCustomResourceEvent) {
    const aws = await inAccount();
    let sent: Record<string, string> = {};
    await answerDeployCheck(
      e,
      region,
      async (_url, body) => void (sent = JSON.parse(body) as Record<string, string>),
      (r) =>
        checkTrailCoverage(r, {
          cloudTrail: (rr) => new CloudTrailClient({ ...aws, region: rr }),
          sts: (rr) => new STSClient({ ...aws, region: rr }),
        }),
    );
    return sent;
  }

  it('recognises CloudFormation custom resource events, and nothing else', () => {
    expect(isCustomResourceEvent(event('Create'))).toBe(true);
    expect(isCustomResourceEvent({ task: 'daily' })).toBe(false);
  });

  it('fails the deploy, saying what to do, when no trail logs management events', async () => {
    const sent = await answer(event('Create'));
    expect(sent).toMatchObject({ Status: 'FAILED', StackId: event('Create').StackId, RequestId: 'r1', LogicalResourceId: 'TrailCheck' });
    expect(sent.Reason).toContain('no logging multi-region trail records all management events');
    expect(sent.Reason).toContain('-c createTrail=true');
  });

  it('never blocks a delete or a later update (its rollback would fail too); lets the first deploy through once a trail logs', async () => {
    expect((await answer(event('Delete'))).Status).toBe('SUCCESS');
    expect((await answer(event('Update'))).Status).toBe('SUCCESS');
    const aws = await inAccount();
    await new S3Client({ ...aws, forcePathStyle: true }).send(new CreateBucketCommand({ Bucket: `trail-${account}` }));
    const ct = new CloudTrailClient(aws);
    await ct.send(new CreateTrailCommand({ Name: 'management', S3BucketName: `trail-${account}`, IsMultiRegionTrail: true }));
    await ct.send(new StartLoggingCommand({ Name: 'management' }));
    expect(await answer(event('Create'))).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'TrailCheck-trail-check' });
  });

  it('answers only an S3 presigned URL', async () => {
    await expect(answerDeployCheck({ ...event('Delete'), ResponseURL: 'http://127.0.0.1:1/steal' }, region)).rejects.toThrow(/presigned/);
  });
});
