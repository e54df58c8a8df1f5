import type { Config } from '../../config/schema.js';
import type { Clock } from '../../core/clock.js';
import type { SealedBox } from '../../core/sealed-box.js';
import type { RightsModel } from '../../identities/rights.js';
import type { ConsoleSessions } from '../../console/sessions.js';
import type { ConsoleSignIn } from '../../console/sign-in.js';
import type { SignInLimit } from '../../console/sign-in-limit.js';
import type { SsoClient } from '../../console/sso.js';

/** What the console's routes are built from; each route file takes the part it uses. */
export interface ConsoleRouteDeps {
  config: Config;
  baseUrl: string;
  clock: Clock;
  rights: RightsModel;
  sessions: ConsoleSessions;
  signIn: ConsoleSignIn;
  /** Successful sign-ins per address (`console.signInRateLimit`). */
  signInLimit: SignInLimit;
  sealer: SealedBox;
  /** Undefined when `sso.issuer` is not set. */
  sso: SsoClient | undefined;
  /** The built console (packages/console/dist), or undefined when it has not been built. */
  distDir: string | undefined;
}
