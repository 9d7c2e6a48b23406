import { ListUsersCommand } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { viewSubmission } from '../../local/slack-requests';
import { ADMIN, startHarness } from '../support/harness';
import type { Harness } from '../support/harness';

describe('/canary new with no text opens a form; submitting it mints like the command', () => {
  let h: Harness;
  let view: Record<string, unknown>;
  let responseUrl: string;
  beforeAll(async () => {
    h = await startHarness();
    const out = await h.command('new', { triggerId: '1111.2222.0123456789abcdef0123456789abcdef' });
    responseUrl = out.responseUrl;
    expect(out.res.statusCode).toBe(200);
    expect(out.res.body).toBe('');
    const open = h.standin.calls.find((c) => c.method === 'views.open');
    expect(open?.args.trigger_id).toBe('1111.2222.0123456789abcdef0123456789abcdef');
    view = open!.args.view as Record<string, unknown>;
  });
  afterAll(() => h.close());

  const submit = (values: Record<string, Record<string, unknown>>) =>
    h.interact(
      viewSubmission({ userId: ADMIN, callbackId: String(view.callback_id), privateMetadata: String(view.private_metadata), values }),
    );
  const form = (o: { location?: string; name?: string; note?: string; owner?: string } = {}) => ({
    kind: { value: { type: 'static_select', selected_option: { value: 'aws-key' } } },
    location: { value: { type: 'plain_text_input', value: o.location ?? 'build server ci-3 /etc/aws.env' } },
    owner: { value: { type: 'users_select', selected_user: o.owner ?? 'UOWNER123' } },
    name: { value: { type: 'plain_text_input', value: o.name ?? null } },
    note: { value: { type: 'plain_text_input', value: o.note ?? null } },
  });

  it('opens a modal Slack accepts, asking for kind, location, owner, name and note', () => {
    const blocks = view.blocks as Array<{ block_id: string }>;
    expect(blocks.map((b) => b.block_id)).toEqual(['kind', 'location', 'owner', 'name', 'note']);
    // the requester is the default owner, and the command's response_url rides along for the reply
    expect(JSON.stringify(blocks[2])).toContain(`"initial_user":"${ADMIN}"`);
    expect(JSON.parse(String(view.private_metadata))).toEqual({ responseUrl, channelId: 'C0SECURITY' });
  });

  it('shows field errors in the modal for a bad location or a telltale IAM name, minting nothing', async () => {
    const { body } = await submit(form({ location: 'laptop\u202e42', name: 'honeypot-user' }));
    expect(body).toMatchObject({
      response_action: 'errors',
      errors: { location: expect.stringMatching(/text-direction/), name: expect.stringMatching(/"honey"/) },
    });
    await h.settle();
    expect((await h.iam.send(new ListUsersCommand({ PathPrefix: h.userPath }))).Users ?? []).toEqual([]);
  });

  it("mints with the typed IAM name, owner and note, and sends the key to the command's response_url", async () => {
    const { res, body } = await submit(form({ name: 'etl-ledger-prod', note: 'rotated quarterly' }));
    expect(res.statusCode).toBe(200);
    expect(body).toBeUndefined(); // an empty ack closes the modal
    await h.settle();
    const users = (await h.iam.send(new ListUsersCommand({ PathPrefix: h.userPath }))).Users ?? [];
    expect(users.map((u) => u.UserName)).toEqual(['etl-ledger-prod']);
    const [rec] = await h.store.allCanaries();
    expect(rec).toMatchObject({
      location: 'build server ci-3 /etc/aws.env',
      owner: 'UOWNER123',
      createdBy: ADMIN,
      note: 'rotated quarterly',
    });
    const reply = h.standin.calls.find((c) => c.method === 'response_url');
    expect(responseUrl.endsWith(reply!.responseUrlId!)).toBe(true);
    expect(JSON.stringify(reply!.args)).toContain('aws_secret_access_key = ');
  });

  it('reports a typed name that already exists, leaving the existing user alone', async () => {
    h.standin.calls.length = 0;
    await submit(form({ name: 'etl-ledger-prod', location: 'second laptop' }));
    await h.settle();
    const reply = h.standin.calls.find((c) => c.method === 'response_url');
    expect(String(reply!.args.text)).toContain('an IAM user named etl-ledger-prod already exists');
    expect((await h.iam.send(new ListUsersCommand({ PathPrefix: h.userPath }))).Users).toHaveLength(1);
  });
});
