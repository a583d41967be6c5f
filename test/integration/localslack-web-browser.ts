import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { expect } from 'vitest';

/** Debian's chromium, driven by playwright-core: no browser is ever downloaded. */
export const CHROMIUM = '/usr/bin/chromium';

export const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--headless',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** The console as `user` sees it, once its state and live stream are loaded. */
export async function openConsole(
  browser: Browser,
  url: string,
  user: string,
  opts: { channel?: string } = {},
): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  const query = new URLSearchParams({ user, ...(opts.channel ? { channel: opts.channel } : {}) });
  await page.goto(`${url}?${query}`);
  await page.waitForSelector(`body[data-ready="${user}"]`, { timeout: 15_000 }).catch((error: Error) => {
    throw new Error(`the console did not load for ${user}: ${errors.join('; ') || error.message}`);
  });
  return page;
}

/** Types a line in the composer and sends it with Enter, as a user would. */
export async function type(page: Page, text: string): Promise<void> {
  const input = page.locator('#composer-input');
  await input.fill(text);
  await input.press('Enter');
  // The composer empties once the local Slack took the line (a command: once the app acked).
  await expect.poll(() => input.inputValue(), { timeout: 10_000 }).toBe('');
}

/** A screenshot in test-artifacts/ (gitignored), to look at. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: false });
  return path;
}
