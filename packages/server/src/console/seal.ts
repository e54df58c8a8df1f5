import { SealedBox } from '../core/sealed-box.js';

/**
 * The console's sealed values (a session's access token, an SSO sign-in in progress), each sealed
 * for its purpose, under a key of the console's own.
 */
export function consoleSealer(masterKey: Buffer): SealedBox {
  return new SealedBox(masterKey, 'patina/console-seal/v1');
}
