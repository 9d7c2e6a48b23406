import { createHmac, randomBytes } from 'node:crypto';
import type { LambdaFunctionURLEvent } from 'aws-lambda';

/**
 * Requests as Slack sends them, signed with the signing secret (v0 scheme: HMAC-SHA256 of
 * "v0:<timestamp>:<body>"), wrapped as the Lambda Function URL events (payload format 2.0) that
 * reach handlers/slack. Function URLs base64-encode bodies that are not text, and Slack's
 * form-encoded posts are among them, so those arrive with isBase64Encoded: true.
 */
/** The workspace and app every stand-in request names (the bot's SLACK_TEAM_ID and SLACK_APP_ID in tests and the sandbox). */
export const STANDIN_TEAM_ID = 'T0001';
export const STANDIN_APP_ID = 'A0CANARY';

export function sign(secret: string, body: string, timestamp: number): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);

export interface Signed {
  body: string;
  contentType: string;
  headers: Record<string, string>;
}

export function signed(secret: string, body: string, contentType: string, timestamp = nowSeconds()): Signed {
  return {
    body,
    contentType,
    headers: {
      'content-type': contentType,
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': sign(secret, body, timestamp),
      'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
    },
  };
}

export interface SlashCommand {
  text: string;
  userId: string;
  channelId?: string;
  responseUrl: string;
  triggerId?: string;
  command?: string;
}

export const newTriggerId = () => `${Date.now()}.${1000000 + Math.floor(Math.random() * 8999999)}.${randomBytes(16).toString('hex')}`;

export function slashCommandBody(c: SlashCommand): string {
  return new URLSearchParams({
    token: 'deprecated-verification-token',
    team_id: STANDIN_TEAM_ID,
    team_domain: 'example',
    channel_id: c.channelId ?? 'C0SECURITY',
    channel_name: 'security',
    user_id: c.userId,
    user_name: c.userId.toLowerCase(),
    command: c.command ?? '/canary',
    text: c.text,
    api_app_id: STANDIN_APP_ID,
    is_enterprise_install: 'false',
    response_url: c.responseUrl,
    trigger_id: c.triggerId ?? newTriggerId(),
  }).toString();
}

/** Who and where every interaction payload comes from. */
const interactionFrom = (userId: string) => ({
  team: { id: STANDIN_TEAM_ID, domain: 'example' },
  user: { id: userId, username: userId.toLowerCase(), team_id: STANDIN_TEAM_ID },
  api_app_id: STANDIN_APP_ID,
  token: 'deprecated-verification-token',
});

/** Interactivity (block_actions, view_submission): a form with one field, payload=<json>. */
export function interactionBody(payload: object): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

export function viewSubmission(opts: {
  userId: string;
  callbackId: string;
  privateMetadata: string;
  values: Record<string, Record<string, unknown>>;
}): object {
  return {
    type: 'view_submission',
    ...interactionFrom(opts.userId),
    trigger_id: newTriggerId(),
    view: {
      id: 'V0001',
      team_id: STANDIN_TEAM_ID,
      type: 'modal',
      callback_id: opts.callbackId,
      private_metadata: opts.privateMetadata,
      state: { values: opts.values },
      hash: '1700000000.abcdef',
      app_id: STANDIN_APP_ID,
      bot_id: 'B0CANARY',
    },
    response_urls: [],
    is_enterprise_install: false,
  };
}

/** A Function URL event as Lambda builds it for a POST (payload format 2.0). */
export function functionUrlEvent(req: Signed, opts: { base64?: boolean; path?: string } = {}): LambdaFunctionURLEvent {
  const base64 = opts.base64 ?? !req.contentType.startsWith('application/json');
  const now = new Date();
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: opts.path ?? '/slack/events',
    rawQueryString: '',
    headers: {
      host: 'abcdefghij.lambda-url.us-east-1.on.aws',
      'x-forwarded-proto': 'https',
      'x-forwarded-for': '192.0.2.10',
      ...req.headers,
    },
    requestContext: {
      accountId: 'anonymous',
      apiId: 'abcdefghij',
      domainName: 'abcdefghij.lambda-url.us-east-1.on.aws',
      domainPrefix: 'abcdefghij',
      http: {
        method: 'POST',
        path: opts.path ?? '/slack/events',
        protocol: 'HTTP/1.1',
        sourceIp: '192.0.2.10',
        userAgent: req.headers['user-agent'] ?? '',
      },
      requestId: randomBytes(16).toString('hex'),
      routeKey: '$default',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    body: base64 ? Buffer.from(req.body, 'utf8').toString('base64') : req.body,
    isBase64Encoded: base64,
  };
}

/** A button press on a message, as Slack sends it (block_actions). */
export function blockAction(opts: {
  userId: string;
  actionId: string;
  value: string;
  responseUrl: string;
  channelId: string;
  messageTs: string;
  blockId?: string;
  ephemeral?: boolean;
}): object {
  return {
    type: 'block_actions',
    ...interactionFrom(opts.userId),
    container: { type: 'message', message_ts: opts.messageTs, channel_id: opts.channelId, is_ephemeral: opts.ephemeral ?? false },
    trigger_id: newTriggerId(),
    channel: { id: opts.channelId, name: 'security' },
    message: { type: 'message', ts: opts.messageTs, text: 'alert' },
    response_url: opts.responseUrl,
    actions: [
      {
        type: 'button',
        action_id: opts.actionId,
        block_id: opts.blockId ?? 'triage',
        value: opts.value,
        text: { type: 'plain_text', text: 'button' },
        action_ts: `${Date.now() / 1000}`,
      },
    ],
  };
}
