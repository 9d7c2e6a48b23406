import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  GetAccessKeyLastUsedCommand,
  GetUserCommand,
  IAMClient,
  ListAccessKeysCommand,
} from '@aws-sdk/client-iam';
import { BatchGetImageCommand, ECRClient } from '@aws-sdk/client-ecr';
import { GetObjectCommand, ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { cloudTrailRecord, denyAllOutcome, eventBridgeEntry } from './cloudtrail-record';
import type { AttackCall, CallerIdentity } from './cloudtrail-record';

/**
 * The sandbox's attacker: it makes a real call with a key against the emulator (moto), then does
 * what CloudTrail and EventBridge would do with it, putting the record on the default bus where
 * the detection rules (from infra/) match it. Two things moto does not do are decided here, the
 * way AWS decides them:
 * - moto does not enforce IAM policies, so a canary key's calls are recorded with the error AWS
 *   returns under its explicit deny-all policy (denyAllOutcome);
 * - moto accepts inactive keys, so the key's status is read from IAM first, and a disabled or
 *   deleted key is refused with InvalidClientTokenId and leaves no record, as in AWS, where
 *   CloudTrail does not log requests that fail authentication.
 */
export interface Key {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface AttackRequest {
  key: Key;
  call: AttackCall;
  /** Whether the key is a canary's (deny-all policy) or the intruder's own. */
  canaryKey: boolean;
  object?: { bucket: string; key: string };
  /** BatchGetImage: the image pulled. */
  image?: { repository: string; tag: string };
  sourceIp: string;
  userAgent: string;
  count: number;
  region: string;
  /** Why CloudTrail would record nothing (an S3 read no trail selects): the call is made once, and nothing goes on the bus. */
  unlogged?: string;
}

export interface AttackResult {
  /** Records put on the bus. */
  sent: number;
  /** What the caller saw: AWS's answer (moto's, with the policy decision above applied). */
  answer: string;
}

/** Keys are pasted into messages in a fixed shape (views/minted.ts): the attacker reads them there. */
const KEY_IN_TEXT = /aws_access_key_id = (AKIA[A-Z0-9]{12,124})\naws_secret_access_key = ([A-Za-z0-9/+=]{20,})/g;

export function keysInText(text: string): Key[] {
  return [...text.matchAll(KEY_IN_TEXT)].map((m) => ({ accessKeyId: m[1]!, secretAccessKey: m[2]! }));
}

/** A user outside the canary path with an ordinary key: who reads an S3 decoy without any canary key. */
export async function createIntruder(region: string): Promise<Key> {
  const iam = new IAMClient({ region });
  try {
    await iam.send(new CreateUserCommand({ UserName: 'intruder', Path: '/' })).catch((err: unknown) => {
      if ((err as Error).name !== 'EntityAlreadyExistsException') throw err;
    });
    const out = await iam.send(new CreateAccessKeyCommand({ UserName: 'intruder' }));
    return { accessKeyId: out.AccessKey!.AccessKeyId!, secretAccessKey: out.AccessKey!.SecretAccessKey! };
  } finally {
    iam.destroy();
  }
}

/** Who the key belongs to, or undefined when AWS would reject it (deleted, or not Active). */
async function activeIdentity(region: string, accessKeyId: string): Promise<CallerIdentity | undefined> {
  const iam = new IAMClient({ region });
  try {
    const used = await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: accessKeyId })).catch(() => undefined);
    const userName = used?.UserName;
    if (!userName) return undefined;
    const keys = (await iam.send(new ListAccessKeysCommand({ UserName: userName }))).AccessKeyMetadata ?? [];
    if (keys.find((k) => k.AccessKeyId === accessKeyId)?.Status !== 'Active') return undefined;
    const user = (await iam.send(new GetUserCommand({ UserName: userName }))).User!;
    return { arn: user.Arn!, accountId: user.Arn!.split(':')[4]!, accessKeyId, userName, principalId: user.UserId! };
  } finally {
    iam.destroy();
  }
}

/**
 * The call itself, with the key, against the emulator: one client per attack, reused for every
 * call of a flood. Each call answers with a one-line summary.
 */
