import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { TEST_SETTINGS } from './settings.ts';

/** Flags for Debian's chromium run headless as root, with nothing phoning home. */
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/**
 * Launches the machine's chromium (TEST_CHROMIUM_PATH, default /usr/bin/chromium: Debian's `chromium` package)
 * through playwright-core, which cannot download a browser of its own here.
 */
export async function launchChromium(): Promise<Browser> {
  const executablePath = TEST_SETTINGS.chromiumPath;
  if (!existsSync(executablePath)) {
    throw new Error(`No chromium at ${executablePath}: install it (apt-get install -y chromium) or set TEST_CHROMIUM_PATH to a Chromium or Chrome binary.`);
  }
  return chromium.launch({ executablePath, args: CHROMIUM_ARGS });
}
