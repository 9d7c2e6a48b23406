import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceInUseException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { canaryEventPattern, ecrDecoyEventPattern, guardEventPattern, RULE_STATE, s3DecoyEventPattern } from '../infra/detection';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient, SetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { repairListKeys } from '../bot/store/listing';
import { INDEXES, TABLE_KEYS, TTL_ATTRIBUTE } from '../bot/store/schema';

export interface Bootstrapped {
  done: string[];
  /** Where the detection rules deliver: the topic (as in AWS), or the queue itself. */
  ruleTarget: string;
  topicArn: string;
  /** The operations topic: alarm notifications, delivered to the same queue. */
  opsTopicArn: string;
  ruleName: string;
  queueUrl: string;
  dlqUrl: string;
}

/**
 * Creates, idempotently, what the handlers need in whatever AWS endpoint the SDK is pointed at
 * (AWS_ENDPOINT_URL): the table, and the alert path's SNS topic, SQS queue and its DLQ (the
 * queue subscribed to the topic, raw delivery off, as in AWS). Names derive from the table's.
 * In AWS the CDK app owns these resources instead.
 *
 * `deliverTo: 'queue'` points the rules straight at the queue: moto's EventBridge cannot deliver
 * to SNS (PutEvents fails on a matching rule with an SNS target), so the sandbox, which puts real
 * events on the bus, uses this. The handlers read either shape.
 */
