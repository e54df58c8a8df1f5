import type { Config } from '../config/schema.js';
import type { ConsoleSessions } from './sessions.js';
import type { SealedBox } from '../core/sealed-box.js';
import type { SignInLimit } from './sign-in-limit.js';
import { SsoClient } from './sso.js';

/** The web console's services: its sessions, its sealer and, when configured, its SSO client. */
export interface ConsoleServices {
  sessions: ConsoleSessions;
  sealer: SealedBox;
  sso: SsoClient | undefined;
  /** Successful sign-ins per address (`console.signInRateLimit`). */
  signInLimit: SignInLimit;
}

/** The SSO client of `sso.*`, or undefined when no issuer is set. */
export function ssoClient(config: Config, baseUrl: string): SsoClient | undefined {
  const { sso } = config;
  if (sso.issuer === null || sso.clientId === null || sso.clientSecret === null) return undefined;
  return new SsoClient({
    issuer: sso.issuer,
    clientId: sso.clientId,
    clientSecret: sso.clientSecret,
    redirectUri: sso.redirectUri ?? `${baseUrl}/ui/auth/sso/callback`,
    scopes: sso.scopes,
    allowHttp: sso.allowHttp,
  });
}
