/**
 * A synthesized template's intrinsic functions resolved to the values CloudFormation would give
 * them in a real account (123456789012, us-east-1): parliament checks each action against the
 * resource types its ARNs name, so a placeholder would hide exactly the mistakes it finds.
 */
export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

function arnOf(resources: Resources, id: string): string {
  const type = resources[id]?.Type;
  const arns: Record<string, string> = {
    'AWS::DynamoDB::Table': `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${id}`,
    'AWS::SQS::Queue': `arn:aws:sqs:${REGION}:${ACCOUNT}:${id}`,
    'AWS::Lambda::Function': `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${id}`,
    'AWS::SNS::Topic': `arn:aws:sns:${REGION}:${ACCOUNT}:${id}`,
    'AWS::SecretsManager::Secret': `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${id}-AbCdEf`,
    'AWS::KMS::Key': `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
    'AWS::S3::Bucket': `arn:aws:s3:::${id.toLowerCase()}`,
    'AWS::IAM::Role': `arn:aws:iam::${ACCOUNT}:role/${id}`,
    'AWS::CloudTrail::Trail': `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/${id}`,
    'AWS::Logs::LogGroup': `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${id}:*`,
    'AWS::Events::Rule': `arn:aws:events:${REGION}:${ACCOUNT}:rule/${id}`,
  };
  const arn = type && arns[type];
  if (!arn) throw new Error(`no realistic ARN for ${id} (${type ?? 'not in the template'}): add its type here`);
  return arn;
}

function refOf(resources: Resources, id: string): string {
  const pseudo: Record<string, string> = {
    'AWS::AccountId': ACCOUNT,
    'AWS::Partition': 'aws',
    'AWS::Region': REGION,
    'AWS::URLSuffix': 'amazonaws.com',
    'AWS::StackName': 'CanaryBot',
  };
  if (pseudo[id]) return pseudo[id];
  const type = resources[id]?.Type;
  if (type === 'AWS::SNS::Topic' || type === 'AWS::SecretsManager::Secret') return arnOf(resources, id);
  if (type === 'AWS::SQS::Queue') return `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${id}`;
  return id; // names: tables, functions, buckets, roles
}

export function resolveIntrinsics(value: unknown, resources: Resources): unknown {
  if (Array.isArray(value)) return value.map((v) => resolveIntrinsics(v, resources));
  if (!value || typeof value !== 'object') return value;
  const entries = Object.entries(value);
  if (entries.length === 1) {
    const [fn, arg] = entries[0]!;
    if (fn === 'Ref') return refOf(resources, String(arg));
    if (fn === 'Fn::GetAtt') {
      const [id, attr] = Array.isArray(arg) ? (arg as string[]) : String(arg).split('.');
      return attr!.endsWith('Arn') ? arnOf(resources, id!) : `${id}-${attr}`;
    }
    if (fn === 'Fn::Join') {
      const [sep, parts] = arg as [string, unknown];
      return (resolveIntrinsics(parts, resources) as unknown[]).map(String).join(sep);
    }
    if (fn === 'Fn::Select') {
      const [i, list] = arg as [number, unknown];
      return (resolveIntrinsics(list, resources) as unknown[])[Number(i)];
    }
    if (fn === 'Fn::Split') {
      const [sep, s] = arg as [string, unknown];
      return String(resolveIntrinsics(s, resources)).split(sep);
    }
    if (fn.startsWith('Fn::')) throw new Error(`resolveIntrinsics: ${fn} is not handled`);
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, resolveIntrinsics(v, resources)]));
}

/** Every identity policy document in a template (role policies, inline and managed), resolved. */
export function identityPolicies(template: { Resources: Resources }, prefix: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [id, r] of Object.entries(template.Resources)) {
    const p = r.Properties ?? {};
    if (r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy')
      out[`${prefix}/${id}`] = resolveIntrinsics(p.PolicyDocument, template.Resources);
    if (r.Type === 'AWS::IAM::Role') {
      for (const inline of (p.Policies as Array<{ PolicyName: string; PolicyDocument: unknown }> | undefined) ?? [])
        out[`${prefix}/${id}/${inline.PolicyName}`] = resolveIntrinsics(inline.PolicyDocument, template.Resources);
    }
  }
  return out;
}
