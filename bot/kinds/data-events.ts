import { CloudTrailClient, GetEventSelectorsCommand, GetTrailCommand, PutEventSelectorsCommand } from '@aws-sdk/client-cloudtrail';
import type { AdvancedEventSelector } from '@aws-sdk/client-cloudtrail';
import type { Config } from '../config';
import { MintError } from '../errors';
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

/**
 * With no decoys the trail still needs a selector, and one that selects nothing is refused:
 * PutEventSelectors (and CreateTrail with selectors, as CloudFormation makes the trail) fails with
 * InvalidEventSelectorsException, "Invalid combination of parameters in EventSelectors. When
 * includeManagementEvents is false, DataResources must not be empty" (AWS's message, quoted in
 * aws/aws-cdk#15488), and the API reference has a trail select "a valid number of event selectors
 * (1 to 5)". Nor may it be management events: "The first copy of management events is free. You
 * are charged for additional copies of management events that you are logging on any subsequent
 * trail in the same Region" (EventSelector, IncludeManagementEvents), and the account's main trail
 * already logs them.
 *
 * The decision: one advanced selector of S3 data events on a key prefix of the trail's own log
 * bucket that nothing writes or reads. Data events are billed per event delivered, and none ever
 * is: CloudTrail writes its logs under AWSLogs/ (the bucket policy CDK gives the trail allows
 * nothing else), the bucket blocks public access, and nobody lists or reads this prefix. The
 * bucket belongs to the stack, so nobody else can own it. StartsWith is allowed on resources.ARN
 * ("Equals ... is the only valid operator that you can use with the readOnly, eventCategory, and
 * resources.type fields", AdvancedFieldSelector), and it needs no object to exist. The stack
 * deploys it (infra/home-stack.ts) and the bot puts it back when the last decoy goes; it is never
 * beside the decoys' selector, so it takes none of their 500 values.
 */
export const PLACEHOLDER_SELECTOR = 'aws-canary-bot: no decoys (records nothing)';
export const PLACEHOLDER_PREFIX = 'aws-canary-bot-no-decoys/';
export const placeholderSelector = (partition: string, bucket: string): AdvancedEventSelector => ({
  Name: PLACEHOLDER_SELECTOR,
  FieldSelectors: [
    { Field: 'eventCategory', Equals: ['Data'] },
    { Field: 'resources.type', Equals: ['AWS::S3::Object'] },
    { Field: 'resources.ARN', StartsWith: [`arn:${partition}:s3:::${bucket}/${PLACEHOLDER_PREFIX}`] },
  ],
});

/**
 * "If a trail uses advanced event selectors, a maximum of 500 total values for all conditions in
 * all advanced event selectors is allowed" (InvalidEventSelectorsException, CloudTrail API
 * reference; PutEventSelectors: "up to a maximum of 500 values for all conditions and selectors on
 * a trail"). Every value of every operator counts, eventCategory's and resources.type's included:
 * the decoys' selector holds 2 of them and one per decoy object.
 */
export const MAX_SELECTOR_VALUES = 500;
const OPERATORS = ['Equals', 'StartsWith', 'EndsWith', 'NotEquals', 'NotStartsWith', 'NotEndsWith'] as const;
export const selectorValues = (selectors: AdvancedEventSelector[]): number =>
  selectors.reduce(
    (n, s) => n + (s.FieldSelectors ?? []).reduce((m, f) => m + OPERATORS.reduce((k, op) => k + (f[op]?.length ?? 0), 0), 0),
    0,
  );

/** The placeholder in this trail's own log bucket (GetTrail: its S3BucketName and, in its ARN, its partition). */
async function placeholderFor(ct: CloudTrailClient, trail: string): Promise<AdvancedEventSelector> {
  const found = (await ct.send(new GetTrailCommand({ Name: trail }))).Trail;
  if (!found?.S3BucketName) throw new Error(`trail ${trail} names no log bucket`);
  return placeholderSelector(found.TrailARN?.split(':')[1] || 'aws', found.S3BucketName);
}

export async function selectDataEvents(config: Config, store: Store, objectArn: string, change: 'add' | 'remove'): Promise<boolean> {
  if (!config.decoyTrailName) return false;
  const ct = new CloudTrailClient({ region: config.region, maxAttempts: 3 });
  try {
    await store.withLock('decoy-selectors', LOCK_TTL_SECONDS, async () => {
      const current = (await ct.send(new GetEventSelectorsCommand({ TrailName: config.decoyTrailName }))).AdvancedEventSelectors ?? [];
      const ours = current.find((s) => s.Name === SELECTOR);
      const arns = new Set(ours?.FieldSelectors?.find((f) => f.Field === 'resources.ARN')?.Equals ?? []);
      const already = arns.size;
      if (change === 'add') arns.add(objectArn);
      else arns.delete(objectArn);
      // The placeholder goes as soon as there is a decoy to select, and comes back with the last one gone.
      const others = current.filter((sel) => sel.Name !== SELECTOR && sel.Name !== PLACEHOLDER_SELECTOR);
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
      if (change === 'add' && selectorValues(next) > MAX_SELECTOR_VALUES) {
        const room = MAX_SELECTOR_VALUES - selectorValues(others) - 2;
        throw new MintError(
          'select data events on the decoy trail',
          `the decoy trail selects ${already} S3 decoys already, and CloudTrail allows a trail 500 values across all its ` +
            `advanced event selectors, which leaves room for ${Math.max(room, 0)} decoy objects: retire an S3 decoy first`,
        );
      }
      await ct.send(
        new PutEventSelectorsCommand({
          TrailName: config.decoyTrailName,
          AdvancedEventSelectors: next.length ? next : [await placeholderFor(ct, config.decoyTrailName!)],
        }),
      );
    });
    return true;
  } finally {
    ct.destroy();
  }
}

/**
 * Whether the decoy trail still selects this object (a redeploy or a person may have reset it):
 * only the decoys' own selector counts, never the placeholder (a StartsWith on a prefix no decoy is
 * under), nor basic selectors (GetEventSelectors returns those after someone replaced ours).
 */
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
