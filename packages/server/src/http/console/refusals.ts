import { CONSOLE_CSRF_HEADER } from '@patina/contract';
import type { SessionRefusal } from '../../console/sessions.js';

/**
 * A refusal of the console's endpoints, thrown and written by the console's error handler
 * (errors/console.ts) as `{ error, message }`: a stable code and a sentence for the person.
 */
export class ConsoleRefusal extends Error {
  override readonly name = 'ConsoleRefusal';

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

const SESSION_REFUSAL_TEXT: Record<SessionRefusal, string> = {
  NOT_SIGNED_IN: 'Sign in to use the console',
  EXPIRED: 'Your session has expired; sign in again',
  IDLE: 'Your session ended after a period of inactivity; sign in again',
  SIGNED_OUT: 'You have signed out',
  DISABLED: 'Your identity is disabled',
};

/** Why there is no session, in words for the person. */
export const sessionRefusalText = (refusal: SessionRefusal) => SESSION_REFUSAL_TEXT[refusal];

/** No session (or no longer one): a 401 that says why. */
export const noSession = (refusal: SessionRefusal) =>
  new ConsoleRefusal(401, refusal, SESSION_REFUSAL_TEXT[refusal]);

/** Any request the browser says another site (or a sibling subdomain) made. */
export const crossSiteRequest = () =>
  new ConsoleRefusal(403, 'CROSS_SITE', 'Cross-site requests to the console are refused');

/** A state-changing request not made by the console's own page (console/csrf.ts says why). */
export const crossSite = (why: string) => new ConsoleRefusal(403, 'CROSS_SITE', `Refused: ${why}`);

/** A state-changing request without its session's CSRF token. */
export const csrfTokenMissing = () =>
  new ConsoleRefusal(
    403,
    'CSRF',
    `A state-changing request needs the ${CONSOLE_CSRF_HEADER} header of this session`,
  );

/** A sign-in refused by `console.signInRateLimit` (429; the SSO callback's `error` code too). */
export const TOO_MANY_SIGN_INS = 'TOO_MANY_SIGN_INS';
export const tooManySignIns = (retryAfterSeconds: number) =>
  new ConsoleRefusal(
    429,
    TOO_MANY_SIGN_INS,
    'Too many sign-ins from this address; try again later',
    retryAfterSeconds,
  );

export const ssoOff = () => new ConsoleRefusal(404, 'SSO_OFF', 'Single sign-on is not configured');

export const consoleNotFound = (message: string) => new ConsoleRefusal(404, 'NOT_FOUND', message);
