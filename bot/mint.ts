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
import { errorText, MintError } from './errors';
import { forCanary, inAccount, memberCredentials } from './accounts';
import { resolveAccount } from './org-accounts';

export type MintAsk = Omit<MintRequest, 'id'> & { kind: string };

/** Called by listeners: picks the id, hands the slow part to the jobs handler. */
export async function queueMint(rt: Runtime, ask: MintAsk, responseUrl: string): Promise<string> {
  const id = newCanaryId();
  await rt.dispatch({ type: 'mint', jobId: randomUUID(), responseUrl, request: { ...ask, id } });
  log.info('mint queued', { canaryId: id, kind: ask.kind, requestedBy: ask.requestedBy });
  return id;
}

export async function runMintJob(rt: Runtime, job: MintJob): Promise<void> {
  let { request } = job;
  const kind = findKind(request.kind);
  const reply = (message: object) => postToResponseUrl(rt.config, job.responseUrl, message);
  if (!kind) return reply(ephemeral(`There is no canary kind ${inlineCode(request.kind)}.`));
  if (request.account) {
    const placed = await placeInAccount(rt, kind, request.account, request.profile);
    if (!placed.ok) return reply(ephemeral(`Nothing was minted: ${placed.why}`));
    const { account: _given, ...rest } = request;
    // In a member account a key is deny-all whatever the deployment's default (see placeInAccount).
    request = placed.account ? { ...rest, account: placed.account, profile: 'deny-all' } : rest;
  }
  let minted;
  try {
    minted = await kind.mint(inAccount(rt, request.account), request);
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
    await kind.retire(forCanary(rt, minted.record), minted.record);
    await rt.store.deleteCanary(minted.record.id, minted.record.aliases);
    if (minted.record.selfTestSecretArn) await deleteSelfTestSecret(rt.config, minted.record.selfTestSecretArn);
    return false;
  }
}

/**
 * --account: the member account's id, or undefined for the home account. Only keys can live in a
 * member account for now; decoy objects and images stay in the home account, where their trail is.
 */
async function placeInAccount(
  rt: Runtime,
  kind: CanaryKind,
  given: string,
  profile: string | undefined,
): Promise<{ ok: true; account?: string } | { ok: false; why: string }> {
  if (!rt.config.organizationId) return { ok: false, why: '`--account` needs organization mode (deploy with `-c organization=o-...`).' };
  const resolved = await resolveAccount(rt, given).catch((err: unknown) => ({
    ok: false as const,
    why: `Organizations could not list the accounts (${inlineCode(errorText(err), 200)}).`,
  }));
  if (!resolved.ok) return resolved;
  if (resolved.home) return { ok: true };
  if (kind.name !== 'aws-key')
    return { ok: false, why: `a ${kind.label} can only live in the bot's own account; \`--account\` is for keys.` };
  // The guard that keeps a quiet canary powerless watches the home account's IAM only.
  if (profile === 'quiet')
    return {
      ok: false,
      why: "a quiet canary can only live in the bot's own account (its guard watches that account): use `--profile deny-all`.",
    };
  // The role first: "the member stack is missing" says more than the first IAM call's refusal would.
  try {
    await memberCredentials(rt.config, resolved.account.id)();
  } catch (err) {
    return { ok: false, why: inlineCode(err instanceof Error ? err.message : String(err), 400) };
  }
  return { ok: true, account: resolved.account.id };
}
