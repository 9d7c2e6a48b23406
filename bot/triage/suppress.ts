import { randomBytes } from 'node:crypto';
import { BlockList, isIP } from 'node:net';
import type { Store } from '../store';
import type { TrailEvent } from '../model/trail-event';
import type { CanaryRecord, Suppression } from '../model/canary';

/**
 * Suppressions silence a known-harmless source (the company's own secret scanner, say) for one
 * canary: its calls are still counted, exactly, but raise no alert. Never global: a suppression
 * lives on its canary's record, and `/canary unsuppress` removes it.
 */
/** arn:aws:iam::1:role/R covers its sessions, arn:aws:sts::1:assumed-role/R/<session>. */
function principalMatches(allowed: string, caller: string | undefined): boolean {
  if (!caller) return false;
  if (allowed === caller) return true;
  const role = /^arn:([\w-]+):iam::(\d{12}):role\/(?:.*\/)?([\w+=,.@-]+)$/.exec(allowed);
  return Boolean(role && caller.startsWith(`arn:${role[1]}:sts::${role[2]}:assumed-role/${role[3]}/`));
}

/** An address, or a network in CIDR notation (`203.0.113.0/24`, `2001:db8:1:2::/64`). */
export function ipMatches(rule: string, ip: string): boolean {
  if (rule === ip) return true;
  const [net, bits] = rule.split('/');
  const family = isIP(ip);
  if (!net || bits === undefined || !family || isIP(net) !== family) return false;
  const list = new BlockList();
  try {
    list.addSubnet(net, Number(bits), family === 4 ? 'ipv4' : 'ipv6');
  } catch {
    return false;
  }
  return list.check(ip, family === 4 ? 'ipv4' : 'ipv6');
}

/** The /64 an IPv6 address belongs to: one host rotates through its /64 for free. */
export function ipv6Slash64(ip: string): string | undefined {
  if (isIP(ip) !== 6 || ip.includes('.')) return undefined;
  const [head = '', tail] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return `${groups
    .slice(0, 4)
    .map((g) => parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}

/**
 * The suppression a call matches, if any. A suppression must name where calls come from (an IP,
 * a network, or an authenticated caller): the user agent is the caller's to choose, so it can
 * only narrow a suppression, never make one. One naming only a user agent (written before this
 * rule) matches nothing, and the call alerts.
 */
export function matchingSuppression(
  canary: Pick<CanaryRecord, 'suppressions'>,
  e: Pick<TrailEvent, 'sourceIp' | 'userAgent' | 'userIdentity'>,
): string | undefined {
  for (const [id, s] of Object.entries(canary.suppressions ?? {})) {
    if (!s.sourceIp && !s.principalArn) continue;
    if (s.sourceIp && !ipMatches(s.sourceIp, e.sourceIp)) continue;
    if (s.userAgent && s.userAgent !== e.userAgent) continue;
    if (s.principalArn && !principalMatches(s.principalArn, e.userIdentity.arn)) continue;
    return id;
  }
  return undefined;
}

export async function suppress(store: Store, canaryId: string, s: Omit<Suppression, 'hits'>, incident?: number): Promise<string> {
  const id = `s${randomBytes(2).toString('hex')}`;
  await store.addSuppression(canaryId, id, { ...s, hits: 0 });
  const what = [s.sourceIp && `IP ${s.sourceIp}`, s.userAgent && `user agent ${s.userAgent}`, s.principalArn && `caller ${s.principalArn}`]
    .filter(Boolean)
    .join(' and ');
  await store.recordAction(canaryId, { action: 'suppressed', by: s.by, ...(incident ? { incident } : {}), detail: `${id}: ${what}` });
  return id;
}

export async function unsuppress(store: Store, canaryId: string, id: string, by: string): Promise<boolean> {
  const removed = await store.removeSuppression(canaryId, id);
  if (removed) await store.recordAction(canaryId, { action: 'unsuppressed', by, detail: id });
  return removed;
}
