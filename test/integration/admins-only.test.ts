import { ListUsersCommand } from '@aws-sdk/client-iam';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { viewSubmission } from '../../local/slack-requests';
import { ADMIN, OUTSIDER, startHarness } from '../support/harness';
import type { Harness } from '../support/harness';

const GROUP = 'S0SECTEAM';
const GROUP_MEMBER = 'UGROUP001';

describe('only configured admins can mint; others get a polite private refusal, logged', () => {
  let h: Harness;
  let groupLookups = 0;
  beforeAll(async () => {
    h = await startHarness({ env: { ADMIN_USERGROUP_ID: GROUP } });
    h.standin.usergroups.set(GROUP, [GROUP_MEMBER]);
    h.standin.onCall = (c) => void (c.method === 'usergroups.users.list' && groupLookups++);
  });
  afterEach(() => {
    h.standin.calls.length = 0;
  });
  afterAll(() => h.close());

  const users = async () => (await h.iam.send(new ListUsersCommand({ PathPrefix: h.userPath }))).Users ?? [];

  it('refuses /canary new from someone who is neither listed nor in the group', async () => {
    const { res, body } = await h.command('new laptop-42', { userId: OUTSIDER });
    await h.settle();
    expect(res.statusCode).toBe(200);
    expect(body).toMatchObject({ response_type: 'ephemeral' });
    expect(String(body?.text)).toMatch(/^Sorry, only the security team's canary admins can mint canaries/);
    expect(await users()).toEqual([]);
    expect(await h.scanTable()).toEqual([]);
    expect(h.logs()).toMatch(new RegExp(`"message":"non-admin refused".*"userId":"${OUTSIDER}".*"action":"new"`));
  });

  it('refuses /canary list to outsiders too: it reveals where the decoys are', async () => {
    const { body } = await h.command('list', { userId: OUTSIDER });
    expect(String(body?.text)).toMatch(/can see or change canaries/);
  });

  it('still shows help to anyone', async () => {
    const { body } = await h.command('help', { userId: OUTSIDER });
    expect(body?.text).toBe('How to use /canary');
  });

  it('refuses a modal submission from an outsider, even with a valid form', async () => {
    const { body } = await h.interact(
      viewSubmission({
        userId: OUTSIDER,
        callbackId: 'canary_new',
        privateMetadata: JSON.stringify({ responseUrl: h.standin.newResponseUrl(), channelId: 'C0SECURITY' }),
        values: {
          kind: { value: { type: 'static_select', selected_option: { value: 'aws-key' } } },
          location: { value: { type: 'plain_text_input', value: 'laptop-9' } },
          owner: { value: { type: 'users_select', selected_user: OUTSIDER } },
        },
      }),
    );
    await h.settle();
    expect(body).toMatchObject({ response_action: 'errors', errors: { location: expect.stringMatching(/Only the canary admins/) } });
    expect(await users()).toEqual([]);
  });

  it('accepts a member of ADMIN_USERGROUP_ID, asking Slack for the members once per minute', async () => {
    await h.command('new laptop-7', { userId: GROUP_MEMBER });
    await h.command('list', { userId: GROUP_MEMBER });
    await h.settle();
    expect(await users()).toHaveLength(1);
    expect(groupLookups).toBe(1); // cached since the outsider's first attempt
  });

  it('accepts a listed admin without asking Slack at all', async () => {
    await h.command('list', { userId: ADMIN });
    expect(h.standin.calls.filter((c) => c.method === 'usergroups.users.list')).toHaveLength(0);
  });
});

describe('when Slack cannot say who is in the admin group, nobody outside ADMIN_USER_IDS is an admin', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { ADMIN_USERGROUP_ID: GROUP } });
    h.standin.usergroups.set(GROUP, [GROUP_MEMBER]);
  });
  afterAll(() => h.close());

  it('fails closed on an API error', async () => {
    h.standin.failNext('usergroups.users.list', { error: 'missing_scope' });
    const { body } = await h.command('new laptop-42', { userId: GROUP_MEMBER });
    await h.settle();
    expect(String(body?.text)).toMatch(/^Sorry, only/);
    expect(h.logs()).toContain('could not read the admin usergroup');
    expect((await h.iam.send(new ListUsersCommand({ PathPrefix: h.userPath }))).Users ?? []).toEqual([]);
  });
});