function caller(req: AttackRequest): { call: () => Promise<string>; close: () => void } {
  const cfg = {
    region: req.region,
    credentials: { accessKeyId: req.key.accessKeyId, secretAccessKey: req.key.secretAccessKey },
    maxAttempts: 1,
  };
  switch (req.call) {
    case 'GetCallerIdentity': {
      const sts = new STSClient(cfg);
      return { call: async () => `arn ${(await sts.send(new GetCallerIdentityCommand({}))).Arn}`, close: () => sts.destroy() };
    }
    case 'ListBuckets': {
      const s3 = new S3Client({ ...cfg, forcePathStyle: true });
      return {
        call: async () => `${(await s3.send(new ListBucketsCommand({}))).Buckets?.length ?? 0} bucket(s)`,
        close: () => s3.destroy(),
      };
    }
    case 'DescribeInstances': {
      const ec2 = new EC2Client(cfg);
      return {
        call: async () => `${(await ec2.send(new DescribeInstancesCommand({}))).Reservations?.length ?? 0} reservation(s)`,
        close: () => ec2.destroy(),
      };
    }
    case 'GetObject': {
      const object = req.object;
      if (!object) throw new Error('GetObject needs an object');
      const s3 = new S3Client({ ...cfg, forcePathStyle: true });
      const call = async () => {
        const out = await s3.send(new GetObjectCommand({ Bucket: object.bucket, Key: object.key }));
        return `${(await out.Body?.transformToByteArray())?.length ?? 0} bytes`;
      };
      return { call, close: () => s3.destroy() };
    }
    case 'BatchGetImage': {
      const image = req.image;
      if (!image) throw new Error('BatchGetImage needs an image');
      const ecr = new ECRClient(cfg);
      const call = async () => {
        const out = await ecr.send(new BatchGetImageCommand({ repositoryName: image.repository, imageIds: [{ imageTag: image.tag }] }));
        return `${out.images?.length ?? 0} image(s)`;
      };
      return { call, close: () => ecr.destroy() };
    }
  }
}

const BATCH = 10; // PutEvents takes at most 10 entries
const CONCURRENCY = 8;

export async function attack(req: AttackRequest, onProgress: (sent: number) => void = () => undefined): Promise<AttackResult> {
  const identity = await activeIdentity(req.region, req.key.accessKeyId);
  if (!identity)
    return {
      sent: 0,
      answer:
        'InvalidClientTokenId: The security token included in the request is invalid. (The key is disabled or deleted; CloudTrail records nothing.)',
    };
  const outcome = req.canaryKey ? denyAllOutcome(req.call, identity.arn) : {};
  if (req.unlogged) {
    const target = caller(req);
    try {
      const seen = await target.call();
      const answer = outcome.errorCode ? `${outcome.errorCode}: ${outcome.errorMessage}` : `OK: ${seen}`;
      return { sent: 0, answer: `${answer} (CloudTrail records nothing: ${req.unlogged}.)` };
    } finally {
      target.close();
    }
  }
  const events = new EventBridgeClient({ region: req.region });
  const target = caller(req);
  let sent = 0;
  let answer = '';
  try {
    let next = 0;
    const worker = async () => {
      while (next < req.count) {
        const n = Math.min(BATCH, req.count - next);
        next += n;
        const entries = [];
        for (let i = 0; i < n; i++) {
          const seen = await target.call();
          answer ||= outcome.errorCode ? `${outcome.errorCode}: ${outcome.errorMessage}` : `OK: ${seen}`;
          entries.push(
            eventBridgeEntry(
              cloudTrailRecord({
                call: req.call,
                identity,
                region: req.region,
                sourceIp: req.sourceIp,
                userAgent: req.userAgent,
                outcome,
                ...req.object,
                ...(req.image ? { repository: req.image.repository, tag: req.image.tag } : {}),
              }),
            ),
          );
        }
        const out = await events.send(new PutEventsCommand({ Entries: entries }));
        if (out.FailedEntryCount) throw new Error(`EventBridge refused ${out.FailedEntryCount} event(s)`);
        sent += n;
        onProgress(sent);
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, Math.ceil(req.count / BATCH)) }, worker));
  } finally {
    events.destroy();
    target.close();
  }
  return { sent, answer };
}
