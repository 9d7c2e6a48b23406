import { randomBytes } from 'node:crypto';
import { CreateTableCommand, DeleteTableCommand, DynamoDBClient, PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactGetCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsEndpoint } from '../support/emulator';

/**
 * The emulator refuses what DynamoDB refuses (local/moto_server.py): expression lengths,
 * operator counts, placeholder lengths, substitution size, IN operands and the 400 KB item,
 * with DynamoDB's ValidationException, so that a request that would fail on AWS fails here too.
 * Through the real SDK clients, against the run's moto server.
 */
describe('the emulator enforces DynamoDB limits', () => {
  const aws = () => ({ region: 'us-east-1', endpoint: awsEndpoint(), credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const client = new DynamoDBClient(aws());
  const ddb = DynamoDBDocumentClient.from(client);
  const TableName = `limits-${randomBytes(4).toString('hex')}`;
  const Key = { pk: 'limits', sk: 'item' };

  beforeAll(async () => {
    await client.send(
      new CreateTableCommand({
        TableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
      }),
    );
  });
  afterAll(() => client.send(new DeleteTableCommand({ TableName })));

  const refused = (message: string | RegExp) => ({
    name: 'ValidationException',
    message,
    $metadata: expect.objectContaining({ httpStatusCode: 400 }),
  });
  const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

  // "SET" + spaces + "a = :v": the length is set by the spaces, which count as DynamoDB counts them.
  const setOfLength = (n: number) => `SET${' '.repeat(n - 9)}a = :v`;
  // Distinct two-character attribute names, none a reserved word: a0..z9.
  const names = [...'abcdefghijklmnopqrstuvwxyz'].flatMap((c) => [...'0123456789'].map((d) => `${c}${d}`));
  // Each action: one function (if_not_exists) and one "+": two operators (DynamoDB takes one + per SET
  // action). Written tight, as 150 of them only just fit in 4 KB.
  const counters = (n: number) => names.slice(0, n).map((a) => `${a}=if_not_exists(c,:z)+:o`);

  it('takes an UpdateExpression of 4096 bytes and refuses one of 4097', async () => {
    expect(bytes(setOfLength(4096))).toBe(4096);
    await ddb.send(new UpdateCommand({ TableName, Key, UpdateExpression: setOfLength(4096), ExpressionAttributeValues: { ':v': 1 } }));
    await expect(
      ddb.send(new UpdateCommand({ TableName, Key, UpdateExpression: setOfLength(4097), ExpressionAttributeValues: { ':v': 2 } })),
    ).rejects.toMatchObject(
      refused('Invalid UpdateExpression: Expression size has exceeded the maximum allowed size; expression size: 4097'),
    );
    expect((await ddb.send(new GetCommand({ TableName, Key, ConsistentRead: true }))).Item?.a).toBe(1);
  });

  it('counts bytes, not characters: 2,049 two-byte characters are over 4 KB', async () => {
    const ProjectionExpression = 'é'.repeat(2049);
    await expect(ddb.send(new GetCommand({ TableName, Key, ProjectionExpression }))).rejects.toMatchObject(
      refused('Invalid ProjectionExpression: Expression size has exceeded the maximum allowed size; expression size: 4098'),
    );
  });

  it('takes 300 operators in an UpdateExpression and refuses 301', async () => {
    const three00 = `SET ${counters(150).join(',')}`;
    expect(bytes(three00)).toBeLessThanOrEqual(4096);
    await ddb.send(new UpdateCommand({ TableName, Key, UpdateExpression: three00, ExpressionAttributeValues: { ':z': 0, ':o': 1 } }));
    const item = (await ddb.send(new GetCommand({ TableName, Key, ConsistentRead: true }))).Item!;
    expect(item.a0).toBe(1);
    expect(item[names[149]!]).toBe(1);

    const three01 = `SET ${[...counters(150), 'x0=if_not_exists(c,:z)'].join(',')}`;
    await expect(
      ddb.send(new UpdateCommand({ TableName, Key, UpdateExpression: three01, ExpressionAttributeValues: { ':z': 0, ':o': 1 } })),
    ).rejects.toMatchObject(refused('Invalid UpdateExpression: The expression contains too many operators; operator count: 301'));
    expect((await ddb.send(new GetCommand({ TableName, Key, ConsistentRead: true }))).Item?.x0).toBeUndefined();
  });

  it('cannot fit 300 if_not_exists actions in 4 KB: their size is refused first', async () => {
    const UpdateExpression = `SET ${Array.from({ length: 300 }, (_, i) => `n${i} = if_not_exists(c, :z)`).join(', ')}`;
    await expect(
      ddb.send(new UpdateCommand({ TableName, Key, UpdateExpression, ExpressionAttributeValues: { ':z': 0 } })),
    ).rejects.toMatchObject(
      refused(
        `Invalid UpdateExpression: Expression size has exceeded the maximum allowed size; expression size: ${bytes(UpdateExpression)}`,
      ),
    );
  });

  it('counts the operators of conditions too: comparators, AND, OR, NOT, functions', async () => {
    // a < b or (a < b or (...)): 299 operators, then 909 (DynamoDB's own example, quoted by ScyllaDB).
    const chain = (depth: number) => `a<b ${'or (a<b '.repeat(depth)}${')'.repeat(depth)}`;
    await ddb.send(
      new UpdateCommand({
        TableName,
        Key: { pk: 'limits', sk: 'cond' },
        UpdateExpression: 'SET a = :a, b = :b',
        ExpressionAttributeValues: { ':a': 1, ':b': 2 },
      }),
    );
    expect(bytes(chain(454))).toBeLessThan(4096);
    await ddb.send(
      new UpdateCommand({
        TableName,
        Key: { pk: 'limits', sk: 'cond' },
        UpdateExpression: 'SET z = :v',
        ConditionExpression: chain(149),
        ExpressionAttributeValues: { ':v': 1 },
      }),
    );
    await expect(
      ddb.send(
        new UpdateCommand({
          TableName,
          Key: { pk: 'limits', sk: 'cond' },
          UpdateExpression: 'SET z = :v',
          ConditionExpression: chain(454),
          ExpressionAttributeValues: { ':v': 2 },
        }),
      ),
    ).rejects.toMatchObject(refused('Invalid ConditionExpression: The expression contains too many operators; operator count: 301'));
  });

  it('refuses the same UpdateExpression inside a transaction, as a ValidationException, and writes nothing', async () => {
    const three01 = `SET ${[...counters(150), 'x0=if_not_exists(c,:z)'].join(',')}`;
    const other = { pk: 'limits', sk: 'tx-put' };
    const send = (UpdateExpression: string, ExpressionAttributeValues: Record<string, number>) =>
      ddb.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName, Item: other } },
            { Update: { TableName, Key: { pk: 'limits', sk: 'tx' }, UpdateExpression, ExpressionAttributeValues } },
          ],
        }),
      );
    await expect(send(three01, { ':z': 0, ':o': 1 })).rejects.toMatchObject(
      refused('Invalid UpdateExpression: The expression contains too many operators; operator count: 301'),
    );
    await expect(send(setOfLength(4097), { ':v': 1 })).rejects.toMatchObject(
      refused('Invalid UpdateExpression: Expression size has exceeded the maximum allowed size; expression size: 4097'),
    );
    expect((await ddb.send(new GetCommand({ TableName, Key: other, ConsistentRead: true }))).Item).toBeUndefined();
  });

  it('rolls a cancelled transaction back whole: a put, an update and a delete before the failing check leave no trace', async () => {
    const k = (sk: string) => ({ pk: 'rollback', sk });
    await ddb.send(new PutCommand({ TableName, Item: { ...k('kept'), n: 1 } }));
    await ddb.send(new PutCommand({ TableName, Item: { ...k('doomed'), n: 1 } }));
    const transaction = new TransactWriteCommand({
      TransactItems: [
        { Put: { TableName, Item: { ...k('new'), n: 1 } } },
        { Update: { TableName, Key: k('kept'), UpdateExpression: 'SET n = n + :one', ExpressionAttributeValues: { ':one': 1 } } },
        { Delete: { TableName, Key: k('doomed') } },
        { ConditionCheck: { TableName, Key: k('absent'), ConditionExpression: 'attribute_exists(pk)' } },
      ],
    });
    await expect(ddb.send(transaction)).rejects.toMatchObject({ name: 'TransactionCanceledException' });
    expect((await ddb.send(new GetCommand({ TableName, Key: k('new') }))).Item).toBeUndefined();
    expect((await ddb.send(new GetCommand({ TableName, Key: k('kept') }))).Item).toEqual({ ...k('kept'), n: 1 });
    expect((await ddb.send(new GetCommand({ TableName, Key: k('doomed') }))).Item).toEqual({ ...k('doomed'), n: 1 });
  });

  it('refuses an expression attribute name or value placeholder over 255 bytes', async () => {
    const name255 = `#${'n'.repeat(254)}`;
    const name256 = `#${'n'.repeat(255)}`;
    await ddb.send(
      new UpdateCommand({
        TableName,
        Key,
        UpdateExpression: `SET ${name255} = :v`,
        ExpressionAttributeNames: { [name255]: 'named' },
        ExpressionAttributeValues: { ':v': 1 },
      }),
    );
    await expect(
      ddb.send(
        new UpdateCommand({
          TableName,
          Key,
          UpdateExpression: `SET ${name256} = :v`,
          ExpressionAttributeNames: { [name256]: 'named' },
          ExpressionAttributeValues: { ':v': 1 },
        }),
      ),
    ).rejects.toMatchObject(
      refused(
        'ExpressionAttributeNames contains invalid key: The expression attribute map contains a key that is too long; size of key: 256',
      ),
    );
    const value256 = `:${'v'.repeat(255)}`;
    await expect(
      ddb.send(
        new UpdateCommand({ TableName, Key, UpdateExpression: `SET named = ${value256}`, ExpressionAttributeValues: { [value256]: 1 } }),
      ),
    ).rejects.toMatchObject(
      refused('ExpressionAttributeValues contains invalid key: The expression attribute map contains a key that is too long;'),
    );
    // In a TransactGetItems' projection too.
    await expect(
      ddb.send(
        new TransactGetCommand({
          TransactItems: [{ Get: { TableName, Key, ProjectionExpression: name256, ExpressionAttributeNames: { [name256]: 'named' } } }],
        }),
      ),
    ).rejects.toMatchObject(refused(/size of key: 256$/));
  });

  it('refuses more than 2 MB of substitutions and more than 100 IN operands', async () => {
    const values = Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`:b${i}`, 'x'.repeat(380_000)]));
    await expect(
      ddb.send(
        new UpdateCommand({
          TableName,
          Key,
          UpdateExpression: `SET ${Object.keys(values)
            .map((v, i) => `big${i} = ${v}`)
            .join(', ')}`,
          ExpressionAttributeValues: values,
        }),
      ),
    ).rejects.toMatchObject(refused('Combined size of ExpressionAttributeNames and ExpressionAttributeValues exceeds max size'));

    const operands = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`:i${i}`, { N: String(i) }]));
    const scan = (n: number) =>
      client.send(
        new ScanCommand({
          TableName,
          FilterExpression: `a IN (${Object.keys(operands(n)).join(', ')})`,
          ExpressionAttributeValues: operands(n),
        }),
      );
    await scan(100);
    await expect(scan(101)).rejects.toMatchObject(
      refused('Invalid FilterExpression: The IN operator is provided with too many operands; number of operands: 101'),
    );
  });

  it('sizes items as DynamoDB does: 409,600 bytes pass, one more fails, and an update cannot grow past it', async () => {
    // pk(2) + "limits"(6) + sk(2) + "big"(3) + d(1) = 14 bytes besides the string.
    const put = (n: number) =>
      client.send(new PutItemCommand({ TableName, Item: { pk: { S: 'limits' }, sk: { S: 'big' }, d: { S: 'x'.repeat(n) } } }));
    await put(409_600 - 14);
    await expect(put(409_600 - 13)).rejects.toMatchObject(refused('Item size has exceeded the maximum allowed size'));

    // Growing a map in place, which moto never checked: refused, and the item is left as it was.
    const grow = { pk: 'limits', sk: 'grow' };
    await ddb.send(new PutCommand({ TableName, Item: { ...grow, m: { k0: 'y'.repeat(300_000) } } }));
    const add = () =>
      ddb.send(
        new UpdateCommand({
          TableName,
          Key: grow,
          UpdateExpression: 'SET m.k1 = :v',
          ExpressionAttributeValues: { ':v': 'y'.repeat(200_000) },
        }),
      );
    await expect(add()).rejects.toMatchObject(refused('Item size to update has exceeded the maximum allowed size'));
    expect(Object.keys((await ddb.send(new GetCommand({ TableName, Key: grow, ConsistentRead: true }))).Item!.m)).toEqual(['k0']);

    // In a transaction DynamoDB cancels instead, the action's reason a ValidationError.
    const tx = ddb.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName, Item: { pk: 'limits', sk: 'tx-grow' } } },
          { Update: { TableName, Key: grow, UpdateExpression: 'SET m.k1 = :v', ExpressionAttributeValues: { ':v': 'y'.repeat(200_000) } } },
        ],
      }),
    );
    await expect(tx).rejects.toMatchObject({
      name: 'TransactionCanceledException',
      CancellationReasons: [
        { Code: 'None' },
        { Code: 'ValidationError', Message: 'Item size to update has exceeded the maximum allowed size' },
      ],
    });
    expect(
      (await ddb.send(new GetCommand({ TableName, Key: { pk: 'limits', sk: 'tx-grow' }, ConsistentRead: true }))).Item,
    ).toBeUndefined();
  });

  it('takes a TransactGetItems of 100 items, as DynamoDB does (moto alone stops at 25)', async () => {
    const out = await ddb.send(
      new TransactGetCommand({
        TransactItems: Array.from({ length: 100 }, (_, i) => ({ Get: { TableName, Key: { pk: 'limits', sk: `get-${i}` } } })),
      }),
    );
    expect(out.Responses).toHaveLength(100);
  });
});
