import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`); playwright-core downloads no browser of its own. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Why the browser tests cannot run here, or undefined when they can. */
export function browserSkipReason(): string | undefined {
  return existsSync(CHROMIUM_PATH)
    ? undefined
    : `no Chromium at ${CHROMIUM_PATH}; install it with "apt-get install chromium" (.ci/run does when it can)`;
}

/**
 * Headless Chromium as it works on a closed network, as root: without the background-networking
 * flags its own connections (updates, sync, field trials) are refused and slow everything down.
 * playwright-core gives every launch a fresh temporary profile (its --user-data-dir), removed on close.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    timeout: 60_000,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Numbered screenshots of a tour, kept in `dir` (under test-artifacts/, ignored by git; the caller creates it). */
export function createScreenshots(dir: string): { take(page: Page, name: string): Promise<string> } {
  let step = 0;
  return {
    async take(page, name) {
      step++;
      const path = join(dir, `${String(step).padStart(2, '0')}-${name}.png`);
      await page.screenshot({ path });
      return path;
    },
  };
}
