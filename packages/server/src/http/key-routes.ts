import { SIGNING_ALGORITHMS, API_ERROR_RESPONSES, StringEnum } from '@patina/contract';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { KeyRotation } from '../tokens/key-rotation.js';
import { ADMIN_BASE } from './admin-routes.js';
import { requestContext } from './request-context.js';

const SigningKeyInfo = Type.Object(
  {
    kid: Type.String({ description: 'RFC 7638 thumbprint of the public key' }),
    alg: StringEnum(SIGNING_ALGORITHMS),
    created: Type.String({ format: 'date-time' }),
    status: StringEnum(
      ['signing', 'verifying', 'expired'],
      'signing: signs new tokens; verifying: retired, still published; expired: neither',
    ),
    verifyUntil: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  },
  { $id: 'SigningKeyInfo' },
);

/** Signing keys under the admin API: list them, rotate with overlap. */
export function registerKeyRoutes(
  parent: FastifyInstance,
  deps: { keyRotation: KeyRotation },
): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const config = { surface: 'admin' };
  const tags = ['Administration'];

  app.get(
    `${ADMIN_BASE}/signing-keys`,
    {
      config,
      schema: {
        tags,
        operationId: 'listSigningKeys',
        summary: 'Signing keys, newest first',
        response: { 200: Type.Array(SigningKeyInfo), ...API_ERROR_RESPONSES },
      },
    },
    async (request) => {
      return deps.keyRotation.list(requestContext(request));
    },
  );

  app.post(
    `${ADMIN_BASE}/signing-keys/rotate`,
    {
      config,
      schema: {
        tags,
        operationId: 'rotateSigningKey',
        summary: 'A new signing key from now on; the old one verifies until its tokens expire',
        body: Type.Optional(
          Type.Object(
            { algorithm: Type.Optional(StringEnum(SIGNING_ALGORITHMS)) },
            { additionalProperties: false },
          ),
        ),
        response: { 200: SigningKeyInfo, ...API_ERROR_RESPONSES },
      },
      // A bare `POST` (no body at all) means the defaults; Fastify would validate it as null.
      preValidation: (request, _reply, done) => {
        request.body ??= {};
        done();
      },
    },
    async (request) => {
      return deps.keyRotation.rotate(requestContext(request), request.body?.algorithm);
    },
  );
}
