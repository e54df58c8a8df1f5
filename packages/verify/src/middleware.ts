import { DPOP_ALGORITHMS, type AccessTokenClaims } from '@patina/contract';
import type { DpopRequest } from './dpop.js';
import { VerifyError } from './errors.js';
import type { Verifier } from './verifier.js';

/**
 * Middleware for the two common Node frameworks, typed structurally so this package depends on
 * neither. A refused request answers 401 with an RFC 6750 §3 challenge; a stale stream, 503.
 */
interface HeaderCarrier {
  headers: Record<string, string | string[] | undefined>;
  method?: string;
  /** Fastify's path and query; Express's is `originalUrl`. */
  url?: string;
  originalUrl?: string;
}

/** Where the API is, as clients address it: what a DPoP proof's htu is checked against. */
export interface MiddlewareOptions {
  /** The API's public base URL (e.g. https://orders.example.com); default: from the Host header. */
  publicBaseUrl?: string;
}

function header(request: HeaderCarrier, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The token of `Authorization: Bearer …` or `DPoP …`, with what DPoP needs (RFC 9449 §7). */
function credentialsOf(
  request: HeaderCarrier,
  options: MiddlewareOptions,
): { token: string; dpop: DpopRequest } | undefined {
  const match = /^(Bearer|DPoP)\s+(\S+)$/i.exec(header(request, 'authorization') ?? '');
  if (!match) return undefined;
  const path = (request.originalUrl ?? request.url ?? '/').split('?', 1)[0]!;
  const base =
    options.publicBaseUrl?.replace(/\/$/, '') ??
    `${header(request, 'x-forwarded-proto') ?? 'http'}://${header(request, 'host') ?? 'localhost'}`;
  return {
    token: match[2]!,
    dpop: {
      scheme: match[1]!.toLowerCase() === 'dpop' ? 'DPoP' : 'Bearer',
      proof: header(request, 'dpop'),
      method: request.method ?? 'GET',
      url: `${base}${path}`,
    },
  };
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
  if (error instanceof VerifyError && error.code === 'ERR_DPOP_PROOF') {
    return {
      status: 401,
      body: { error: 'invalid_dpop_proof', error_description: description },
      challenge: `DPoP algs="${DPOP_ALGORITHMS.join(' ')}", error="invalid_dpop_proof"`,
    };
  }
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
export function fastifyVerifier(verifier: Verifier, options: MiddlewareOptions = {}) {
  return async (
    request: HeaderCarrier & { patina?: AccessTokenClaims },
    reply: {
      code(status: number): {
        header(name: string, value: string): { send(body: unknown): unknown };
      };
    },
  ): Promise<unknown> => {
    const credentials = credentialsOf(request, options);
    let answer = MISSING;
    if (credentials !== undefined) {
      try {
        request.patina = await verifier.verify(credentials.token, credentials.dpop);
        return undefined;
      } catch (error) {
        answer = answerOf(error);
      }
    }
    return reply.code(answer.status).header('www-authenticate', answer.challenge).send(answer.body);
  };
}

/** Express: `app.use(expressVerifier(verifier))`; claims on `req.patina`. */
export function expressVerifier(verifier: Verifier, options: MiddlewareOptions = {}) {
  return (
    req: HeaderCarrier & { patina?: AccessTokenClaims },
    res: {
      status(code: number): { set(name: string, value: string): { json(body: unknown): unknown } };
    },
    next: (error?: unknown) => void,
  ): void => {
    const credentials = credentialsOf(req, options);
    if (credentials === undefined) {
      res.status(MISSING.status).set('www-authenticate', MISSING.challenge).json(MISSING.body);
      return;
    }
    verifier.verify(credentials.token, credentials.dpop).then(
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
