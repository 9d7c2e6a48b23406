import { recordAction } from '../audit';
import type { Config } from '../config';
import { findKind } from '../kinds';
import { log } from '../log';
import { inlineCode } from '../mrkdwn';
import { postToResponseUrl } from '../respond';
import type { Runtime } from '../runtime';
import { claimPending, getCanary, livePending, putAlias, releasePending, updateCanary } from '../store';
import type { CanaryRecord } from '../store';
import { ephemeral } from '../views/blocks';
import { mintedReply } from '../views/minted';
import { deleteSelfTestSecret, replaceSelfTestSecret } from '../self-test';
import { alreadyHandled } from './disable';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * Retire and rotate: the same claim as the alert buttons (a `pending` marker set only if no other
 * action is in flight), so two admins, double clicks and retries make one change.
 */
export async function requestLifecycle(deps: { config: Config; aws: { ddb: DynamoDBDocumentClient } }, canaryId: string, action: 'retire' | 'rotate', by: string): Promise<{ ok: true } | { ok: false; why: string }> {
  const { ddb } = deps.aws;
  const allowed = action === 'rotate' ? '#s = :active' : '#s <> :retired';
  const won = await claimPending(ddb, deps.config.table, canaryId, { action, by }, allowed, action === 'rotate' ? { ':active': 'active' } : { ':retired': 'retired' }, { '#s': 'status' });
  if (won) return { ok: true };
  const c = await getCanary(ddb, deps.config.table, canaryId);
  if (c && !livePending(c) && action === 'rotate') return { ok: false, why: `Only an active canary can be rotated; ${inlineCode(canaryId)} is ${c.status}.` };
  return { ok: false, why: c?.status === 'retired' ? `Canary ${inlineCode(canaryId)} is already retired.` : alreadyHandled(c) };
}

/** AWS's error name first: it is what a responder searches for. */
const describe = (err: unknown) => (err instanceof Error ? `${err.name}: ${err.message}` : String(err));

const release = (rt: Runtime, id: string) => releasePending(rt.aws.ddb, rt.config.table, id);

/** Deletes the key, policy and user; keeps the record, its aliases and its history, as retired. */
export async function performRetire(rt: Runtime, canaryId: string, by: string, responseUrl: string): Promise<void> {
  const canary = await getCanary(rt.aws.ddb, rt.config.table, canaryId);
  const kind = canary && findKind(canary.kind);
  if (!canary || !kind) return;
  try {
    await kind.retire({ aws: rt.aws, config: rt.config }, canary);
  } catch (err) {
    await release(rt, canaryId);
    log.error('retire failed', { canaryId, error: err instanceof Error ? err.message : String(err) });
    return postToResponseUrl(rt.config, responseUrl, ephemeral(`Could not retire ${inlineCode(canaryId)}: ${inlineCode(describe(err), 300)}. Nothing was recorded; try again.`));
  }
  if (canary.selfTestSecretArn) await deleteSelfTestSecret(rt.config, canary.selfTestSecretArn);
  const at = new Date().toISOString();
  await updateCanary(rt.aws.ddb, rt.config.table, canaryId, 'SET #s = :r, retiredBy = :by, retiredAt = :at REMOVE pending, selfTestSecretArn', undefined, { ':r': 'retired', ':by': by, ':at': at }, { '#s': 'status' });
  await recordAction(rt.aws.ddb, rt.config.table, canaryId, { action: 'retired', by, at });
  log.info('canary retired', { canaryId, by });
  await postToResponseUrl(rt.config, responseUrl, { ...ephemeral(`Canary ${inlineCode(canaryId)} retired: its IAM user, key and policy are deleted. The record and its history stay (\`/canary show ${canaryId}\`).`), replace_original: true });
}

/** A new key for the same placement, delivered before the old one is deleted. */
export async function performRotate(rt: Runtime, canaryId: string, by: string, responseUrl: string): Promise<void> {
  const canary = await getCanary(rt.aws.ddb, rt.config.table, canaryId);
  const kind = canary && findKind(canary.kind);
  if (!canary || !kind?.rotate) {
    if (canary) await release(rt, canaryId);
    return postToResponseUrl(rt.config, responseUrl, ephemeral(`Canaries of this kind cannot be rotated.`));
  }
  const deliver = async (creds: { accessKeyId: string; secretAccessKey: string }, resource: Record<string, string>) => {
    if (canary.selfTestSecretArn) await replaceSelfTestSecret(rt.config, canary.selfTestSecretArn, creds);
    return postToResponseUrl(rt.config, responseUrl, mintedReply({ ...canary, resource } as CanaryRecord, creds, rt.config.region)).then(
      () => true,
      (err: unknown) => (log.error('could not deliver the rotated key; keeping the old one', { canaryId, error: String(err) }), false),
    );
  };
  let resource: Record<string, string> | undefined;
  try {
    resource = await kind.rotate({ aws: rt.aws, config: rt.config }, canary, deliver);
  } catch (err) {
    log.error('rotate failed', { canaryId, error: err instanceof Error ? err.message : String(err) });
    await release(rt, canaryId);
    return postToResponseUrl(rt.config, responseUrl, ephemeral(`Could not rotate ${inlineCode(canaryId)}: ${inlineCode(describe(err), 300)}. The old key still works as before.`));
  }
  if (!resource) return void (await release(rt, canaryId));
  if (resource.accessKeyId) await putAlias(rt.aws.ddb, rt.config.table, resource.accessKeyId, canaryId);
  await updateCanary(rt.aws.ddb, rt.config.table, canaryId, 'SET #r = :r, aliases = list_append(aliases, :a) REMOVE pending', undefined, { ':r': resource, ':a': resource.accessKeyId ? [resource.accessKeyId] : [] }, { '#r': 'resource' });
  await recordAction(rt.aws.ddb, rt.config.table, canaryId, { action: 'rotated', by, detail: `${canary.resource.accessKeyId ?? '?'} -> ${resource.accessKeyId ?? '?'}` });
}
