import type { AccessTokenClaims } from '@patina/contract';
import { expressVerifier, fastifyVerifier, VerifyError, type Verifier } from '@patina/verify';
import Fastify from 'fastify';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { V3 } from '../helpers.js';
import { POLL, STALE, timeToRefusal, verifiedPatina } from './verify-harness.js';

/**
 * @patina/verify's middleware in front of a resource server of each framework, over real HTTP:
 * a live token reaches the route with its claims; a missing one answers 401 invalid_request, a
 * refused one 401 invalid_token (RFC 6750 §3), a stale stream 503.
 */

const TIMEOUT = { timeout: 30_000 };
const MISSING = {
  status: 401,
  challenge: 'Bearer realm="api"',
  body: { error: 'invalid_request', error_description: 'A Bearer token is required' },
};
const refused = (description: string) => ({
  status: 401,
  challenge: 'Bearer realm="api", error="invalid_token"',
  body: { error: 'invalid_token', error_description: description },
});

/** An orders API on Fastify, its route answering the caller's claims. */
async function fastifyApi(verifier: Verifier): Promise<string> {
  const app = Fastify();
  app.addHook('onRequest', fastifyVerifier(verifier));
  app.get('/orders', (request) => ({
    client_id: (request as unknown as { patina: AccessTokenClaims }).patina.client_id,
  }));
  onTestFinished(() => app.close());
  return app.listen({ host: '127.0.0.1', port: 0 });
}

/** The same API in Express's shape (req, res, next) on node:http, as Express calls middleware. */
async function expressApi(verifier: Verifier): Promise<string> {
  const middleware = expressVerifier(verifier);
  const server: Server = createServer((req, res) => {
    const request = req as IncomingMessage & { patina?: AccessTokenClaims };
    const json = (status: number, headers: Record<string, string>, body: unknown) => {
      res.writeHead(status, { ...headers, 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    middleware(
      request,
      {
        status: (code) => ({
          set: (name, value) => ({ json: (body) => json(code, { [name]: value }, body) }),
        }),
      },
      () => json(200, {}, { client_id: request.patina?.client_id }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function call(api: string, authorization?: string) {
  const response = await fetch(`${api}/orders`, {
    headers: authorization === undefined ? {} : { authorization },
  });
  return {
    status: response.status,
    challenge: response.headers.get('www-authenticate'),
    body: (await response.json()) as unknown,
  };
}

describe.each([
  ['Fastify', fastifyApi],
  ['Express', expressApi],
])('@patina/verify middleware for %s', (_name, start) => {
  it(
    'lets a live token through with its claims, and answers 401 without one',
    TIMEOUT,
    async () => {
      const p = await verifiedPatina();
      const api = await start(await p.verifier());
      const token = p.t.admin.token;
      expect(await call(api, `Bearer ${token}`)).toEqual({
        status: 200,
        challenge: null,
        body: { client_id: p.t.admin.patId },
      });
      expect(await call(api, `bearer ${token}`)).toMatchObject({ status: 200 });
      expect(await call(api)).toEqual(MISSING);
      expect(await call(api, `Basic ${btoa('a:b')}`)).toEqual(MISSING);
      expect(await call(api, 'Bearer')).toEqual(MISSING);
      expect(await call(api, `Bearer ${token} extra`)).toEqual(MISSING);
    },
  );

  it('answers 401 invalid_token for a refused token, never echoing it', TIMEOUT, async () => {
    const p = await verifiedPatina();
    const verifier = await p.verifier();
    const api = await start(verifier);
    const dev = await p.t.user({ name: 'Dev', login: 'dev' });
    expect(await call(api, 'Bearer not.a.jwt')).toEqual(
      refused('The access token is not valid: ERR_JWS_INVALID'),
    );
    const deleted = await p.t.request({
      method: 'DELETE',
      url: `${V3}/${dev.patId}`,
      token: p.t.admin.token,
    });
    expect(deleted.statusCode).toBe(204);
    await timeToRefusal(verifier, dev.token, performance.now());
    const answer = await call(api, `Bearer ${dev.token}`);
    expect(answer).toEqual(
      refused(
        'The personal access token or trust policy of this token was revoked, deleted or changed after it was issued',
      ),
    );
    expect(JSON.stringify(answer)).not.toContain(dev.token.split('.')[2]);
  });

  it(
    'answers 503 while the stream is stale, or introspection cannot be reached',
    TIMEOUT,
    async () => {
      const p = await verifiedPatina();
      const failing = await start(await p.verifier());
      const asking = await start(await p.verifier({ whenStale: 'introspect' }));
      p.network.refuse(POLL, '/oauth/introspect');
      p.advance(5001);
      const unavailable = (description: string) => ({
        status: 503,
        challenge: 'Bearer realm="api"',
        body: { error: 'temporarily_unavailable', error_description: description },
      });
      expect(await call(failing, `Bearer ${p.t.admin.token}`)).toEqual(unavailable(STALE(5000)));
      expect(await call(asking, `Bearer ${p.t.admin.token}`)).toEqual(
        unavailable('Introspection could not be reached'),
      );
    },
  );

  it('answers 401 without detail when the verifier fails otherwise', TIMEOUT, async () => {
    const broken: Verifier = {
      verify: () => Promise.reject(new TypeError('Cannot read properties of undefined')),
      fresh: true,
      streamId: '',
      close: () => Promise.resolve(),
    };
    const api = await start(broken);
    expect(await call(api, 'Bearer x')).toEqual(refused('The access token is not valid'));
    const typed: Verifier = {
      ...broken,
      verify: () => Promise.reject(new VerifyError('ERR_TOKEN_REVOKED', 'Revoked')),
    };
    expect(await call(await start(typed), 'Bearer x')).toEqual(refused('Revoked'));
  });
});
