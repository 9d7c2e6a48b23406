import { describe, expect, it } from 'vitest';
import { generateInStyle, learnStyle } from '../../bot/name-style';
import { checkUserName, generateUserName } from '../../bot/names';

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
