import { randomUUID } from 'node:crypto';
import { newCanaryId } from './ids';
import type { MintJob } from './jobs';
import { findKind } from './kinds';
import { MintError } from './kinds/kind';
import type { MintRequest } from './kinds/kind';
import { log } from './log';
import { inlineCode } from './mrkdwn';
import { postToResponseUrl } from './respond';
import type { Runtime } from './runtime';
import { deleteCanary } from './store';
import { ephemeral } from './views/blocks';
import { mintedReply } from './views/minted';

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
  const ctx = { aws: rt.aws, config: rt.config };
  let minted;
  try {
    minted = await kind.mint(ctx, request);
  } catch (err) {
    const text =
      err instanceof MintError
        ? `Could not mint the canary: the step "${err.step}" failed (${inlineCode(err.reason, 300)}). ` +
          (err.leftover ? `Cleaning up failed too; left behind: ${inlineCode(err.leftover, 300)}. The bot's logs have details.` : 'Nothing was left behind; you can try again.')
        : 'Could not mint the canary because of an unexpected error; nothing usable was created. The bot\'s logs have details.';
    if (!(err instanceof MintError)) log.error('mint crashed', { canaryId: request.id, error: err instanceof Error ? err.message : String(err) });
    return reply(ephemeral(text));
  }
  log.info('canary minted', { canaryId: minted.record.id, kind: kind.name, aliases: minted.record.aliases, requestedBy: request.requestedBy });
  try {
    await reply(mintedReply(minted.record, minted.credentials, rt.config.region));
  } catch (err) {
    // The secret exists nowhere else: a canary whose key never reached anyone cannot be placed,
    // so undo it rather than leave a live key nobody holds.
    log.error('could not deliver the minted canary; undoing it', { canaryId: request.id, error: err instanceof Error ? err.message : String(err) });
    await kind.retire(ctx, minted.record);
    await deleteCanary(rt.aws.ddb, rt.config.table, request.id, minted.record.aliases);
  }
}
