import type { Locator, Page } from 'playwright-core';

/**
 * What a person does on the sandbox page, for the browser test and the README screenshots:
 * both go through the page exactly as a person would, and share these steps.
 */
export async function openSandbox(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.waitForSelector('body[data-ready=true]');
}

export async function typeCommand(page: Page, text: string): Promise<void> {
  await page.fill('#composer-input', text);
  await page.press('#composer-input', 'Enter');
}

/** Mints an AWS key canary from the composer; answers with its ephemeral message and key id. */
export async function mintKey(page: Page, location: string): Promise<{ minted: Locator; keyId: string }> {
  await typeCommand(page, `/canary new ${location}`);
  const minted = page.locator('.msg.ephemeral', { hasText: `is armed` }).filter({ hasText: location }).last();
  await minted.waitFor({ timeout: 30_000 });
  const keyId = /aws_access_key_id = (AKIA[A-Z0-9]+)/.exec((await minted.textContent()) ?? '')?.[1];
  if (!keyId) throw new Error('the mint message shows no key');
  return { minted, keyId };
}

export interface PanelAttack {
  location: string;
  call: string;
  sourceIp: string;
  userAgent: string;
  flood?: number;
}

/** Picks the canary by its location in the attacker panel, makes the call, waits for it to finish. */
export async function attackFromPanel(page: Page, a: PanelAttack): Promise<string> {
  const option = page.locator('#attack-canary option', { hasText: a.location });
  await option.first().waitFor({ state: 'attached', timeout: 30_000 });
  await page.selectOption('#attack-canary', (await option.first().getAttribute('value'))!);
  await page.selectOption('#attack-call', a.call);
  await page.fill('#attack-ip', a.sourceIp);
  await page.fill('#attack-ua', a.userAgent);
  await page.setChecked('#attack-flood', a.flood !== undefined);
  if (a.flood !== undefined) await page.fill('#attack-count', String(a.flood));
  const before = (await page.getAttribute('#attack-status', 'data-at')) ?? '';
  await page.click('#attack-go');
  // The status carries the finish time of the last attack: wait for a new one.
  await page
    .locator('#attack-status[data-at]:not([data-at=""])')
    .and(page.locator(`#attack-status:not([data-at="${before}"])`))
    .waitFor({ timeout: 120_000 });
  return (await page.locator('#attack-status').textContent()) ?? '';
}

export function alertFor(page: Page, location: string): Locator {
  return page.locator('#messages .msg:not(.ephemeral)', { hasText: `Canary used: ${location}` });
}

/** Presses Disable key and confirms in Slack's dialog; waits for the message to show it. */
export async function disableFromAlert(page: Page, alert: Locator): Promise<void> {
  await alert.getByRole('button', { name: 'Disable key' }).click();
  await page.locator('#overlay .dialog').waitFor();
  await page.click('#confirm-ok');
  await alert.locator('text=Disabled').waitFor({ timeout: 30_000 });
}
