import { GetUserCommand, ListAccessKeysCommand } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RETIRE_ACTION } from '../../bot/views/retire';
import { checkMessage } from '../../local/block-kit';
import { blockAction } from '../../local/slack-requests';
import { canaryCall, eventBridgeEnvelope, snsNotificationBody, sqsEvent } from '../support/cloudtrail';
import { OUTSIDER, startHarness } from '../support/harness';
import type { Harness } from '../support/harness';

describe('canary lifecycle: retire, place, rotate', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { ALERT_UPDATE_SECONDS: '0' } });
  });
  afterAll(() => h.close());

  async function minted(location: string) {
    await h.command(`new ${location}`);
    await h.settle();
    const rec = (await h.store.allCanaries()).find((i) => i.location === location)!;
    return (await h.store.getCanary(String(rec.id)))!;
  }
  const repliesTo = (url: string) => h.standin.calls.filter((c) => c.method === 'response_url' && url.endsWith(c.responseUrlId!));

  it('retires only after the confirm button: user, key and policy deleted, record and history kept', async () => {
    const c = await minted('old-laptop');
    const { body } = await h.command(`retire ${c.id}`);
    expect(checkMessage(body!)).toEqual([]);
    const button = (body!.blocks as Array<{ type: string; elements?: Array<Record<string, unknown>> }>).find((b) => b.type === 'actions')!
      .elements![0]!;
    expect(button).toMatchObject({ action_id: RETIRE_ACTION, style: 'danger', confirm: expect.anything() });
    expect((await h.iam.send(new GetUserCommand({ UserName: c.resource.userName! }))).User).toBeDefined(); // nothing yet

    const press = async (user?: string) => {
      const url = h.standin.newResponseUrl();
      await h.interact(
        blockAction({
          userId: user ?? 'UADMIN001',
          actionId: RETIRE_ACTION,
          value: String(button.value),
          responseUrl: url,
          channelId: 'C0SECURITY',
          messageTs: '1.000001',
        }),
      );
      await h.settle();
      return url;
    };
    const refused = await press(OUTSIDER);
    expect(String(repliesTo(refused)[0]!.args.text)).toMatch(/can retire canaries/);
    const url = await press();
    await expect(h.iam.send(new GetUserCommand({ UserName: c.resource.userName! }))).rejects.toMatchObject({
      name: 'NoSuchEntityException',
    });
    expect(await h.store.getCanary(c.id)).toMatchObject({ status: 'retired', retiredBy: 'UADMIN001' });
    expect(String(repliesTo(url).at(-1)!.args.text)).toContain(`Canary \`${c.id}\` retired`);
    const again = await press();
    expect(String(repliesTo(again)[0]!.args.text)).toContain('already retired');
    const show = JSON.stringify((await h.command(`show ${c.id}`)).body!.blocks);
    expect(show).toMatch(/\*minted\*.*\*retired\* by <@UADMIN001>/);
  });

  it('moves a canary with /canary place, keeping where it was', async () => {
    const c = await minted('desk drawer');
    const { body } = await h.command(`place ${c.id} server room ~/.aws/credentials`);
    expect(String(body?.text)).toContain('now lives at `server room ~/.aws/credentials` (was `desk drawer`)');
    expect(await h.store.getCanary(c.id)).toMatchObject({ location: 'server room ~/.aws/credentials', previousLocations: ['desk drawer'] });
    expect(JSON.stringify((await h.command(`show ${c.id}`)).body!.blocks)).toContain('desk drawer -&gt; server room');
  });

  it('rotates: the new key goes privately to the requester, then the old one is deleted; both still lead to the canary', async () => {
    const c = await minted('build-agent-3');
    const oldKey = c.resource.accessKeyId!;
    const { responseUrl } = await h.command(`rotate ${c.id}`);
    await h.settle();
    const delivered = repliesTo(responseUrl).find((r) => JSON.stringify(r.args).includes('aws_secret_access_key'));
    expect(delivered?.args.response_type).toBe('ephemeral');
    const keys = (await h.iam.send(new ListAccessKeysCommand({ UserName: c.resource.userName! }))).AccessKeyMetadata ?? [];
    expect(keys).toHaveLength(1);
    expect(keys[0]!.AccessKeyId).not.toBe(oldKey);
    const after = (await h.store.getCanary(c.id))!;
    expect(after.resource.accessKeyId).toBe(keys[0]!.AccessKeyId);
    expect(after.pending).toBeUndefined();
    // a call with the new key alerts as this canary
    await h.alert.handler(
      sqsEvent([
        snsNotificationBody(
          eventBridgeEnvelope(
            canaryCall({ accessKeyId: keys[0]!.AccessKeyId!, arn: 'arn:aws:iam::123456789012:user/elsewhere/x', userName: 'x' }),
          ),
        ),
      ]),
    );
    const alert = h.standin.calls.find(
      (x) =>
        x.method === 'chat.postMessage' && x.args.channel === 'C0ALERTS1' && JSON.stringify(x.args.blocks ?? '').includes(`\`${c.id}\``),
    );
    expect(JSON.stringify(alert?.args.blocks)).toContain('Canary used: build-agent-3');
  });

  it('keeps the old key when the new one cannot be delivered', async () => {
    const c = await minted('kiosk-2');
    h.standin.failNext('response_url', { status: 500 }, 3);
    await h.command(`rotate ${c.id}`);
    await h.settle();
    const keys = (await h.iam.send(new ListAccessKeysCommand({ UserName: c.resource.userName! }))).AccessKeyMetadata ?? [];
    expect(keys.map((k) => k.AccessKeyId)).toEqual([c.resource.accessKeyId]);
    expect((await h.store.getCanary(c.id))!.pending).toBeUndefined();
  });
});
