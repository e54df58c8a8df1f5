import { OAUTH_ERROR_STATUS, type OAuthErrorCode } from '@patina/contract';
import { echo } from '../core/redact.js';

export class OAuthError extends Error {
  override readonly name = 'OAuthError';
  readonly status: number;

  constructor(
    readonly error: OAuthErrorCode,
    readonly description: string,
    readonly retryAfterSeconds?: number,
    /** Why, in the audit trail's words, for the metrics; never sent to the client. */
    readonly reason?: string,
    /** RFC 9449 §8: the nonce a DPoP proof must carry, sent as the `DPoP-Nonce` header. */
    readonly dpopNonce?: string,
  ) {
    super(description);
    this.status = OAUTH_ERROR_STATUS[error];
  }
}

/*
 * Every refusal the OAuth endpoints (token, introspection, revocation) answer, by name, so each
 * RFC 6749 §5.2 code and its wording live here once. Values from the request are quoted through
 * `echo` (core/redact.ts) by the factory, not by its caller.
 */

// invalid_request (RFC 6749 §5.2): the request is malformed.

/** A required parameter is absent. */
export const missingParameter = (name: string) =>
  invalidRequest(`The parameter '${name}' is required`);

/** A parameter given twice with different values, or as a list (RFC 6749 §3.2). */
export const duplicateParameter = (name: string) =>
  invalidRequest(`The parameter '${name}' is given more than once`);

/** A parameter that is not a string (a nested form field, a file). */
export const parameterNotText = (name: string) =>
  invalidRequest(`The parameter '${name}' must be text`);

/** Credentials in two places (RFC 6749 §2.3: a client uses one method per request). */
export const severalClientAuthMethods = () =>
  invalidRequest('Use one client authentication method, not several');

// invalid_client (RFC 6749 §5.2): client authentication failed or was not attempted.

/**
 * The one answer for every kind of bad client credentials (docs/rules.md, "The token endpoint").
 */
export const badClientCredentials = (reason?: string) =>
  new OAuthError('invalid_client', 'Bad client credentials', undefined, reason);

/** Neither a client id with a secret nor (where allowed) a bearer token came with the request. */
export const clientAuthenticationRequired = () =>
  invalidClient('Client authentication is required');

/** An `Authorization: Basic` header whose decoded value has no colon (RFC 7617 §2). */
export const malformedBasicCredentials = () => invalidClient('The Basic credentials are malformed');

// unauthorized_client, unsupported_grant_type (RFC 6749 §5.2; RFC 7009 §2.1 for revocation).

/** RFC 7009 §2.1: a client revokes only the tokens issued to it. */
export const tokenNotIssuedToClient = () =>
  new OAuthError('unauthorized_client', 'The token was not issued to this client');

/** The grants Patina issues tokens by. */
export const unsupportedGrantType = () =>
  new OAuthError(
    'unsupported_grant_type',
    'Supported grant types: client_credentials, urn:ietf:params:oauth:grant-type:token-exchange, urn:ietf:params:oauth:grant-type:jwt-bearer',
  );

// Federated exchanges (docs/federation.md): a workload's OIDC token failed a check. RFC 8693
// §2.2.2 answers invalid_request for a bad subject token, RFC 7523 §3.1 invalid_grant for a bad
// assertion. The description says which check failed and never quotes the token.

/** Which check of a federated exchange refused the incoming token (the metric's outcome). */
export type FederationCheck =
  | 'malformed'
  | 'algorithm'
  | 'issuer'
  | 'key'
  | 'signature'
  | 'expired'
  | 'not_yet_valid'
  | 'issued_in_future'
  | 'too_old'
  | 'no_jti'
  | 'replayed'
  | 'audience'
  | 'conditions'
  | 'policy'
  | 'identity_disabled';

export const federationRefused = (
  grant: 'token-exchange' | 'jwt-bearer',
  check: FederationCheck,
  description: string,
) =>
  new OAuthError(
    grant === 'jwt-bearer' ? 'invalid_grant' : 'invalid_request',
    description,
    undefined,
    `federation_${check}`,
  );

/** A delegation refused (RFC 8693 §2.2.2: invalid_request); the reason names the check. */
export const delegationRefused = (
  check: 'subject' | 'actor' | 'depth' | 'audience' | 'address',
  description: string,
) => new OAuthError('invalid_request', description, undefined, `delegation_${check}`);

/** RFC 9449 §5: the request's DPoP proof is refused; `why` never quotes it. */
export const invalidDpopProof = (why: string) =>
  new OAuthError(
    'invalid_dpop_proof',
    `The DPoP proof is refused: ${why}`,
    undefined,
    'dpop_proof',
  );

/** RFC 9449 §8: the proof must carry the server's nonce, which comes with this answer. */
export const useDpopNonce = (nonce: string) =>
  new OAuthError(
    'use_dpop_nonce',
    'A DPoP nonce is required: send the proof again with the DPoP-Nonce header’s value',
    undefined,
    'dpop_nonce',
    nonce,
  );

/** The credential allows DPoP-bound tokens only, and the request carried no proof. */
export const dpopRequired = (credential: 'PAT' | 'trust policy') =>
  new OAuthError(
    'invalid_request',
    `This ${credential} issues DPoP-bound tokens only (requireDpop): send a DPoP proof`,
    undefined,
    'dpop_required',
  );

/** The issuer's keys could not be fetched (down, refused by the SSRF guard): try again later. */
export const issuerKeysUnavailable = (why: string) =>
  new OAuthError(
    'temporarily_unavailable',
    `The issuer's signing keys could not be fetched: ${why}`,
    undefined,
    'federation_keys_unavailable',
  );

/** A token type Patina does not take or issue (RFC 8693 §2.2.2). */
export const unsupportedTokenType = (name: string, supported: string) =>
  invalidRequest(`The parameter '${name}' must be ${supported}`);

// invalid_scope (RFC 6749 §5.2).

/** The PAT names only rights its owner does not hold (now): an empty grant helps nobody. */
export const noGrantableScope = (credential: 'PAT' | 'trust policy' = 'PAT') =>
  new OAuthError(
    'invalid_scope',
    credential === 'PAT'
      ? 'This PAT grants no rights: its owner holds none of its scopes'
      : 'This trust policy grants no rights: its identity holds none of its scopes',
  );

/** A requested scope outside what the PAT grants. */
export const scopeNotGranted = (scope: string) =>
  new OAuthError('invalid_scope', `The scope '${echo(scope)}' is not granted to this client`);

// invalid_target (RFC 8707 §2): a `resource` parameter Patina cannot issue a token for.

export const resourceNotAbsolute = (resource: string) =>
  invalidTarget(resource, 'is not an absolute URI');

export const resourceHasFragment = (resource: string) =>
  invalidTarget(resource, 'must not have a fragment');

export const resourceNotServed = (resource: string) =>
  invalidTarget(resource, 'is not served here');

// too_many_attempts (not in RFC 6749; docs/decisions.md, "Throttling failed exchanges").

/** The failure throttle holds this client (from this address) back for `retryAfterSeconds`. */
export const tooManyAttempts = (retryAfterSeconds: number) =>
  new OAuthError(
    'too_many_attempts',
    'Too many failed attempts for this client; try again later',
    retryAfterSeconds,
  );

function invalidRequest(description: string): OAuthError {
  return new OAuthError('invalid_request', description);
}

function invalidClient(description: string): OAuthError {
  return new OAuthError('invalid_client', description);
}

function invalidTarget(resource: string, problem: string): OAuthError {
  return new OAuthError('invalid_target', `The resource '${echo(resource)}' ${problem}`);
}
