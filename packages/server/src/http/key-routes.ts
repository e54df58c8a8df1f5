import {
  API_ERROR_RESPONSES,
  BODY_ERROR_RESPONSES,
  RotateSigningKeyRequest,
  SigningKeyInfo,
  ADMIN_BASE,
} from '@patina/contract';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { KeyRotation } from '../tokens/key-rotation.js';
import { requestContext } from './request-context.js';

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
        response: {
          200: Type.Array(Type.Ref(SigningKeyInfo), {
            description: 'Every signing key, newest first',
          }),
          ...API_ERROR_RESPONSES,
        },
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
        body: Type.Ref(RotateSigningKeyRequest),
        response: {
          200: Type.Ref(SigningKeyInfo, { description: 'The new signing key' }),
          ...BODY_ERROR_RESPONSES,
          ...API_ERROR_RESPONSES,
        },
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
