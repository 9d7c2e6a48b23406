/**
 * When the canary's key was last seen in CloudTrail: the span of the latest run of logged calls
 * (alerted or suppressed), with no gap longer than GAP_MS inside it. The silent-use net reads it
 * to tell a use of the key that CloudTrail logged from one it never did.
 *
 * A span rather than a last time, because the net judges a use only after a grace period: by
 * then a steady run of logged calls has moved the last time past it. A gap restarts the span, so
 * an old run never explains a new, silent use. Written from the record read at the start of the
 * batch, so two Lambdas racing can shorten the span but never lengthen it: the error is a false
 * alert, never a missed one.
 */
export interface LoggedUse {
  from: string;
  to: string;
}

/** Logged calls this close to a use explain it (CloudTrail's and IAM's clocks, and polling). */
export const GAP_MS = 10 * 60_000;

export function extendLoggedUse(prev: LoggedUse | undefined, eventTimes: string[]): LoggedUse | undefined {
  const times = eventTimes.filter((t) => !Number.isNaN(Date.parse(t))).sort();
  if (!times.length) return prev;
  const first = times[0]!;
  const last = times.at(-1)!;
  if (!prev || Date.parse(first) - Date.parse(prev.to) > GAP_MS) return { from: first, to: last };
  return { from: prev.from < first ? prev.from : first, to: prev.to > last ? prev.to : last };
}

export function explainsUse(use: LoggedUse | undefined, at: number): boolean {
  return Boolean(use) && at >= Date.parse(use!.from) - GAP_MS && at <= Date.parse(use!.to) + GAP_MS;
}
