import { DescribeTableCommand, DescribeTimeToLiveCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { LIST_INDEX, TTL_ATTRIBUTE } from '../../bot/store/schema';
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
  const run = () => execFileSync('npm', ['run', '--silent', 'local:bootstrap'], { env, encoding: 'utf8' });

  it('creates the table with its indexes and TTL, then does nothing the second time', async () => {
    expect(run()).toContain(`created table ${table}`);
    expect(run()).toContain(`table ${table} already exists`);
    const ddb = new DynamoDBClient({
      region: 'us-east-1',
      endpoint: env.AWS_ENDPOINT_URL,
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    const t = (await ddb.send(new DescribeTableCommand({ TableName: table }))).Table!;
    expect(t.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    expect(t.GlobalSecondaryIndexes?.map((i) => i.IndexName)).toEqual([LIST_INDEX.name]);
    const ttl = await ddb.send(new DescribeTimeToLiveCommand({ TableName: table }));
    expect(ttl.TimeToLiveDescription).toMatchObject({ AttributeName: TTL_ATTRIBUTE, TimeToLiveStatus: 'ENABLED' });
  }, 60_000);
});
