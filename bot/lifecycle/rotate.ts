import { errorText } from '../errors';
import { forCanary } from '../accounts';
import { findKind } from '../kinds';
import { log } from '../log';
import type { CanaryRecord } from '../model/canary';
import { inlineCode } from '../mrkdwn';
import { postToResponseUrl } from '../respond';
import type { Runtime } from '../deps';
import { replaceSelfTestSecret } from '../self-test';
import { ephemeral } from '../views/blocks';
import { mintedReply } from '../views/minted';

/** A new key for the same placement, delivered before the old one is deleted. */
export async function performRotate(rt: Runtime, canaryId: string, by: string, responseUrl: string): Promise<void> {
  const canary = await rt.store.getCanary(canaryId);
  const kind = canary && findKind(canary.kind);
  if (!canary || !kind?.rotate) {
    if (canary) await rt.store.releasePending(canaryId);
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
    resource = await kind.rotate(forCanary(rt, canary), canary, deliver);
  } catch (err) {
    log.error('rotate failed', { canaryId, error: err instanceof Error ? err.message : String(err) });
    await rt.store.releasePending(canaryId);
    return postToResponseUrl(
      rt.config,
      responseUrl,
      ephemeral(`Could not rotate ${inlineCode(canaryId)}: ${inlineCode(errorText(err), 300)}. The old key still works as before.`),
    );
  }
  if (!resource) return void (await rt.store.releasePending(canaryId));
  await rt.store.recordRotation(canaryId, resource);
  await rt.store.recordAction(canaryId, {
    action: 'rotated',
    by,
    detail: `${canary.resource.accessKeyId ?? '?'} -> ${resource.accessKeyId ?? '?'}`,
  });
}
