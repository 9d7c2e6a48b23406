import { randomInt } from 'node:crypto';

/**
 * IAM user names for canaries. An attacker learns the name from the ARN in an AccessDenied error
 * before any logged call, and their tooling flags decoy-looking names (UUIDs, vendor prefixes,
 * words such as "canary"), so a canary must be named like the service accounts next to it.
 *
 * In an account with no style of its own (a dedicated canary account), names come from the fixed
 * lists below, combined: `<job>-<domain>` (`ci-deploy-payments`) or `<domain>-<role>`
 * (`ledger-exporter`), each bare or with an environment, a region, both, or a version
 * (`-prod`, `-euw1`, `-stg-use2`, `-legacy`). That is several hundred thousand names (FIXED_SHAPES;
 * test/unit/names-in-account-style counts them), so thousands of canaries in one account never
 * run short. In an account with a style, name-style.ts uses the single words here.
 */

/** Jobs a service account does, as people name them (some two words). */
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

/** What a team or a system is called: the domain of a fixed-list name, the first or an inner word of a styled one. */
export const DOMAIN_WORDS = [
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
  'billing',
  'invoices',
  'refunds',
  'accounts',
  'customers',
  'profiles',
  'sessions',
  'notifications',
  'email',
  'sms',
  'events',
  'logs',
  'metrics',
  'traces',
  'alerts',
  'audit',
  'compliance',
  'risk',
  'fraud',
  'pricing',
  'quotes',
  'cart',
  'products',
  'reviews',
  'recommendations',
  'content',
  'assets',
  'images',
  'video',
  'documents',
  'files',
  'uploads',
  'backups',
  'snapshots',
  'reports',
  'dashboards',
  'data',
  'datalake',
  'streams',
  'kafka',
  'queues',
  'cache',
  'postgres',
  'mysql',
  'redis',
  'elastic',
  'cdn',
  'dns',
  'network',
  'security',
  'secrets',
  'config',
  'registry',
  'artifacts',
  'builds',
  'releases',
  'partners',
  'vendors',
  'payroll',
  'hr',
  'tax',
  'subscriptions',
  'loyalty',
  'promotions',
  'ads',
  'campaigns',
  'sales',
  'tickets',
  'chat',
  'geo',
  'maps',
  'delivery',
  'logistics',
  'fleet',
  'devices',
  'telemetry',
  'ml',
  'features',
  'experiments',
  'bookings',
  'forecasting',
  'settlement',
  'treasury',
  'onboarding',
  'kyc',
  'lending',
  'claims',
  'quotas',
  'usage',
  'procurement',
  'cms',
  'wiki',
  'portal',
  'graphql',
  'edge',
  'ingress',
] as const;

/** Single words a service account's role is called by: the last word of a styled name, or the one before its suffix. */
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
  'publisher',
  'consumer',
  'producer',
  'indexer',
  'crawler',
  'poller',
  'fetcher',
  'loader',
  'processor',
  'handler',
  'dispatcher',
  'router',
  'collector',
  'aggregator',
  'resizer',
  'renderer',
  'transcoder',
  'signer',
  'rotator',
  'cleaner',
  'pruner',
  'purger',
  'replicator',
  'mirror',
  'proxy',
  'gateway',
  'agent',
  'daemon',
  'monitor',
  'watcher',
  'auditor',
  'scanner',
  'validator',
  'verifier',
  'tagger',
  'classifier',
  'enricher',
  'mailer',
  'sender',
  'receiver',
  'listener',
  'subscriber',
  'emitter',
  'tracker',
  'sampler',
  'compactor',
  'parser',
  'converter',
  'transformer',
  'sync',
  'export',
  'import',
  'deploy',
  'release',
  'service',
  'bot',
  'client',
  'jobs',
  'pipeline',
  'ansible',
  'argo',
  'flux',
  'spark',
  'glue',
  'lambda',
  'dbt',
  'grafana',
  'prometheus',
  'fluentd',
  'packer',
  'helm',
] as const;

const ENVIRONMENTS = ['prod', 'prd', 'stg', 'dev', 'qa', 'uat'] as const;
const REGIONS = ['use1', 'use2', 'usw2', 'euw1', 'euc1', 'eu1', 'eu2', 'apse1', 'apne1'] as const;
const VERSIONS = ['01', '02', 'legacy', 'v2'] as const;

/** The words of one position of a name, drawn from independently of the others. */
export type Slot = readonly string[];
/** One way a name is built: its positions, and how often it is drawn relative to the others. */
export interface Shape {
  slots: readonly Slot[];
  weight: number;
}
/** An integer in [0, n): crypto's by default. */
export type Random = (n: number) => number;

/** A base shape bare and with each kind of suffix, weighted so that most names are bare or carry an environment. */
const suffixed = (base: Slot[]): Shape[] => [
  { slots: base, weight: 7 },
  { slots: [...base, ENVIRONMENTS], weight: 6 },
  { slots: [...base, REGIONS], weight: 3 },
  { slots: [...base, ENVIRONMENTS, REGIONS], weight: 3 },
  { slots: [...base, VERSIONS], weight: 1 },
];

/** The fixed lists' shapes: `<job>-<domain>[-suffix]` and `<domain>-<role>[-suffix]`. */
const FIXED_SHAPES: readonly Shape[] = [...suffixed([ROLES, DOMAIN_WORDS]), ...suffixed([DOMAIN_WORDS, ROLE_WORDS])];

/** One word per slot of a shape drawn by weight; undefined when two positions drew the same word. */
export function drawWords(shapes: readonly Shape[], random: Random = randomInt): string[] | undefined {
  let r = random(shapes.reduce((sum, s) => sum + s.weight, 0));
  const shape = shapes.find((s) => (r -= s.weight) < 0)!;
  const ws = shape.slots.map((slot) => slot[random(slot.length)]!);
  return new Set(ws).size === ws.length ? ws : undefined;
}

/** Every combination of one word per slot, in order. */
export function* combinations(slots: readonly Slot[]): Generator<string[]> {
  if (slots.some((s) => s.length === 0)) return;
  const at = slots.map(() => 0);
  for (;;) {
    yield slots.map((s, i) => s[at[i]!]!);
    let i = slots.length - 1;
    while (i >= 0 && ++at[i]! === slots[i]!.length) at[i--] = 0;
    if (i < 0) return;
  }
}

/** A fixed-list name, joined with `-`, none of its words twice (`data-export-data`). */
const fixedName = (ws: string[]): string | undefined => {
  const name = ws.join('-');
  const parts = name.split('-');
  return new Set(parts).size === parts.length ? name : undefined;
};

export function generateUserName(random: Random = randomInt): string {
  for (;;) {
    const ws = drawWords(FIXED_SHAPES, random);
    const name = ws && fixedName(ws);
    if (name) return name;
  }
}

/** Every name generateUserName can return that passes the name checks (a name may come twice). */
export function* fixedNames(): Generator<string> {
  for (const shape of FIXED_SHAPES)
    for (const ws of combinations(shape.slots)) {
      const name = fixedName(ws);
      if (name && checkUserName(name).ok) yield name;
    }
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
