import type { FastifyRequest } from 'fastify';
import {
  duplicateParameter,
  malformedBasicCredentials,
  parameterNotText,
  severalClientAuthMethods,
} from '../../oauth/errors.js';

export interface TokenRequestParams {
  grantType: string | undefined;
  clientId: string | undefined;
  clientSecret: string | undefined;
  scope: string | undefined;
  /** RFC 8707: may be given several times. */
  resources: string[];
  /** Introspection and revocation (RFC 7662, RFC 7009). */
  token: string | undefined;
  /**
   * Read (so a conflicting repeat is refused like any parameter) but not acted on: Patina issues
   * one kind of token, and RFC 7009 §2.1 / RFC 7662 §2.1 let a server ignore the hint.
   */
  tokenTypeHint: string | undefined;
  /** Token exchange (RFC 8693 §2.1). */
  subjectToken: string | undefined;
  subjectTokenType: string | undefined;
  requestedTokenType: string | undefined;
  actorToken: string | undefined;
  actorTokenType: string | undefined;
  /** The JWT bearer grant (RFC 7523 §2.1). */
  assertion: string | undefined;
}

type Param =
  | 'grant_type'
  | 'client_id'
  | 'client_secret'
  | 'scope'
  | 'token'
  | 'token_type_hint'
  | 'subject_token'
  | 'subject_token_type'
  | 'requested_token_type'
  | 'actor_token'
  | 'actor_token_type'
  | 'assertion';

/** Read once per request: the rate limit's key and the handler both need the parameters. */
const parsed = new WeakMap<FastifyRequest, TokenRequestParams>();

/**
 * Reads an OAuth endpoint request (token, introspection, revocation) as real clients send it
 * (docs/rules.md, "The token endpoint"): an urlencoded or multipart body (SailPoint's TypeScript
 * SDK), query-string parameters (SailPoint's docs and CLI), and HTTP Basic (`client_secret_basic`,
 * RFC 6749 §2.3.1). A parameter given twice with different values, or credentials in two places, is
 * `invalid_request` (RFC 6749 §3.2, §2.3).
 */
export function readOAuthParams(request: FastifyRequest): TokenRequestParams {
  let params = parsed.get(request);
  if (!params) {
    params = parseOAuthParams(request);
    parsed.set(request, params);
  }
  return params;
}

function parseOAuthParams(request: FastifyRequest): TokenRequestParams {
  const query = asRecord(request.query);
  const body = asRecord(request.body);
  const value = (name: Param): string | undefined => {
    const fromQuery = single(query[name], name);
    const fromBody = single(body[name], name);
    if (fromQuery !== undefined && fromBody !== undefined && fromQuery !== fromBody) {
      throw duplicateParameter(name);
    }
    return fromBody ?? fromQuery;
  };
  const params = {
    grantType: value('grant_type'),
    clientId: value('client_id'),
    clientSecret: value('client_secret'),
    scope: value('scope'),
    resources: [...many(query.resource, 'resource'), ...many(body.resource, 'resource')],
    token: value('token'),
    tokenTypeHint: value('token_type_hint'),
    subjectToken: value('subject_token'),
    subjectTokenType: value('subject_token_type'),
    requestedTokenType: value('requested_token_type'),
    actorToken: value('actor_token'),
    actorTokenType: value('actor_token_type'),
    assertion: value('assertion'),
  };

  const basic = readBasic(request.headers.authorization);
  if (basic) {
    if (
      params.clientSecret !== undefined ||
      (params.clientId !== undefined && params.clientId !== basic.id)
    ) {
      throw severalClientAuthMethods();
    }
    return { ...params, clientId: basic.id, clientSecret: basic.secret };
  }
  return params;
}

function readBasic(header: string | undefined): { id: string; secret: string } | undefined {
  if (!header || !/^basic /i.test(header)) return undefined;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) {
    throw malformedBasicCredentials();
  }
  // RFC 6749 §2.3.1: both parts are form-urlencoded before encoding.
  return { id: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
}

function formDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

function single(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    throw duplicateParameter(name);
  }
  throw parameterNotText(name);
}

function many(value: unknown, name: string): string[] {
  if (value === undefined) return [];
  const values = Array.isArray(value) ? (value as unknown[]) : [value];
  return values.map((v) => {
    if (typeof v !== 'string') {
      throw parameterNotText(name);
    }
    return v;
  });
}
