import { randomInt } from 'node:crypto';
import { log } from '../log';
import { newRecord } from './kind';
import type { AuditFinding, CanaryKind, KindContext, MintRequest, Minted } from './kind';
import { MintError, errorName as awsErrorName } from '../errors';
import type { CanaryRecord } from '../model/canary';

/**
 * A decoy container image ("DIY Canary Tokens in AWS"): attackers browse registries for images
 * with secrets baked in. Pulling it (BatchGetImage, GetDownloadUrlForLayer) is logged by CloudTrail
 * as an API call and alerts through the same path; the caller can be any identity.
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

/** Loaded on first use, like the S3 client (see s3-object.ts). */
const ecr = async (region: string) => {
  const m = await import('@aws-sdk/client-ecr');
  return { m, client: new m.ECRClient({ region, maxAttempts: 3 }) };
};
export const repositoryAlias = (repository: string) => `ecr://${repository}`;

/** A small, valid Docker v2 manifest; the layers need not exist for the decoy to be listed and pulled. */
const MANIFEST = JSON.stringify({
  schemaVersion: 2,
  mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
  config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: 1457, digest: `sha256:${'a'.repeat(64)}` },
  layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: 2814446, digest: `sha256:${'b'.repeat(64)}` }],
});

async function mint({ config, store }: KindContext, req: MintRequest): Promise<Minted> {
  const { m, client } = await ecr(config.region);
  const { CreateRepositoryCommand, DeleteRepositoryCommand, PutImageCommand } = m;
  const repository = req.name ?? `${REPOSITORIES[randomInt(REPOSITORIES.length)]}-${randomInt(10, 99)}`;
  const tag = TAGS[randomInt(TAGS.length)]!;
  if (!/^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/.test(repository) || repository.length > 256) {
    throw new MintError('check the repository name', `${repository} is not a valid ECR repository name`);
  }
  let created = false;
  try {
    await client
      .send(new CreateRepositoryCommand({ repositoryName: repository, imageTagMutability: 'IMMUTABLE' }))
      .catch((err: unknown) => {
        throw new MintError('create the decoy repository', awsErrorName(err));
      });
    created = true;
    await client.send(new PutImageCommand({ repositoryName: repository, imageManifest: MANIFEST, imageTag: tag })).catch((err: unknown) => {
      throw new MintError('push the decoy image', awsErrorName(err));
    });
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
