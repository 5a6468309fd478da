import { existsSync } from "node:fs";
import { type BrowserContext, chromium } from "playwright-core";
import { backend } from "./harness.js";

// Debian's chromium, driven by playwright-core (its own browser download
// cannot work here). CI installs chromium (.ci/run).
export const CHROMIUM = "/usr/bin/chromium";

/** Why the browser tests skip here, or null. They do not depend on the database: once, in the PGlite project. */
export const browserSkipReason =
  backend !== "pglite"
    ? "the browser test runs in the pglite project only"
    : existsSync(CHROMIUM)
      ? null
      : `${CHROMIUM} is missing (apt-get install chromium)`;

/** Headless chromium on the profile folder `userDataDir` (the caller removes it after close). */
export function launchChromium(
  userDataDir: string,
  options: { viewport?: { width: number; height: number } } = {},
): Promise<BrowserContext> {
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    ...options,
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
