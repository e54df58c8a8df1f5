import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Configuration } from 'sailpoint-api-client';
import { expect, onTestFinished } from 'vitest';
import { HEX32, type TestApp } from '../helpers.js';

/** SailPoint's own SDK (`sailpoint-api-client`) pointed at a Patina listening on a real port. */

const PROXY_VARS = [
  'HTTP_PROXY',
  'http_proxy',
  'HTTPS_PROXY',
  'https_proxy',
  'ALL_PROXY',
  'all_proxy',
];

/** Axios honours proxy variables for http:// URLs; keep them away from 127.0.0.1. */
function withoutProxies(): void {
  const saved = new Map(PROXY_VARS.map((name) => [name, process.env[name]]));
  for (const name of PROXY_VARS) delete process.env[name];
  onTestFinished(() => {
    for (const [name, value] of saved) {
      if (value !== undefined) process.env[name] = value;
    }
  });
}

export interface SeenRequest {
  method: string | undefined;
  url: string | undefined;
  contentType: string | undefined;
  userAgent: string | undefined;
  sdkHeader: string | string[] | undefined;
}

/**
 * Listens on a real port and records the head of every request the HTTP server receives (a
 * second 'request' listener only observes; Fastify still answers).
 */
export async function listen(t: TestApp): Promise<{ base: string; seen: SeenRequest[] }> {
  withoutProxies();
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  const seen: SeenRequest[] = [];
  t.app.server.on('request', (request: IncomingMessage) => {
    seen.push({
      method: request.method,
      url: request.url,
      contentType: request.headers['content-type'],
      userAgent: request.headers['user-agent'],
      sdkHeader: request.headers['x-sailpoint-sdk'],
    });
  });
  const { port } = t.app.server.address() as AddressInfo;
  return { base: `http://127.0.0.1:${port}`, seen };
}

/** A Configuration as SailPoint's docs show it; the SDK fetches its token in the constructor. */
export async function sdkConfiguration(
  base: string,
  clientId: string,
  clientSecret: string,
): Promise<Configuration> {
  const cfg = new Configuration({
    baseurl: base,
    clientId,
    clientSecret,
    tokenUrl: `${base}/oauth/token`,
  });
  cfg.retriesConfig = { retries: 0 };
  await cfg.accessToken;
  return cfg;
}

export const SDK_USER_AGENT = /^OpenAPI-Generator\/\d+\.\d+\.\d+\/ts$/;
export const MY_READ = 'sp:my-personal-access-tokens:read';

/** The error a rejected SDK call settles with (undefined if it resolved). */
export function rejection(call: Promise<unknown>): Promise<unknown> {
  return call.then(
    () => undefined,
    (error: unknown) => error,
  );
}

/** The axios error the SDK rejects with when Patina answers a SailPoint error body. */
export function sailPointRejection(
  status: number,
  detailCode: string,
  text: string,
  causes: unknown,
) {
  return {
    isAxiosError: true,
    response: {
      status,
      data: {
        detailCode,
        trackingId: expect.stringMatching(HEX32) as unknown,
        messages: [{ locale: 'en-US', localeOrigin: 'DEFAULT', text }],
        causes,
      },
    },
  };
}
