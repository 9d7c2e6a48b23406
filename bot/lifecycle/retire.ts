import type { Core, WithIam } from '../deps';
import { forCanary } from '../accounts';
import { RetireError, errorText } from '../errors';
import { findKind } from '../kinds';
import { log } from '../log';
import type { CanaryRecord } from '../model/canary';
import { inlineCode } from '../mrkdwn';
import { postToResponseUrl } from '../respond';
import type { Runtime } from '../deps';
import { deleteSelfTestSecret } from '../self-test';
import { ephemeral } from '../views/blocks';

/**
 * The one retire, whoever asks (a person through /canary retire, or the daily audit on the expiry
 * date): deletes the key, policy and user (or the kind's resources) and the self-test copy; keeps
 * the record, its aliases and its history, as retired. A RetireError when the kind's resources
 * could not be removed: then nothing changed. A failure after that (the secret, the store) is
 * another error, and a repeat finishes the work.
 */
export async function retireCanary(
  deps: Core & WithIam,
  canary: CanaryRecord,
  by: string,
  detail?: string,
  at = new Date().toISOString(),
): Promise<void> {
  const kind = findKind(canary.kind);
  if (!kind) throw new RetireError(`unknown kind ${canary.kind}`);
  await kind.retire(forCanary(deps, canary), canary).catch((err: unknown) => {
    throw new RetireError(errorText(err));
  });
  if (canary.selfTestSecretArn) await deleteSelfTestSecret(deps.config, canary.selfTestSecretArn);
  await deps.store.markRetired(canary.id, by, at);
  await deps.store.recordAction(canary.id, { action: 'retired', by, at, ...(detail ? { detail } : {}) });
  log.info('canary retired', { canaryId: canary.id, by });
}

/** The job behind /canary retire: the claim was taken by requestLifecycle. */
export async function performRetire(rt: Runtime, canaryId: string, by: string, responseUrl: string): Promise<void> {
  const canary = await rt.store.getCanary(canaryId);
  if (!canary || !findKind(canary.kind)) return;
  try {
    await retireCanary(rt, canary, by);
  } catch (err) {
    // Past the kind's resources the job's failure is reported in the channel (job-failure.ts).
    if (!(err instanceof RetireError)) throw err;
    await rt.store.releasePending(canaryId);
    log.error('retire failed', { canaryId, error: err instanceof Error ? err.message : String(err) });
    return postToResponseUrl(
      rt.config,
      responseUrl,
      ephemeral(`Could not retire ${inlineCode(canaryId)}: ${inlineCode(err.message, 300)}. Nothing was changed; try again.`),
    );
  }
  await postToResponseUrl(rt.config, responseUrl, {
    ...ephemeral(
      `Canary ${inlineCode(canaryId)} retired: its IAM user, key and policy are deleted. The record and its history stay (\`/canary show ${canaryId}\`).`,
    ),
    replace_original: true,
  });
}
