import { randomInt } from 'node:crypto';
import { log } from '../log';
import { newRecord } from './kind';
import type { AuditFinding, CanaryKind, KindContext, MintRequest, Minted } from './kind';
import { MintError, errorName as awsErrorName } from '../errors';
import type { CanaryRecord } from '../model/canary';
import type { DecoyImage } from './decoy-image';

/**
 * A decoy container image ("DIY Canary Tokens in AWS"): attackers browse registries for images
 * with secrets baked in. Pulling it (BatchGetImage, GetDownloadUrlForLayer) is logged by CloudTrail
 * as an API call and alerts through the same path; the caller can be any identity. The image is
 * real and pullable (decoy-image.ts): its files are what an attacker who pulls it looks through.
 */
export const REPOSITORIES = [
  'payments-api',
  'billing-worker',
  'internal/admin-portal',
  'data/etl-runner',
  'auth-service',
  'infra/vault-sync',
];
const TAGS = ['prod-2026-11', 'release-with-secrets', 'prod-hotfix', 'v3.4.1-prod'];
const PULLS = ['BatchGetImage', 'GetDownloadUrlForLayer'];

/** Loaded on first use, like the S3 client (see s3-object.ts); so is the image builder. */
const ecr = async (region: string) => {
  const m = await import('@aws-sdk/client-ecr');
  return { m, client: new m.ECRClient({ region, maxAttempts: 3 }) };
};
type Ecr = Awaited<ReturnType<typeof ecr>>;
export const repositoryAlias = (repository: string) => `ecr://${repository}`;

/** ECR's largest layer part (UploadLayerPart, layerPartBlob: "Maximum length of 20971520"). */
const MAX_PART = 20_971_520;

/**
 * Pushes the image as docker pushes one through ECR's API: asks which blobs the repository already
 * has (BatchCheckLayerAvailability), uploads each missing one (InitiateLayerUpload, UploadLayerPart
 * in consecutive parts of at most the size ECR asks for, CompleteLayerUpload with its sha256, which
 * ECR checks), then PutImage of the manifest, which ECR refuses unless every blob it names is there.
 * None of these calls is a pull (BatchGetImage, GetDownloadUrlForLayer): the bot does not alert on
 * its own mint.
 */
async function push(m: Ecr['m'], client: Ecr['client'], repositoryName: string, tag: string, image: DecoyImage): Promise<void> {
  const blobs = [image.config, ...image.layers];
  const failed = (step: string) => (err: unknown) => {
    throw new MintError(step, awsErrorName(err));
  };
  const { layers = [] } = await client
    .send(new m.BatchCheckLayerAvailabilityCommand({ repositoryName, layerDigests: blobs.map((b) => b.digest) }))
    .catch(failed('check the decoy image layers'));
  const present = new Set(layers.filter((l) => l.layerAvailability === 'AVAILABLE').map((l) => l.layerDigest));
  for (const blob of blobs.filter((b) => !present.has(b.digest))) {
    const { uploadId, partSize } = await client
      .send(new m.InitiateLayerUploadCommand({ repositoryName }))
      .catch(failed('upload the decoy image layers'));
    const step = Math.min(partSize || MAX_PART, MAX_PART);
    for (let first = 0; first < blob.bytes.length; first += step) {
      const part = blob.bytes.subarray(first, first + step);
      await client
        .send(
          new m.UploadLayerPartCommand({
            repositoryName,
            uploadId,
            partFirstByte: first,
            partLastByte: first + part.length - 1,
            layerPartBlob: part,
          }),
        )
        .catch(failed('upload the decoy image layers'));
    }
    const done = await client
      .send(new m.CompleteLayerUploadCommand({ repositoryName, uploadId, layerDigests: [blob.digest] }))
      .catch((err: unknown) => {
        // Another push completed the same blob meanwhile: it is there, which is all PutImage needs.
        if (awsErrorName(err) === 'LayerAlreadyExistsException') return { layerDigest: blob.digest };
        return failed('upload the decoy image layers')(err);
      });
    if (done.layerDigest !== blob.digest)
      throw new MintError('upload the decoy image layers', `ECR stored ${done.layerDigest}, not ${blob.digest}`);
  }
  await client
    .send(
      new m.PutImageCommand({
        repositoryName,
        imageManifest: image.manifest,
        imageManifestMediaType: image.mediaType,
        imageTag: tag,
        imageDigest: image.digest,
      }),
    )
    .catch(failed('push the decoy image'));
}

