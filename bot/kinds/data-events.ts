import { CloudTrailClient, GetEventSelectorsCommand, PutEventSelectorsCommand } from '@aws-sdk/client-cloudtrail';
import type { AdvancedEventSelector } from '@aws-sdk/client-cloudtrail';
import type { Config } from '../config';
import type { Store } from '../store';

/**
 * S3 object reads are CloudTrail data events: a trail records them only for the objects its
 * advanced event selectors name. The bot keeps one selector ("aws-canary-bot decoys") on the trail
 * it owns (DECOY_TRAIL_NAME) listing exactly the decoy objects, nothing else, so data-event costs
 * stay at the decoys. Concurrent mints would race on the read-modify-write of the selectors, so a
 * lock in the store (a conditional put with a short TTL) serialises them.
 */
const SELECTOR = 'aws-canary-bot decoys';
const LOCK_TTL_SECONDS = 60;

export async function selectDataEvents(config: Config, store: Store, objectArn: string, change: 'add' | 'remove'): Promise<boolean> {
  if (!config.decoyTrailName) return false;
  const ct = new CloudTrailClient({ region: config.region, maxAttempts: 3 });
  try {
    await store.withLock('decoy-selectors', LOCK_TTL_SECONDS, async () => {
      const current = (await ct.send(new GetEventSelectorsCommand({ TrailName: config.decoyTrailName }))).AdvancedEventSelectors ?? [];
      const ours = current.find((s) => s.Name === SELECTOR);
      const arns = new Set(ours?.FieldSelectors?.find((f) => f.Field === 'resources.ARN')?.Equals ?? []);
      if (change === 'add') arns.add(objectArn);
      else arns.delete(objectArn);
      const others = current.filter((s) => s.Name !== SELECTOR);
      const next: AdvancedEventSelector[] = arns.size
        ? [
            ...others,
            {
              Name: SELECTOR,
              FieldSelectors: [
                { Field: 'eventCategory', Equals: ['Data'] },
                { Field: 'resources.type', Equals: ['AWS::S3::Object'] },
                { Field: 'resources.ARN', Equals: [...arns] },
              ],
            },
          ]
        : others;
      // With no decoys left the trail must still have a selector: one that records nothing.
      await ct.send(
        new PutEventSelectorsCommand(
          next.length
            ? { TrailName: config.decoyTrailName, AdvancedEventSelectors: next }
            : {
                TrailName: config.decoyTrailName,
                EventSelectors: [{ ReadWriteType: 'All', IncludeManagementEvents: false, DataResources: [] }],
              },
        ),
      );
    });
    return true;
  } finally {
    ct.destroy();
  }
}

/** Whether the decoy trail still selects this object (a redeploy or a person may have reset it). */
export async function isSelected(config: Config, trail: string, objectArn: string): Promise<boolean> {
  const ct = new CloudTrailClient({ region: config.region, maxAttempts: 3 });
  try {
    const current = (await ct.send(new GetEventSelectorsCommand({ TrailName: trail }))).AdvancedEventSelectors ?? [];
    return current.some(
      (s) => s.Name === SELECTOR && s.FieldSelectors?.some((f) => f.Field === 'resources.ARN' && f.Equals?.includes(objectArn)),
    );
  } finally {
    ct.destroy();
  }
}
