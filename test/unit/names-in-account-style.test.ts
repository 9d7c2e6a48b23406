import { IAMClient } from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import { accountNames } from '../../bot/kinds/aws-key';
import { generateInStyle, learnStyle, nameSpace } from '../../bot/name-style';
import type { NameStyle } from '../../bot/name-style';
import { checkUserName, DOMAIN_WORDS, generateUserName, ROLE_WORDS } from '../../bot/names';

/**
 * Canaries named like the account's own users, so that no regular expression written from this
 * repository matches them: three accounts with three distinct styles, 50 names minted in each.
 */
const ACCOUNTS = {
  'dotted lower case with a team prefix': {
    names: [
      'payments.exporter.prod',
      'payments.reconciler.dev',
      'payments.ledger.prod',
      'payments.refunds.stg',
      'orders.sync.prod',
      'orders.archiver.dev',
      'orders.fulfilment.prod',
      'search.indexer.prod',
      'search.crawler.stg',
      'search.ranker.dev',
    ],
    shape: /^(payments|orders|search)\.[a-z]+\.(prod|dev|stg)$/,
  },
  'upper snake case with a service prefix and a region': {
    names: [
      'SVC_BILLING_ETL_USE1',
      'SVC_LEDGER_SYNC_EUW1',
      'SVC_REPORTS_EXPORT_USE1',
      'SVC_CRM_IMPORT_EUW1',
      'SVC_MEDIA_RESIZE_USE1',
      'SVC_AUTH_ROTATE_EUW1',
    ],
    shape: /^SVC_[A-Z]+_[A-Z]+_(USE1|EUW1)$/,
  },
  'camel case of two or three words': {
    names: [
      'deployBot',
      'backupRunner',
      'grafanaReader',
      'lokiShipper',
      'fluxController',
      'argoSyncer',
      'vaultAgentProd',
      'jenkinsBuilderProd',
    ],
    shape: /^[a-z]+([A-Z][a-z0-9]+){1,2}$/,
  },
} as const;

describe('names in the account style', () => {
  for (const [styleName, account] of Object.entries(ACCOUNTS)) {
    it(`mints 50 names ${styleName}: each in the style, none a real name, none flagged`, () => {
      const style = learnStyle([...account.names]);
      expect(style).toBeDefined();
      const taken = new Set(account.names.map((n) => n.toLowerCase()));
      const minted = Array.from({ length: 50 }, () => {
        const name = generateInStyle(style, taken);
        taken.add(name.toLowerCase()); // each one taken as it is minted, as IAM would
        return name;
      });
      for (const name of minted) {
        expect(name, name).toMatch(account.shape);
        expect(
          account.names.map((n) => n.toLowerCase()),
          name,
        ).not.toContain(name.toLowerCase());
        expect(checkUserName(name), name).toEqual({ ok: true });
      }
      expect(new Set(minted).size).toBe(50);
    });
  }

  it('falls back to the fixed lists when the account has too few names to show a style', () => {
    expect(learnStyle([])).toBeUndefined();
    expect(learnStyle(['admin', 'alice', 'bob.smith'])).toBeUndefined();
    expect(generateInStyle(undefined, new Set())).toMatch(/^[a-z0-9]+(-[a-z0-9]+)+$/);
  });

  it('never learns a word that gives a decoy away, whatever the account calls its users', () => {
    const style = learnStyle([
      'honeypot.reader.prod',
      'canary.sync.prod',
      'payments.etl.prod',
      'orders.export.prod',
      'search.index.prod',
      'ledger.sync.prod',
    ])!;
    expect(style.first).not.toContain('honeypot');
    expect(style.first).not.toContain('canary');
    for (let i = 0; i < 50; i++) expect(checkUserName(generateInStyle(style, new Set()))).toEqual({ ok: true });
  });

  it('never fails and never copies a person, whatever the names: flagged words, people, emails, random suffixes', () => {
    const accounts = [
      ['test-app-prod', 'test-db-prod', 'test-web-prod', 'test-api-prod', 'test-etl-prod'],
      ['app-test', 'db-test', 'web-test', 'api-test', 'etl-test'],
      ['alice.smith', 'bob.jones', 'carol.white', 'dave.brown', 'erin.green', 'frank.black'],
      ['alice@corp.com', 'bob@corp.com', 'carol@corp.com', 'dave@corp.com', 'erin@corp.com'],
      [
        'Stack-RoleA-1A2B3C4D5E6F',
        'Stack-RoleB-Z9Y8X7W6V5U4',
        'Stack-RoleC-Q1W2E3R4T5Y6',
        'Stack-RoleD-P0O9I8U7Y6T5',
        'Stack-RoleE-M1N2B3V4C5X6',
      ],
    ];
    const people = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'smith', 'jones', 'white', 'brown', 'green', 'black', 'corp'];
    for (const names of accounts) {
      const style = learnStyle(names);
      for (let i = 0; i < 50; i++) {
        const name = generateInStyle(style, new Set(names.map((n) => n.toLowerCase())));
        expect(checkUserName(name), name).toEqual({ ok: true });
        expect(
          name
            .split(/[^a-zA-Z]+|(?=[A-Z])/)
            .map((w) => w.toLowerCase())
            .filter((w) => people.includes(w)),
          name,
        ).toEqual([]);
        expect(name).not.toContain('@');
      }
    }
  });

  it('keeps Pascal case', () => {
    const style = learnStyle(['DeployBot', 'BackupRunner', 'GrafanaReader', 'LokiShipper', 'FluxController', 'ArgoSyncer']);
    expect(generateInStyle(style, new Set())).toMatch(/^([A-Z][a-z0-9]+){2,}$/);
  });

  it('does not mint what one regular expression from the fixed lists would match, in an account with a style', () => {
    const fixed = Array.from({ length: 200 }, generateUserName);
    const shapeOfFixed = /^[a-z0-9]+(-[a-z0-9]+)+$/;
    expect(fixed.every((n) => shapeOfFixed.test(n))).toBe(true);
    const style = learnStyle([...ACCOUNTS['dotted lower case with a team prefix'].names]);
    expect(Array.from({ length: 50 }, () => generateInStyle(style, new Set())).some((n) => shapeOfFixed.test(n))).toBe(false);
  });
});

