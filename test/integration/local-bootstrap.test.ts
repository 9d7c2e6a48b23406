import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { INDEXES, LIST_INDEX, TTL_ATTRIBUTE } from '../../bot/store/schema';
import { awsEndpoint } from '../support/emulator';

describe('npm run local:bootstrap creates what the handlers need, idempotently', () => {
  const table = `bootstrap-${Date.now()}`;
  const env = {
    ...process.env,
    AWS_ENDPOINT_URL: awsEndpoint(),
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'x',
    AWS_SECRET_ACCESS_KEY: 'x',
    CANARY_TABLE: table,
  };
  const run = (name = table) =>
    execFileSync('npm', ['run', '--silent', 'local:bootstrap'], { env: { ...env, CANARY_TABLE: name }, encoding: 'utf8' });
  const client = () =>
    new DynamoDBClient({ region: 'us-east-1', endpoint: env.AWS_ENDPOINT_URL, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });

  it('creates the table with its indexes and TTL, then does nothing the second time', async () => {
    expect(run()).toContain(`created table ${table}`);
    expect(run()).toContain(`table ${table} already exists`);
    const ddb = client();
    const t = (await ddb.send(new DescribeTableCommand({ TableName: table }))).Table!;
    expect(t.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    expect(t.GlobalSecondaryIndexes?.map((i) => i.IndexName).sort()).toEqual(INDEXES.map((i) => i.name).sort());
    const ttl = await ddb.send(new DescribeTimeToLiveCommand({ TableName: table }));
    expect(ttl.TimeToLiveDescription).toMatchObject({ AttributeName: TTL_ATTRIBUTE, TimeToLiveStatus: 'ENABLED' });
  }, 60_000);

  it('adds the list indexes a table made before them lacks, and writes their keys on its canaries', async () => {
    const old = `bootstrap-old-${Date.now()}`;
    const ddb = client();
    await ddb.send(
      new CreateTableCommand({
        TableName: old,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: ['pk', 'sk', LIST_INDEX.partition, LIST_INDEX.sort].map((n) => ({ AttributeName: n, AttributeType: 'S' })),
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: LIST_INDEX.name,
            KeySchema: [
              { AttributeName: LIST_INDEX.partition, KeyType: 'HASH' },
              { AttributeName: LIST_INDEX.sort, KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
      }),
    );
    const S = (s: string) => ({ S: s });
    await ddb.send(
      new PutItemCommand({
        TableName: old,
        Item: {
          pk: S('CANARY#c0ld001'),
          sk: S('META'),
          gsi1pk: S('CANARY'),
          gsi1sk: S('2025-01-01T00:00:00.000Z#c0ld001'),
          id: S('c0ld001'),
          kind: S('aws-key'),
          status: S('disabled'),
          createdAt: S('2025-01-01T00:00:00.000Z'),
          location: S('laptop-1'),
          owner: S('U0BOB'),
          createdBy: S('U0BOB'),
          aliases: { L: [] },
          resource: { M: {} },
        },
      }),
    );
    const out = run(old);
    expect(out).toContain(`added index gsi2 to ${old}`);
    expect(out).toContain(`added index gsi3 to ${old}`);
    expect(out).toContain('wrote the list keys of 1 canaries');
    const t = (await ddb.send(new DescribeTableCommand({ TableName: old }))).Table!;
    expect(t.GlobalSecondaryIndexes?.map((i) => i.IndexName).sort()).toEqual(INDEXES.map((i) => i.name).sort());
    const item = (await ddb.send(new GetItemCommand({ TableName: old, Key: { pk: S('CANARY#c0ld001'), sk: S('META') } }))).Item!;
    expect(item).toMatchObject({ gsi2pk: S('disabled#aws-key'), gsi3pk: S('home#disabled#aws-key') });
    expect(run(old)).not.toContain('wrote the list keys');
  }, 60_000);
});
