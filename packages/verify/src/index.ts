/**
 * @patina/verify: for resource servers that take Patina access tokens. Verifies them offline
 * against Patina's JWKS, and refuses within a second those whose PAT or owner was revoked,
 * through an OpenID Shared Signals poll stream (docs/protecting-your-api.md).
 */
export { createVerifier, type Verifier, type VerifierOptions } from './verifier.js';
export { VerifyError, VERIFY_ERROR_CODES, type VerifyErrorCode } from './errors.js';
export { expressVerifier, fastifyVerifier, type MiddlewareOptions } from './middleware.js';
export type { DpopRequest } from './dpop.js';
export { Revocations } from './revocations.js';