/**
 * IAM holds up to 5,000 users in an account, and a dedicated canary account may be nearly all
 * canaries: the names must not run out, repeat, or slow the mint. The spaces are counted (each
 * name the generator can draw, as it would draw it), not estimated.
 */
describe('a name space for thousands of canaries in one account', () => {
  const IAM_USER_QUOTA = 5000;
  /** Ten times the quota: room to spare. */
  const ROOM = 10 * IAM_USER_QUOTA;
  /** Distinct names (IAM's case-insensitive sense) in `style`'s space, counted up to `limit`. */
  const count = (style: NameStyle | undefined, limit: number) => {
    const seen = new Set<string>();
    const flagged: string[] = [];
    for (const name of nameSpace(style)) {
      if (!checkUserName(name).ok) flagged.push(name);
      seen.add(name.toLowerCase());
      if (seen.size >= limit) break;
    }
    expect(flagged).toEqual([]);
    return seen;
  };
  const dotted = learnStyle([...ACCOUNTS['dotted lower case with a team prefix'].names])!;
  // The least a style can be: five names, one team, one environment, one word between.
  const minimal = learnStyle(['acme_ledger_prod', 'acme_billing_prod', 'acme_sync_prod', 'acme_search_prod', 'acme_media_prod'])!;

  it('has every plain word pass the name checks', () => {
    for (const w of [...DOMAIN_WORDS, ...ROLE_WORDS]) expect(checkUserName(`${w}-x`), w).toEqual({ ok: true });
  });

  it("holds ten times IAM's user quota in an empty account and in a style learned from ten names", () => {
    expect(count(undefined, ROOM).size).toBe(ROOM);
    for (const style of Object.values(ACCOUNTS).map((a) => learnStyle([...a.names]))) expect(count(style, ROOM).size).toBe(ROOM);
  });

  it('holds five times the quota in the smallest style, all in its shape', () => {
    const space = count(minimal, Infinity);
    expect(space.size).toBeGreaterThan(5 * IAM_USER_QUOTA);
    expect([...space].filter((n) => !/^acme(_[a-z0-9]+){1,2}_prod$/.test(n))).toEqual([]);
  });

  it('counts what the generator draws: every draw is in the counted space', () => {
    const space = count(dotted, Infinity);
    const taken = new Set<string>();
    for (let i = 0; i < 2000; i++) taken.add(generateInStyle(dotted, taken).toLowerCase());
    expect(taken.size).toBe(2000);
    expect([...taken].filter((n) => !space.has(n))).toEqual([]);
  });

  for (const [label, style, shape] of [
    ['an empty account', undefined, /^[a-z0-9]+(-[a-z0-9]+)+$/],
    ['the dotted style', dotted, /^(payments|orders|search)(\.[a-z0-9]+){1,2}\.(prod|dev)$/],
    ['the smallest style', minimal, /^acme(_[a-z0-9]+){1,2}_prod$/],
  ] as const) {
    it(`draws 5,000 names in ${label}, taken as they go: none fails, none repeats`, () => {
      const taken = new Set<string>();
      let repeats = 0;
      // How fast is bench/ business, not a test's (timed assertions fail on a loaded machine).
      for (let i = 0; i < IAM_USER_QUOTA; i++) {
        const name = generateInStyle(style, taken).toLowerCase();
        if (taken.has(name)) repeats++;
        taken.add(name);
      }
      expect(repeats).toBe(0);
      expect(taken.size).toBe(IAM_USER_QUOTA);
      expect([...taken].filter((n) => !new RegExp(shape.source, 'i').test(n))).toEqual([]);
    });
  }

  it('ends names in a number only where the account numbers its own, of the same width', () => {
    const numbered = learnStyle(['web-api-01', 'web-api-02', 'web-db-01', 'app-db-03', 'app-web-02', 'ops-cron-04'])!;
    expect(numbered.digits).toBe(2);
    const names = Array.from({ length: 50 }, () => generateInStyle(numbered, new Set()));
    expect(names.filter((n) => !/^[a-z0-9]+-[a-z0-9]+(-[a-z0-9]+)?-\d\d$/.test(n))).toEqual([]);
    expect(dotted.digits).toBeUndefined();
    expect(Array.from({ length: 50 }, () => generateInStyle(dotted, new Set())).filter((n) => /\d/.test(n))).toEqual([]);
  });

  it('keeps to the account word counts until they are crowded', () => {
    const taken = new Set<string>();
    const names = Array.from({ length: 500 }, () => {
      const name = generateInStyle(dotted, taken);
      taken.add(name);
      return name;
    });
    // team.thing.env holds some 1,300 names: 500 fit without a longer one, bar a rare crowded run.
    expect(names.filter((n) => n.split('.').length === 3).length).toBeGreaterThan(450);
  });
});

