import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';

/**
 * Debian's Chromium (apt-get install chromium), headless, for the browser test and the README
 * screenshots. The flags keep it off the network: without them it reaches for Google's services
 * at start, which a closed machine refuses. Playwright gives each launch a fresh profile.
 */
export const CHROMIUM_FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export async function launchChromium(): Promise<Browser> {
  const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
  if (!existsSync(executablePath)) throw new Error(`Chromium not found at ${executablePath}: install it (apt-get install chromium) or set CHROMIUM_PATH`);
  return chromium.launch({ executablePath, headless: true, args: CHROMIUM_FLAGS });
}
