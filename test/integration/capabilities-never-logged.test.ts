import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redact } from '../../bot/log';
import { signed, slashCommandBody, viewSubmission } from '../../local/slack-requests';
import { ADMIN, OUTSIDER, SIGNING_SECRET, startHarness } from '../support/harness';
import type { Harness } from '../support/harness';

/**
 * response_url, trigger_id and tokens let whoever holds them act as the bot: they must never
 * reach a log line, not even at DEBUG, whatever path the request takes.
 */
describe('Slack capabilities never reach the logs, even at DEBUG', () => {
  let h: Harness;
  const capabilities: string[] = [];
  beforeAll(async () => {
    h = await startHarness({ env: { POWERTOOLS_LOG_LEVEL: 'DEBUG' } });
    const trigger = '7777777.8888888.0123456789abcdef0123456789abcdef';
    const opened = await h.command('new', { triggerId: trigger });
    const view = h.standin.calls.find((c) => c.method === 'views.open')!.args.view as Record<string, string>;
    const minted = await h.command('new laptop-42');
    await h.command('new laptop-43', { userId: OUTSIDER });
    await h.command('new laptop\u0007', { userId: ADMIN });
    await h.send(
      signed(
        'wrong-secret',
        slashCommandBody({ text: 'new x', userId: ADMIN, responseUrl: h.standin.newResponseUrl() }),
        'application/x-www-form-urlencoded',
      ),
    );
    await h.interact(viewSubmission({ userId: ADMIN, callbackId: 'canary_new', privateMetadata: view.private_metadata!, values: {} }));
    await h.settle();
    h.standin.failNext('response_url', { status: 500 }, 3); // the reply fails: the error path logs too
    await h.command('new laptop-44');
    await h.settle();
    capabilities.push(
      opened.responseUrl,
      minted.responseUrl,
      trigger,
      'deprecated-verification-token',
      h.env.SLACK_BOT_TOKEN!,
      SIGNING_SECRET,
    );
  });
  afterAll(() => h.close());

  it('logged something at DEBUG (the check is not vacuous)', () => {
    expect(h.logs()).toMatch(/"level":"(INFO|WARN|ERROR)"/);
    expect(h.logs()).toContain('could not deliver the minted canary');
  });

  it('contains no response_url, trigger_id, token or signing secret', () => {
    const logs = h.logs();
    for (const c of capabilities) expect(logs).not.toContain(c);
    expect(logs).not.toMatch(/\/response\/[0-9a-f-]{36}/);
    expect(logs).not.toMatch(/xox[bpa]-/);
  });

  it('redact() scrubs each capability shape from free text', () => {
    const text = [
      'response_url=https://hooks.slack.com/commands/T0001/1234/abcdEFGH',
      '"response_url":"https://hooks.slack.com/actions/T1/2/x"',
      'trigger_id 1234567.8901234.0123456789abcdef0123456789abcdef',
      'Bearer xoxb-123-456-abc',
      'xapp-1-A1-2-abc',
      '"token":"verification-token-value"',
    ].join(' ');
    const out = redact(text);
    for (const s of ['hooks.slack.com', '0123456789abcdef0123456789abcdef', 'xoxb-', 'xapp-', 'verification-token-value'])
      expect(out).not.toContain(s);
  });
});
