import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { actionOf, parseTrailEvent } from '../../bot/alerts/trail-event';
import { ATTACK_CALLS, cloudTrailRecord, denyAllOutcome, eventBridgeEntry } from '../../local/cloudtrail-record';
import { keysInText } from '../../local/attacker';
import { credentialShapes } from '../../bot/views/minted';
import { SAMPLES_DIR, readSample } from '../support/cloudtrail';

const identity = {
  arn: 'arn:aws:iam::123456789012:user/svc/ci-deploy',
  accountId: '123456789012',
  accessKeyId: 'AKIAEXAMPLE000000001',
  userName: 'ci-deploy',
  principalId: 'AIDAEXAMPLE',
};

/** The attacker panel's events must look like AWS's, or the sandbox would prove nothing. */
describe('the sandbox writes CloudTrail records the way AWS does', () => {
  it('has the fields of a real record, and the alert path reads them back', () => {
    const real = readSample(join(SAMPLES_DIR, 'edge', '001-sts-GetCallerIdentity-iamuser.json'));
    for (const call of ATTACK_CALLS) {
      const r = cloudTrailRecord({
        call,
        identity,
        region: 'eu-west-1',
        sourceIp: '203.0.113.9',
        userAgent: 'aws-cli/2',
        outcome: denyAllOutcome(call, identity.arn),
        bucket: 'b',
        key: 'k.csv',
        repository: 'payments-api-42',
        tag: 'prod-2026-11',
      });
      for (const k of Object.keys(real)) expect(r, `${call} has ${k}`).toHaveProperty(k);
      const parsed = parseTrailEvent(r);
      if (!parsed.ok) throw new Error(parsed.reason);
      expect(parsed.event).toMatchObject({ region: 'eu-west-1', sourceIp: '203.0.113.9', userAgent: 'aws-cli/2', userIdentity: identity });
      expect(actionOf(parsed.event)).toBe(
        {
          GetCallerIdentity: 'sts:GetCallerIdentity',
          ListBuckets: 's3:ListBuckets',
          DescribeInstances: 'ec2:DescribeInstances',
          GetObject: 's3:GetObject',
          BatchGetImage: 'ecr:BatchGetImage',
        }[call],
      );
      expect(JSON.parse(eventBridgeEntry(r).Detail)).toEqual(r);
    }
  });

  it('records the error AWS returns to a deny-all key, except for GetCallerIdentity, which IAM cannot deny', () => {
    expect(denyAllOutcome('GetCallerIdentity', identity.arn)).toEqual({});
    expect(denyAllOutcome('ListBuckets', identity.arn).errorCode).toBe('AccessDenied');
    expect(denyAllOutcome('DescribeInstances', identity.arn).errorCode).toBe('Client.UnauthorizedOperation');
  });

  it('describes an S3 read as a data event on the object', () => {
    const r = cloudTrailRecord({
      call: 'GetObject',
      identity,
      region: 'us-east-1',
      sourceIp: '203.0.113.9',
      userAgent: 'x',
      outcome: {},
      bucket: 'db-backups-abc',
      key: 'secrets/prod.env',
    });
    expect(r).toMatchObject({
      eventCategory: 'Data',
      managementEvent: false,
      requestParameters: { bucketName: 'db-backups-abc', key: 'secrets/prod.env' },
    });
    const parsed = parseTrailEvent(r);
    expect(parsed.ok && parsed.event.objectKey).toBe('secrets/prod.env');
    expect(eventBridgeEntry(r).Source).toBe('aws.s3');
  });

  it('describes an ECR pull as a management event on the repository, which the decoy rule and the alert path read', () => {
    const r = cloudTrailRecord({
      call: 'BatchGetImage',
      identity,
      region: 'us-east-1',
      sourceIp: '203.0.113.9',
      userAgent: 'docker/27.0',
      outcome: {},
      repository: 'payments-api-42',
      tag: 'prod-2026-11',
    });
    expect(r).toMatchObject({
      eventSource: 'ecr.amazonaws.com',
      eventCategory: 'Management',
      readOnly: true,
      requestParameters: { registryId: identity.accountId, repositoryName: 'payments-api-42', imageIds: [{ imageTag: 'prod-2026-11' }] },
      resources: [{ ARN: 'arn:aws:ecr:us-east-1:123456789012:repository/payments-api-42' }],
    });
    const parsed = parseTrailEvent(r);
    expect(parsed.ok && parsed.event.repository).toBe('payments-api-42');
    expect(eventBridgeEntry(r).Source).toBe('aws.ecr');
    expect(denyAllOutcome('BatchGetImage', identity.arn).errorCode).toBe('AccessDeniedException');
  });

  it('reads the key from the credentials-file shape of the mint message, as an intruder would', () => {
    const creds = { accessKeyId: 'AKIAEXAMPLE000000001', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
    const found = credentialShapes(creds, 'us-east-1').flatMap(([, text]) => keysInText(text));
    expect(found[0]).toEqual(creds);
  });
});
