import { Logger } from '@aws-lambda-powertools/logger';

/**
 * Structured JSON logs (Powertools). Level from POWERTOOLS_LOG_LEVEL, default INFO.
 *
 * Slack hands us capabilities (response_url, trigger_id, tokens) that let anyone holding them
 * post as the bot. They must never reach a log line, at any level: everything that could carry
 * one goes through redact(), and Bolt's own debug output is dropped (see bolt-logger.ts).
 *
 * This module must not import Bolt: the jobs and alert bundles would carry all of it.
 */
export const log = new Logger({ serviceName: 'aws-canary-bot' });

const CAPABILITY_PATTERNS: RegExp[] = [
  /https?:\/\/[^\s"'<>]*\/(?:commands|actions|app)\/[^\s"'<>]*/gi, // response_url (hooks.slack.com/commands/..., /actions/...)
  /\bxox[a-z]-[\w-]+/gi, // bot, user and app tokens
  /\bxapp-[\w-]+/gi,
  /\b\d{6,}\.\d{6,}\.[0-9a-f]{16,}\b/gi, // trigger_id
  /("?(?:token|response_url|trigger_id|response_urls)"?\s*[:=]\s*)"[^"]*"/gi,
];

export function redact(text: string): string {
  return CAPABILITY_PATTERNS.reduce(
    (t, re) => t.replace(re, (_m, key: unknown) => (typeof key === 'string' ? `${key}"[redacted]"` : '[redacted]')),
    text,
  );
}
