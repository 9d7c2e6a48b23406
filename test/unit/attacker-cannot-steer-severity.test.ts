import { describe, expect, it } from 'vitest';
import { classifySource } from '../../bot/alerts/source';
import { readFpModal } from '../../bot/triage/false-positive';
import { ipMatches, ipv6Slash64, matchingSuppression } from '../../bot/triage/suppress';
import type { Suppression } from '../../bot/model/canary';

/**
 * The user agent is the caller's to choose. It is shown, never trusted: it cannot lower an
 * alert's severity, and it cannot make a suppression on its own.
 */
describe('what an attacker controls cannot quiet an alert', () => {
  const call = (sourceIp: string, userAgent: string) => ({
    sourceIp,
    userAgent,
    userIdentity: { arn: 'arn:aws:iam::123456789012:user/svc/x' },
  });
  const rule = (s: Partial<Suppression>): Suppression => ({ reason: 'r', by: 'U0ADMIN', at: '2026-11-24T00:00:00Z', ...s });

  it.each(['TruffleHog', 'trufflehog/3.63.2', 'gitleaks/8.18', 'ggshield/1.25 GitGuardian'])(
    'a scanner user agent (%s) is labelled, and stays high severity',
    (ua) => {
      expect(classifySource(call('203.0.113.9', ua))).toMatchObject({ class: 'scanner', severity: 'high' });
    },
  );

  it('a suppression naming only a user agent matches nothing', () => {
    const canary = { suppressions: { s1: rule({ userAgent: 'TruffleHog' }) } };
    expect(matchingSuppression(canary, call('203.0.113.9', 'TruffleHog'))).toBeUndefined();
  });

  it('a user agent narrows a suppression by IP, never widens it', () => {
    const canary = { suppressions: { s1: rule({ sourceIp: '192.0.2.10', userAgent: 'scanner/1.0' }) } };
    expect(matchingSuppression(canary, call('192.0.2.10', 'scanner/1.0'))).toBe('s1');
    expect(matchingSuppression(canary, call('192.0.2.10', 'aws-cli/2'))).toBeUndefined();
    expect(matchingSuppression(canary, call('192.0.2.11', 'scanner/1.0'))).toBeUndefined();
  });

  it('a suppression may name a network: an IPv6 /64, or an IPv4 CIDR', () => {
    expect(ipv6Slash64('2001:db8:1:2:aaaa::7')).toBe('2001:db8:1:2::/64');
    expect(ipv6Slash64('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(ipv6Slash64('203.0.113.9')).toBeUndefined();
    expect(ipMatches('2001:db8:1:2::/64', '2001:db8:1:2:ffff::1')).toBe(true);
    expect(ipMatches('2001:db8:1:2::/64', '2001:db8:1:3::1')).toBe(false);
    expect(ipMatches('198.51.100.0/24', '198.51.100.77')).toBe(true);
    expect(ipMatches('198.51.100.0/24', '198.51.101.1')).toBe(false);
    expect(ipMatches('198.51.100.0/24', 'ec2.amazonaws.com')).toBe(false);
    expect(ipMatches('not-an-ip/99', '198.51.100.1')).toBe(false);
  });

  it('the false-positive form refuses to suppress by user agent alone', () => {
    const form = (options: string[]) =>
      readFpModal({
        reason: { value: { value: 'our scanner' } },
        suppress: { value: { selected_options: options.map((value) => ({ value })) } },
      });
    expect(form(['ua'])).toMatchObject({ errors: { suppress: expect.stringContaining('user agent') } });
    expect(form(['ip', 'ua'])).toMatchObject({ reason: 'our scanner' });
    expect(form(['net'])).toMatchObject({ reason: 'our scanner' });
  });
});
