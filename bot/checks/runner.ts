import type { SQSEvent, SQSBatchResponse } from 'aws-lambda';
import type { Core, WithIam, WithSlack } from '../deps';
import type { AuditReport } from '../audit';
import { log } from '../log';
import { postToResponseUrl } from '../respond';
import type { CheckRun } from '../store/checks';
import { auditReport } from '../views/audit-report';
import { ephemeral } from '../views/blocks';
import { auditPart, auditReportOf, planAudit, runAudit } from './audit-run';
import { silentUsePart } from './silent-sweep';
import { checkQueue } from './work';
import type { WorkItem, WorkQueue } from './work';

/**
 * Where the self-checks start and report: the daily audit, /canary audit, and the work items the
 * audit function takes from its queue (CHECK_QUEUE_URL). Without the queue everything runs in
 * process (bot/audit.ts runAudit), as the tests and the sandbox do.
 */
export type CheckDeps = Core & WithIam & WithSlack;

async function postReport(deps: CheckDeps, report: AuditReport, always: boolean): Promise<boolean> {
  const view = auditReport(report);
  if (view.ok && !always) return true;
  await deps.slack.chat.postMessage({ channel: deps.config.alertChannelId, text: view.text, blocks: view.blocks, unfurl_links: false });
  return view.ok;
}

/** The daily audit: the home checks said at once (when something is wrong), the canaries as work items. */
export async function startDailyAudit(deps: CheckDeps, now = new Date()): Promise<boolean> {
  const queue = checkQueue(deps);
  if (!queue) return postReport(deps, await runAudit(deps, now), false);
  const plan = await planAudit(deps, now);
  const ok = await postReport(
    deps,
    { canaries: plan.total, findings: [...plan.missed, ...plan.home.findings], notes: plan.home.notes, expiring: [], retired: [] },
    false,
  );
  if (!plan.items.length) await finishEmpty(deps, plan.runId, now);
  await queue.send(plan.items);
  log.info('daily audit planned', { runId: plan.runId, canaries: plan.total, parts: plan.items.length });
  return ok;
}

/** /canary audit: answered at once, its progress said in place, then the report. */
export async function startManualAudit(deps: CheckDeps, responseUrl: string, now = new Date()): Promise<void> {
  const queue = checkQueue(deps);
  if (!queue) {
    const view = auditReport(await runAudit(deps, now));
    return postToResponseUrl(deps.config, responseUrl, ephemeral(view.text, view.blocks));
  }
  const plan = await planAudit(deps, now, responseUrl);
  const pipeline = plan.home.findings.length
    ? `${plan.home.findings.length} problem${plan.home.findings.length === 1 ? '' : 's'} with the pipeline (in the report)`
    : 'the pipeline is intact';
  await postToResponseUrl(
    deps.config,
    responseUrl,
    ephemeral(`Audit started: ${pipeline}; checking ${plan.total.toLocaleString('en-US')} canaries. This message shows the progress.`),
  );
  if (!plan.items.length) await finishEmpty(deps, plan.runId, now);
  await queue.send(plan.items);
}

/** A run with no parts (no canaries, no member accounts) is finished as soon as it is planned. */
async function finishEmpty(deps: CheckDeps, runId: string, now: Date): Promise<void> {
  if (!(await deps.store.claimReport(runId, now.toISOString()))) return;
  const run = await deps.store.getRun(runId);
  if (run) await afterPart(deps, run, true);
}

/**
 * After a part: a manual run's progress in quarters (Slack takes a response_url five times: the
 * start, three quarters, the report), and the report when the part finished the run.
 */
async function afterPart(deps: CheckDeps, run: CheckRun, finished: boolean): Promise<void> {
  if (finished) {
    const report = await auditReportOf(deps, run, { withHome: Boolean(run.responseUrl) });
    const view = auditReport(report);
    // A response_url lasts 30 minutes: a long audit's report goes to the channel instead. A post
    // that fails throws, the item is delivered again, and the report is said then (posted unset).
    const answered =
      run.responseUrl &&
      (await postToResponseUrl(deps.config, run.responseUrl, { ...ephemeral(view.text, view.blocks), replace_original: true }).then(
        () => true,
        (err: unknown) => (
          log.warn('the audit report could not go to the response_url; it goes to the channel', { error: String(err) }),
          false
        ),
      ));
    if (!answered) await postReport(deps, report, Boolean(run.responseUrl));
    await deps.store.markPosted(run.runId, new Date().toISOString());
    log.info('audit done', { runId: run.runId, canaries: run.total, checked: run.checked, findings: run.findings });
    return;
  }
  const quarter = Math.floor((4 * run.done) / Math.max(run.parts, 1));
  if (!run.responseUrl || quarter < 1 || quarter > 3 || !(await deps.store.claimProgress(run.runId, quarter))) return;
  await postToResponseUrl(deps.config, run.responseUrl, {
    ...ephemeral(
      `Audit: ${run.checked.toLocaleString('en-US')} of ${run.total.toLocaleString('en-US')} canaries checked, ${run.findings} finding${run.findings === 1 ? '' : 's'} so far.`,
    ),
    replace_original: true,
  }).catch((err: unknown) => log.warn('could not say the audit progress', { runId: run.runId, error: String(err) }));
}

export async function runWorkItem(deps: CheckDeps, item: WorkItem, queue: WorkQueue): Promise<void> {
  if (item.type === 'silent-use') {
    await silentUsePart(deps, item, queue);
    return;
  }
  const done = await auditPart(deps, item, queue);
  if (done) await afterPart(deps, done.run, done.finished);
}

/** The audit function's queue: each record one work item; a failed one is returned to the queue alone. */
export async function handleWorkItems(deps: CheckDeps, event: SQSEvent): Promise<SQSBatchResponse> {
  const queue = checkQueue(deps);
  if (!queue) throw new Error('work items arrived but CHECK_QUEUE_URL is not set');
  const failures: SQSBatchResponse['batchItemFailures'] = [];
  for (const record of event.Records) {
    try {
      await runWorkItem(deps, JSON.parse(record.body) as WorkItem, queue);
    } catch (err) {
      log.error('work item failed; SQS delivers it again', { messageId: record.messageId, error: String(err) });
      failures.push({ itemIdentifier: record.messageId });
      // FIFO: the rest of this account's items wait behind the failed one.
      for (const rest of event.Records.slice(event.Records.indexOf(record) + 1)) failures.push({ itemIdentifier: rest.messageId });
      break;
    }
  }
  return { batchItemFailures: failures };
}
