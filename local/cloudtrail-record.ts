import { randomUUID } from 'node:crypto';

/**
 * CloudTrail records for the calls the sandbox's attacker makes, shaped like the ones AWS writes
 * (record version 1.09; compare test/fixtures/cloudtrail/edge/001, 017, 033 and 046), and the
 * EventBridge entry that carries one ("AWS API Call via CloudTrail").
 */
export const ATTACK_CALLS = ['GetCallerIdentity', 'ListBuckets', 'DescribeInstances', 'GetObject', 'BatchGetImage'] as const;
export type AttackCall = (typeof ATTACK_CALLS)[number];

const SOURCE: Record<AttackCall, string> = {
  GetCallerIdentity: 'sts.amazonaws.com',
  ListBuckets: 's3.amazonaws.com',
  DescribeInstances: 'ec2.amazonaws.com',
  GetObject: 's3.amazonaws.com',
  BatchGetImage: 'ecr.amazonaws.com',
};

export interface CallerIdentity {
  arn: string;
  accountId: string;
  accessKeyId: string;
  userName: string;
  principalId: string;
}

export interface CallOutcome {
  errorCode?: string;
  errorMessage?: string;
}

/**
 * What AWS answers a key whose user has an explicit deny-all policy (every canary key): IAM
 * cannot deny sts:GetCallerIdentity, everything else is refused with the service's own code.
 */
export function denyAllOutcome(call: AttackCall, arn: string): CallOutcome {
  const action = {
    GetCallerIdentity: '',
    ListBuckets: 's3:ListAllMyBuckets',
    DescribeInstances: 'ec2:DescribeInstances',
    GetObject: 's3:GetObject',
    BatchGetImage: 'ecr:BatchGetImage',
  }[call];
  if (!action) return {};
  const why = `User: ${arn} is not authorized to perform: ${action} with an explicit deny in an identity-based policy`;
  if (call === 'DescribeInstances')
    return { errorCode: 'Client.UnauthorizedOperation', errorMessage: `You are not authorized to perform this operation. ${why}` };
  return { errorCode: call === 'BatchGetImage' ? 'AccessDeniedException' : 'AccessDenied', errorMessage: why };
}

export interface RecordInput {
  call: AttackCall;
  identity: CallerIdentity;
  region: string;
  sourceIp: string;
  userAgent: string;
  outcome: CallOutcome;
  /** GetObject only. */
  bucket?: string;
  key?: string;
  /** BatchGetImage only. */
  repository?: string;
  tag?: string;
  at?: Date;
}

export function cloudTrailRecord(r: RecordInput): Record<string, unknown> {
  const eventSource = SOURCE[r.call];
  const host =
    r.call === 'GetObject'
      ? `${r.bucket}.s3.${r.region}.amazonaws.com`
      : r.call === 'BatchGetImage'
        ? `api.ecr.${r.region}.amazonaws.com`
        : eventSource.replace('.amazonaws.com', `.${r.region}.amazonaws.com`);
  const requestParameters =
    r.call === 'GetObject'
      ? { bucketName: r.bucket, Host: host, key: r.key }
      : r.call === 'ListBuckets'
        ? { Host: host }
        : r.call === 'DescribeInstances'
          ? { instancesSet: {}, filterSet: {} }
          : r.call === 'BatchGetImage'
            ? {
                registryId: r.identity.accountId,
                repositoryName: r.repository,
                imageIds: [{ imageTag: r.tag }],
                acceptedMediaTypes: ['application/vnd.docker.distribution.manifest.v2+json'],
              }
            : null;
  const dataEvent = r.call === 'GetObject';
  return {
    eventVersion: '1.09',
    userIdentity: { type: 'IAMUser', ...r.identity },
    eventTime: (r.at ?? new Date()).toISOString().replace(/\.\d+Z$/, 'Z'),
    eventSource,
    eventName: r.call,
    awsRegion: r.region,
    sourceIPAddress: r.sourceIp,
    userAgent: r.userAgent,
    ...r.outcome,
    requestParameters,
    responseElements: null,
    ...(dataEvent
      ? { additionalEventData: { SignatureVersion: 'SigV4', AuthenticationMethod: 'AuthHeader', 'x-amz-id-2': randomUUID() } }
      : {}),
    requestID: randomUUID(),
    eventID: randomUUID(),
    readOnly: true,
    ...(dataEvent
      ? {
          resources: [
            { type: 'AWS::S3::Object', ARN: `arn:aws:s3:::${r.bucket}/${r.key}` },
            { accountId: r.identity.accountId, type: 'AWS::S3::Bucket', ARN: `arn:aws:s3:::${r.bucket}` },
          ],
        }
      : r.call === 'BatchGetImage'
        ? {
            resources: [
              { accountId: r.identity.accountId, ARN: `arn:aws:ecr:${r.region}:${r.identity.accountId}:repository/${r.repository}` },
            ],
          }
        : {}),
    eventType: 'AwsApiCall',
    managementEvent: !dataEvent,
    recipientAccountId: r.identity.accountId,
    eventCategory: dataEvent ? 'Data' : 'Management',
    tlsDetails: { tlsVersion: 'TLSv1.3', cipherSuite: 'TLS_AES_128_GCM_SHA256', clientProvidedHostHeader: host },
  };
}

/** The PutEvents entry EventBridge would carry for this record. */
export function eventBridgeEntry(record: Record<string, unknown>): { Source: string; DetailType: string; Detail: string } {
  return {
    Source: `aws.${String(record.eventSource).replace('.amazonaws.com', '')}`,
    DetailType: 'AWS API Call via CloudTrail',
    Detail: JSON.stringify(record),
  };
}
