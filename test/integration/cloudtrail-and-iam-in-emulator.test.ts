import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudTrailClient, CreateTrailCommand, GetEventSelectorsCommand, PutEventSelectorsCommand } from '@aws-sdk/client-cloudtrail';
import type { AdvancedEventSelector, AdvancedFieldSelector, EventSelector } from '@aws-sdk/client-cloudtrail';
import {
  CreatePolicyCommand,
  CreateUserCommand,
  DeleteUserPermissionsBoundaryCommand,
  GetAccountAuthorizationDetailsCommand,
  GetUserCommand,
  IAMClient,
  ListUsersCommand,
  PutUserPermissionsBoundaryCommand,
} from '@aws-sdk/client-iam';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DENY_ALL_BOUNDARY } from '../../bot/kinds/aws-key';
import { buildApp } from '../../infra/app';
import { resolveIntrinsics } from '../support/cfn-resolve';
import { awsEndpoint } from '../support/emulator';

/**
 * The emulator refuses the CloudTrail event selectors and IAM permissions boundaries AWS refuses,
 * and keeps what AWS keeps (local/moto_server.py), so a selector or a boundary that would fail in
 * AWS fails here too. Through the real SDK clients, against the run's moto server.
 */
const aws = () => ({ region: 'us-east-1', endpoint: awsEndpoint(), credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
const run = randomBytes(4).toString('hex');

describe('the emulator enforces CloudTrail event selector rules', () => {
  const ct = new CloudTrailClient(aws());
  const TrailName = `selectors-${run}`;
  beforeAll(async () => {
    await new S3Client({ ...aws(), forcePathStyle: true }).send(new CreateBucketCommand({ Bucket: `${TrailName}-logs` }));
    await ct.send(new CreateTrailCommand({ Name: TrailName, S3BucketName: `${TrailName}-logs` }));
  });

  const refused = (message: string | RegExp) => ({
    name: 'InvalidEventSelectorsException',
    message: expect.stringMatching(message),
    $metadata: expect.objectContaining({ httpStatusCode: 400 }),
  });
  const basic = (EventSelectors: EventSelector[]) => ct.send(new PutEventSelectorsCommand({ TrailName, EventSelectors }));
  const advanced = (AdvancedEventSelectors: AdvancedEventSelector[]) =>
    ct.send(new PutEventSelectorsCommand({ TrailName, AdvancedEventSelectors }));
  const objects = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `arn:aws:s3:::decoys-${run}/k${from + i}`);
  const dataSelector = (arns: string[], extra: AdvancedFieldSelector[] = []): AdvancedEventSelector => ({
    Name: 'decoys',
    FieldSelectors: [
      { Field: 'eventCategory', Equals: ['Data'] },
      { Field: 'resources.type', Equals: ['AWS::S3::Object'] },
      { Field: 'resources.ARN', Equals: arns },
      ...extra,
    ],
  });

  it("refuses a basic selector that selects nothing, with CloudTrail's message, and takes one with data resources", async () => {
    await expect(basic([{ ReadWriteType: 'All', IncludeManagementEvents: false }])).rejects.toMatchObject(
      refused(
        /^Invalid combination of parameters in EventSelectors\. When includeManagementEvents is false, DataResources must not be empty$/,
      ),
    );
    await expect(basic([{ ReadWriteType: 'All', IncludeManagementEvents: false, DataResources: [] }])).rejects.toMatchObject(
      refused(/DataResources must not be empty/),
    );
    await basic([{ IncludeManagementEvents: false, DataResources: [{ Type: 'AWS::S3::Object', Values: objects(1) }] }]);
    await basic([{ ReadWriteType: 'All' }]); // management events (IncludeManagementEvents defaults to true)
  });

  it('takes 5 basic selectors and refuses 6, or none', async () => {
    const one: EventSelector = { ReadWriteType: 'ReadOnly', IncludeManagementEvents: true };
    await basic(Array.from({ length: 5 }, () => one));
    await expect(basic(Array.from({ length: 6 }, () => one))).rejects.toMatchObject(refused(/1 to 5 event selectors; 6/));
    await expect(basic([])).rejects.toMatchObject(refused(/1 to 5 event selectors; 0/));
  });

  it('takes 250 data resources across the basic selectors and refuses 251; an all-of-a-type prefix does not count', async () => {
    const s3 = (Values: string[]): EventSelector => ({
      IncludeManagementEvents: false,
      DataResources: [{ Type: 'AWS::S3::Object', Values }],
    });
    await basic([s3(objects(200)), s3([...objects(50, 200), 'arn:aws:s3'])]);
    await expect(basic([s3(objects(200)), s3(objects(51, 200))])).rejects.toMatchObject(refused(/250 data resources.*251/));
  });

  it('refuses a ReadWriteType or a basic resource type CloudTrail does not know', async () => {
    await expect(basic([{ ReadWriteType: 'read-only' as 'All' }])).rejects.toMatchObject(refused(/ReadWriteType/));
    await expect(
      basic([{ IncludeManagementEvents: false, DataResources: [{ Type: 'AWS::SNS::Topic', Values: ['arn:aws:sns'] }] }]),
    ).rejects.toMatchObject(refused(/AWS::SNS::Topic/));
  });

  it('refuses EventSelectors and AdvancedEventSelectors together, and neither', async () => {
    await expect(
      ct.send(
        new PutEventSelectorsCommand({
          TrailName,
          EventSelectors: [{ ReadWriteType: 'All' }],
          AdvancedEventSelectors: [dataSelector(objects(1))],
        }),
      ),
    ).rejects.toMatchObject(refused(/either EventSelectors or AdvancedEventSelectors/));
    await expect(ct.send(new PutEventSelectorsCommand({ TrailName }))).rejects.toMatchObject(refused(/1 to 5 event selectors/));
    await expect(advanced([])).rejects.toMatchObject(refused(/at least one/));
  });

  it('takes an advanced selector of data events and one of management events', async () => {
    await advanced([
      dataSelector(objects(3), [
        { Field: 'readOnly', Equals: ['true'] },
        { Field: 'eventName', NotEquals: ['HeadObject'] },
      ]),
    ]);
    await advanced([
      {
        Name: 'writes',
        FieldSelectors: [
          { Field: 'eventCategory', Equals: ['Management'] },
          { Field: 'readOnly', Equals: ['false'] },
        ],
      },
    ]);
    await advanced([
      {
        FieldSelectors: [
          { Field: 'eventCategory', Equals: ['Data'] },
          { Field: 'resources.type', Equals: ['AWS::S3::Object'] },
          { Field: 'resources.ARN', StartsWith: [`arn:aws:s3:::decoys-${run}/nobody-reads-this/`] },
        ],
      },
    ]);
  });

  it('refuses an advanced selector without eventCategory, or with it not Equals to one trail category', async () => {
    await expect(advanced([{ FieldSelectors: [{ Field: 'resources.type', Equals: ['AWS::S3::Object'] }] }])).rejects.toMatchObject(
      refused(/eventCategory/),
    );
    await expect(
      advanced([
        {
          FieldSelectors: [
            { Field: 'eventCategory', StartsWith: ['Da'] },
            { Field: 'resources.type', Equals: ['AWS::S3::Object'] },
          ],
        },
      ]),
    ).rejects.toMatchObject(refused(/eventCategory takes the Equals operator only/));
    await expect(advanced([{ FieldSelectors: [{ Field: 'eventCategory', Equals: ['ConfigurationItem'] }] }])).rejects.toMatchObject(
      refused(/eventCategory/),
    );
  });

  it('refuses fields a category does not support, and data events without resources.type', async () => {
    await expect(advanced([dataSelector(objects(1), [{ Field: 'bucketName', Equals: ['x'] }])])).rejects.toMatchObject(
      refused(/Field bucketName is not supported for Data events/),
    );
    await expect(
      advanced([
        {
          FieldSelectors: [
            { Field: 'eventCategory', Equals: ['Management'] },
            { Field: 'eventName', Equals: ['CreateUser'] },
          ],
        },
      ]),
    ).rejects.toMatchObject(refused(/Field eventName is not supported for Management events/));
    await expect(
      advanced([
        {
          FieldSelectors: [
            { Field: 'eventCategory', Equals: ['Data'] },
            { Field: 'resources.ARN', Equals: objects(1) },
          ],
        },
      ]),
    ).rejects.toMatchObject(refused(/resources\.type is required/));
    const typeStartsWith = dataSelector(objects(1)).FieldSelectors!.map((f) =>
      f.Field === 'resources.type' ? { Field: f.Field, StartsWith: ['AWS::S3'] } : f,
    );
    await expect(advanced([{ FieldSelectors: typeStartsWith }])).rejects.toMatchObject(
      refused(/resources\.type takes the Equals operator only/),
    );
  });

  it('takes 500 values across all advanced selectors and refuses 501', async () => {
    // eventCategory and resources.type count: 2 values per selector, beside their ARNs.
    await advanced([dataSelector(objects(298)), dataSelector(objects(198, 298))]);
    await expect(advanced([dataSelector(objects(298)), dataSelector(objects(199, 298))])).rejects.toMatchObject(
      refused(/at most 500 values.*501/),
    );
  });

  it('replaces advanced selectors with basic ones and basic with advanced, as CloudTrail does', async () => {
    await advanced([dataSelector(objects(1))]);
    await basic([{ ReadWriteType: 'All' }]);
    let out = await ct.send(new GetEventSelectorsCommand({ TrailName }));
    expect(out.AdvancedEventSelectors ?? []).toEqual([]);
    expect(out.EventSelectors).toMatchObject([{ ReadWriteType: 'All' }]);
    await advanced([dataSelector(objects(1))]);
    out = await ct.send(new GetEventSelectorsCommand({ TrailName }));
    expect(out.EventSelectors ?? []).toEqual([]);
    expect(out.AdvancedEventSelectors).toMatchObject([dataSelector(objects(1))]);
  });

  describe('the decoy trail the CDK app synthesizes with -c decoys=s3', () => {
    let dir: string;
    let trail: { Properties: Record<string, unknown> };
    let resources: Parameters<typeof resolveIntrinsics>[1];
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'canary-decoy-trail-'));
      writeFileSync(join(dir, 'slack.js'), '');
      const context = {
        userPath: '/svc/',
        alertChannelId: 'C0ALERTS1',
        adminUserIds: 'U0ADMIN1',
        opsEmail: 'secops@example.com',
        homeRegion: 'us-east-1',
        regions: 'us-east-1',
        decoys: 's3',
      };
      const template = Template.fromStack(buildApp(new App({ context }), dir).home).toJSON() as { Resources: typeof resources };
      resources = template.Resources;
      trail = Object.values(template.Resources).find((r) => r.Type === 'AWS::CloudTrail::Trail') as typeof trail;
    }, 120_000);
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('has selectors PutEventSelectors accepts (CloudFormation applies them so), which select no management events', async () => {
      expect(trail.Properties.EventSelectors).toBeUndefined();
      const selectors = resolveIntrinsics(trail.Properties.AdvancedEventSelectors, resources) as AdvancedEventSelector[];
      expect(JSON.stringify(selectors)).not.toContain('Management');
      const out = await ct.send(new PutEventSelectorsCommand({ TrailName, AdvancedEventSelectors: selectors }));
      expect(out.AdvancedEventSelectors).toEqual(selectors);
    });
  });
});

