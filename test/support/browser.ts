import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

/** Debian's chromium (apt-get install chromium), driven by playwright-core: no browser download. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/**
 * Without the browser a developer's machine skips the browser tests and says how to get it; CI never skips
 * (.ci/run installs chromium, and a missing one must fail there).
 */
export const skipBrowserTests = !existsSync(CHROMIUM_PATH) && process.env.CI !== "true";
if (skipBrowserTests) {
  console.warn(
    `Browser tests skipped: no chromium at ${CHROMIUM_PATH}. Install it with \`sudo apt-get install chromium\` ` +
      "(Debian, Ubuntu) or point CHROMIUM_PATH at a Chromium or Chrome binary. CI always runs them.",
  );
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
