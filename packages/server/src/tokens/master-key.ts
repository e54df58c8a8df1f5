import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMasterKey } from '../config/load.js';

export const MASTER_KEY_FILE = 'master.key';

/**
 * The master key that is already there: the configured one, else `<dataDir>/master.key`; null
 * when neither is (a first start makes it). Read-only, for the commands that must not make one.
 */
export function findMasterKey(options: {
  configured: string | null;
  dataDir: string;
}): Buffer | null {
  if (options.configured !== null) return decode(options.configured, 'masterKey');
  const file = join(options.dataDir, MASTER_KEY_FILE);
  try {
    return decode(readFileSync(file, 'utf8').trim(), file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    return null;
  }
}

/**
 * The master key: from the configuration when set, otherwise from `<dataDir>/master.key`, made on
 * first start with mode 0600. It never appears in a log line.
 */
export function resolveMasterKey(options: { configured: string | null; dataDir: string }): Buffer {
  const found = findMasterKey(options);
  if (found) return found;
  const file = join(options.dataDir, MASTER_KEY_FILE);
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  // 'wx' fails if another process made the file first; then that one's key is the key.
  try {
    writeFileSync(file, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return decode(readFileSync(file, 'utf8').trim(), file);
  }
}

function decode(text: string, source: string): Buffer {
  if (!isMasterKey(text)) throw new Error(`The master key in ${source} is not 32 bytes of base64`);
  return Buffer.from(text, 'base64');
}
