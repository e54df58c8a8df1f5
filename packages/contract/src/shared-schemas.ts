import { AuditEventResponse } from './audit.js';
import { OAuthErrorBody, RateLimitError, SailPointError, UnauthorizedError } from './errors.js';
import { CreateIdentityRequest, IdentityMergePatch, IdentityResponse } from './identities.js';
import { RotateSigningKeyRequest, SigningKeyInfo } from './keys.js';
import {
  AuthorizationServerMetadata,
  IntrospectionRequest,
  JwkSet,
  OAuthInfo,
  RevocationRequest,
  TokenRequest,
  TokenResponse,
} from './oauth.js';
import {
  CreateTrustPolicyRequest,
  ExchangedTokenResponse,
  TrustPolicyMergePatch,
  TrustPolicyResponse,
} from './federation.js';
import {
  AccessReview,
  AccessReviewItem,
  AccessReviewReport,
  ApprovePatRequestBody,
  BulkReviewDecisionRequest,
  BulkReviewDecisionResponse,
  CreateAccessReviewRequest,
  DenyPatRequestBody,
  PatRequest,
  PatUsageResponse,
  PendingPatResponse,
  ReviewDecisionRequest,
  UsageDay,
} from './governance.js';
import { HealthResponse, ReadyResponse } from './operations.js';
import { OverviewResponse } from './overview.js';
import { PATINA_PAT_SCHEMAS } from './patina-pats.js';
import {
  AdminCreatePatRequest,
  CreatePatRequest,
  CreatePatResponse,
  GetPatResponse,
  JsonPatchOperation,
  PatOwner,
} from './pats.js';
import { SsfStreamResponse } from './ssf.js';
import {
  CreateWebhookRequest,
  CreateWebhookResponse,
  WebhookDeliveryResponse,
  WebhookEventBody,
  WebhookMergePatch,
  WebhookResponse,
  WebhookTestResponse,
} from './webhooks.js';

/** Every schema with an `$id`: registered once (components of the OpenAPI document), used by `$ref`. */
export const SHARED_SCHEMAS = [
  PatOwner,
  GetPatResponse,
  CreatePatResponse,
  CreatePatRequest,
  AdminCreatePatRequest,
  JsonPatchOperation,
  ...PATINA_PAT_SCHEMAS,
  SailPointError,
  UnauthorizedError,
  RateLimitError,
  OAuthErrorBody,
  IdentityResponse,
  CreateIdentityRequest,
  IdentityMergePatch,
  AuditEventResponse,
  OverviewResponse,
  SigningKeyInfo,
  RotateSigningKeyRequest,
  TokenRequest,
  TokenResponse,
  ExchangedTokenResponse,
  CreateTrustPolicyRequest,
  TrustPolicyMergePatch,
  TrustPolicyResponse,
  IntrospectionRequest,
  RevocationRequest,
  OAuthInfo,
  AuthorizationServerMetadata,
  JwkSet,
  HealthResponse,
  ReadyResponse,
  WebhookResponse,
  CreateWebhookResponse,
  CreateWebhookRequest,
  WebhookMergePatch,
  WebhookDeliveryResponse,
  WebhookTestResponse,
  WebhookEventBody,
  SsfStreamResponse,
  PatRequest,
  PendingPatResponse,
  ApprovePatRequestBody,
  DenyPatRequestBody,
  UsageDay,
  PatUsageResponse,
  CreateAccessReviewRequest,
  AccessReview,
  AccessReviewItem,
  ReviewDecisionRequest,
  BulkReviewDecisionRequest,
  BulkReviewDecisionResponse,
  AccessReviewReport,
];
