import {
  BatchCheckLayerAvailabilityCommand,
  BatchGetImageCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetDownloadUrlForLayerCommand,
} from '@aws-sdk/client-ecr';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RETIRE_ACTION } from '../../bot/views/retire';
import { checkMessage } from '../../local/block-kit';
import { blockAction, viewSubmission } from '../../local/slack-requests';
import { SAMPLES_DIR, eventBridgeEnvelope, readSample, snsNotificationBody, sqsEvent } from '../support/cloudtrail';
import { ADMIN, startHarness } from '../support/harness';
import type { Harness } from '../support/harness';
import { awsEndpoint } from '../support/emulator';
import type { CanaryRecord } from '../../bot/model/canary';

describe('ecr-image decoys, minted from the form, alerting on pulls', () => {
  let h: Harness;
  let canary: CanaryRecord;
  const ecr = () =>
    new ECRClient({ region: 'us-east-1', endpoint: awsEndpoint(), credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  beforeAll(async () => {
    h = await startHarness({ env: { ALERT_UPDATE_SECONDS: '0' } });
    await h.command('new');
    const view = h.standin.calls.find((c) => c.method === 'views.open')!.args.view as Record<string, string>;
    const kinds = JSON.stringify(view);
    expect(kinds).toContain('"value":"ecr-image"');
    expect(kinds).toContain('"value":"s3-object"');
    await h.interact(
      viewSubmission({
        userId: ADMIN,
        callbackId: view.callback_id!,
        privateMetadata: view.private_metadata!,
        values: {
          kind: { value: { type: 'static_select', selected_option: { value: 'ecr-image' } } },
          location: { value: { type: 'plain_text_input', value: 'mentioned in the deploy runbook' } },
          owner: { value: { type: 'users_select', selected_user: 'U0OWNER1' } },
        },
      }),
    );
    await h.settle();
    const rec = (await h.store.allCanaries()).find((i) => i.kind === 'ecr-image')!;
    canary = (await h.store.getCanary(String(rec.id)))!;
  });
  afterAll(() => h.close());

  it('creates the decoy repository and tagged image, and records them', async () => {
    const repos =
      (await ecr().send(new DescribeRepositoriesCommand({ repositoryNames: [canary.resource.repository!] }))).repositories ?? [];
    expect(repos).toHaveLength(1);
    const images =
      (
        await ecr().send(
          new DescribeImagesCommand({ repositoryName: canary.resource.repository!, imageIds: [{ imageTag: canary.resource.tag! }] }),
        )
      ).imageDetails ?? [];
    expect(images).toHaveLength(1);
    expect(canary).toMatchObject({
      location: 'mentioned in the deploy runbook',
      owner: 'U0OWNER1',
      aliases: [`ecr://${canary.resource.repository}`],
    });
  });

  it('pushes a real, pullable image: every blob uploaded, each digest its sha256, the layers tars of believable files', async () => {
    const repositoryName = canary.resource.repository!;
    const sha256 = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
    const { images = [] } = await ecr().send(new BatchGetImageCommand({ repositoryName, imageIds: [{ imageTag: canary.resource.tag! }] }));
    expect(images).toHaveLength(1);
    const raw = images[0]!.imageManifest!;
    expect(images[0]!.imageId?.imageDigest).toBe(sha256(raw));
    const manifest = JSON.parse(raw) as { mediaType: string; config: Blob; layers: Blob[] };
    type Blob = { mediaType: string; size: number; digest: string };
    expect(manifest.mediaType).toBe('application/vnd.docker.distribution.manifest.v2+json');
    expect(manifest.config.mediaType).toBe('application/vnd.docker.container.image.v1+json');
    expect(manifest.layers.length).toBeGreaterThanOrEqual(1);
    expect(manifest.layers.length).toBeLessThanOrEqual(2);
    expect(new Set(manifest.layers.map((l) => l.mediaType))).toEqual(new Set(['application/vnd.docker.image.rootfs.diff.tar.gzip']));
    const blobs = [manifest.config, ...manifest.layers];
    const check = await ecr().send(new BatchCheckLayerAvailabilityCommand({ repositoryName, layerDigests: blobs.map((b) => b.digest) }));
    expect(check.failures).toEqual([]);
    expect(check.layers?.map((l) => [l.layerDigest, l.layerAvailability, l.layerSize])).toEqual(
      blobs.map((b) => [b.digest, 'AVAILABLE', b.size]),
    );

    // Pulled as docker pulls: a download URL per blob, its bytes checked against the manifest.
    const bodies: Buffer[] = [];
    for (const b of blobs) {
      const { downloadUrl } = await ecr().send(new GetDownloadUrlForLayerCommand({ repositoryName, layerDigest: b.digest }));
      bodies.push(Buffer.from(await (await fetch(downloadUrl!)).arrayBuffer()));
    }
    expect(bodies.map((b) => [sha256(b), b.length])).toEqual(blobs.map((b) => [b.digest, b.size]));
    const config = JSON.parse(bodies[0]!.toString('utf8'));
    const tars = bodies.slice(1).map((b) => gunzipSync(b));
    expect(config).toMatchObject({ os: 'linux', rootfs: { type: 'layers', diff_ids: tars.map((t) => sha256(t)) } });
    expect(['amd64', 'arm64']).toContain(config.architecture);
    expect(Date.parse(config.created)).toBeLessThan(Date.now());
    // Docker refuses an image whose history and layers disagree.
    expect(config.history.filter((h: { empty_layer?: boolean }) => !h.empty_layer)).toHaveLength(tars.length);
    const { WorkingDir, Cmd, Env } = config.config as { WorkingDir: string; Cmd: string[]; Env: string[] };
    expect(Env.some((e) => e.startsWith('PATH='))).toBe(true);

    // GNU tar, not our own writer, reads the layers: files under the working directory, nowhere else.
    const root = mkdtempSync(join(tmpdir(), 'ecr-decoy-'));
    try {
      tars.forEach((t, i) => {
        writeFileSync(join(root, `layer${i}.tar`), t);
        execFileSync('tar', ['-xf', join(root, `layer${i}.tar`), '-C', root, '--no-same-owner']);
      });
      const app = join(root, WorkingDir);
      const files = readdirSync(app, { recursive: true, encoding: 'utf8' })
        .filter((f) => statSync(join(app, f)).isFile())
        .sort();
      const listed = tars.flatMap((_, i) => execFileSync('tar', ['-tf', join(root, `layer${i}.tar`)], { encoding: 'utf8' }).split('\n'));
      expect(listed.filter((p) => p && !`/${p}`.startsWith(`${WorkingDir}/`) && !`${WorkingDir}/`.startsWith(`/${p}`))).toEqual([]);
      const read = (f: string) => readFileSync(join(app, f), 'utf8');
      const service = repositoryName.split('/').pop()!.replace(/-\d+$/, '');
      // A dependency manifest, a README naming the service, and the entry point the config runs.
      expect(files.some((f) => f === 'package.json' || f === 'requirements.txt')).toBe(true);
      expect(read('README.md')).toContain(`# ${service}`);
      const entry =
        Cmd[0] === 'node'
          ? Cmd[1]!
          : `${Cmd.find((a) => /^[\w]+\.(main|worker)(:app)?$/.test(a))!
              .replace(/:app$/, '')
              .replace('.', '/')}.py`;
      expect(files).toContain(entry);
      // Configuration with values in the shape of the real thing, for this region.
      const settings = files.map(read).find((text) => /\.cluster-[a-z0-9]{12}\.us-east-1\.rds\.amazonaws\.com/.test(text));
      expect(settings).toBeDefined();
      if (files.includes('package.json')) expect(JSON.parse(read('package.json'))).toMatchObject({ name: service, private: true });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('alerts on a pull (BatchGetImage) by any caller, through the same thread', async () => {
    const base = readSample(join(SAMPLES_DIR, 'edge', '001-sts-GetCallerIdentity-iamuser.json'));
    const pull = (eventName: string) => ({
      ...base,
      eventID: `ecr-${Math.random()}`,
      eventTime: new Date().toISOString(),
      eventSource: 'ecr.amazonaws.com',
      eventName,
      awsRegion: 'us-east-1',
      requestParameters: {
        registryId: '123456789012',
        repositoryName: canary.resource.repository,
        imageIds: [{ imageTag: canary.resource.tag }],
      },
    });
    expect(await h.alert.handler(sqsEvent([snsNotificationBody(eventBridgeEnvelope(pull('BatchGetImage')))]))).toEqual({
      batchItemFailures: [],
    });
    const post = h.standin.calls.find((c) => c.method === 'chat.postMessage' && c.args.channel === 'C0ALERTS1')!;
    expect(checkMessage(post.args)).toEqual([]);
    const text = JSON.stringify(post.args.blocks);
    expect(text).toContain(`\`${canary.resource.repository}:${canary.resource.tag}\``);
    expect(text).toContain('`IAMUser` `arn:aws:iam::070411556318:user/christophe`');
    expect(text).toContain('`ecr:BatchGetImage`');
    await h.alert.handler(sqsEvent([snsNotificationBody(eventBridgeEnvelope(pull('GetDownloadUrlForLayer')))]));
    expect(
      h.standin.calls.some(
        (c) =>
          c.method === 'chat.postMessage' && c.args.thread_ts && JSON.stringify(c.args.blocks).includes('`ecr:GetDownloadUrlForLayer`'),
      ),
    ).toBe(true);
  });

  it('retires by deleting the repository', async () => {
    await h.interact(
      blockAction({
        userId: ADMIN,
        actionId: RETIRE_ACTION,
        value: JSON.stringify({ canaryId: canary.id, seq: 0 }),
        responseUrl: h.standin.newResponseUrl(),
        channelId: 'C0SECURITY',
        messageTs: '1.000001',
      }),
    );
    await h.settle();
    await expect(ecr().send(new DescribeRepositoriesCommand({ repositoryNames: [canary.resource.repository!] }))).rejects.toMatchObject({
      name: 'RepositoryNotFoundException',
    });
    expect(await h.store.getCanary(canary.id)).toMatchObject({ status: 'retired' });
  });
});