describe("the emulator keeps IAM users' permissions boundaries as IAM does", () => {
  const iam = new IAMClient(aws());
  const Path = `/boundaries-${run}/`;
  const user = (n: string) => `b-${run}-${n}`;
  let customer: string;
  beforeAll(async () => {
    customer = (
      await iam.send(
        new CreatePolicyCommand({
          PolicyName: `boundary-${run}`,
          PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: '*', Resource: '*' }] }),
        }),
      )
    ).Policy!.Arn!;
  });
  const boundaryOf = async (UserName: string) => (await iam.send(new GetUserCommand({ UserName }))).User!.PermissionsBoundary;

  it("keeps the boundary CreateUser is given and returns it from GetUser, an AWS managed policy or the account's own", async () => {
    await iam.send(new CreateUserCommand({ UserName: user('aws'), Path, PermissionsBoundary: DENY_ALL_BOUNDARY }));
    expect(await boundaryOf(user('aws'))).toEqual({
      PermissionsBoundaryType: 'PermissionsBoundaryPolicy',
      PermissionsBoundaryArn: DENY_ALL_BOUNDARY,
    });
    await iam.send(new CreateUserCommand({ UserName: user('own'), Path, PermissionsBoundary: customer }));
    expect(await boundaryOf(user('own'))).toEqual({
      PermissionsBoundaryType: 'PermissionsBoundaryPolicy',
      PermissionsBoundaryArn: customer,
    });
    await iam.send(new CreateUserCommand({ UserName: user('none'), Path }));
    expect(await boundaryOf(user('none'))).toBeUndefined();
  });

  it('refuses a boundary that is no managed policy, creating no user', async () => {
    const missing = 'arn:aws:iam::123456789012:policy/no-such-boundary';
    await expect(iam.send(new CreateUserCommand({ UserName: user('missing'), Path, PermissionsBoundary: missing }))).rejects.toMatchObject({
      name: 'NoSuchEntityException',
      message: `Scope ARN: ${missing} does not exist or is not attachable.`,
      $metadata: expect.objectContaining({ httpStatusCode: 404 }),
    });
    await expect(
      iam.send(new CreateUserCommand({ UserName: user('missing'), Path, PermissionsBoundary: 'arn:aws:iam::aws:policy/NoSuchAwsPolicy' })),
    ).rejects.toMatchObject({ name: 'NoSuchEntityException' });
    await expect(
      iam.send(new CreateUserCommand({ UserName: user('missing'), Path, PermissionsBoundary: 'not-an-arn-of-a-policy' })),
    ).rejects.toMatchObject({ name: 'InvalidInputException', $metadata: expect.objectContaining({ httpStatusCode: 400 }) });
    await expect(iam.send(new GetUserCommand({ UserName: user('missing') }))).rejects.toMatchObject({ name: 'NoSuchEntityException' });
  });

  it('sets, replaces and deletes a boundary with Put/DeleteUserPermissionsBoundary, refusing one that does not exist', async () => {
    const UserName = user('put');
    await iam.send(new CreateUserCommand({ UserName, Path }));
    await iam.send(new PutUserPermissionsBoundaryCommand({ UserName, PermissionsBoundary: customer }));
    expect((await boundaryOf(UserName))?.PermissionsBoundaryArn).toBe(customer);
    await iam.send(new PutUserPermissionsBoundaryCommand({ UserName, PermissionsBoundary: DENY_ALL_BOUNDARY }));
    expect((await boundaryOf(UserName))?.PermissionsBoundaryArn).toBe(DENY_ALL_BOUNDARY);
    await expect(
      iam.send(new PutUserPermissionsBoundaryCommand({ UserName, PermissionsBoundary: 'arn:aws:iam::123456789012:policy/nope' })),
    ).rejects.toMatchObject({ name: 'NoSuchEntityException', $metadata: expect.objectContaining({ httpStatusCode: 404 }) });
    expect((await boundaryOf(UserName))?.PermissionsBoundaryArn).toBe(DENY_ALL_BOUNDARY);
    await iam.send(new DeleteUserPermissionsBoundaryCommand({ UserName }));
    expect(await boundaryOf(UserName)).toBeUndefined();
    await expect(iam.send(new DeleteUserPermissionsBoundaryCommand({ UserName: user('nobody') }))).rejects.toMatchObject({
      name: 'NoSuchEntityException',
    });
  });

  it('leaves boundaries and tags out of ListUsers, and pages it: 100 users unless MaxItems (1 to 1000) says otherwise', async () => {
    const pagePath = `/pages-${run}/`;
    await iam.send(
      new CreateUserCommand({
        UserName: user('tagged'),
        Path: pagePath,
        PermissionsBoundary: DENY_ALL_BOUNDARY,
        Tags: [{ Key: 'k', Value: 'v' }],
      }),
    );
    for (let i = 0; i < 100; i++) await iam.send(new CreateUserCommand({ UserName: user(`p${i}`), Path: pagePath }));
    const first = await iam.send(new ListUsersCommand({ PathPrefix: pagePath }));
    expect(first.Users).toHaveLength(100);
    expect(first.IsTruncated).toBe(true);
    const tagged = first.Users!.find((u) => u.UserName === user('tagged'))!;
    expect(tagged.PermissionsBoundary).toBeUndefined();
    expect(tagged.Tags).toBeUndefined();
    const rest = await iam.send(new ListUsersCommand({ PathPrefix: pagePath, Marker: first.Marker }));
    expect(rest).toMatchObject({ IsTruncated: false });
    expect(rest.Users).toHaveLength(1);
    expect((await iam.send(new ListUsersCommand({ PathPrefix: pagePath, MaxItems: 1000 }))).Users).toHaveLength(101);
    for (const MaxItems of [0, 1001])
      await expect(iam.send(new ListUsersCommand({ PathPrefix: pagePath, MaxItems }))).rejects.toMatchObject({
        name: 'ValidationError',
        $metadata: expect.objectContaining({ httpStatusCode: 400 }),
      });
  });
});

