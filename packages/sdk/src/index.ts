/**
 * @patina/sdk: a typed client for Patina, on fetch alone (Node 20.19+ and browsers). Every
 * request and response type comes from @patina/contract, the schemas the server validates with.
 */
export { PatinaClient, type Credentials, type PatinaClientOptions } from './client.js';
export {
  PatinaApiError,
  PatinaConfigurationError,
  PatinaConnectionError,
  type PatinaApiErrorCode,
} from './errors.js';
export {
  ENVIRONMENT_NAMES,
  readEnvironment,
  type Environment,
  type EnvironmentSetting,
  type FromEnvironment,
} from './environment.js';
export type { RequestOptions, RetryOptions } from './http.js';
export { MAX_PAGE_SIZE, type PageOptions } from './paging.js';
export type { ListPatsOptions, Pats } from './resources/pats.js';
export type { Identities } from './resources/identities.js';
export type { Audit, ListAuditOptions } from './resources/audit.js';
export type { OverviewResource } from './resources/overview.js';
export type { SigningKeys } from './resources/signing-keys.js';
export {
  isPending,
  type ListPatinaPatsOptions,
  type PatinaCreatePatResult,
  type PatinaPats,
  type PatinaPatUpdateResult,
  type PatUsageOptions,
  type PendingPat,
} from './resources/patina-pats.js';
export type { ListPatRequestsOptions, PatRequests } from './resources/pat-requests.js';
export type {
  AccessReviews,
  ListAccessReviewItemsOptions,
  ListAccessReviewsOptions,
} from './resources/access-reviews.js';
export type { ListDeliveriesOptions, Webhooks } from './resources/webhooks.js';
export type { SsfStreams } from './resources/ssf-streams.js';
export type { TrustPolicies } from './resources/trust-policies.js';
export type { Scim, ScimEventsOptions } from './resources/scim.js';
export { revokeLeakedCredentials, type LeakedCredentials } from './resources/leaked-credentials.js';
export type {
  AccessReview,
  AccessReviewItem,
  AccessReviewReport,
  AccessReviewStatus,
  BulkReviewDecisionRequest,
  BulkReviewDecisionResponse,
  CreateAccessReviewRequest,
  PatRequest,
  PatRequestKind,
  PatRequestStatus,
  PatUsageResponse,
  ReviewDecision,
  ReviewDecisionRequest,
  ReviewItemOutcome,
  ScimConfigResponse,
  ScimEvent,
  UsageDay,
  AdminCreatePatRequest,
  ApiVersion,
  AuditEvent,
  AuditEventType,
  CreateIdentityRequest,
  CreateWebhookRequest,
  CreateWebhookResponse,
  DeliveryStatus,
  CreatePatRequest,
  CreatePatResponse,
  CreateTrustPolicyRequest,
  GetPatResponse,
  Identity,
  IdentityMergePatch,
  IntrospectionResponse,
  JsonPatchOperation,
  OffboardRequest,
  Overview,
  OffboardResponse,
  PatStatus,
  PatUseSource,
  PatWarning,
  PatinaCreatePatRequest,
  PatinaCreatePatResponse,
  PatinaPat,
  PatinaPatMergePatch,
  RotatePatRequest,
  SigningKeyInfo,
  SsfStream,
  TokenResponse,
  TrustPolicy,
  TrustPolicyMergePatch,
  TrustPolicyTemplate,
  Webhook,
  WebhookDelivery,
  WebhookEventType,
  WebhookMergePatch,
  WebhookTestResponse,
} from '@patina/contract';
