import type { Source } from '../alerts/source';
import { cut } from '../text';
import type { TrailEvent } from './trail-event';

/**
 * Incidents: one per canary at a time (counting.ts opens them and counts into them).
 *
 *   incident  pk=CANARY#<canaryId>  sk=INCIDENT#<seq>   counters, what Slack was last shown
 *   pointer   on the canary record: openIncident = { seq, lastEventAt }
 *   dedupe    pk=EVENT#<eventID>    sk=ONCE             written in the same transaction as the count
 *
 * An incident stays open while events keep coming; after QUIET_MS without any, the next event
 * opens a new incident (and a new parent message). Disabling the key or marking a false positive
 * does not end it: later calls still belong in the same thread.
 */

/** The first event's details, as the parent message shows them. */
export interface FirstEvent extends TrailEvent {
  source: Source;
  country?: string;
}

/** What the Slack messages showed last time, to post only what changed. */
export interface Posted {
  calls: number;
  actions: Record<string, number>;
  ips: Record<string, number>;
  at: number;
}

export interface Incident {
  canaryId: string;
  seq: number;
  openedAt: string;
  calls: number;
  actions: Record<string, number>;
  ips: Record<string, number>;
  sources: Record<string, number>;
  firstSeen?: string;
  lastSeen?: string;
  firstEvent?: FirstEvent;
  parent?: { channel: string; ts: string };
  posted?: Posted;
  /** Set between a thread summary and the parent update that follows it. */
  parentStale?: boolean;
  parentLease?: number;
  flushAt?: number;
  ownerNotified?: boolean;
  /** A responder's verdict on the incident. */
  triage?: { state: 'false-positive'; by: string; at: string; reason: string };
}

export const incidentId = (canaryId: string, seq: number) => `${canaryId}-${seq}`;

/** An incident stays open while events keep coming; after QUIET_MS without any, the next event opens a new one. */
export const QUIET_MS = 24 * 3600 * 1000;
/**
 * Bounds that hold whatever the attacker sends. An enumeration tool makes hundreds of distinct
 * calls from rotating IPv6 addresses; each distinct action or IP is a map entry on the incident
 * and a clause in the update that counts it. So:
 *   - an incident tracks at most MAX_TRACKED_ACTIONS actions and MAX_TRACKED_IPS IPs (the
 *     "other" entry included); the rest are counted under "other", the totals stay exact;
 *   - a map key is at most KEY_MAX characters;
 *   - one update carries at most MAX_ENTRY_CLAUSES map-entry clauses: about 60 bytes and two
 *     operators each, so an update stays near 3 KB and 100 operators, inside DynamoDB's 4 KB and
 *     300 (store/limits.ts). store/counting.ts ends a chunk of events where the next would pass it.
 * Worst case, the incident item (counters, the posted snapshot, the first event) stays under
 * 100 KB of DynamoDB's 400 KB.
 */
export const MAX_TRACKED_ACTIONS = 100;
export const MAX_TRACKED_IPS = 200;
export const OTHER = 'other';
export const KEY_MAX = 100;

/** The key a source IP is counted under (before folding into "other"). */
export const ipEntry = (ip: string) => cut(ip, KEY_MAX);
