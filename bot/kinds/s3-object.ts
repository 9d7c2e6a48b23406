import { randomInt } from 'node:crypto';
import { log } from '../log';
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
/** The trail's data-event selectors (and the CloudTrail client), loaded with the S3 client: only minting, retiring and the audit use them. */
const selectDataEvents = async (...args: Parameters<typeof import('./data-events').selectDataEvents>) =>
  (await import('./data-events')).selectDataEvents(...args);
const isSelected = async (...args: Parameters<typeof import('./data-events').isSelected>) =>
  (await import('./data-events')).isSelected(...args);
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
  let etag: string | undefined;
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
    etag = (
      await client
        .send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: CONTENT, ContentType: 'application/octet-stream' }))
        .catch((err: unknown) => {
          throw new MintError('put the decoy object', awsErrorName(err));
        })
    ).ETag;
    putObject = true;
    selected = await selectDataEvents(config, store, arn, 'add').catch((err: unknown) => {
      // Its own MintError (the trail's 500 values are used up) says why in words; AWS's by name.
      throw err instanceof MintError ? err : new MintError('select data events on the decoy trail', awsErrorName(err));
    });
    const record = newRecord(s3Object.name, req, {
      aliases: [objectAlias(bucket, key)],
      resource: {
        bucket,
        key,
        ...(createdBucket ? { createdBucket: 'true' } : {}),
        ...(selected ? { dataEvents: config.decoyTrailName! } : {}),
        // What the audit compares the object with: a decoy someone rewrote is no longer the bait it was.
        ...(etag ? { etag: unquoted(etag), size: String(Buffer.byteLength(CONTENT)) } : {}),
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

const unquoted = (etag: string) => etag.replace(/"/g, '');

/** Pages of keys the audit reads before it gives up on finding the decoy among its neighbours. */
const AUDIT_PAGES = 10;

/**
 * How the audit looks at a decoy without touching it. HeadObject (and GetObject, CopyObject) is what
 * the S3 decoy rule matches (infra/detection.ts s3DecoyEventPattern): checking each decoy that way
 * raised a false alert per decoy per day, from the bot itself. ListObjectsV2 is not in the pattern,
 * and it returns each key's ETag and Size, so "gone" and "changed" are both seen. It is a bucket-level
 * operation that CloudTrail logs as an object-level (data) event only under a condition ("Amazon S3
 * CloudTrail events", Amazon S3 User Guide: "you can use the following bucket-level operations to
 * get CloudTrail logs as object-level Amazon S3 actions under certain conditions: GET Bucket Object
 * (List Objects) Version 2 - Select a prefix specified in the trail"). The trail selects each decoy by its exact ARN, so the
 * audit lists with the key minus its last character as Prefix: not a selected value, so the trail
 * does not even record the call (nor bill it). The neighbours that prefix brings (none in a decoy
 * bucket, which holds one object) are paged through in key order, up to AUDIT_PAGES pages.
 * s3:ListBucket is the permission (Service Authorization Reference, ListObjectsV2), which the
 * roles hold on the decoy buckets the bot creates; on a bucket given with --bucket the bucket's own
 * policy must grant it, and the audit says so when it does not instead of calling the decoy gone.
 */
async function findObject(
  m: Awaited<ReturnType<typeof sdk>>,
  client: InstanceType<Awaited<ReturnType<typeof sdk>>['S3Client']>,
  bucket: string,
  key: string,
): Promise<{ etag?: string; size?: number } | 'gone' | 'too-many'> {
  const prefix = [...key].slice(0, -1).join('');
  const wanted = Buffer.from(key);
  let ContinuationToken: string | undefined;
  for (let page = 0; page < AUDIT_PAGES; page++) {
    const out = await client.send(
      new m.ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ...(ContinuationToken ? { ContinuationToken } : {}) }),
    );
    for (const o of out.Contents ?? []) {
      if (o.Key === key) return { ...(o.ETag ? { etag: unquoted(o.ETag) } : {}), ...(o.Size !== undefined ? { size: o.Size } : {}) };
      // S3 lists keys in UTF-8 binary order: past the key, it is not there.
      if (Buffer.compare(Buffer.from(o.Key ?? ''), wanted) > 0) return 'gone';
    }
    if (!out.IsTruncated || !out.NextContinuationToken) return 'gone';
    ContinuationToken = out.NextContinuationToken;
  }
  return 'too-many';
}

async function audit({ config }: KindContext, rec: CanaryRecord): Promise<AuditFinding[]> {
  const { m, client } = await s3(config.region);
  const { bucket = '', key = '' } = rec.resource;
  const where = `s3://${bucket}/${key}`;
  const gone = (why: string): AuditFinding[] => [
    { problem: `the decoy object ${where} is gone (${why})`, fix: 'retire this canary and mint a new one' },
  ];
  try {
    let found;
    try {
      found = await findObject(m, client, bucket, key);
    } catch (err) {
      const name = awsErrorName(err);
      if (name === 'NoSuchBucket') return gone(name);
      return [
        {
          problem: `the decoy object ${where} could not be checked (${name}): the audit lists the bucket (s3:ListBucket), which the bot's roles may do only in the decoy buckets they create`,
          fix: `grant the audit and jobs roles s3:ListBucket on ${bucket} in its bucket policy, or retire this canary`,
        },
      ];
    }
    if (found === 'gone') return gone('NoSuchKey');
    if (found === 'too-many')
      return [
        {
          problem: `the decoy object ${where} could not be checked: more than ${AUDIT_PAGES * 1000} keys in ${bucket} come before it under the same prefix`,
          fix: 'place decoys where few keys share their prefix (retire and re-mint)',
        },
      ];
    const findings: AuditFinding[] = [];
    if (rec.resource.etag && (found.etag !== rec.resource.etag || String(found.size) !== rec.resource.size))
      findings.push({
        problem: `the decoy object ${where} was rewritten after it was minted (its ETag or size changed): it may no longer be the bait it was`,
        fix: 'find out who wrote it (the decoy trail records writes to the object too), then retire this canary and mint a new one',
      });
    const trail = rec.resource.dataEvents;
    if (trail && !(await isSelected(config, trail, `arn:aws:s3:::${bucket}/${key}`))) {
      findings.push({
        problem: 'the decoy trail no longer records reads of this object (a redeploy or a person reset its selectors)',
        fix: 'retire and re-mint the canary, which selects it again',
      });
    }
    return findings;
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
