import { randomUUID } from 'node:crypto';
import { CloudTrailClient, GetEventSelectorsCommand, PutEventSelectorsCommand } from '@aws-sdk/client-cloudtrail';
import type { AdvancedEventSelector } from '@aws-sdk/client-cloudtrail';
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Config } from '../config';
import { TTL_ATTRIBUTE } from '../table';

/**
 * S3 object reads are CloudTrail data events: a trail records them only for the objects its
 * advanced event selectors name. The bot keeps one selector ("aws-canary-bot decoys") on the trail
 * it owns (DECOY_TRAIL_NAME) listing exactly the decoy objects, nothing else, so data-event costs
 * stay at the decoys. Concurrent mints would race on the read-modify-write of the selectors, so a
 * DynamoDB lock item (conditional put, short TTL) serialises them.
 */
const SELECTOR = 'aws-canary-bot decoys';
const LOCK_TTL_SECONDS = 60;

async function withLock<T>(ddb: DynamoDBDocumentClient, table: string, fn: () => Promise<T>): Promise<T> {
  const owner = randomUUID();
  for (let attempt = 0; ; attempt++) {
    try {
      await ddb.send(
        new PutCommand({
          TableName: table,
          Item: { pk: 'LOCK#decoy-selectors', sk: 'LOCK', owner, [TTL_ATTRIBUTE]: Math.floor(Date.now() / 1000) + LOCK_TTL_SECONDS },
          ConditionExpression: `attribute_not_exists(pk) OR ${TTL_ATTRIBUTE} < :now`,
          ExpressionAttributeValues: { ':now': Math.floor(Date.now() / 1000) },
        }),
      );
      break;
    } catch (err) {
      if (!(err instanceof Error && err.name === 'ConditionalCheckFailedException') || attempt >= 50) throw err;
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 100));
    }
  }
  try {
    return await fn();
  } finally {
    await ddb.send(new DeleteCommand({ TableName: table, Key: { pk: 'LOCK#decoy-selectors', sk: 'LOCK' }, ConditionExpression: '#o = :o', ExpressionAttributeNames: { '#o': 'owner' }, ExpressionAttributeValues: { ':o': owner } })).catch(() => undefined); // OWNER is a reserved word
  }
}

/** Adds or removes one object ARN in the decoy selector; a no-op without DECOY_TRAIL_NAME. */
export async function selectDataEvents(config: Config, ddb: DynamoDBDocumentClient, objectArn: string, change: 'add' | 'remove'): Promise<boolean> {
  if (!config.decoyTrailName) return false;
  const ct = new CloudTrailClient({ region: config.region, maxAttempts: 3 });
  try {
    await withLock(ddb, config.table, async () => {
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
            : { TrailName: config.decoyTrailName, EventSelectors: [{ ReadWriteType: 'All', IncludeManagementEvents: false, DataResources: [] }] },
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
    return current.some((s) => s.Name === SELECTOR && s.FieldSelectors?.some((f) => f.Field === 'resources.ARN' && f.Equals?.includes(objectArn)));
  } finally {
    ct.destroy();
  }
}
