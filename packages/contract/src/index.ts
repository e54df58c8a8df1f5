/**
 * @patina/contract: every wire shape of Patina in one place. The server validates and serialises
 * with these schemas and generates its OpenAPI document from them; the SDK, the CLI and the console
 * take their types from them. TypeScript types are `Static<>` of the schemas, never written twice.
 */
export * from './schema-helpers.js';
export * from './rights.js';
export * from './versions.js';
export * from './errors.js';
export * from './pats.js';
export * from './patina-pats.js';
export * from './identities.js';
export * from './audit.js';
export * from './overview.js';
export * from './keys.js';
export * from './oauth.js';
export * from './access-token.js';
export * from './operations.js';
export * from './secrets.js';
export * from './free-text.js';
export * from './webhooks.js';
export * from './federation.js';
export * from './governance.js';
export * from './scim.js';
export * from './ssf.js';
export { SHARED_SCHEMAS } from './shared-schemas.js';
export * from './calendar.js';
export * from './console-session.js';
