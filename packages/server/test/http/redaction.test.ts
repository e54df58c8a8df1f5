import { describe, expect, it } from 'vitest';
import { captureLogger, startTestApp, type TestApp, V3 } from '../helpers.js';

/**
 * People paste credentials into the wrong field. Whatever field it was, the secret or token is
 * never repeated: not in the error body, not in any log line (the renderer redacts every
 * secret-shaped and JWT-shaped substring, and each message quotes at most a short stretch of
 * input).
 */
type Send = (t: TestApp, credential: string) => Promise<{ statusCode: number; body: string }>;

const json = (t: TestApp, method: 'POST' | 'PATCH', url: string, body: unknown) =>
  t.request({ method, url, token: t.admin.token, json: body });

const PLACES: Record<string, Send> = {
  'token endpoint scope': (t, c) => t.exchange(t.admin.patId, t.admin.secret, { scope: c }),
  'token endpoint resource': (t, c) => t.exchange(t.admin.patId, t.admin.secret, { resource: c }),
  'token endpoint resource URL': (t, c) =>
    t.exchange(t.admin.patId, t.admin.secret, { resource: `https://api.example/${c}` }),
  sorters: (t, c) =>
    t.request({ method: 'GET', url: `${V3}?owner-id=me&sorters=${c}`, token: t.admin.token }),
  filters: (t, c) =>
    t.request({
      method: 'GET',
      url: `${V3}?owner-id=me&filters=${encodeURIComponent(`lastUsed le ${c}`)}`,
      token: t.admin.token,
    }),
  'filters field': (t, c) =>
    t.request({
      method: 'GET',
      url: `${V3}?owner-id=me&filters=${encodeURIComponent(`${c} isnull`)}`,
      token: t.admin.token,
    }),
  'audit type': (t, c) =>
    t.request({ method: 'GET', url: `/patina/v1/audit-events?type=${c}`, token: t.admin.token }),
  'identity roles': (t, c) =>
    json(t, 'POST', '/patina/v1/identities', { name: 'Eve', login: 'eve', roles: [c] }),
  'identity rights': (t, c) =>
    json(t, 'POST', '/patina/v1/identities', { name: 'Eve', login: 'eve', rights: [c] }),
  'PAT scope item': (t, c) => t.postPat({ name: 'ci', scope: [c] }),
  'unknown body field name': (t, c) => t.postPat({ name: 'ci', [c]: true }),
  'JSON Patch path': (t, c) =>
    json(t, 'PATCH', `${V3}/${t.admin.patId}`, [{ op: 'replace', path: `/${c}`, value: 1 }]),
  'JSON Patch member name': (t, c) =>
    json(t, 'PATCH', `${V3}/${t.admin.patId}`, [
      { op: 'replace', path: '/name', value: 'x', [c]: 1 },
    ]),
};

describe('credentials pasted into a request never come back', () => {
  it.each(Object.keys(PLACES))('%s', async (place) => {
    const { logger, lines } = captureLogger();
    const t = await startTestApp({ logger });
    const send = PLACES[place]!;
    const credentials = {
      secret: t.admin.secret,
      'access token': t.admin.token,
    };
    for (const [kind, credential] of Object.entries(credentials)) {
      const response = await send(t, credential);
      expect(response.statusCode, `${kind}: ${response.statusCode}`).toBeGreaterThanOrEqual(400);
      expect(response.statusCode).toBeLessThan(500);
      // The whole credential, and the part of it a reader could not guess.
      const secretPart = kind === 'secret' ? credential.slice(12, 40) : credential.split('.')[2]!;
      for (const text of [response.body, ...lines()]) {
        expect(text).not.toContain(credential);
        expect(text).not.toContain(secretPart.slice(0, 20));
      }
    }
  });
});
