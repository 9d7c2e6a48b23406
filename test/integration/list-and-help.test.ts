import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIST_PAGE } from '../../bot/views/list';
import { checkMessage } from '../../local/block-kit';
import { startHarness } from '../support/harness';
import type { Harness } from '../support/harness';

describe('/canary list and /canary help answer privately, within Block Kit limits', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  it('says how to start when there are no canaries', async () => {
    const { body } = await h.command('list');
    expect(body).toMatchObject({ response_type: 'ephemeral', text: expect.stringMatching(/No canaries yet/) });
  });

  it('lists id, location, owner, status and created date, newest first, escaping the location', async () => {
    await h.command('new <!channel> *loud* laptop');
    await h.settle(); // minted one after the other, so "newest first" has an answer
    await h.command('new laptop-42 --owner <@U0BOB>');
    await h.settle();
    const { body } = await h.command('list');
    expect(body?.response_type).toBe('ephemeral');
    expect(checkMessage(body!)).toEqual([]);
    const text = JSON.stringify(body!.blocks);
    expect(text).toContain('Canaries (2)');
    expect(text.indexOf('laptop-42')).toBeLessThan(text.indexOf('loud'));
    expect(text).toContain('`&lt;!channel&gt; *loud* laptop`');
    expect(text).not.toContain('<!channel>');
    expect(text).toMatch(/\*c[0-9a-z]{6}\* · active · AWS access key/);
    expect(text).toContain('owner <@U0BOB>');
    expect(text).toContain(`created ${new Date().toISOString().slice(0, 10)}`);
  });

  it('pages past the 50-block limit with many canaries, and filters by status, owner and text', async () => {
    for (let i = 0; i < LIST_PAGE + 5; i++) {
      await h.store.putNewCanary({
        id: `cz${String(i).padStart(5, '0')}`,
        kind: 'aws-key',
        location: `box-${i}`,
        owner: 'U0BOB',
        createdAt: new Date(Date.now() - i * 1000).toISOString(),
        createdBy: 'U0BOB',
        status: 'active',
        aliases: [`AKIA${i}`],
        resource: {},
      });
    }
    const { body } = await h.command('list');
    expect(checkMessage(body!)).toEqual([]);
    expect((body!.blocks as unknown[]).length).toBeLessThanOrEqual(50);
    expect(JSON.stringify(body!.blocks)).toContain(`Canaries (first ${LIST_PAGE}, more exist)`);
    const cursor = /repeat the command with `--page ([A-Za-z0-9_-]+)`/.exec(JSON.stringify(body!.blocks))?.[1];
    expect(cursor).toBeDefined();
    const page2 = (await h.command(`list --page ${cursor}`)).body!;
    expect(checkMessage(page2)).toEqual([]);
    expect(JSON.stringify(page2.blocks)).toContain(`Canaries (next ${5 + 2})`);
    expect((page2.blocks as unknown[]).length).toBe(2 + (LIST_PAGE + 5 + 2 - LIST_PAGE)); // header, context + the rest
    expect(String((await h.command('list --page 2')).body!.text)).toMatch(/not one this bot gave out/);
    const bob = (await h.command('list --owner <@U0BOB> box-4')).body!;
    expect(JSON.stringify(bob.blocks)).toMatch(/Canaries \(\d+\)/);
    const mine = JSON.stringify(bob.blocks);
    expect(mine).toContain('`box-4`');
    expect(mine).not.toContain('`box-3`');
    expect(String((await h.command('list --status retired')).body!.text)).toBe('No canary matches that filter.');
  });

  it('explains the commands and the kinds in help', async () => {
    const { body } = await h.command('help');
    expect(checkMessage(body!)).toEqual([]);
    const text = JSON.stringify(body!.blocks);
    for (const s of ['/canary new', '/canary list', '/canary help', '`aws-key`', '--owner']) expect(text).toContain(s);
  });

  it('answers unknown or malformed text helpfully instead of failing', async () => {
    for (const text of ['frobnicate', 'new ' + 'x'.repeat(300), 'new laptop\u202e', 'new --owner']) {
      const { res, body } = await h.command(text);
      expect(res.statusCode).toBe(200);
      expect(body?.response_type).toBe('ephemeral');
      expect(String(body?.text)).toMatch(/Try `\/canary help`\.$/);
    }
  });
});