describe('the emulator pages GetAccountAuthorizationDetails as IAM does', () => {
  const iam = new IAMClient(aws());
  const Path = `/details-${run}/`;
  beforeAll(async () => {
    for (let i = 0; i < 5; i++)
      await iam.send(new CreateUserCommand({ UserName: `d-${run}-${i}`, Path, PermissionsBoundary: DENY_ALL_BOUNDARY }));
  });

  it('answers MaxItems users a page with a marker to the rest, every user once, boundaries included', async () => {
    const seen: string[] = [];
    let marker: string | undefined;
    let pages = 0;
    do {
      const page = await iam.send(new GetAccountAuthorizationDetailsCommand({ Filter: ['User'], MaxItems: 2, Marker: marker }));
      expect(page.UserDetailList!.length).toBeLessThanOrEqual(2);
      for (const u of page.UserDetailList ?? [])
        if (u.Path === Path) {
          seen.push(u.UserName!);
          expect(u.PermissionsBoundary?.PermissionsBoundaryArn).toBe(DENY_ALL_BOUNDARY);
        }
      marker = page.IsTruncated ? page.Marker : undefined;
      pages++;
    } while (marker);
    expect(seen.sort()).toEqual([0, 1, 2, 3, 4].map((i) => `d-${run}-${i}`));
    expect(pages).toBeGreaterThanOrEqual(3);
  });

  it('refuses MaxItems beyond 1,000, as IAM does', async () => {
    await expect(iam.send(new GetAccountAuthorizationDetailsCommand({ Filter: ['User'], MaxItems: 1001 }))).rejects.toMatchObject({
      name: 'ValidationError',
    });
  });
});
