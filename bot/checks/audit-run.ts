import { randomUUID } from 'node:crypto';
import { forCanary } from '../accounts';
import { checkHome, checkMember, memberAccounts } from '../audit';
import type { AuditDeps, AuditReport, Finding, NamedCanary } from '../audit';
import { errorName as awsErrorName } from '../errors';
import { findKind } from '../kinds';
import { retireCanary } from '../lifecycle/retire';
import { log } from '../log';
import type { CanaryRecord } from '../model/canary';
import type { AuditFinding } from '../kinds/kind';
import type { CheckRun, PartResult } from '../store/checks';
import { createPacer, isThrottled } from './pace';
import type { Pacer } from './pace';
import { MAX_ATTEMPTS, groupOf, localWorkQueue } from './work';
import type { WorkItem, WorkQueue } from './work';

/**
 * The daily audit (and /canary audit) as work items. The plan runs the checks that do not grow
 * with the canaries first (the home pipeline, users without a record) and they are reported on
 * their own, then cuts the canaries into parts of at most PART_SIZE of one account, oldest first
 * (the likeliest to have expired), and each organization member into a part of its own. Each part
 * records its findings as it finishes (store/checks.ts), so a timeout loses none already made;
 * throttled canaries go to a new part, and after MAX_ATTEMPTS they are named as not checked. The
 * part that finishes the run reports it. A run the next day finds unfinished is itself a finding.
 */
export const PART_SIZE = 100;
const EXPIRY_WARNING_DAYS = 14;

type Item = Extract<WorkItem, { type: 'audit-canaries' }>;
export type AuditItem = Item;

const pacers = new Map<number, Pacer>();
/** One pacer per process and rate: every part running here shares each account's bucket. */
export const pacerFor = (perSecond: number) => pacers.get(perSecond) ?? pacers.set(perSecond, createPacer(perSecond)).get(perSecond)!;

/** IAM calls the audit of one canary of a kind makes one by one (bulk reads say their own: bulkCalls). */
const AUDIT_COST: Record<string, number> = { 'aws-key': 6 };

const named = (c: CanaryRecord): NamedCanary => ({ id: c.id, location: c.location, ...(c.expiresOn ? { expiresOn: c.expiresOn } : {}) });

export interface Plan {
  runId: string;
  home: { findings: Finding[]; notes: string[] };
  items: WorkItem[];
  total: number;
  /** What the last run left undone, if it never finished. */
  missed: Finding[];
}

/** The plan: the home checks, and the run's parts (not yet sent). */
export async function planAudit(deps: AuditDeps, now: Date, responseUrl?: string): Promise<Plan> {
  // Records written before the list's indexes get their keys (bot/store/listing.ts), a minute at most a day.
  await deps.store
    .repairListKeys({ deadline: Date.now() + 60_000 })
    .catch((err: unknown) => log.warn('could not write the list keys of older canaries', { error: awsErrorName(err) }));
  // One read of the records serves the whole plan.
  const all = await deps.store.allCanaries();
  const missed = await missedByLastRun(deps, all);
  const home = await checkHome(deps, all);
  const members = await memberAccounts(deps);
  home.findings.push(...members.findings);
  const canaries = all
    .filter((c) => c.status !== 'retired' && c.status !== 'unknown' && findKind(c.kind))
    .sort((a, b) => (a.createdAt < b.createdAt ? -1 : 1));
  const runId = `${now.toISOString().slice(0, 19)}-${randomUUID().slice(0, 8)}`;
  const byAccount = new Map<string, string[]>();
  for (const c of canaries) byAccount.set(c.account ?? '', [...(byAccount.get(c.account ?? '') ?? []), c.id]);
  const items: WorkItem[] = [];
  for (const [account, ids] of byAccount)
    for (let i = 0; i < ids.length; i += PART_SIZE)
      items.push({
        type: 'audit-canaries',
        runId,
        part: `${groupOf(account)}-${i / PART_SIZE}`,
        account,
        ids: ids.slice(i, i + PART_SIZE),
        attempt: 0,
      });
  for (const a of members.accounts)
    items.push({ type: 'audit-canaries', runId, part: `member-${a.id}`, account: a.id, ids: [], attempt: 0 });
  // The home checks are part "home": recorded now, so the final report holds them too.
  await deps.store.startRun({
    runId,
    kind: 'audit',
    startedAt: now.toISOString(),
    total: canaries.length,
    parts: items.length + 1,
    ...(responseUrl ? { responseUrl } : {}),
  });
  await deps.store.finishPart(runId, 'home', {
    checked: 0,
    findings: [...missed, ...home.findings],
    unchecked: [],
    retired: [],
    notes: home.notes,
  });
  return { runId, home, items, total: canaries.length, missed };
}