async function mint({ config, store }: KindContext, req: MintRequest): Promise<Minted> {
  const { m, client } = await ecr(config.region);
  const { CreateRepositoryCommand, DeleteRepositoryCommand } = m;
  const draw = () => `${REPOSITORIES[randomInt(REPOSITORIES.length)]}-${randomInt(10, 99)}`;
  let repository = req.name ?? draw();
  const tag = TAGS[randomInt(TAGS.length)]!;
  if (!/^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/.test(repository) || repository.length > 256) {
    throw new MintError('check the repository name', `${repository} is not a valid ECR repository name`);
  }
  let created = false;
  try {
    // A drawn name can be taken (another decoy, or the account's own): draw again, a few times.
    // A typed one cannot be changed behind the admin's back.
    for (let attempt = 1; ; attempt++) {
      const taken = await client.send(new CreateRepositoryCommand({ repositoryName: repository, imageTagMutability: 'IMMUTABLE' })).then(
        () => false,
        (err: unknown) => {
          if (awsErrorName(err) === 'RepositoryAlreadyExistsException' && !req.name && attempt < 5) return true;
          throw new MintError('create the decoy repository', awsErrorName(err));
        },
      );
      if (!taken) break;
      repository = draw();
    }
    created = true;
    const { decoyImage } = await import('./decoy-image');
    await push(m, client, repository, tag, decoyImage(repository, tag, config.region));
    const record = newRecord(ecrImage.name, req, { aliases: [repositoryAlias(repository)], resource: { repository, tag } });
    await store.putNewCanary(record).catch((err: unknown) => {
      throw new MintError('record the canary', awsErrorName(err));
    });
    return { record };
  } catch (err) {
    const failure = err instanceof MintError ? err : new MintError('mint', awsErrorName(err));
    let leftover: string | undefined;
    if (created)
      await client
        .send(new DeleteRepositoryCommand({ repositoryName: repository, force: true }))
        .catch(() => (leftover = `repository ${repository}`));
    await store.deleteCanary(req.id, [repositoryAlias(repository)]).catch(() => undefined);
    log.error('mint failed', { canaryId: req.id, step: failure.step, reason: failure.reason });
    throw new MintError(failure.step, failure.reason, leftover);
  } finally {
    client.destroy();
  }
}

/** DescribeImages, which reads the tag's metadata: BatchGetImage would be a pull, which alerts. */
async function audit({ config }: KindContext, rec: CanaryRecord): Promise<AuditFinding[]> {
  const { m, client } = await ecr(config.region);
  const { DescribeImagesCommand } = m;
  try {
    const images =
      (
        await client.send(
          new DescribeImagesCommand({ repositoryName: rec.resource.repository, imageIds: [{ imageTag: rec.resource.tag }] }),
        )
      ).imageDetails ?? [];
    return images.length
      ? []
      : [
          {
            problem: `the decoy image ${rec.resource.repository}:${rec.resource.tag} is gone`,
            fix: 'retire this canary and mint a new one',
          },
        ];
  } catch (err) {
    return [
      {
        problem: `the decoy repository ${rec.resource.repository} could not be read (${awsErrorName(err)})`,
        fix: 'retire this canary and mint a new one',
      },
    ];
  } finally {
    client.destroy();
  }
}

export const ecrImage: CanaryKind = {
  name: 'ecr-image',
  label: 'ECR decoy image',
  summary: 'a decoy repository and tag (say payments-api:prod-2026-11); pulling it alerts; `--name` sets the repository',
  mint,
  describe: (rec) => [['Image', `${rec.resource.repository ?? ''}:${rec.resource.tag ?? ''}`]],
  aliasesFromEvent: (e) =>
    e.eventSource === 'ecr.amazonaws.com' && e.repository && PULLS.includes(e.eventName ?? '') ? [repositoryAlias(e.repository)] : [],
  retire: async ({ config }, rec) => {
    const { m, client } = await ecr(config.region);
    await client
      .send(new m.DeleteRepositoryCommand({ repositoryName: rec.resource.repository, force: true }))
      .catch((err: unknown) => {
        if (awsErrorName(err) !== 'RepositoryNotFoundException') throw err;
      })
      .finally(() => client.destroy());
  },
  audit,
};
