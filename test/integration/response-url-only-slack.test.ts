import { randomUUID } from 'node:crypto';
import { ListUsersCommand } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAllowedResponseUrl } from '../../bot/respond';
import { startHarness } from '../support/harness';
import type { Harness } from '../support/harness';

/**
 * A job answers only through a response_url Slack issued to this workspace for a command or an
 * interaction. A forged job naming an incoming webhook (hooks.slack.com/services/..., which posts
 * into whatever channel it was made for, in any workspace) delivers nothing and leaves no key.
 */
describe('response_urls: only the paths Slack issues for our commands and interactions', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  const mint = (responseUrl: string) => ({
    type: 'mint',
    jobId: randomUUID(),
    responseUrl,
    request: { id: 'cweb001', kind: 'aws-key', location: 'laptop-42', owner: 'U0ADMIN1', requestedBy: 'U0ADMIN1' },
  });

  it.each([
    'https://hooks.slack.com/services/T0001/B0001/abcdefABCDEF0123',
    'https://hooks.slack.com/workflows/T0001/A0001/123/abc',
    'https://hooks.slack.com/commands/T0OTHER1/1234/abcdef', // another workspace's command
  ])('refuses a mint job answering to %s: nothing delivered, no key left', async (url) => {
    const before = h.standin.calls.length;
    await expect(h.jobs.handler(mint(url))).rejects.toThrow(/response_url is not one Slack issued/);
    expect(h.standin.calls.slice(before)).toEqual([]);
    expect((await h.iam.send(new ListUsersCommand({ PathPrefix: h.userPath }))).Users ?? []).toEqual([]);
    expect(await h.store.allCanaries()).toEqual([]);
  });

  it('takes the shapes Slack issues, on its host or the stand-in, for this workspace only', () => {
    const config = { teamId: 'T0001', slackApiUrl: 'http://127.0.0.1:9999/api/' };
    const ok = [
      'https://hooks.slack.com/commands/T0001/1234567890/AbCdEf0123',
      'https://hooks.slack.com/actions/T0001/1234567890/AbCdEf0123',
      'http://127.0.0.1:9999/commands/T0001/1/abc',
    ];
    const refused = [
      'https://hooks.slack.com/services/T0001/B0001/abc',
      'http://hooks.slack.com/commands/T0001/1/abc',
      'https://hooks.slack.com.evil.example/commands/T0001/1/abc',
      'https://hooks.slack.com:8443/commands/T0001/1/abc',
      'https://user@hooks.slack.com/commands/T0001/1/abc',
      'https://hooks.slack.com/commands/T0001/1/abc?x=1',
      'https://hooks.slack.com/commands/T0001/1/abc/../../services/T0001/B1/x',
      'https://hooks.slack.com/commands/T0002/1/abc',
      'http://127.0.0.1:9998/commands/T0001/1/abc',
      'not a url',
    ];
    for (const url of ok) expect(isAllowedResponseUrl(config, url), url).toBe(true);
    for (const url of refused) expect(isAllowedResponseUrl(config, url), url).toBe(false);
  });
});
