import fs from 'node:fs';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { tempDir, repoRoot } from './apps';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Browser {
  context: BrowserContext;
  /** Every request the pages made to a host other than the app's. */
  foreignRequests: string[];
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

/**
 * Debian's Chromium through playwright-core. Requests to any host but the app's are recorded and
 * aborted, so a test can assert the page needs nothing from the internet.
 */
export async function openBrowser(appUrl: string): Promise<Browser> {
  const allowed = new URL(appUrl).host;
  const context = await chromium.launchPersistentContext(tempDir('chromium'), { executablePath: CHROMIUM, args: ARGS, headless: true });
  const foreignRequests: string[] = [];
  await context.route('**/*', async (route) => {
    const url = new URL(route.request().url());
    if (url.host !== allowed && !url.protocol.startsWith('data') && !url.protocol.startsWith('blob')) {
      foreignRequests.push(url.toString());
      await route.abort();
      return;
    }
    await route.continue();
  });
  // WebSockets bypass route(); record them too.
  context.on('page', (page) =>
    page.on('websocket', (ws) => {
      if (new URL(ws.url()).host !== allowed) foreignRequests.push(ws.url());
    }),
  );
  return {
    context,
    foreignRequests,
    newPage: () => context.newPage(),
    close: () => context.close(),
  };
}

/** Saves a screenshot under test-artifacts/ (kept by CI for people to look at). */
export async function screenshot(page: Page, name: string): Promise<string> {
  const dir = path.join(repoRoot, 'test-artifacts');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
