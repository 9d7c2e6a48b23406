import { CloudTrailClient, GetEventSelectorsCommand } from '@aws-sdk/client-cloudtrail';
import type { AdvancedFieldSelector } from '@aws-sdk/client-cloudtrail';

/**
 * Whether CloudTrail would record a read of this S3 object as a data event on the trail: AWS
 * logs a data event only for an object some selector of a trail names. The sandbox asks before it
 * writes a GetObject record, so a decoy whose selection went missing stays silent here too, as it
 * would in AWS. Reads the trail's selectors as AWS evaluates them: advanced field selectors
 * (Equals, StartsWith, NotEquals, NotStartsWith; all fields of one selector must hold) and
 * basic data resources (an object ARN, a bucket prefix, or every bucket).
 */
const GET_OBJECT = { eventCategory: 'Data', 'resources.type': 'AWS::S3::Object', eventName: 'GetObject', readOnly: 'true' };

export async function selectsObject(region: string, trail: string, bucket: string, key: string): Promise<boolean> {
  const arn = `arn:aws:s3:::${bucket}/${key}`;
  const ct = new CloudTrailClient({ region });
  try {
    const out = await ct.send(new GetEventSelectorsCommand({ TrailName: trail }));
    const advanced = (out.AdvancedEventSelectors ?? []).some((s) =>
      (s.FieldSelectors ?? []).every((f) => holds(f, { ...GET_OBJECT, 'resources.ARN': arn })),
    );
    const basic = (out.EventSelectors ?? []).some((s) =>
      (s.DataResources ?? []).some(
        (d) => d.Type === 'AWS::S3::Object' && (d.Values ?? []).some((v) => v === 'arn:aws:s3' || v === arn || arn.startsWith(v)),
      ),
    );
    return advanced || basic;
  } finally {
    ct.destroy();
  }
}

/** A field this read does not carry (eventSource, userIdentity.arn...) is not checked: the sandbox's reads are the intruder's. */
function holds(f: AdvancedFieldSelector, event: Record<string, string>): boolean {
  const value = event[f.Field ?? ''];
  if (value === undefined) return true;
  if (f.Equals?.length && !f.Equals.includes(value)) return false;
  if (f.StartsWith?.length && !f.StartsWith.some((p) => value.startsWith(p))) return false;
  if (f.NotEquals?.includes(value)) return false;
  if (f.NotStartsWith?.some((p) => value.startsWith(p))) return false;
  return true;
}
