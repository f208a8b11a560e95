/**
 * Launches headless Chromium for browser tests: Debian's /usr/bin/chromium when the
 * machine has it, otherwise the binary bundled in @sparticuz/chromium. The flags keep the
 * browser off the network except for the loopback servers the tests start.
 */
import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { chromium } from 'playwright-core';

const SYSTEM_CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * Flags that stop Chromium's own background traffic (updates, sync, QUIC probes) and the
 * GPU process. Without the last one, Chromium 156 still looked up update.googleapis.com,
 * accounts.google.com and, while showing the LOA signing page,
 * content-autofill.googleapis.com. That resolver rule makes the browser treat every host
 * name except 127.0.0.1 as not found, so no DNS query leaves the machine.
 */
const QUIET_BROWSER_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1',
];

/** Returns the Chromium binary the tests use: /usr/bin/chromium if present, else @sparticuz/chromium's, unpacked on first use. */
export async function browserExecutablePath(): Promise<string> {
  if (existsSync(SYSTEM_CHROMIUM_PATH)) {
    return SYSTEM_CHROMIUM_PATH;
  }
  const { default: sparticuzChromium } = await import('@sparticuz/chromium');
  return sparticuzChromium.executablePath();
}

/**
 * Returns @sparticuz/chromium's recommended flags except three. Chromium uses only the last
 * value of a repeated switch, so its `--disable-features` and `--enable-features` would
 * replace Playwright's own lists, which turn off Chromium's startup requests to Google.
 * With its `--single-process`, a second newContext() hung once a test had closed the first.
 */
async function sparticuzArgs(): Promise<string[]> {
  const { default: sparticuzChromium } = await import('@sparticuz/chromium');
  return sparticuzChromium.args.filter(
    (arg) => arg !== '--single-process' && !arg.startsWith('--disable-features=') && !arg.startsWith('--enable-features='),
  );
}

/**
 * Launches headless Chromium with QUIET_BROWSER_ARGS, plus most of @sparticuz/chromium's
 * flags when that binary is used. Its chrome-headless-shell has no PDF viewer, so it
 * downloads a framed PDF instead of showing it.
 */
export async function launchBrowser(): Promise<Browser> {
  const executablePath = await browserExecutablePath();
  const args = [...QUIET_BROWSER_ARGS];
  if (executablePath !== SYSTEM_CHROMIUM_PATH) {
    for (const arg of await sparticuzArgs()) {
      if (!args.includes(arg)) {
        args.push(arg);
      }
    }
  }
  return chromium.launch({ executablePath, headless: true, args });
}
