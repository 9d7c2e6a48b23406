/**
 * checkov's findings on the synthesized stacks that are choices, not defects: each with its check,
 * the resources it covers (logical id prefixes, as CDK names them) and why. The stack-checkers
 * test fails on any other finding, and on a skip that no longer matches anything, so this list
 * can only be what the stacks still need. Reviewed like the cdk-nag acknowledgements in
 * infra/home-stack.ts.
 */
export interface CheckovSkip {
  id: string;
  resources: string[];
  reason: string;
}

const FUNCTIONS = ['SlackFunction', 'JobsFunction', 'AlertFunction', 'AuditFunction'];

export const CHECKOV_SKIPS: CheckovSkip[] = [
  {
    id: 'CKV_AWS_116',
    resources: FUNCTIONS,
    reason:
      'Lambda DLQs catch failed async invocations. slack is synchronous (a Function URL) and alert is fed by SQS, whose own DLQ holds what fails; jobs has an on-failure destination (the alert queue, where the failure is told in the channel), which checkov does not recognise; audit failures raise its Errors alarm and the next scheduled run repeats the work.',
  },
  {
    id: 'CKV_AWS_117',
    resources: FUNCTIONS,
    reason:
      'The functions call only AWS APIs and Slack over HTTPS; a VPC would add NAT gateways or endpoints in every deployment and protect nothing they hold.',
  },
  {
    id: 'CKV_AWS_173',
    resources: FUNCTIONS,
    reason: 'The environment holds no secret (names, ids, URLs); the Slack secrets are in Secrets Manager and read at cold start.',
  },
  {
    id: 'CKV_AWS_158',
    resources: ['SlackLogs', 'JobsLogs', 'AlertLogs', 'AuditLogs'],
    reason:
      'Logs carry ids, never keys, tokens or response URLs (bot/log.ts redacts, and capabilities-never-logged tests it); CloudWatch encrypts them at rest with its own key.',
  },
  {
    id: 'CKV_AWS_258',
    resources: ['SlackFunction'],
    reason:
      "Slack cannot sign requests with SigV4, so the Function URL's auth type is NONE; every request is checked against Slack's signature, timestamp, workspace and app (bot/slack-entry.ts) before Bolt, which checks the signature again.",
  },
  {
    id: 'CKV_AWS_119',
    resources: ['Table'],
    reason:
      "The table holds placements, incidents and the audit trail, never a secret key; it is encrypted at rest with the AWS managed key, and only the four functions' roles can read it.",
  },
  {
    id: 'CKV_AWS_149',
    resources: ['SlackSecret'],
    reason:
      "Encrypted with Secrets Manager's AWS managed key; only the four functions' roles may read it. A customer managed key would add a key policy to get right and nothing else.",
  },
  {
    id: 'CKV_AWS_27',
    resources: ['AlertQueue', 'AlertDlq', 'ForwardDlq', 'CheckQueue', 'CheckDlq'],
    reason:
      'Encrypted with SQS managed keys (SSE-SQS). A customer managed key would have to admit SNS and EventBridge in every region that delivers here: each a way for delivery to break silently, for messages that are CloudTrail records of decoy keys. The check queue holds only canary ids.',
  },
  {
    id: 'CKV_AWS_26',
    resources: ['OpsTopic'],
    reason:
      "Only in the forwarding regions: the ops topic there carries alarm state changes (names and thresholds of this app, no alert content); a customer managed key per region would cost more than it protects. The home ops topic and the alert topic use the stack's key.",
  },
  {
    id: 'CKV_AWS_18',
    resources: ['TrailLogs', 'DecoyTrailLogs'],
    reason:
      'These buckets receive CloudTrail log files (versioned, SSE-S3, public access blocked, TLS only); logging access to them would only add noise (the same choice is acknowledged to cdk-nag).',
  },
  {
    id: 'CKV_AWS_35',
    resources: ['ManagementTrail', 'DecoyTrail'],
    reason:
      'Log files are encrypted at rest with SSE-S3 in a private bucket; a customer managed key would add a key policy CloudTrail must satisfy, another way for the trail that feeds detection to stop.',
  },
  {
    id: 'CKV_AWS_67',
    resources: ['DecoyTrail'],
    reason:
      "The decoy trail records data events of the decoy objects only, in the home region where they live; management events in every region come from the account's own (or the -c createTrail) multi-region trail, which the deploy check requires.",
  },
];
