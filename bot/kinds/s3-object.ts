import { randomInt } from 'node:crypto';
import { log } from '../log';
import { isSelected, selectDataEvents } from './data-events';
import { newRecord } from './kind';
import type { AuditFinding, CanaryKind, KindContext, MintRequest, Minted } from './kind';
import { MintError, errorName as awsErrorName } from '../errors';
import type { CanaryRecord } from '../model/canary';

/**
 * A decoy object with a tempting name ("Defeating a Cloud Breach"): attackers who never find a
 * key still browse buckets. Reading it (GetObject, HeadObject, CopyObject) is a CloudTrail data
 * event, which reaches EventBridge once a trail selects data events for this object; the bot's
 * detection rule for S3 decoys then sends it down the same alert path. The caller can be anyone:
 * the alert shows their identity, whatever its type.
 */
const TEMPTING_KEYS = [
  'backups/passwords-2026.xlsx',
  'finance/payroll-export-2026-11.csv',
  'secrets/prod.env',
  'db/customers-dump-2026-10.sql.gz',
  'keys/deploy_id_rsa.bak',
  'it/admin-credentials.kdbx',
  'terraform/terraform.tfstate.backup',
];
export const BUCKET_WORDS = ['finance-exports', 'db-backups', 'ops-archive', 'hr-records', 'infra-state', 'billing-reports'];
const CONTENT = 'This file was moved. See the internal wiki for the current location.\n';

/**
 * The S3 client is loaded on first use: every bundle carries the kinds registry, and evaluating
 * the S3 SDK at each slack cold start would cost more than this kind's whole mint.
 */
const sdk = () => import('@aws-sdk/client-s3');
const s3 = async (region: string) => {
  const m = await sdk();
  return { m, client: new m.S3Client({ region, forcePathStyle: true, maxAttempts: 3 }) };
};

export const objectAlias = (bucket: string, key: string) => `s3://${bucket}/${key}`;

const plausibleBucket = () =>
  `${BUCKET_WORDS[randomInt(BUCKET_WORDS.length)]}-${Array.from({ length: 6 }, () => 'abcdefghjkmnpqrstuvwxyz23456789'[randomInt(31)]).join('')}`;

async function mint({ config, store }: KindContext, req: MintRequest): Promise<Minted> {
  const { m, client } = await s3(config.region);
  const { CreateBucketCommand, DeleteBucketCommand, DeleteObjectCommand, HeadBucketCommand, PutObjectCommand } = m;
  const bucket = req.bucket ?? plausibleBucket();
  const key = req.name ?? TEMPTING_KEYS[randomInt(TEMPTING_KEYS.length)]!;
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw new MintError('check the bucket', `${bucket} is not a valid bucket name`);
  if (key.length > 512 || /[\u0000-\u001f]/.test(key))
    throw new MintError('check the object key', 'keys are up to 512 printable characters');
  let createdBucket = false;
  let putObject = false;
  let selected = false;
  const arn = `arn:aws:s3:::${bucket}/${key}`;
  try {
    if (req.bucket) {
      await client.send(new HeadBucketCommand({ Bucket: bucket })).catch((err: unknown) => {
        throw new MintError('find the bucket', `${bucket}: ${awsErrorName(err)}`);
      });
    } else {
      await client.send(new CreateBucketCommand({ Bucket: bucket })).catch((err: unknown) => {
        throw new MintError('create the decoy bucket', awsErrorName(err));
      });
      createdBucket = true;
    }
    await client
      .send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: CONTENT, ContentType: 'application/octet-stream' }))
      .catch((err: unknown) => {
        throw new MintError('put the decoy object', awsErrorName(err));
      });
    putObject = true;
    selected = await selectDataEvents(config, store, arn, 'add').catch((err: unknown) => {
      throw new MintError('select data events on the decoy trail', awsErrorName(err));
    });
    const record = newRecord(s3Object.name, req, {
      aliases: [objectAlias(bucket, key)],
      resource: {
        bucket,
        key,
        ...(createdBucket ? { createdBucket: 'true' } : {}),
        ...(selected ? { dataEvents: config.decoyTrailName! } : {}),
      },
    });
    await store.putNewCanary(record).catch((err: unknown) => {
      throw new MintError('record the canary', awsErrorName(err));
    });
    return { record };
  } catch (err) {
    const failure = err instanceof MintError ? err : new MintError('mint', awsErrorName(err));
    const leftovers: string[] = [];
    if (selected) await selectDataEvents(config, store, arn, 'remove').catch(() => leftovers.push(`data-event selector for ${arn}`));
    if (putObject)
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })).catch(() => leftovers.push(`s3://${bucket}/${key}`));
    if (createdBucket) await client.send(new DeleteBucketCommand({ Bucket: bucket })).catch(() => leftovers.push(`bucket ${bucket}`));
    await store.deleteCanary(req.id, [objectAlias(bucket, key)]).catch(() => undefined);
    log.error('mint failed', { canaryId: req.id, step: failure.step, reason: failure.reason });
    throw new MintError(failure.step, failure.reason, leftovers.length ? leftovers.join(', ') : undefined);
  } finally {
    client.destroy();
  }
}

async function retire({ config, store }: KindContext, rec: CanaryRecord): Promise<void> {
  const { m, client } = await s3(config.region);
  const { DeleteBucketCommand, DeleteObjectCommand } = m;
  const { bucket = '', key = '' } = rec.resource;
  try {
    if (rec.resource.dataEvents) await selectDataEvents(config, store, `arn:aws:s3:::${bucket}/${key}`, 'remove');
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    if (rec.resource.createdBucket) {
      await client.send(new DeleteBucketCommand({ Bucket: bucket })).catch((err: unknown) => {
        if (awsErrorName(err) !== 'NoSuchBucket') throw err;
      });
    }
  } finally {
    client.destroy();
  }
}

async function audit({ config }: KindContext, rec: CanaryRecord): Promise<AuditFinding[]> {
  const { m, client } = await s3(config.region);
  const { HeadObjectCommand } = m;
  try {
    await client.send(new HeadObjectCommand({ Bucket: rec.resource.bucket, Key: rec.resource.key }));
    const trail = rec.resource.dataEvents;
    if (trail && !(await isSelected(config, trail, `arn:aws:s3:::${rec.resource.bucket}/${rec.resource.key}`))) {
      return [
        {
          problem: 'the decoy trail no longer records reads of this object (a redeploy or a person reset its selectors)',
          fix: 'retire and re-mint the canary, which selects it again',
        },
      ];
    }
    return [];
  } catch (err) {
    return [
      {
        problem: `the decoy object s3://${rec.resource.bucket}/${rec.resource.key} is gone (${awsErrorName(err)})`,
        fix: 'retire this canary and mint a new one',
      },
    ];
  } finally {
    client.destroy();
  }
}

export const s3Object: CanaryKind = {
  name: 's3-object',
  label: 'S3 decoy object',
  summary: 'a tempting object (say backups/passwords-2026.xlsx) in a decoy bucket, or in `--bucket name`; `--name` sets the key',
  mint,
  describe: (rec) => [['Object', objectAlias(rec.resource.bucket ?? '', rec.resource.key ?? '')]],
  aliasesFromEvent: (e) => (e.eventSource === 's3.amazonaws.com' && e.bucket && e.objectKey ? [objectAlias(e.bucket, e.objectKey)] : []),
  retire,
  audit,
};
