/**
 * The flags every headless Chromium test launches with (RECIPES "Browser tests"): no sandbox as
 * root, no GPU process, and no network but 127.0.0.1, so a page can only reach the test's server.
 */
export const HEADLESS_CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
];