/** IAM answering the list calls from `users` and `roles`, as IAM pages them; every call recorded, none leaves the process. */
function listingIam(users: { UserName: string; Path: string }[], roles: { RoleName: string; Path: string }[]) {
  const iam = new IAMClient({ region: 'us-east-1', credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'example' } });
  const calls: { command: string; MaxItems?: number }[] = [];
  iam.middlewareStack.add(
    (_next, context) => async (args) => {
      const input = args.input as { Marker?: string; MaxItems?: number };
      const command = String(context.commandName);
      calls.push({ command, MaxItems: input.MaxItems });
      if (command !== 'ListUsersCommand' && command !== 'ListRolesCommand') throw new Error(`unexpected ${command}`);
      const [key, items] = command === 'ListUsersCommand' ? ['Users', users] : ['Roles', roles];
      const start = Number(input.Marker ?? 0);
      const end = start + (input.MaxItems ?? 100);
      const more = end < items.length;
      return {
        output: { $metadata: {}, [key]: items.slice(start, end), IsTruncated: more, ...(more ? { Marker: String(end) } : {}) },
      } as never;
    },
    { step: 'initialize' },
  );
  return { iam, calls };
}

describe('the collision check sees every user', () => {
  it("reads an account at IAM's user quota once per mint: five pages of 1,000, every name taken without case", async () => {
    const users = Array.from({ length: 5000 }, (_, i) => ({ UserName: `Payments-Worker-${i}`, Path: i % 2 ? '/' : '/svc/' }));
    const { iam, calls } = listingIam(users, []);
    const { taken, learn } = await accountNames(iam, '/svc/');
    expect(calls).toEqual(Array.from({ length: 5 }, () => ({ command: 'ListUsersCommand', MaxItems: 1000 })));
    expect(taken.size).toBe(5000);
    expect(taken.has('payments-worker-4999')).toBe(true);
    expect(learn).toHaveLength(2500); // the canaries' users (under /svc/) are taken, not learned from
  });

  it('reads every role too when users are few', async () => {
    const roles = Array.from({ length: 2500 }, (_, i) => ({ RoleName: `svc_data_job${i}`, Path: '/' }));
    const { iam, calls } = listingIam([{ UserName: 'alice', Path: '/' }], roles);
    const { taken } = await accountNames(iam, '/svc/');
    expect(calls.map((c) => `${c.command} ${c.MaxItems}`)).toEqual([
      'ListUsersCommand 1000',
      'ListRolesCommand 1000',
      'ListRolesCommand 1000',
      'ListRolesCommand 1000',
    ]);
    expect(taken.has('svc_data_job2499')).toBe(true);
  });
});
