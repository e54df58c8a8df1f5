import type { FastifyReply, FastifyRequest } from 'fastify';
import { PatinaError } from '../core/errors.js';
import type { BearerAuthenticator } from '../auth/bearer.js';
import { NO_METRICS, type Metrics } from '../metrics/metrics.js';
import { AccessTokenError, type AccessTokenErrorCode } from '../tokens/access-tokens.js';
import { DpopError, type DpopVerifier } from '../tokens/dpop.js';
import { clientAddress } from './client-address.js';

/** The PAT's expiry, RFC 3339, on every bearer-authenticated answer (absent: never expires). */
export const TOKEN_EXPIRATION_HEADER = 'patina-token-expiration';

const BEARER = /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i;
const DPOP = /^DPoP +([A-Za-z0-9._~+/-]+=*) *$/i;

/** The token of an `Authorization: Bearer <token>` header (RFC 6750 §2.1), or undefined. */
export function readBearerToken(header: string | undefined): string | undefined {
  return header ? BEARER.exec(header)?.[1] : undefined;
}

/** The token and scheme of `Authorization: Bearer <token>` or `DPoP <token>` (RFC 9449 §7.1). */
function readAuthorization(
  header: string | undefined,
): { token: string; dpop: boolean } | undefined {
  if (!header) return undefined;
  const bearer = BEARER.exec(header)?.[1];
  if (bearer) return { token: bearer, dpop: false };
  const dpop = DPOP.exec(header)?.[1];
  return dpop ? { token: dpop, dpop: true } : undefined;
}

/** What the bearer check needs for DPoP: the proofs' verifier and the API's public base URL. */
export interface DpopCheck {
  verifier: DpopVerifier;
  baseUrl: string;
}

/**
 * onRequest hook: every API route needs `Authorization: Bearer <access token>` (RFC 6750 §2.1).
 * A refusal is thrown like any error of the route, so the scope's error handler answers a
 * missing header, a bad token and an outage here exactly as it would inside a route.
 */
export function bearerAuthHook(
  authenticator: BearerAuthenticator,
  metrics: Pick<Metrics, 'bearerCheck'> = NO_METRICS,
  dpop?: DpopCheck,
) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const header = request.headers.authorization;
    const credentials = readAuthorization(header);
    if (!credentials || (credentials.dpop && !dpop)) {
      metrics.bearerCheck(header ? 'malformed' : 'missing');
      throw new PatinaError(
        'UNAUTHORIZED',
        header ? 'The Authorization header is not a Bearer token' : 'A Bearer token is required',
      );
    }
    const { token } = credentials;
    let principal;
    try {
      const dpopJkt = credentials.dpop ? await proofKey(request, token, dpop!) : undefined;
      principal = await authenticator.authenticate(token, {
        sourceIp: clientAddress(request),
        dpopJkt,
      });
    } catch (error) {
      metrics.bearerCheck(refusalOutcome(error));
      throw error;
    }
    metrics.bearerCheck('valid');
    request.principal = principal;
    // Every answer to an authenticated call says when the PAT behind it expires, as GitHub's
    // token-expiration header does, so a script sees the deadline long before it reaches it. A
    // header set here stays on the reply whatever the route answers, errors included.
    if (principal.patExpirationDate) {
      void reply.header(TOKEN_EXPIRATION_HEADER, principal.patExpirationDate);
    }
  };
}

/**
 * The key of the request's DPoP proof for this token (RFC 9449 §7): htm and htu name this request
 * as the client addressed it (the public base URL), ath the token. A bad proof is a 401 with a
 * DPoP challenge (`invalid_dpop_proof`, or `use_dpop_nonce` and the nonce to use).
 */
async function proofKey(request: FastifyRequest, token: string, dpop: DpopCheck): Promise<string> {
  const proof = request.headers.dpop;
  if (typeof proof !== 'string') {
    throw new AccessTokenError(
      'TOKEN_CLAIM_INVALID',
      proof === undefined ? 'a DPoP proof is required' : 'send one DPoP header, not several',
      { error: 'invalid_dpop_proof' },
    );
  }
  try {
    const path = request.url.split('?', 1)[0]!;
    const { jkt } = await dpop.verifier.verify({
      proof,
      method: request.method,
      url: `${dpop.baseUrl}${path}`,
      accessToken: token,
    });
    return jkt;
  } catch (error) {
    if (!(error instanceof DpopError)) throw error;
    const nonces = dpop.verifier.nonces;
    throw new AccessTokenError(
      'TOKEN_CLAIM_INVALID',
      `the DPoP proof is refused: ${error.message}`,
      error.kind === 'nonce' && nonces
        ? { error: 'use_dpop_nonce', nonce: nonces.current() }
        : { error: 'invalid_dpop_proof' },
    );
  }
}

/** patina_bearer_checks_total's outcome for each reason a token is refused. */
const REFUSALS: Record<AccessTokenErrorCode, string> = {
  TOKEN_MALFORMED: 'malformed',
  TOKEN_EXPIRED: 'expired',
  TOKEN_SIGNATURE_INVALID: 'bad_signature',
  TOKEN_CLAIM_INVALID: 'invalid_claim',
  TOKEN_KEY_UNKNOWN: 'unknown_key',
  TOKEN_REVOKED: 'revoked',
};

function refusalOutcome(error: unknown): string {
  if (error instanceof AccessTokenError) return REFUSALS[error.code];
  return error instanceof PatinaError && error.code === 'UNAVAILABLE' ? 'unavailable' : 'error';
}
