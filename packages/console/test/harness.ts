import type { Browser } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { launch } from './browser.js';
import { PatinaProcess } from './server.js';

/** What a test file runs against: its own Patina process and browser. */
export interface Running {
  readonly patina: PatinaProcess;
  readonly browser: Browser;
}

/**
 * Starts a Patina process on `config` and a browser before the file's tests, and stops both after
 * them. Read `patina` and `browser` inside tests and hooks: they exist once the file has started.
 */
export function patinaAndBrowser(config: Record<string, unknown> = {}): Running {
  const started: { patina?: PatinaProcess; browser?: Browser } = {};
  beforeAll(async () => {
    started.patina = await PatinaProcess.start(config);
    started.browser = await launch();
  });
  afterAll(async () => {
    await started.browser?.close();
    await started.patina?.stop();
  });
  const get = <K extends keyof typeof started>(key: K) => {
    const value = started[key];
    if (!value) throw new Error(`No ${key} yet: it starts before the file's first test`);
    return value;
  };
  return {
    get patina() {
      return get('patina');
    },
    get browser() {
      return get('browser');
    },
  };
}
