import type { Logger as BoltLogger } from '@slack/bolt';
import { LogLevel } from '@slack/bolt';
import { log, redact } from './log';

/**
 * Bolt's logger interface over our structured logger. Bolt's debug output dumps whole request
 * payloads (response_url, trigger_id, token) and is dropped rather than trusted to a pattern;
 * what it logs at other levels is redacted.
 */
export function boltLogger(): BoltLogger {
  let level = LogLevel.INFO;
  const line = (args: unknown[]) =>
    redact(args.map((a) => (typeof a === 'string' ? a : a instanceof Error ? a.message : JSON.stringify(a))).join(' '));
  return {
    debug: () => {},
    info: (...a: unknown[]) => log.info(line(a), { source: 'bolt' }),
    warn: (...a: unknown[]) => log.warn(line(a), { source: 'bolt' }),
    error: (...a: unknown[]) => log.error(line(a), { source: 'bolt' }),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => {},
  };
}
