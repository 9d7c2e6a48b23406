import { IAMClient, ListAccessKeysCommand } from '@aws-sdk/client-iam';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../local/chromium';
import { alertFor, attackFromPanel, disableFromAlert, mintKey, openSandbox, typeCommand } from '../../local/sandbox/page-driver';
import { startSandboxProcess } from '../support/sandbox-process';
import type { SandboxProcess } from '../support/sandbox-process';

/**
 * The README's run command, driven through a real browser (Debian's Chromium, headless) the way
 * an evaluator would use it: mint from the composer, read the key, attack from the panel, see
 * the alert, disable the key through its confirm dialog, and find it Inactive in the emulator.
 */
describe('the sandbox page, end to end in Chromium', () => {
  let sandbox: SandboxProcess;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    [sandbox, browser] = await Promise.all([startSandboxProcess(), launchChromium()]);
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await openSandbox(page, sandbox.url);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await sandbox?.stop();
  });

  it('mints, is attacked, alerts, and disables the key after a confirm', async () => {
    // Mint from the composer, as in Slack.
    const { minted, keyId } = await mintKey(page, 'laptop-42');
    await expect(minted.locator('.only-you').textContent()).resolves.toContain('Only visible to you');
    expect(await minted.textContent()).toMatch(/aws_secret_access_key = \S{20,}/);

    // Attack from the panel, with a user agent that would be markup if the page trusted it.
    const status = await attackFromPanel(page, {
      location: 'laptop-42',
      call: 'GetCallerIdentity',
      sourceIp: '198.51.100.23',
      userAgent: 'curl/8.5 <img src=x onerror=alert(1)>',
    });
    expect(status).toContain('OK: arn arn:aws:iam::');
    const alert = alertFor(page, 'laptop-42');
    await alert.waitFor({ timeout: 30_000 });
    const alertText = (await alert.textContent()) ?? '';
    expect(alertText).toContain('laptop-42');
    expect(alertText).toContain('198.51.100.23');
    expect(alertText).toContain('sts:GetCallerIdentity');
    expect(alertText).toContain(keyId);
    expect(alertText).toContain('curl/8.5 <img src=x onerror=alert(1)>');
    expect(await page.locator('#messages img').count()).toBe(0);

    // Disable, through Slack's confirm dialog.
    await disableFromAlert(page, alert);
    await alert.locator('.edited').waitFor();
    expect(await alert.getByRole('button', { name: 'Disable key' }).count()).toBe(0);

    // The key really is Inactive in the emulator.
    const { awsEndpoint } = (await (await fetch(`${sandbox.url}/sandbox/state`)).json()) as { awsEndpoint: string };
    const iam = new IAMClient({ region: 'us-east-1', endpoint: awsEndpoint, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const userName = (await alert.locator('.section-field', { hasText: 'IAM user' }).locator('code').textContent()) ?? '';
    const keys = (await iam.send(new ListAccessKeysCommand({ UserName: userName }))).AccessKeyMetadata ?? [];
    iam.destroy();
    expect(keys.find((k) => k.AccessKeyId === keyId)?.Status).toBe('Inactive');

    // And the attacker now gets what AWS answers a disabled key.
    expect(
      await attackFromPanel(page, { location: 'laptop-42', call: 'ListBuckets', sourceIp: '198.51.100.23', userAgent: 'curl/8.5' }),
    ).toContain('InvalidClientTokenId');

    // Mark false positive: a form with a reason and checkboxes whose labels are mrkdwn.
    await alert.getByRole('button', { name: 'Mark false positive' }).click();
    const form = page.locator('#modal-layer form');
    await form.waitFor();
    await form.locator('[data-block-id=reason] textarea').fill('our red team, ticket SEC-1234');
    const ipBox = form.locator('label.checkbox', { hasText: 'Calls from IP 198.51.100.23' });
    await expect(ipBox.locator('code').textContent()).resolves.toBe('198.51.100.23');
    await ipBox.locator('input').check();
    await page.click('#modal-submit');
    await page.locator('#modal-layer').waitFor({ state: 'hidden' });
    await alert.locator('text=Marked false positive').waitFor({ timeout: 30_000 });
    expect(await alert.textContent()).toContain('our red team, ticket SEC-1234');
    expect(pageErrors).toEqual([]);
  }, 180_000);

  it('mints through the form: field errors keep what was typed, then the key arrives', async () => {
    await typeCommand(page, '/canary new');
    const form = page.locator('#modal-layer form');
    await form.waitFor();
    await expect(form.locator('.dialog-title').textContent()).resolves.toBe('New canary');
    await form.locator('[data-block-id=note] textarea').fill('left on the build box');
    await page.click('#modal-submit');
    await form.locator('[data-error-for=location]').filter({ hasText: /\S/ }).waitFor();
    expect(await form.locator('[data-block-id=note] textarea').inputValue()).toBe('left on the build box');
    await form.locator('[data-block-id=location] input').fill('build-7 /etc/ci/aws.env');
    await page.click('#modal-submit');
    await page.locator('#modal-layer').waitFor({ state: 'hidden' });
    await page.locator('.msg.ephemeral', { hasText: 'is armed' }).filter({ hasText: 'build-7' }).waitFor({ timeout: 30_000 });
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