/** A run that never finished is a finding of the next: how many canaries it did not reach, and which. */
async function missedByLastRun(deps: AuditDeps, all: CanaryRecord[]): Promise<Finding[]> {
  const last = await deps.store.lastRun('audit').catch(() => undefined);
  if (!last || last.reported) return [];
  const results = await deps.store.runResults(last.runId);
  const seen = new Set(results.flatMap((r) => r.ids ?? []));
  const current = all.filter((c) => c.status !== 'retired' && c.status !== 'unknown');
  const missing = current
    .filter((c) => !seen.has(c.id))
    .map((c) => c.id)
    .sort();
  return [
    {
      scope: `the audit started ${last.startedAt.slice(0, 16).replace('T', ' ')} UTC`,
      problem: `never finished: it checked ${last.checked.toLocaleString('en-US')} of ${last.total.toLocaleString('en-US')} canaries${missing.length ? `; not checked: ${missing.slice(0, 20).join(', ')}${missing.length > 20 ? ` and ${missing.length - 20} more` : ''}` : ''}`,
      fix: "the audit function's logs and its work queue's dead-letter queue say why; this run checks them again",
    },
  ];
}

/**
 * One part: its canaries checked at the account's pace, or one member account. Answers the run
 * when this part finished it (the caller reports), the run's progress otherwise, and undefined
 * for a repeat delivery of a part already recorded.
 */
export async function auditPart(
  deps: AuditDeps,
  item: Item,
  queue: WorkQueue,
  now = new Date(),
): Promise<{ run: CheckRun; finished: boolean } | undefined> {
  const child = (ids: string[]): Item => ({ ...item, part: `${item.part}.${item.attempt + 1}`, ids, attempt: item.attempt + 1 });
  // A repeat delivery: nothing to check again; hand on what it handed on (that part counts once), and
  // say the report if the run is done but Slack never heard it.
  const recorded = await deps.store.getPart(item.runId, item.part);
  if (recorded) {
    if (recorded.handedOn?.length) await queue.send([child(recorded.handedOn)]);
    return repeatOfFinished(deps, item.runId);
  }
  const result: Required<Omit<PartResult, 'notes' | 'part'>> = {
    checked: 0,
    findings: [],
    unchecked: [],
    retired: [],
    ids: [],
    expiring: [],
    retiredNamed: [],
    handedOn: [],
  };
  if (item.part.startsWith('member-')) {
    const accounts = await deps.store.getOrgAccounts().catch(() => undefined);
    const name = accounts?.accounts.find((a) => a.id === item.account)?.name ?? item.account;
    result.findings.push(...(await checkMember(deps, { id: item.account, name })));
  } else {
    const pacer = pacerFor(deps.config.iamCallsPerSecond);
    const today = now.toISOString().slice(0, 10);
    const soon = new Date(now.getTime() + EXPIRY_WARNING_DAYS * 86_400_000).toISOString().slice(0, 10);
    const retry: string[] = [];
    const failed = (c: CanaryRecord, err: unknown) => {
      if (isThrottled(err)) return void retry.push(c.id);
      result.checked++;
      result.ids.push(c.id);
      result.findings.push({
        scope: `canary ${c.id}`,
        problem: `could not be checked (${awsErrorName(err)})`,
        fix: "check the bot role's IAM permissions",
      });
    };
    const checked = (c: CanaryRecord, findings: AuditFinding[]) => {
      for (const f of findings) result.findings.push({ scope: `canary ${c.id} (${c.location})`, ...f });
      result.checked++;
      result.ids.push(c.id);
    };
    // Kinds with bulk reads (aws-key) are checked together; the rest one by one.
    const bulk = new Map<string, CanaryRecord[]>();
    for (const c of await deps.store.getCanaries(item.ids)) {
      const kind = findKind(c.kind);
      if (!kind || c.status === 'retired' || c.status === 'unknown') continue;
      try {
        if (c.expiresOn && c.expiresOn <= today) {
          const retired = await retireCanary(deps, c, 'expiry', `expired on ${c.expiresOn}`, now.toISOString()).then(
            () => true,
            (err: unknown) => {
              if (isThrottled(err)) throw err;
              result.findings.push({
                scope: `canary ${c.id}`,
                problem: `expired on ${c.expiresOn} but could not be retired (${awsErrorName(err)})`,
                fix: `retire it by hand: /canary retire ${c.id}`,
              });
              return false;
            },
          );
          if (retired) {
            result.retired.push(c.id);
            result.retiredNamed.push(named(c));
          }
          checked(c, []);
          continue;
        }
        if (c.expiresOn && c.expiresOn <= soon) result.expiring.push(named(c));
        if (kind.auditMany) {
          bulk.set(c.kind, [...(bulk.get(c.kind) ?? []), c]);
          continue;
        }
        await pacer.take(groupOf(item.account), AUDIT_COST[c.kind] ?? 0);
        checked(c, await kind.audit(forCanary(deps, c), c));
      } catch (err) {
        failed(c, err);
      }
    }
    for (const [name, recs] of bulk) {
      const kind = findKind(name)!;
      try {
        // Each call waits its turn: the kind says before each what it is about to spend.
        const found = await kind.auditMany!(forCanary(deps, recs[0]!), recs, (calls) => pacer.take(groupOf(item.account), calls));
        for (const c of recs) {
          const r = found.get(c.id);
          if (r instanceof Error) failed(c, r);
          else checked(c, r ?? []);
        }
      } catch (err) {
        for (const c of recs) failed(c, err);
      }
    }
    if (retry.length && item.attempt + 1 < MAX_ATTEMPTS) {
      // Counted with this part's result (finishPart), sent after it: the run cannot look finished while it waits.
      result.handedOn.push(...retry);
      log.warn('audit part throttled; the rest goes to a new part', { runId: item.runId, part: item.part, retry: retry.length });
    } else if (retry.length) {
      result.unchecked.push(...retry);
      result.findings.push({
        scope: `${retry.length} canar${retry.length === 1 ? 'y' : 'ies'}${item.account ? ` in account ${item.account}` : ''}`,
        problem: `not checked: IAM throttled every one of ${MAX_ATTEMPTS} attempts (${retry.slice(0, 20).join(', ')}${retry.length > 20 ? ', ...' : ''})`,
        fix: 'lower IAM_CALLS_PER_SECOND, or find what else calls IAM in that account so often; the next audit checks them again',
      });
    }
  }
  const run = await deps.store.finishPart(item.runId, item.part, result);
  if (result.handedOn.length) await queue.send([child(result.handedOn)]);
  if (!run) return repeatOfFinished(deps, item.runId);
  const finished = run.done >= run.parts && (await deps.store.claimReport(item.runId, now.toISOString()));
  return { run, finished };
}

