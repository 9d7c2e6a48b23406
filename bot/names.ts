import { randomInt } from 'node:crypto';

/**
 * IAM user names for canaries. An attacker learns the name from the ARN in an AccessDenied error
 * before any logged call, and their tooling flags decoy-looking names (UUIDs, vendor prefixes,
 * words such as "canary"), so a canary must be named like the service accounts next to it.
 */

const ROLES = [
  'ci-deploy',
  'backup-sync',
  'etl',
  'data-export',
  'db-migrate',
  'artifact-push',
  'log-shipper',
  'metrics-reader',
  'report-gen',
  'release',
  'terraform',
  'ansible',
  'jenkins',
  'gitlab-runner',
  'airflow',
  'cron',
  'batch',
  'ingest',
  's3-sync',
  'scheduler',
  'image-builder',
  'cdn-purge',
  'billing-export',
  'snapshot',
  'archive',
] as const;
const DOMAINS = [
  'payments',
  'orders',
  'search',
  'analytics',
  'warehouse',
  'platform',
  'infra',
  'web',
  'api',
  'mobile',
  'auth',
  'inventory',
  'ledger',
  'crm',
  'finance',
  'marketing',
  'media',
  'storage',
  'checkout',
  'catalog',
  'shipping',
  'support',
  'identity',
  'reporting',
] as const;
const SUFFIXES = ['', '', '', 'prod', 'prd', 'stg', 'eu1', 'eu2', 'use1', 'usw2', 'apse1', '01', '02', 'legacy', 'v2'] as const;

/** Single words a service account's role is called by: the middle of a name in the account's style (name-style.ts). */
export const ROLE_WORDS = [
  'exporter',
  'importer',
  'reconciler',
  'syncer',
  'deployer',
  'uploader',
  'reader',
  'writer',
  'scheduler',
  'builder',
  'runner',
  'shipper',
  'ingest',
  'backup',
  'archiver',
  'migrator',
  'reporter',
  'notifier',
  'worker',
  'cron',
  'batch',
  'etl',
  'terraform',
  'jenkins',
  'airflow',
] as const;

const pick = <T>(xs: readonly T[]): T => xs[randomInt(xs.length)]!;

export function generateUserName(): string {
  const suffix = pick(SUFFIXES);
  return [pick(ROLES), pick(DOMAINS), suffix].filter(Boolean).join('-');
}

// Substrings that give a decoy away, and the name prefixes of known canary vendors and tools.
const TELLTALE_WORDS = [
  'canar',
  'honey',
  'decoy',
  'trap',
  'test',
  'tripwire',
  'fake',
  'bait',
  'lure',
  'decept',
  'token',
  'sentinel',
  'dummy',
];
const VENDOR_PREFIXES = ['thinkst', 'tracebit', 'spacecrafted', 'ct-', 'ctk-', 'atomicred'];

export type NameCheck = { ok: true } | { ok: false; reason: string };

export function checkUserName(name: string): NameCheck {
  if (!/^[\w+=,.@-]{1,64}$/.test(name)) {
    return { ok: false, reason: 'IAM user names are 1 to 64 characters of letters, digits and + = , . @ _ -' };
  }
  const lower = name.toLowerCase();
  const word = TELLTALE_WORDS.find((w) => lower.includes(w));
  if (word) return { ok: false, reason: `names containing "${word}" are flagged by attacker tooling` };
  const vendor = VENDOR_PREFIXES.find((p) => lower.startsWith(p));
  if (vendor) return { ok: false, reason: `the prefix "${vendor}" belongs to a known canary vendor` };
  if (/[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}/.test(lower)) {
    return { ok: false, reason: 'UUID-shaped names look generated' };
  }
  // Long runs of mixed letters and digits (random ids, hashes) look machine-made, not human.
  const randomLooking = lower.split(/[^a-z0-9]+/).some((part) => part.length >= 10 && /\d.*\d.*\d/.test(part) && /[a-z]/.test(part));
  if (randomLooking || /[0-9a-f]{12,}/.test(lower)) {
    return { ok: false, reason: 'random-looking segments (ids, hashes) look generated' };
  }
  if (name.length < 4) return { ok: false, reason: 'very short names stand out; use at least 4 characters' };
  return { ok: true };
}

/**
 * A canary path: `/` + one or more segments of the characters IAM allows in names, each ended by
 * `/`. Narrower than IAM's own path syntax on purpose: the path goes into IAM ARNs of the bot's
 * grants and into EventBridge patterns, where `*` or `?` would widen them to other paths, and `/`
 * alone would cover every user in the account.
 */
export function isCanaryPath(path: string): boolean {
  return path.length <= 512 && /^\/([\w+=,.@-]+\/)+$/.test(path);
}
