import { randomBytes } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { TrailEvent } from '../alerts/trail-event';
import { recordAction } from '../audit';
import { updateCanary } from '../store';
import type { CanaryRecord, Suppression } from '../store';

/**
 * Suppressions silence a known-harmless source (the company's own secret scanner, say) for one
 * canary: its calls are still counted, exactly, but raise no alert. Never global: a suppression
 * lives on its canary's record, and `/canary unsuppress` removes it.
 */
/** arn:aws:iam::1:role/R covers its sessions, arn:aws:sts::1:assumed-role/R/<session>. */
function principalMatches(allowed: string, caller: string | undefined): boolean {
  if (!caller) return false;
  if (allowed === caller) return true;
  const role = /^arn:([\w-]+):iam::(\d{12}):role\/(?:.*\/)?([\w+=,.@-]+)$/.exec(allowed);
  return Boolean(role && caller.startsWith(`arn:${role[1]}:sts::${role[2]}:assumed-role/${role[3]}/`));
}

export function matchingSuppression(canary: Pick<CanaryRecord, 'suppressions'>, e: Pick<TrailEvent, 'sourceIp' | 'userAgent' | 'userIdentity'>): string | undefined {
  for (const [id, s] of Object.entries(canary.suppressions ?? {})) {
    // Every field the suppression names must match; one naming nothing matches nothing.
    if (!s.sourceIp && !s.userAgent && !s.principalArn) continue;
    if (s.sourceIp && s.sourceIp !== e.sourceIp) continue;
    if (s.userAgent && s.userAgent !== e.userAgent) continue;
    if (s.principalArn && !principalMatches(s.principalArn, e.userIdentity.arn)) continue;
    return id;
  }
  return undefined;
}

export async function addSuppression(ddb: DynamoDBDocumentClient, table: string, canaryId: string, s: Omit<Suppression, 'hits'>, incident?: number): Promise<string> {
  const id = `s${randomBytes(2).toString('hex')}`;
  // Two writes: DynamoDB refuses one expression that both creates the map and sets inside it.
  await updateCanary(ddb, table, canaryId, 'SET suppressions = if_not_exists(suppressions, :empty)', undefined, { ':empty': {} });
  await updateCanary(ddb, table, canaryId, 'SET suppressions.#id = :s', undefined, { ':s': { ...s, hits: 0 } }, { '#id': id });
  const what = [s.sourceIp && `IP ${s.sourceIp}`, s.userAgent && `user agent ${s.userAgent}`, s.principalArn && `caller ${s.principalArn}`].filter(Boolean).join(' and ');
  await recordAction(ddb, table, canaryId, { action: 'suppressed', by: s.by, ...(incident ? { incident } : {}), detail: `${id}: ${what}` });
  return id;
}

export async function removeSuppression(ddb: DynamoDBDocumentClient, table: string, canaryId: string, id: string, by: string): Promise<boolean> {
  const removed = await updateCanary(ddb, table, canaryId, 'REMOVE suppressions.#id', 'attribute_exists(suppressions.#id)', {}, { '#id': id });
  if (removed) await recordAction(ddb, table, canaryId, { action: 'unsuppressed', by, detail: id });
  return removed;
}
