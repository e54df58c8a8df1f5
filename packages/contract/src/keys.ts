import { Type, type Static } from '@sinclair/typebox';
import { DateTime, Nullable, StringEnum } from './schema-helpers.js';

/** Algorithms Patina signs access tokens with (RFC 7518 / RFC 8037 names). */
export const SIGNING_ALGORITHMS = ['ES256', 'EdDSA', 'RS256'] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

export const SIGNING_KEY_STATUSES = ['signing', 'verifying', 'expired'] as const;
export type SigningKeyStatus = (typeof SIGNING_KEY_STATUSES)[number];

export const SigningKeyInfo = Type.Object(
  {
    kid: Type.String({ description: 'RFC 7638 thumbprint of the public key' }),
    alg: StringEnum(SIGNING_ALGORITHMS),
    created: DateTime('When the key was made'),
    status: StringEnum(
      SIGNING_KEY_STATUSES,
      'signing: signs new tokens; verifying: retired, still published; expired: neither',
    ),
    verifyUntil: Nullable(DateTime('Until when a retired key still verifies')),
  },
  { $id: 'SigningKeyInfo' },
);
export type SigningKeyInfo = Static<typeof SigningKeyInfo>;

export const RotateSigningKeyRequest = Type.Object(
  { algorithm: Type.Optional(StringEnum(SIGNING_ALGORITHMS)) },
  { additionalProperties: false, $id: 'RotateSigningKeyRequest' },
);
export type RotateSigningKeyRequest = Static<typeof RotateSigningKeyRequest>;
