import { mkdirSync } from 'node:fs';
import { launchChromium } from '../local/chromium';
import { alertFor, attackFromPanel, disableFromAlert, mintKey, openSandbox } from '../local/sandbox/page-driver';
import { startSandbox } from '../local/sandbox/server';

/**
 * `npm run screenshots`: the README's pictures, taken from the offline sandbox through the page,
 * so they show what the code does today. Needs Chromium (apt-get install chromium); emoji show
 * when an emoji font is installed (fonts-noto-color-emoji).
 */
const OUT = new URL('../docs/img/', import.meta.url).pathname;
const LOCATION = 'laptop-42 ~/.aws/credentials';
const ATTACKER = { location: 'laptop-42', sourceIp: '185.220.101.34', userAgent: 'aws-cli/2.15.30 Python/3.11.8 Linux/6.6.9-amd64 exe/x86_64.kali.2024 prompt/off command/sts.get-caller-identity' };

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const sandbox = await startSandbox({ port: 0 });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 1000 }, deviceScaleFactor: 1 });
    await openSandbox(page, sandbox.url);
    await mintKey(page, LOCATION);
    await attackFromPanel(page, { ...ATTACKER, call: 'GetCallerIdentity' });
    const alert = alertFor(page, 'laptop-42');
    await alert.waitFor();
    await page.screenshot({ path: `${OUT}sandbox-alert.png` });

    const started = Date.now();
    await attackFromPanel(page, { ...ATTACKER, call: 'ListBuckets', sourceIp: '185.220.101.35', flood: 2000 });
    const sent = Date.now();
    await alert.locator('text=2,001 calls').waitFor({ timeout: 120_000 });
    console.log(`Flood of 2,000 calls: made and on the bus in ${((sent - started) / 1000).toFixed(1)} s, all counted in the alert ${((Date.now() - sent) / 1000).toFixed(1)} s later`);
    await alert.locator('.replies').click();
    await page.locator('#thread .msg').nth(1).waitFor();
    await page.screenshot({ path: `${OUT}sandbox-flood-thread.png` });

    await page.click('#thread-close');
    await disableFromAlert(page, alert);
    await alert.screenshot({ path: `${OUT}sandbox-disabled.png` });
    console.log(`Wrote sandbox-alert.png, sandbox-flood-thread.png and sandbox-disabled.png to ${OUT}`);
  } finally {
    await browser.close();
    await sandbox.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
