import { createHash, randomBytes } from 'node:crypto';
import {
  BatchCheckLayerAvailabilityCommand,
  BatchGetImageCommand,
  CompleteLayerUploadCommand,
  CreateRepositoryCommand,
  DeleteRepositoryCommand,
  DescribeImagesCommand,
  ECRClient,
  GetDownloadUrlForLayerCommand,
  InitiateLayerUploadCommand,
  PutImageCommand,
  UploadLayerPartCommand,
} from '@aws-sdk/client-ecr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsEndpoint } from '../support/emulator';

/**
 * The emulator refuses what ECR refuses (local/moto_server.py, "ECR: an image is pushed only from
 * blobs uploaded to its repository"): a manifest whose blobs were never uploaded, an upload whose
 * bytes do not hash to the digest given, a part whose range does not span its bytes, an empty
 * upload, a blob uploaded twice, an image digest that is not the manifest's; and it serves a pulled
 * layer's bytes (GetDownloadUrlForLayer). Through the real SDK client, against the run's moto server.
 */
describe('the emulator enforces ECR pushes', () => {
  const client = new ECRClient({ region: 'us-east-1', endpoint: awsEndpoint(), credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const suffix = randomBytes(4).toString('hex');
  const repo = `emulator-push-${suffix}`;
  const other = `emulator-other-${suffix}`;
  const sha256 = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
  const refused = (name: string) => ({ name, $metadata: expect.objectContaining({ httpStatusCode: 400 }) });

  beforeAll(async () => {
    for (const repositoryName of [repo, other]) await client.send(new CreateRepositoryCommand({ repositoryName }));
  });
  afterAll(async () => {
    for (const repositoryName of [repo, other]) await client.send(new DeleteRepositoryCommand({ repositoryName, force: true }));
    client.destroy();
  });

  const initiate = async (repositoryName = repo) => (await client.send(new InitiateLayerUploadCommand({ repositoryName }))).uploadId!;
  const part = (uploadId: string, bytes: Buffer, first = 0, last = first + bytes.length - 1, repositoryName = repo) =>
    client.send(new UploadLayerPartCommand({ repositoryName, uploadId, partFirstByte: first, partLastByte: last, layerPartBlob: bytes }));
  const complete = (uploadId: string, digest: string, repositoryName = repo) =>
    client.send(new CompleteLayerUploadCommand({ repositoryName, uploadId, layerDigests: [digest] }));
  const upload = async (bytes: Buffer, repositoryName = repo) => {
    const uploadId = await initiate(repositoryName);
    await part(uploadId, bytes, 0, bytes.length - 1, repositoryName);
    return (await complete(uploadId, sha256(bytes), repositoryName)).layerDigest!;
  };
  const manifestOf = (config: Buffer, layers: Buffer[]) =>
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: config.length, digest: sha256(config) },
      layers: layers.map((l) => ({ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: l.length, digest: sha256(l) })),
    });
  const put = (imageManifest: string, imageTag: string, imageDigest?: string, repositoryName = repo) =>
    client.send(new PutImageCommand({ repositoryName, imageManifest, imageTag, imageDigest }));
  const blob = (what: string) => Buffer.from(`${what} ${randomBytes(8).toString('hex')}`);

  it('refuses a manifest whose layers or config were never uploaded, and takes it once they are', async () => {
    const [config, layer] = [blob('config'), blob('layer')];
    const manifest = manifestOf(config, [layer]);
    await expect(put(manifest, 'none-uploaded')).rejects.toMatchObject(refused('LayersNotFoundException'));
    await upload(layer);
    // The config is a blob like any other: a manifest naming a missing one is refused too.
    await expect(put(manifest, 'no-config')).rejects.toMatchObject({
      ...refused('LayersNotFoundException'),
      message: expect.stringContaining(sha256(config)),
    });
    // Blobs in another repository do not count.
    await upload(config, other);
    await expect(put(manifest, 'config-elsewhere')).rejects.toMatchObject(refused('LayersNotFoundException'));
    expect((await client.send(new DescribeImagesCommand({ repositoryName: repo }))).imageDetails ?? []).toEqual([]);

    await upload(config);
    const { image } = await put(manifest, 'complete');
    // The image digest is the sha256 of the manifest as sent.
    expect(image?.imageId).toEqual({ imageTag: 'complete', imageDigest: sha256(manifest) });
    const got = await client.send(new BatchGetImageCommand({ repositoryName: repo, imageIds: [{ imageTag: 'complete' }] }));
    expect(got.images?.[0]?.imageManifest).toBe(manifest);
  });

  it('refuses an image digest that is not the sha256 of the manifest, and takes the right one', async () => {
    const [config, layer] = [blob('config'), blob('layer')];
    await upload(config);
    await upload(layer);
    const manifest = manifestOf(config, [layer]);
    await expect(put(manifest, 'wrong-digest', sha256(`${manifest}\n`))).rejects.toMatchObject(refused('ImageDigestDoesNotMatchException'));
    expect((await put(manifest, 'right-digest', sha256(manifest))).image?.imageId?.imageDigest).toBe(sha256(manifest));
  });

  it('refuses to complete an upload whose bytes do not hash to the digest given, and completes it with the right one', async () => {
    const bytes = blob('layer');
    const uploadId = await initiate();
    await part(uploadId, bytes);
    await expect(complete(uploadId, sha256(blob('other')))).rejects.toMatchObject(refused('InvalidLayerException'));
    const missing = await client.send(new BatchCheckLayerAvailabilityCommand({ repositoryName: repo, layerDigests: [sha256(bytes)] }));
    expect(missing.failures?.map((f) => f.failureCode)).toEqual(['MissingLayerDigest']);
    // The upload stays open: the same bytes complete under their own digest.
    expect((await complete(uploadId, sha256(bytes))).layerDigest).toBe(sha256(bytes));
    const present = await client.send(new BatchCheckLayerAvailabilityCommand({ repositoryName: repo, layerDigests: [sha256(bytes)] }));
    expect(present.layers).toMatchObject([{ layerDigest: sha256(bytes), layerAvailability: 'AVAILABLE', layerSize: bytes.length }]);
  });

  it('refuses an empty upload, and a blob the repository already holds (which another repository takes)', async () => {
    const empty = await initiate();
    await expect(complete(empty, sha256(Buffer.alloc(0)))).rejects.toMatchObject(refused('EmptyUploadException'));
    const bytes = blob('layer');
    await upload(bytes);
    const again = await initiate();
    await part(again, bytes);
    await expect(complete(again, sha256(bytes))).rejects.toMatchObject(refused('LayerAlreadyExistsException'));
    expect(await upload(bytes, other)).toBe(sha256(bytes));
  });

  it('takes consecutive parts whose ranges span their bytes exactly, and refuses any other range', async () => {
    const bytes = randomBytes(3000);
    const [a, b] = [bytes.subarray(0, 1000), bytes.subarray(1000)];
    const uploadId = await initiate();
    await expect(part(uploadId, a, 0, 1000)).rejects.toMatchObject(refused('InvalidLayerPartException')); // one byte too many
    await expect(part(uploadId, a, 0, 998)).rejects.toMatchObject(refused('InvalidLayerPartException')); // one too few
    expect((await part(uploadId, a, 0, 999)).lastByteReceived).toBe(999);
    await expect(part(uploadId, b, 1001, 2999)).rejects.toMatchObject(refused('InvalidLayerPartException')); // not consecutive
    expect((await part(uploadId, b, 1000, 2999)).lastByteReceived).toBe(2999);
    expect((await complete(uploadId, sha256(bytes))).layerDigest).toBe(sha256(bytes));
  });

  it('serves the bytes of a layer an image references, and refuses one no image references or never uploaded', async () => {
    const [config, layer, loose] = [blob('config'), blob('layer'), blob('loose')];
    for (const b of [config, layer, loose]) await upload(b);
    await put(manifestOf(config, [layer]), 'pull-me');
    for (const b of [config, layer]) {
      const { downloadUrl, layerDigest } = await client.send(
        new GetDownloadUrlForLayerCommand({ repositoryName: repo, layerDigest: sha256(b) }),
      );
      expect(layerDigest).toBe(sha256(b));
      const response = await fetch(downloadUrl!);
      expect(response.status).toBe(200);
      expect(Buffer.from(await response.arrayBuffer()).equals(b)).toBe(true);
    }
    await expect(
      client.send(new GetDownloadUrlForLayerCommand({ repositoryName: repo, layerDigest: sha256(loose) })),
    ).rejects.toMatchObject(refused('LayerInaccessibleException'));
    await expect(
      client.send(new GetDownloadUrlForLayerCommand({ repositoryName: repo, layerDigest: sha256(blob('never')) })),
    ).rejects.toMatchObject(refused('LayersNotFoundException'));
  });
});
