import type { Server } from 'node:http';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';
import * as client from 'openid-client';
import { onTestFinished } from 'vitest';
import { freePort } from '../helpers.js';

/**
 * A CI platform's OIDC issuer, as GitHub Actions' or a self-managed GitLab's is: a real OpenID
 * provider (oidc-provider, certified, unchanged) on loopback, publishing its discovery document
 * and its key set. Each job is one of its clients. A job's token is the provider's own RFC 9068
 * JWT, issued by its client_credentials grant for the audience asked as an RFC 8707 resource
 * (as GitHub's `audience` parameter), RS256-signed with the key of its JWKS, and carrying the
 * job's claims (sub, repository, ref, ...) through the provider's JWT customizer.
 */
export interface CiIssuer {
  issuer: string;
  /** A fresh token of `job` for `audience`, fetched as the job's runner does (openid-client). */
  token(job: string, audience: string): Promise<string>;
}

/** The claims of a job's token, by the job's name (its client id at the provider). */
export type CiJobs = Record<string, Record<string, unknown>>;

/** What the customizer is handed of the token being issued and of the JWT being built. */
interface IssuedToken {
  clientId: string;
}
interface StructuredJwt {
  payload: Record<string, unknown>;
}

const JOB_SECRET = 'a-runner-secret-the-ci-platform-keeps-0123456789';
const TOKEN_TTL_SECONDS = 300;

export async function startCiIssuer(jobs: CiJobs): Promise<CiIssuer> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const provider = new Provider(issuer, {
    jwks: { keys: [{ ...(await exportJWK(privateKey)), kid: 'ci-signing-1', use: 'sig' }] },
    clients: Object.keys(jobs).map((job) => ({
      client_id: job,
      client_secret: JOB_SECRET,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
    })),
    features: {
      // No sign-in pages: a job's token comes from the client_credentials grant alone.
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        getResourceServerInfo: (_ctx: unknown, resource: string) => ({
          scope: 'ci',
          audience: resource,
          accessTokenFormat: 'jwt',
          accessTokenTTL: TOKEN_TTL_SECONDS,
          jwt: { sign: { alg: 'RS256' } },
        }),
      },
    },
    formats: {
      customizers: {
        jwt: (_ctx: unknown, token: IssuedToken, jwt: StructuredJwt) => {
          Object.assign(jwt.payload, jobs[token.clientId]);
        },
      },
    },
    cookies: { keys: ['oidc-provider-test-cookie-key'] },
    // Set, so the provider does not log a notice for each default it falls back to.
    ttl: { ClientCredentials: TOKEN_TTL_SECONDS },
  });
  const server: Server = provider.listen(port, '127.0.0.1');
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return {
    issuer,
    async token(job, audience) {
      const config = await client.discovery(new URL(issuer), job, JOB_SECRET, undefined, {
        execute: [client.allowInsecureRequests],
      });
      const response = await client.clientCredentialsGrant(config, { resource: audience });
      return response.access_token;
    },
  };
}