export async function bootstrap({
  table,
  region,
  userPath = '/svc/',
  deliverTo = 'topic',
}: {
  table: string;
  region: string;
  userPath?: string;
  deliverTo?: 'topic' | 'queue';
}): Promise<Bootstrapped> {
  const ddb = new DynamoDBClient({ region });
  const done: string[] = [];
  let created = false;
  try {
    await ddb.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: TABLE_KEYS.partition, AttributeType: 'S' },
          { AttributeName: TABLE_KEYS.sort, AttributeType: 'S' },
          ...indexAttributes(INDEXES),
        ],
        KeySchema: [
          { AttributeName: TABLE_KEYS.partition, KeyType: 'HASH' },
          { AttributeName: TABLE_KEYS.sort, KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: INDEXES.map(indexSpec),
      }),
    );
    done.push(`created table ${table}`);
    created = true;
  } catch (err) {
    if (!(err instanceof ResourceInUseException)) throw err;
    done.push(`table ${table} already exists`);
  }
  await waitUntilTableExists({ client: ddb, maxWaitTime: 60 }, { TableName: table });
  const desc = await ddb.send(new DescribeTableCommand({ TableName: table }));
  if (desc.Table?.TableStatus !== 'ACTIVE') throw new Error(`table ${table} is ${desc.Table?.TableStatus}`);
  // A table made before an index was: DynamoDB adds one GSI per UpdateTable, as CloudFormation does.
  const present = new Set((desc.Table.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName));
  for (const index of INDEXES.filter((i) => !present.has(i.name))) {
    await ddb.send(
      new UpdateTableCommand({
        TableName: table,
        AttributeDefinitions: indexAttributes([index]),
        GlobalSecondaryIndexUpdates: [{ Create: indexSpec(index) }],
      }),
    );
    await untilIndexActive(ddb, table, index.name);
    done.push(`added index ${index.name} to ${table}`);
  }
  // A table made before the list indexes: its records get their keys now rather than at the next
  // audit. A new table is left as the CDK app leaves one (filtered lists read gsi1 until a pass).
  if (!created) {
    const repaired = await repairListKeys({ ddb: DynamoDBDocumentClient.from(ddb), table });
    if (repaired.fixed) done.push(`wrote the list keys of ${repaired.fixed} canaries`);
  }
  await ddb
    .send(new UpdateTimeToLiveCommand({ TableName: table, TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true } }))
    .catch((err: unknown) => {
      // DynamoDB refuses to "enable" TTL that is already enabled; that is the idempotent case.
      if (!(err instanceof Error && /already enabled/i.test(err.message))) throw err;
    });
  ddb.destroy();

  // Create* calls for topics, queues and subscriptions are idempotent by name in SNS and SQS.
  const sqs = new SQSClient({ region });
  const sns = new SNSClient({ region });
  const dlqUrl = (
    await sqs.send(new CreateQueueCommand({ QueueName: `${table}-alerts-dlq`, Attributes: { MessageRetentionPeriod: '1209600' } }))
  ).QueueUrl!;
  const dlqArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
  const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: `${table}-alerts` }))).QueueUrl!;
  await sqs.send(
    new SetQueueAttributesCommand({
      QueueUrl: queueUrl,
      Attributes: { VisibilityTimeout: '120', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 5 }) },
    }),
  );
  const queueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }))).Attributes!
    .QueueArn!;
  const topicArn = (await sns.send(new CreateTopicCommand({ Name: `${table}-alerts` }))).TopicArn!;
  await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: queueArn }));
  // The operations topic (infra/ops.ts): alarm notifications reach the bot through the same queue.
  const opsTopicArn = (await sns.send(new CreateTopicCommand({ Name: `${table}-ops` }))).TopicArn!;
  await sns.send(new SubscribeCommand({ TopicArn: opsTopicArn, Protocol: 'sqs', Endpoint: queueArn }));
  // The detection rule, from the same code as the CDK app's, delivering to the topic.
  const ruleTarget = deliverTo === 'queue' ? queueArn : topicArn;
  const events = new EventBridgeClient({ region });
  const ruleName = `${table}-detect`;
  const account = (await new STSClient({ region }).send(new GetCallerIdentityCommand({}))).Account!;
  await events.send(
    new PutRuleCommand({ Name: ruleName, EventPattern: JSON.stringify(canaryEventPattern(userPath, account)), State: RULE_STATE }),
  );
  await events.send(new PutTargetsCommand({ Rule: ruleName, Targets: [{ Id: 'alerts', Arn: ruleTarget }] }));
  for (const [suffix, pattern] of [
    ['s3', s3DecoyEventPattern(account)],
    ['ecr', ecrDecoyEventPattern(account)],
    ['guard', guardEventPattern(account)],
  ] as const) {
    await events.send(new PutRuleCommand({ Name: `${table}-detect-${suffix}`, EventPattern: JSON.stringify(pattern), State: RULE_STATE }));
    await events.send(new PutTargetsCommand({ Rule: `${table}-detect-${suffix}`, Targets: [{ Id: 'alerts', Arn: ruleTarget }] }));
  }
  done.push(
    `alert topic ${topicArn}`,
    `ops topic ${opsTopicArn}`,
    `alert queue ${queueUrl} (DLQ ${dlqUrl})`,
    `detection rules ${ruleName}, ${table}-detect-s3, ${table}-detect-ecr, ${table}-detect-guard -> ${ruleTarget}`,
  );
  sqs.destroy();
  sns.destroy();
  events.destroy();
  return { done, ruleTarget, topicArn, opsTopicArn, queueUrl, dlqUrl, ruleName };
}

type Index = (typeof INDEXES)[number];

const indexAttributes = (indexes: readonly Index[]) => [
  ...new Map(
    indexes.flatMap((i) => [i.partition, i.sort]).map((name) => [name, { AttributeName: name, AttributeType: 'S' as const }]),
  ).values(),
];

const indexSpec = (i: Index) => ({
  IndexName: i.name,
  KeySchema: [
    { AttributeName: i.partition, KeyType: 'HASH' as const },
    { AttributeName: i.sort, KeyType: 'RANGE' as const },
  ],
  Projection: { ProjectionType: 'ALL' as const },
});

async function untilIndexActive(ddb: DynamoDBClient, table: string, name: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const t = (await ddb.send(new DescribeTableCommand({ TableName: table }))).Table;
    if (t?.GlobalSecondaryIndexes?.find((g) => g.IndexName === name)?.IndexStatus === 'ACTIVE') return;
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`index ${name} of ${table} did not become active in 10 minutes`);
}
