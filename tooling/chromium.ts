// Launching Debian's Chromium headless for every browser test of the
// workspace (backend-web, the web explorer), with the flags that work here as
// root (see PLATFORM.md): WebGL2 through ANGLE on SwiftShader, no network chatter.
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const FLAGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--use-gl=angle',
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
  '--ignore-gpu-blocklist',
];

/**
 * Whether the browser tests can run. Without Chromium they skip locally with
 * a printed reason; in CI (`CI=true`) a missing browser is an error.
 */
export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM_PATH)) return true;
  const message = `Chromium not found at ${CHROMIUM_PATH} (install it with \`apt-get install -y --no-install-recommends chromium\` or set CHROMIUM_PATH)`;
  if (process.env.CI === 'true') throw new Error(`${message}; the browser tests must run in CI`);
  console.warn(`skipping the browser tests: ${message}`);
  return false;
}

export function launchChromium(extraFlags: string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: [...FLAGS, ...extraFlags], timeout: 60_000 });
}

/**
 * Opens `url` in a fresh page (fresh JS state, so a fresh tfjs) and collects
 * its console output and uncaught errors for assertions and failure messages.
 */
export async function openPage(browser: Browser, url: string): Promise<{ page: Page; logs: string[] }> {
  const page = await browser.newPage();
  const logs: string[] = [];
  page.on('console', (message) => logs.push(`${message.type()}: ${message.text()}`));
  page.on('pageerror', (error) => logs.push(`pageerror: ${error.message}`));
  page.setDefaultTimeout(60_000);
  await page.goto(url);
  return { page, logs };
}

/** Rejects after `ms` with `what` in the message, so a hung page fails the test instead of the run. */
export function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
