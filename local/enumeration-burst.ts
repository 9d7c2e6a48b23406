import { randomUUID } from 'node:crypto';

/**
 * What a stolen key run through an enumeration tool (enumerate-iam, Pacu's permission brute
 * force, cloudfox) looks like in CloudTrail: hundreds of distinct read-only calls across many
 * services and regions within seconds, each from another IPv6 address of the attacker's /48
 * (rotating costs nothing), with the user agents such tools send, one of them a secret scanner's
 * (to ask for a quieter alert), and emoji where our code cuts text. Shared by the tests and
 * bench/enumeration-burst.
 */
const SERVICES = [
  'ec2',
  'iam',
  's3',
  'lambda',
  'rds',
  'dynamodb',
  'sqs',
  'sns',
  'kms',
  'secretsmanager',
  'ssm',
  'ecr',
  'ecs',
  'eks',
  'cloudtrail',
  'cloudwatch',
  'logs',
  'route53',
  'sts',
  'organizations',
];
const VERBS = ['List', 'Describe', 'Get'];
const NOUNS = ['Accounts', 'Policies', 'Configuration', 'Tags', 'Settings', 'Attributes'];
const REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-2'];
const AGENTS = [
  'aws-cli/2.15.30 Python/3.11.8 Linux/6.5.0 exe/x86_64.ubuntu.22 prompt/off command/sts.get-caller-identity',
  'Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#6.5.0 md/arch#x86_64 lang/python#3.11.8 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.69 Pacu',
  'TruffleHog',
  `enumerate-iam ${'x'.repeat(993)}😀 tail`, // an emoji across the 1,000-character cut
  '<!channel> `pwned` *bold* <https://evil.example|click>',
];

export interface BurstOptions {
  calls?: number;
  start?: number;
  /** Spread of event times, ms. */
  spreadMs?: number;
}

export function enumerationBurst(
  identity: { accessKeyId: string; arn: string; userName: string; accountId?: string },
  opts: BurstOptions = {},
): Record<string, unknown>[] {
  const calls = opts.calls ?? 600;
  const start = opts.start ?? Date.now();
  const actions = SERVICES.flatMap((s) => VERBS.flatMap((v) => NOUNS.map((n) => [s, `${v}${n}`] as const)));
  return Array.from({ length: calls }, (_, i) => {
    const [service, eventName] = actions[(i * 7) % actions.length]!;
    const denied = i % 3 !== 0;
    return {
      eventVersion: '1.09',
      userIdentity: { type: 'IAMUser', principalId: 'AIDAEXAMPLEBURST', accountId: identity.accountId ?? '123456789012', ...identity },
      eventTime: new Date(start + Math.floor((i * (opts.spreadMs ?? 30_000)) / calls)).toISOString(),
      eventSource: `${service}.amazonaws.com`,
      eventName,
      awsRegion: REGIONS[i % REGIONS.length],
      sourceIPAddress: `2001:db8:${(0x1000 + (i >> 8)).toString(16)}:${(i & 0xff).toString(16)}::${(i * 37).toString(16)}`,
      userAgent: AGENTS[i % AGENTS.length],
      ...(denied
        ? {
            errorCode: 'AccessDenied',
            errorMessage: `User: ${identity.arn} is not authorized to perform: ${service}:${eventName} with an explicit deny 🙅‍♀️`,
          }
        : {}),
      requestParameters: i % 5 === 0 ? { maxResults: 1000, filter: '😀'.repeat(600) } : null,
      responseElements: null,
      requestID: randomUUID(),
      eventID: randomUUID(),
      readOnly: true,
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: identity.accountId ?? '123456789012',
      eventCategory: 'Management',
    };
  });
}

/** Distinct values of a field across a burst, for assertions and the bench's report. */
export const distinct = (records: Record<string, unknown>[], f: (r: Record<string, unknown>) => unknown) => new Set(records.map(f)).size;
