/**
 * Real headless Chromium (Debian's `/usr/bin/chromium`) driven by playwright-core, and
 * where the tests' screenshots go: `docs/images/` when `DASHBOARD_SCREENSHOTS=docs` (to
 * refresh the ones `docs/dashboard.md` shows), else a temporary folder.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

const DOCS_IMAGES = fileURLToPath(new URL('../../docs/images/', import.meta.url));

/** The folder screenshots are written to, and how to remove it (a temporary one). */
export function screenshotDir(): { dir: string; remove(): void } {
  if (process.env['DASHBOARD_SCREENSHOTS'] === 'docs') {
    mkdirSync(DOCS_IMAGES, { recursive: true });
    return { dir: DOCS_IMAGES, remove: () => undefined };
  }
  const dir = mkdtempSync(join(tmpdir(), 'celeriac-dashboard-shots-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
