import type { AccessTokenClaims } from '@patina/contract';
import { VerifyError } from './errors.js';
import type { Verifier } from './verifier.js';

/**
 * Middleware for the two common Node frameworks, typed structurally so this package depends on
 * neither. A refused request answers 401 with an RFC 6750 §3 challenge; a stale stream, 503.
 */
interface HeaderCarrier {
  headers: Record<string, string | string[] | undefined>;
}

function bearerOf(request: HeaderCarrier): string | undefined {
  const header = request.headers.authorization;
  const value = Array.isArray(header) ? header[0] : header;
  const match = value === undefined ? null : /^Bearer\s+(\S+)$/i.exec(value);
  return match?.[1];
}

function answerOf(error: unknown): {
  status: number;
  body: { error: string; error_description: string };
  challenge: string;
} {
  if (
    error instanceof VerifyError &&
    (error.code === 'ERR_STREAM_STALE' || error.code === 'ERR_INTROSPECTION_FAILED')
  ) {
    return {
      status: 503,
      body: { error: 'temporarily_unavailable', error_description: error.message },
      challenge: 'Bearer realm="api"',
    };
  }
  const description =
    error instanceof VerifyError ? error.message : 'The access token is not valid';
  return {
    status: 401,
    body: { error: 'invalid_token', error_description: description },
    challenge: `Bearer realm="api", error="invalid_token"`,
  };
}

const MISSING = {
  status: 401,
  body: { error: 'invalid_request', error_description: 'A Bearer token is required' },
  challenge: 'Bearer realm="api"',
};

/** Fastify: `app.addHook('onRequest', fastifyVerifier(verifier))`; claims on `request.patina`. */
export function fastifyVerifier(verifier: Verifier) {
  return async (
    request: HeaderCarrier & { patina?: AccessTokenClaims },
    reply: {
      code(status: number): {
        header(name: string, value: string): { send(body: unknown): unknown };
      };
    },
  ): Promise<unknown> => {
    const token = bearerOf(request);
    let answer = MISSING;
    if (token !== undefined) {
      try {
        request.patina = await verifier.verify(token);
        return undefined;
      } catch (error) {
        answer = answerOf(error);
      }
    }
    return reply.code(answer.status).header('www-authenticate', answer.challenge).send(answer.body);
  };
}

/** Express: `app.use(expressVerifier(verifier))`; claims on `req.patina`. */
export function expressVerifier(verifier: Verifier) {
  return (
    req: HeaderCarrier & { patina?: AccessTokenClaims },
    res: {
      status(code: number): { set(name: string, value: string): { json(body: unknown): unknown } };
    },
    next: (error?: unknown) => void,
  ): void => {
    const token = bearerOf(req);
    if (token === undefined) {
      res.status(MISSING.status).set('www-authenticate', MISSING.challenge).json(MISSING.body);
      return;
    }
    verifier.verify(token).then(
      (claims) => {
        req.patina = claims;
        next();
      },
      (error: unknown) => {
        const answer = answerOf(error);
        res.status(answer.status).set('www-authenticate', answer.challenge).json(answer.body);
      },
    );
  };
}