/** A finished run whose report never reached Slack (the post failed): said again. */
async function repeatOfFinished(deps: AuditDeps, runId: string): Promise<{ run: CheckRun; finished: boolean } | undefined> {
  const run = await deps.store.getRun(runId);
  return run && run.reported && !run.posted && run.done >= run.parts ? { run, finished: true } : undefined;
}

/**
 * The finished run's report, from every part's results; without the home checks when they were
 * said on their own at the start (the daily run's).
 */
export async function auditReportOf(
  deps: AuditDeps,
  run: CheckRun,
  opts: { withHome: boolean } = { withHome: true },
): Promise<AuditReport> {
  const results = (await deps.store.runResults(run.runId)).filter((r) => opts.withHome || r.part !== 'home');
  return {
    canaries: run.total,
    findings: results.flatMap((r) => r.findings),
    notes: results.flatMap((r) => r.notes ?? []),
    expiring: results.flatMap((r) => r.expiring ?? []),
    retired: results.flatMap((r) => r.retiredNamed ?? []),
  };
}

/**
 * The whole audit in this process, for the tests, the sandbox and a deployment without the work
 * queue: the same work items as in AWS, run with the same bounds, and the report assembled from
 * their results, for the caller to say.
 */
export async function runAudit(deps: AuditDeps, now = new Date()): Promise<AuditReport> {
  const plan = await planAudit(deps, now);
  let finished: CheckRun | undefined;
  const queue = localWorkQueue(async (item, q) => {
    if (item.type !== 'audit-canaries') return;
    const done = await auditPart(deps, item, q, now);
    if (done?.finished) finished = done.run;
  });
  if (plan.items.length) {
    await queue.send(plan.items);
    await queue.drain();
  } else if (await deps.store.claimReport(plan.runId, now.toISOString())) {
    finished = await deps.store.getRun(plan.runId);
  }
  const run = finished ?? (await deps.store.getRun(plan.runId));
  if (!run) throw new Error(`the audit run ${plan.runId} was not recorded`);
  const report = await auditReportOf(deps, run);
  log.info('audit done', {
    canaries: report.canaries,
    findings: report.findings.length,
    retired: report.retired.length,
    notes: report.notes,
  });
  return report;
}
