import { ConsolePatSignIn } from '@patina/contract';
import type { FastifyInstance } from 'fastify';
import type { SignedIn } from '../../console/sign-in.js';
import { OAuthError } from '../../oauth/errors.js';
import { clientAddressKey } from '../client-address.js';
import { auditContext } from '../request-context.js';
import type { ConsoleRouteDeps } from './deps.js';
import { ConsoleRefusal, noSession, tooManySignIns } from './refusals.js';
import { requireSameOrigin } from './session-guard.js';
import { describeSession } from './session-route.js';
import { setSessionCookie } from './security.js';

/**
 * The token endpoint's refusal of a PAT's credentials, in the console's words: one answer for a
 * wrong id or secret, whichever it was.
 */
function signInRefusal(error: OAuthError): ConsoleRefusal {
  const wrongCredentials = error.error === 'invalid_client';
  return new ConsoleRefusal(
    wrongCredentials ? 401 : error.status,
    error.error,
    wrongCredentials ? 'Wrong client id or secret' : error.description,
    error.retryAfterSeconds,
  );
}

/** POST /ui/auth/pat: sign in with a PAT's client id and secret, as the token endpoint takes them. */
export function registerPatSignIn(
  ui: FastifyInstance,
  deps: Pick<
    ConsoleRouteDeps,
    'config' | 'baseUrl' | 'rights' | 'sessions' | 'sso' | 'signIn' | 'signInLimit'
  >,
): void {
  ui.post(
    '/auth/pat',
    { schema: { hide: true, body: ConsolePatSignIn } },
    async (request, reply) => {
      // No session yet, so no CSRF token: the request must come from the console's own page.
      requireSameOrigin(request, deps.baseUrl);
      const body = request.body as ConsolePatSignIn;
      const address = clientAddressKey(request);
      const wait = await deps.signInLimit.retryAfterSeconds(address);
      if (wait > 0) throw tooManySignIns(wait);
      let signedIn: SignedIn;
      try {
        signedIn = await deps.signIn.withPat({ ...body, context: auditContext(request) });
      } catch (error) {
        if (!(error instanceof OAuthError)) throw error;
        throw signInRefusal(error);
      }
      await deps.signInLimit.recordSignIn(address);
      setSessionCookie(reply, deps.baseUrl, signedIn);
      const described = await describeSession(deps, reply, signedIn.session);
      if (!described) throw noSession('EXPIRED');
      return reply.header('cache-control', 'no-store').send(described);
    },
  );
}
