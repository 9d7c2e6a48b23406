import type { Incident } from '../model/incident';
import { encodeCounts } from './codec';
import type { Db } from './db';
import { claimIncident, setIncident } from './incident-writes';

/**
 * Bringing an incident to Slack (bot/alerts/reconcile.ts): each claim is one conditional write
 * that elects a single caller (who posts the parent, who posts the next update, who schedules a
 * flush). The alert function's part of the store, bound apart (store/index.ts).
 */

/** What Slack now shows, stored with keys encoded as the counters are. */
const snapshot = (inc: Pick<Incident, 'calls' | 'actions' | 'ips'>, at: number) => ({
  calls: inc.calls,
  actions: encodeCounts(inc.actions),
  ips: encodeCounts(inc.ips),
  at,
});

/** The right to post the parent for `leaseMs`, while no parent is posted. */
export const claimParentLease = (db: Db, canaryId: string, seq: number, now: number, leaseMs: number) =>
  claimIncident(
    db,
    canaryId,
    seq,
    'SET parentLease = :until',
    'attribute_not_exists(parent) AND (attribute_not_exists(parentLease) OR parentLease < :now)',
    { ':until': now + leaseMs, ':now': now },
  );

export const releaseParentLease = (db: Db, canaryId: string, seq: number) => setIncident(db, canaryId, seq, 'REMOVE parentLease');

/** The parent is posted, showing `inc` as it was read. */
export const recordParent = (db: Db, inc: Incident, parent: { channel: string; ts: string }, now: number) =>
  setIncident(db, inc.canaryId, inc.seq, 'SET parent = :p, posted = :posted REMOVE parentLease', {
    ':p': parent,
    ':posted': snapshot(inc, now),
  });

/** The right to post the next update, if nobody posted one since `postedAt`. */
export const claimUpdate = (db: Db, canaryId: string, seq: number, postedAt: number, now: number) =>
  claimIncident(db, canaryId, seq, 'SET posted.#at = :now', 'posted.#at = :at', { ':now': now, ':at': postedAt }, { '#at': 'at' });

/** A thread summary is posted; the parent still shows older numbers until clearParentStale. */
export const recordSummary = (db: Db, inc: Incident, now: number) =>
  setIncident(db, inc.canaryId, inc.seq, 'SET posted = :posted, parentStale = :t', { ':posted': snapshot(inc, now), ':t': true });

export const clearParentStale = (db: Db, canaryId: string, seq: number) => setIncident(db, canaryId, seq, 'REMOVE parentStale');

/** One pending flush per incident: true for the caller that should queue it. */
export const claimFlush = (db: Db, canaryId: string, seq: number, at: number, now: number) =>
  claimIncident(db, canaryId, seq, 'SET flushAt = :at', 'attribute_not_exists(flushAt) OR flushAt < :now', { ':at': at, ':now': now });

export const clearFlush = (db: Db, canaryId: string, seq: number) => setIncident(db, canaryId, seq, 'REMOVE flushAt');

/** The owner's direct message, once per incident. */
export const claimOwnerNotice = (db: Db, canaryId: string, seq: number, now: number) =>
  claimIncident(db, canaryId, seq, 'SET ownerNotified = :now', 'attribute_not_exists(ownerNotified)', { ':now': now });
