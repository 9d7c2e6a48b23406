/**
 * IAM, STS and Organizations throttle each account and publish no rate ("IAM and AWS STS quotas":
 * requests are throttled per account, the limits are not documented). The self-checks are the
 * only callers that grow with the number of canaries, so they pace themselves: a token bucket per
 * account, `perSecond` calls a second with a burst of one second's worth, shared by every check
 * in the process. The default (IAM_CALLS_PER_SECOND, 8) leaves most of an account's budget to the
 * people and tools that own it; at 8 a second one account's 5,000 keys are read in about 11
 * minutes, inside the silent-use window of 20. A call the SDK's own retries could not get past a
 * throttle is the caller's to put back on the queue: never dropped.
 */
export interface Pacer {
  /** Waits until `account` may make `calls` more calls (a check's known cost). */
  take(account: string, calls?: number): Promise<void>;
  readonly perSecond: number;
}

export function createPacer(perSecond: number, clock: { now(): number; sleep(ms: number): Promise<void> } = realClock): Pacer {
  const buckets = new Map<string, { tokens: number; at: number; queue: Promise<void> }>();
  const take = (account: string, calls = 1): Promise<void> => {
    let b = buckets.get(account);
    if (!b) buckets.set(account, (b = { tokens: perSecond, at: clock.now(), queue: Promise.resolve() }));
    const bucket = b;
    // One waiter at a time per account, so the bucket is never overdrawn by callers racing.
    const turn = bucket.queue.then(async () => {
      const now = clock.now();
      bucket.tokens = Math.min(perSecond, bucket.tokens + ((now - bucket.at) / 1000) * perSecond);
      bucket.at = now;
      // A cost above the burst is paid in advance: the bucket goes negative and the next caller waits.
      const need = Math.min(calls, perSecond);
      if (bucket.tokens < need) {
        const wait = Math.ceil(((need - bucket.tokens) / perSecond) * 1000);
        await clock.sleep(wait);
        bucket.tokens += (wait / 1000) * perSecond;
        bucket.at = clock.now();
      }
      bucket.tokens -= calls;
    });
    bucket.queue = turn;
    return turn;
  };
  return { take, perSecond };
}

const realClock = { now: () => Date.now(), sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)) };

/** A throttle the SDK's retries did not get past (IAM "Throttling", Organizations "TooManyRequestsException"). */
export const isThrottled = (err: unknown): boolean => {
  const e = err as { name?: string; $retryable?: { throttling?: boolean } } | undefined;
  return Boolean(
    e &&
    (e.$retryable?.throttling ||
      ['Throttling', 'ThrottlingException', 'TooManyRequestsException', 'RequestLimitExceeded'].includes(e.name ?? '')),
  );
};
