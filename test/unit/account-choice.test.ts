import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../bot/command';
import { mintModal, readMintModal } from '../../bot/views/mint-modal';
import { checkView } from '../../local/block-kit';

/** Organization mode's two ways to choose where a key is minted: --account and the form's picker. */
describe('choosing the account a canary is minted in', () => {
  it('takes --account as an id, a name, or a quoted name with spaces (straight or curly quotes)', () => {
    expect(parseCommand('new web-1 /srv/.env --account 111122223333')).toMatchObject({
      type: 'new',
      location: 'web-1 /srv/.env',
      account: '111122223333',
    });
    expect(parseCommand('new web-1 --account production --owner <@U0OWNER1>')).toMatchObject({ account: 'production', owner: 'U0OWNER1' });
    expect(parseCommand('new web-1 --account "Shared services" --profile deny-all')).toMatchObject({
      account: 'Shared services',
      profile: 'deny-all',
    });
    expect(parseCommand('new web-1 --account \u201cShared services\u201d')).toMatchObject({ account: 'Shared services' });
    expect(parseCommand('new web-1 --account')).toMatchObject({ type: 'invalid', message: expect.stringContaining('--account') });
    expect(parseCommand('new web-1 --account "a\u202eb"')).toMatchObject({ type: 'invalid' });
  });

  const accounts = Array.from({ length: 150 }, (_, i) => ({
    id: String(100000000000 + i),
    name: `acct-${String(150 - i).padStart(3, '0')}`,
    state: i % 50 === 7 ? 'SUSPENDED' : 'ACTIVE',
  }));
  const meta = { responseUrl: 'https://hooks.slack.com/commands/T1/1/x', channelId: 'C1' };
  const picker = (view: ReturnType<typeof mintModal>) =>
    view.blocks.find((b) => b.block_id === 'account') as
      { element: { options: Array<{ value: string }>; initial_option?: { value: string } }; hint: { text: string } } | undefined;

  it("offers the organization's active accounts, the bot's own first and chosen, within Slack's 100 options", () => {
    const view = mintModal('U0ADMIN1', meta, { accounts, home: '100000000120' });
    expect(checkView(view)).toEqual([]);
    const p = picker(view)!;
    expect(p.element.options).toHaveLength(100);
    expect(p.element.options[0]!.value).toBe('100000000120');
    expect(p.element.initial_option?.value).toBe('100000000120');
    expect(p.element.options.map((o) => o.value)).not.toContain('100000000007'); // suspended
    expect(p.hint.text).toContain('--account');
  });

  it('shows no picker in single-account mode, or before the list was read', () => {
    expect(picker(mintModal('U0ADMIN1', meta))).toBeUndefined();
    expect(picker(mintModal('U0ADMIN1', meta, { accounts: [], home: '100000000120' }))).toBeUndefined();
  });

  it('carries the chosen account into the mint request, and refuses anything but an account id', () => {
    const values = (account?: string) => ({
      kind: { value: { selected_option: { value: 'aws-key' } } },
      location: { value: { value: 'web-1' } },
      owner: { value: { selected_user: 'U0OWNER1' } },
      ...(account ? { account: { value: { selected_option: { value: account } } } } : {}),
    });
    expect(readMintModal(values('100000000001'))).toEqual({
      form: { kind: 'aws-key', location: 'web-1', owner: 'U0OWNER1', account: '100000000001' },
    });
    expect(readMintModal(values())).toEqual({ form: { kind: 'aws-key', location: 'web-1', owner: 'U0OWNER1' } });
    expect(readMintModal(values('production'))).toEqual({ errors: { account: 'Pick one of the listed accounts.' } });
  });
});
