import { describe, expect, it } from 'vitest';
import { COMMANDS, parseCommand } from '../../bot/command';
import { helpReply } from '../../bot/views/help';

describe('/canary text is parsed before anything touches AWS', () => {
  it.each([
    ['', { type: 'help' }],
    ['help', { type: 'help' }],
    ['  HELP ', { type: 'help' }],
    ['list', { type: 'list', filter: {} }],
    [
      'list --status disabled --owner <@U0BOB|bob> --kind aws-key laptop --page eyJnc2kxc2siOiJ4In0',
      { type: 'list', filter: { status: 'disabled', owner: 'U0BOB', kind: 'aws-key', text: 'laptop' }, cursor: 'eyJnc2kxc2siOiJ4In0' },
    ],
    ['list --status all', { type: 'list', filter: {} }],
    ['list --status retired --status all', { type: 'list', filter: {} }],
    ['list --status unknown', { type: 'list', filter: { status: 'unknown' } }],
    ['list --kind s3-object --account 123456789012', { type: 'list', filter: { kind: 's3-object', account: '123456789012' } }],
    ['list --account prod-payments box 7', { type: 'list', filter: { account: 'prod-payments', text: 'box 7' } }],
    ['list --account "Shared services" --status active', { type: 'list', filter: { account: 'Shared services', status: 'active' } }],
    ['list --account \u201cShared services\u201d', { type: 'list', filter: { account: 'Shared services' } }],
    ['list --account=1 x', { type: 'invalid', message: expect.stringMatching(/knows --status, --kind, --account/) }],
    ['retire c7k2mq4', { type: 'retire', id: 'c7k2mq4' }],
    ['rotate c7k2mq4', { type: 'rotate', id: 'c7k2mq4' }],
    ['place c7k2mq4 laptop-77 ~/.aws/credentials', { type: 'place', id: 'c7k2mq4', location: 'laptop-77 ~/.aws/credentials' }],
    ['new', { type: 'new-modal' }],
    ['new   ', { type: 'new-modal' }],
    ['new laptop-42', { type: 'new', kind: 'aws-key', location: 'laptop-42' }],
    ['new laptop-jdoe ~/.aws/credentials', { type: 'new', kind: 'aws-key', location: 'laptop-jdoe ~/.aws/credentials' }],
    ['new aws-key laptop-42', { type: 'new', kind: 'aws-key', location: 'laptop-42' }],
    [
      'new repo <https://git.example.com/a/b|git.example.com/a/b> .env',
      { type: 'new', kind: 'aws-key', location: 'repo https://git.example.com/a/b .env' },
    ],
    ['new a &amp; b &lt;prod&gt;', { type: 'new', kind: 'aws-key', location: 'a & b <prod>' }],
    [
      'new laptop-42 --owner <@U0ALICE|alice> --name ci-deploy-web --note spare laptop, 3rd floor',
      { type: 'new', kind: 'aws-key', location: 'laptop-42', owner: 'U0ALICE', name: 'ci-deploy-web', note: 'spare laptop, 3rd floor' },
    ],
    ['new laptop-42 --note=under the desk', { type: 'new', kind: 'aws-key', location: 'laptop-42', note: 'under the desk' }],
    ['new laptop-42 --auto-disable on', { type: 'new', kind: 'aws-key', location: 'laptop-42', autoDisable: true }],
  ])('parses %j', (text, expected) => {
    expect(parseCommand(text)).toEqual(expected);
  });

  it.each([
    ['frobnicate', /I don't know `frobnicate`/],
    ['new ' + 'x'.repeat(201), /201 characters; the limit is 200/],
    ['new aws-key', /Say where the canary will live/],
    ['new --owner <@U1>', /Say where the canary will live/],
    ['new laptop\u0000', /control, invisible or text-direction/],
    ['new lap\u200btop', /control, invisible or text-direction/],
    ['new laptop --owner alice', /--owner` as an @-mention/],
    ['new laptop --name', /`--name` needs a value/],
    ['new laptop --note ' + 'n'.repeat(501), /note is 501 characters/],
    ['list --all', /knows --status, --kind, --account, --owner and --page/],
    ['list --status lost', /--status` is one of active, disabled, retired, unknown, all/],
    ['list --status', /--status` is one of/],
    ['list --kind lamp', /Unknown `--kind`/],
    ['list --account', /`--account` takes an account id or name/],
    ['list --account --status active', /`--account` takes an account id or name/],
    ['list --account "tab\u202eed"', /`--account` takes an account id or name/],
    ['list --page', /`--page` takes the marker/],
    ['list --page 2=', /`--page` takes the marker/],
    ['list --page ' + 'A'.repeat(201), /`--page` takes the marker/],
    ['retire', /Give the canary id/],
    ['place c7k2mq4', /location is empty/],
    ['new laptop --auto-disable maybe', /takes `on` or `off`/],
    ['<!channel>', /I don't know `&lt;!channel&gt;`/],
  ])('explains what is wrong with %j', (text, message) => {
    const cmd = parseCommand(text);
    expect(cmd.type).toBe('invalid');
    if (cmd.type === 'invalid') expect(cmd.message).toMatch(message);
  });
});

describe('/canary help lists every command the parser accepts, once', () => {
  const help = JSON.stringify(helpReply().blocks);
  const listed = [...help.matchAll(/\*\/canary ([a-z-]+)\*/g)].map((m) => m[1]);
  // Every word that appears as a subcommand anywhere in help, plus words people try.
  const probes = [
    ...new Set([
      ...listed,
      ...COMMANDS.map((c) => c.name),
      'disable',
      'delete',
      'remove',
      'suppress',
      'status',
      'mint',
      'create',
      'check',
      'selftest',
      'self-test',
      'move',
    ]),
  ];
  const accepted = probes.filter((word) => {
    const cmd = parseCommand(`${word} c7k2mq4 s1a2b`);
    return !(cmd.type === 'invalid' && cmd.message.startsWith("I don't know"));
  });

  it('names each accepted command exactly once, in a group, and nothing else', () => {
    expect(accepted.sort()).toEqual([...listed].sort());
    expect(new Set(listed).size).toBe(listed.length);
    expect(accepted).toContain('test');
    for (const group of ['Mint', 'Look', 'Triage', 'Lifecycle', 'Checks']) expect(help).toContain(`*${group}*`);
  });

  it("names the list's filters and paging", () => {
    const list = COMMANDS.find((c) => c.name === 'list')!.usage;
    for (const flag of ['--status active|disabled|retired|unknown|all', '--kind', '--account id|name', '--owner', '--page'])
      expect(list).toContain(flag);
    expect(help).toContain('--account id|name');
  });

  it('fits Slack: no section over 3,000 characters', () => {
    for (const b of helpReply().blocks as { text?: { text: string } }[]) expect(b.text?.text.length ?? 0).toBeLessThanOrEqual(3000);
  });
});
