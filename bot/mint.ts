import { randomUUID } from 'node:crypto';
import { suppress } from './triage/suppress';
import { newCanaryId } from './ids';
import type { MintJob } from './model/job';
import { findKind } from './kinds';
import type { CanaryKind, MintRequest, Minted } from './kinds/kind';
import { log } from './log';
import { inlineCode } from './mrkdwn';
import { postToResponseUrl } from './respond';
import type { Runtime } from './deps';
import { deleteSelfTestSecret, storeSelfTestSecret } from './self-test';
import { ephemeral } from './views/blocks';
import { mintedReply } from './views/minted';
import { MintError } from './errors';

export type MintAsk = Omit<MintRequest, 'id'> & { kind: string };

/** Called by listeners: picks the id, hands the slow part to the jobs handler. */
export async function queueMint(rt: Runtime, ask: MintAsk, responseUrl: string): Promise<string> {
  const id = newCanaryId();
  await rt.dispatch({ type: 'mint', jobId: randomUUID(), responseUrl, request: { ...ask, id } });
  log.info('mint queued', { canaryId: id, kind: ask.kind, requestedBy: ask.requestedBy });
  return id;
}

export async function runMintJob(rt: Runtime, job: MintJob): Promise<void> {
  const { request } = job;
  const kind = findKind(request.kind);
  const reply = (message: object) => postToResponseUrl(rt.config, job.responseUrl, message);
  if (!kind) return reply(ephemeral(`There is no canary kind ${inlineCode(request.kind)}.`));
  let minted;
  try {
    minted = await kind.mint(rt, request);
  } catch (err) {
    const text =
      err instanceof MintError
        ? `Could not mint the canary: the step "${err.step}" failed (${inlineCode(err.reason, 300)}). ` +
          (err.leftover
            ? `Cleaning up failed too; left behind: ${inlineCode(err.leftover, 300)}. The bot's logs have details.`
            : 'Nothing was left behind; you can try again.')
        : "Could not mint the canary because of an unexpected error; nothing usable was created. The bot's logs have details.";
    if (!(err instanceof MintError))
      log.error('mint crashed', { canaryId: request.id, error: err instanceof Error ? err.message : String(err) });
    return reply(ephemeral(text));
  }
  log.info('canary minted', {
    canaryId: minted.record.id,
    kind: kind.name,
    aliases: minted.record.aliases,
    requestedBy: request.requestedBy,
  });
  if (request.selfTest && minted.credentials) {
    const arn = await storeSelfTestSecret(rt.config, minted.credentials);
    await rt.store.setSelfTestSecret(minted.record.id, arn);
    minted.record.selfTestSecretArn = arn;
  }
  if (await deliverOrUndo(rt, kind, minted, job.responseUrl)) {
    // The allowlist: trusted readers are counted, never alerted on (suppressions made at mint).
    const at = new Date().toISOString();
    for (const sourceIp of request.allowIps ?? [])
      await suppress(rt.store, minted.record.id, { sourceIp, reason: 'allowlisted at mint', by: request.requestedBy, at });
    for (const principalArn of request.allowPrincipals ?? [])
      await suppress(rt.store, minted.record.id, { principalArn, reason: 'allowlisted at mint', by: request.requestedBy, at });
    await rt.store.recordAction(minted.record.id, { action: 'minted', by: request.requestedBy, detail: minted.record.location });
  }
}

/**
 * Sends the one message that carries the secret. The secret exists nowhere else: a canary whose
 * key never reached anyone cannot be placed, so if delivery fails the canary is undone rather
 * than left as a live key nobody holds. True when delivered.
 */
export async function deliverOrUndo(rt: Runtime, kind: CanaryKind, minted: Minted, responseUrl: string): Promise<boolean> {
  try {
    await postToResponseUrl(rt.config, responseUrl, mintedReply(minted.record, minted.credentials, rt.config.region));
    return true;
  } catch (err) {
    log.error('could not deliver the minted canary; undoing it', {
      canaryId: minted.record.id,
      error: err instanceof Error ? err.message : String(err),
    });
    await kind.retire(rt, minted.record);
    await rt.store.deleteCanary(minted.record.id, minted.record.aliases);
    if (minted.record.selfTestSecretArn) await deleteSelfTestSecret(rt.config, minted.record.selfTestSecretArn);
    return false;
  }
}
