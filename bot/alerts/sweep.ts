import { log } from '../log';
import { reconcile } from './reconcile';
import type { AlertRuntime } from './runtime';

/**
 * The scheduled sweep (every few minutes): an incident whose counted calls Slack has not heard
 * of, because Slack was down longer than the queue's retries, is posted now rather than when the
 * attacker next makes a call. One read per canary with an open incident.
 */
const FLUSH_GRACE_MS = 60_000;
/** The sweep shares an invocation (60 s) with other messages: the next sweep picks up the rest. */
const BUDGET_MS = 20_000;

export async function sweep(rt: AlertRuntime, now = Date.now()): Promise<number> {
  let caught = 0;
  const deadline = Date.now() + BUDGET_MS;
  for (const canary of await rt.store.allCanaries()) {
    const open = canary.openIncident;
    if (!open) continue;
    if (Date.now() > deadline) {
      log.warn('sweep out of time; the next one goes on', { caught });
      break;
    }
    try {
      const inc = await rt.store.getIncident(canary.id, open.seq);
      if (!inc?.firstEvent) continue;
      const behind = !inc.parent || inc.parentStale || inc.calls > (inc.posted?.calls ?? 0);
      // A delayed flush on its way will do it; one long overdue was lost.
      if (!behind || (inc.parent && inc.flushAt && inc.flushAt > now - FLUSH_GRACE_MS)) continue;
      log.warn('sweep: Slack is behind an incident; reconciling', {
        canaryId: canary.id,
        incident: open.seq,
        calls: inc.calls,
        posted: inc.posted?.calls ?? 0,
      });
      await reconcile(rt, canary, open.seq, now);
      caught++;
    } catch (err) {
      log.error('sweep could not reconcile an incident', {
        canaryId: canary.id,
        incident: open.seq,
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }
  return caught;
}
