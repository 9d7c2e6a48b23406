import type { LoggedUse } from '../logged-use';

/**
 * A canary as the bot keeps it (bot/store holds it; everything else reads and decides on it).
 */
/** `unknown`: a user under the canary path that this bot did not mint, seen in an event. */
export type CanaryStatus = 'active' | 'disabled' | 'retired' | 'unknown';

/** What we keep about a canary. Never a secret: only identifiers and the placement. */
export interface CanaryRecord {
  id: string;
  kind: string;
  location: string;
  /** Slack user id of the person responsible for where the canary lives. */
  owner: string;
  note?: string;
  createdAt: string;
  createdBy: string;
  status: CanaryStatus;
  /** Organization mode: the member account the canary lives in (12 digits); unset is the home account. */
  account?: string;
  /** Identifiers events carry that lead to this canary (access key id, user ARN for aws-key). */
  aliases: string[];
  /** Kind-specific identifiers (IAM user name and ARN, key id, ...). */
  resource: Record<string, string>;
  /** A slow action in flight (set by the button, cleared by the job): a second press waits. */
  pending?: Pending;
  retiredBy?: string;
  retiredAt?: string;
  /** Where the canary lived before `/canary place` moved it, oldest first. */
  previousLocations?: string[];
  disabledBy?: string;
  disabledAt?: string;
  /** The canary that re-armed this placement after it was disabled. */
  replacedBy?: string;
  /** Sources whose calls are counted but not alerted on, for this canary only. */
  suppressions?: Record<string, Suppression>;
  /** Set when the admin opted in to `/canary test` at mint: where a copy of the key is kept. */
  selfTestSecretArn?: string;
  /** The last test call: its nonce lets the alert path recognise it. */
  selfTest?: { nonce: string; at: string; by: string; arrivedAt?: string; missingReportedAt?: string };
  /** The last GetAccessKeyLastUsed the silent-use net has accounted for (ISO time). */
  lastUsedSeen?: string;
  /** A later LastUsedDate the net has seen but not judged yet: judged once the grace has passed. */
  lastUsedUnjudged?: string;
  /** The latest run of calls CloudTrail logged (bot/logged-use.ts). */
  loggedUse?: LoggedUse;
  /** YYYY-MM-DD: the daily audit retires the canary on that day, after warning for two weeks. */
  expiresOn?: string;
  /** Disable the key on the first alert; undefined follows AUTO_DISABLE. */
  autoDisable?: boolean;
  /** The incident new events count into (bot/alerts/counting.ts). */
  openIncident?: { seq: number; lastEventAt: number };
  /** When the guard (bot/guard.ts) last undid a change to this canary's permissions. */
  guardFiredAt?: string;
  /** The guard's message, until Slack has taken it. */
  guardUnsaid?: string;
  /** The last disable that failed (IAM refused, say), shown on the alert until one succeeds. */
  disableFailed?: { by: string; at: string; reason: string };
}

export type PendingAction = 'disable' | 'rearm' | 'retire' | 'rotate';

export interface Pending {
  action: PendingAction;
  by: string;
  at: string;
  /** Epoch ms after which the claim no longer holds: a job that died without a word frees it. */
  expiresAt?: number;
}

export interface Suppression {
  sourceIp?: string;
  userAgent?: string;
  /** A caller (IAM user or role ARN; a role also covers its sessions). */
  principalArn?: string;
  reason: string;
  by: string;
  at: string;
  /** Calls matched since, counted exactly like alerted ones. */
  hits?: number;
}

/**
 * How long a `pending` claim holds: well past the jobs function's timeout (120 s), so a job that
 * timed out or crashed before it could release the claim never blocks the canary for good.
 */
export const PENDING_TTL_MS = 10 * 60_000;

/** The claim in force, if any: one without an expiry (written before expiries) no longer holds. */
export function livePending(c: Pick<CanaryRecord, 'pending'> | undefined, now = Date.now()): Pending | undefined {
  return c?.pending?.expiresAt !== undefined && c.pending.expiresAt > now ? c.pending : undefined;
}
