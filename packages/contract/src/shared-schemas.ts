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
import { HealthResponse, ReadyResponse } from './operations.js';
import {
  AdminCreatePatRequest,
  CreatePatRequest,
  CreatePatResponse,
  GetPatResponse,
  JsonPatchOperation,
  PatOwner,
} from './pats.js';

/** Every schema with an `$id`: registered once (components of the OpenAPI document), used by `$ref`. */
export const SHARED_SCHEMAS = [
  PatOwner,
  GetPatResponse,
  CreatePatResponse,
  CreatePatRequest,
  AdminCreatePatRequest,
  JsonPatchOperation,
  SailPointError,
  UnauthorizedError,
  RateLimitError,
  OAuthErrorBody,
  IdentityResponse,
  CreateIdentityRequest,
  IdentityMergePatch,
  AuditEventResponse,
  SigningKeyInfo,
  RotateSigningKeyRequest,
  TokenRequest,
  TokenResponse,
  IntrospectionRequest,
  RevocationRequest,
  OAuthInfo,
  AuthorizationServerMetadata,
  JwkSet,
  HealthResponse,
  ReadyResponse,
];
