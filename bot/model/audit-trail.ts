/** The audit trail: what people and the bot did to each canary, listed by `/canary show`. */
export type AuditAction =
  | 'minted'
  | 'disable-requested'
  | 'disabled'
  | 'disable-failed'
  | 'false-positive'
  | 'suppressed'
  | 'unsuppressed'
  | 'rearmed'
  | 'placed'
  | 'retired'
  | 'rotated'
  | 'silent-use'
  | 'self-test'
  | 'self-test-arrived'
  | 'refused'
  | 'guarded';

export interface AuditEntry {
  action: AuditAction;
  by: string;
  at: string;
  incident?: number;
  detail?: string;
}

/** Refusals (a non-admin pressing a button) listed per canary per hour; the rest are only counted. */
export const REFUSALS_LISTED_PER_HOUR = 3;
