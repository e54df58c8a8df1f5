import { JWT_BEARER_GRANT, TOKEN_EXCHANGE_GRANT, TOKEN_TYPES } from '@patina/contract';
import { SYSTEM_CONTEXT } from '../../src/access/context.js';
import { ISSUER, startTestApp, type TestApp } from '../helpers.js';

export const TRUST_POLICIES = '/patina/v1/federation/trust-policies';

/** Issuers on loopback over http: what the tests' own issuers are. */
export const LOCAL_FEDERATION = { federation: { allowHttp: true, allowPrivateNetworks: true } };

/** A Patina app on the real clock (incoming tokens carry real times) with a service identity. */
export async function startFederationApp(
  config: Record<string, unknown> = {},
): Promise<{ t: TestApp; serviceId: string }> {
  const t = await startTestApp({ config: { ...LOCAL_FEDERATION, ...config } });
  // Incoming tokens carry real times, so the app runs on today: the test administrator made at
  // the test clock's start is replaced by one made now.
  t.clock.set(new Date());
  t.admin = await t.user({ name: 'Fay Federation', login: 'fay', roles: ['ORG_ADMIN'] });
  const service = await t.services.identities.create(SYSTEM_CONTEXT, {
    name: 'Deploy bot',
    login: 'deploy-bot',
    roles: ['USER'],
    rights: ['orders:read', 'orders:write'],
  });
  return { t, serviceId: service.id };
}

/** Creates a trust policy through the API as the administrator; its body. */
export async function createPolicy(
  t: TestApp,
  body: Record<string, unknown>,
): Promise<{ id: string } & Record<string, unknown>> {
  const res = await t.request({
    method: 'POST',
    url: TRUST_POLICIES,
    token: t.admin.token,
    json: body,
  });
  if (res.statusCode !== 201) throw new Error(`create: ${res.statusCode} ${res.body}`);
  return res.json();
}

/** RFC 8693 token exchange of a JWT. */
export function tokenExchange(
  t: TestApp,
  subjectToken: string,
  extra: Record<string, string> = {},
) {
  return t.postForm('/oauth/token', {
    grant_type: TOKEN_EXCHANGE_GRANT,
    subject_token: subjectToken,
    subject_token_type: TOKEN_TYPES.jwt,
    ...extra,
  });
}

/** The RFC 7523 JWT bearer grant. */
export function jwtBearer(t: TestApp, assertion: string, extra: Record<string, string> = {}) {
  return t.postForm('/oauth/token', { grant_type: JWT_BEARER_GRANT, assertion, ...extra });
}

/** Patina's own audience, the default a policy requires. */
export const PATINA_AUDIENCE = ISSUER;
