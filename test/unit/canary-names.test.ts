import { describe, expect, it } from 'vitest';
import { checkUserName, generateUserName } from '../../bot/names';

describe('canary IAM user names look like real service accounts', () => {
  it('generates names that pass every check, with variety', () => {
    const names = Array.from({ length: 2000 }, generateUserName);
    for (const n of names) expect(checkUserName(n), n).toEqual({ ok: true });
    expect(new Set(names).size).toBeGreaterThan(1500);
  });

  it.each([
    ['canary-laptop', /"canar"/],
    ['CanaryToken', /"canar"/],
    ['svc-honeypot', /"honey"/],
    ['decoy-ci', /"decoy"/],
    ['ci-test-runner', /"test"/],
    ['thinkst-ci', /known canary vendor/],
    ['3f2b8c1e-9d4a-4b7e-a1c2-0d9e8f7a6b5c', /UUID/],
    ['svc-a8f3k29d7x1q', /random-looking/],
    ['deploy 1', /1 to 64 characters/],
    ['x'.repeat(65), /1 to 64 characters/],
    ['ci', /very short/],
  ])('refuses %s', (name, reason) => {
    const check = checkUserName(name);
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.reason).toMatch(reason);
  });

  it.each(['ci-deploy-payments', 'backup-sync-eu2', 'svc.reporting@corp', 'jenkins'])('accepts %s', (name) => {
    expect(checkUserName(name)).toEqual({ ok: true });
  });
});
