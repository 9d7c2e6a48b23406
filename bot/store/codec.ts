import type { CanaryRecord } from '../model/canary';
import type { Incident } from '../model/incident';
import { ACCOUNT_INDEX, LIST_INDEX, STATUS_INDEX } from './schema';

/** Items as DynamoDB holds them, to and from the model's shapes. */

export function toRecord(item: Record<string, unknown>): CanaryRecord {
  const {
    pk: _pk,
    sk: _sk,
    [LIST_INDEX.partition]: _g,
    [LIST_INDEX.sort]: _s,
    [STATUS_INDEX.partition]: _g2,
    [ACCOUNT_INDEX.partition]: _g3,
    ...rest
  } = item;
  return rest as unknown as CanaryRecord;
}

/**
 * Map keys are stored with '.' and '%' percent-encoded: DynamoDB takes a placeholder name
 * literally, but moto splits it on dots into a nested path, and IPs are full of dots.
 */
export const encodeKey = (k: string) => k.replace(/%/g, '%25').replace(/\./g, '%2E');
const decodeKey = (k: string) => k.replace(/%2E/g, '.').replace(/%25/g, '%');

export const encodeCounts = (m: Record<string, number>) => Object.fromEntries(Object.entries(m).map(([k, n]) => [encodeKey(k), n]));
const decodeCounts = (m: Record<string, number> = {}) => Object.fromEntries(Object.entries(m).map(([k, n]) => [decodeKey(k), Number(n)]));

export function toIncident(item: Record<string, unknown>): Incident {
  const inc = item as unknown as Incident;
  const posted = inc.posted ? { ...inc.posted, actions: decodeCounts(inc.posted.actions), ips: decodeCounts(inc.posted.ips) } : undefined;
  return {
    ...inc,
    actions: decodeCounts(inc.actions),
    ips: decodeCounts(inc.ips),
    sources: decodeCounts(inc.sources),
    ...(posted ? { posted } : {}),
  };
}
