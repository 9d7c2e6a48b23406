import { findKind } from '../../bot/kinds';
import type { KindContext, Minted } from '../../bot/kinds/kind';
import { newCanaryId } from '../../bot/ids';
import { retireCanary } from '../../bot/lifecycle/retire';
import type { CanaryRecord } from '../../bot/model/canary';

/**
 * The smoke's canaries: minted through the kinds as the jobs handler mints them (the same
 * all-or-nothing code and the same record), but with the key kept in this process instead of
 * shown in Slack, and marked so that a later run can tell them from real canaries.
 *
 * The marker is in the record only (who minted it, where it is "placed"), which only admins and
 * the table's readers see; the IAM user, the bucket and the repository are named like any other
 * canary, so the smoke also proves the names the deployment really mints.
 */
export const SMOKE_BY = 'smoke';
const LOCATION = 'npm run smoke';

export const isSmokeCanary = (c: CanaryRecord) => c.createdBy === SMOKE_BY && c.location.startsWith(LOCATION);

/** Tomorrow, UTC: should every run that could retire it die, the daily audit retires it as expired. */
const tomorrow = () => new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);

export async function mintSmokeCanary(ctx: KindContext, kindName: string, runId: string): Promise<Minted> {
  const kind = findKind(kindName);
  if (!kind) throw new Error(`there is no canary kind ${kindName}`);
  const location = `${LOCATION} ${runId}`;
  const minted = await kind.mint(ctx, {
    id: newCanaryId(),
    location,
    // No owner: the alert would DM them, and a smoke alert is for the person running it.
    owner: '',
    requestedBy: SMOKE_BY,
    note: 'Minted by npm run smoke to test the alert path; retired by the same run, or by the next run if this one was interrupted.',
    expiresOn: tomorrow(),
  });
  await ctx.store.recordAction(minted.record.id, { action: 'minted', by: SMOKE_BY, at: new Date().toISOString(), detail: location });
  return minted;
}

/** The one retire (bot/lifecycle/retire.ts), on the record as it stands now (the alert may have disabled the key). */
export async function retireSmokeCanary(ctx: KindContext, id: string, detail: string): Promise<void> {
  const canary = await ctx.store.getCanary(id);
  if (!canary || canary.status === 'retired') return;
  await retireCanary(ctx, canary, SMOKE_BY, detail);
}

/** Smoke canaries a run left behind (killed before it could retire them). */
export async function leftoverSmokeCanaries(ctx: KindContext): Promise<CanaryRecord[]> {
  return (await ctx.store.allCanaries()).filter((c) => isSmokeCanary(c) && c.status !== 'retired');
}
