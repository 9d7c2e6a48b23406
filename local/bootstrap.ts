import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, ResourceInUseException, UpdateTimeToLiveCommand, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import { LIST_INDEX, TABLE_KEYS, TTL_ATTRIBUTE } from '../bot/table';

/**
 * Creates, idempotently, what the handlers need in whatever AWS endpoint the SDK is pointed at
 * (AWS_ENDPOINT_URL): today the table. In AWS the CDK app owns these resources instead.
 */
export async function bootstrap({ table, region }: { table: string; region: string }): Promise<string[]> {
  const ddb = new DynamoDBClient({ region });
  const done: string[] = [];
  try {
    await ddb.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: TABLE_KEYS.partition, AttributeType: 'S' },
          { AttributeName: TABLE_KEYS.sort, AttributeType: 'S' },
          { AttributeName: LIST_INDEX.partition, AttributeType: 'S' },
          { AttributeName: LIST_INDEX.sort, AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: TABLE_KEYS.partition, KeyType: 'HASH' },
          { AttributeName: TABLE_KEYS.sort, KeyType: 'RANGE' },
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
    done.push(`created table ${table}`);
  } catch (err) {
    if (!(err instanceof ResourceInUseException)) throw err;
    done.push(`table ${table} already exists`);
  }
  await waitUntilTableExists({ client: ddb, maxWaitTime: 60 }, { TableName: table });
  const desc = await ddb.send(new DescribeTableCommand({ TableName: table }));
  if (desc.Table?.TableStatus !== 'ACTIVE') throw new Error(`table ${table} is ${desc.Table?.TableStatus}`);
  await ddb.send(new UpdateTimeToLiveCommand({ TableName: table, TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true } })).catch((err: unknown) => {
    // DynamoDB refuses to "enable" TTL that is already enabled; that is the idempotent case.
    if (!(err instanceof Error && /already enabled/i.test(err.message))) throw err;
  });
  ddb.destroy();
  return done;
}
