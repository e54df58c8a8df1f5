import { describe, expect, it, vi } from 'vitest';
import { captureLogger, startTestApp, UNKNOWN_ID, V3 } from '../helpers.js';

interface LogLine {
  level: number;
  msg: string;
  reqId?: string;
  method?: string;
  path?: string;
  statusCode?: number;
  err?: { message: string };
}

const parse = (lines: string[]) => lines.map((line) => JSON.parse(line) as LogLine);

describe('request logging', () => {
  it('writes exactly one request line per request, whose reqId is the error trackingId', async () => {
    const log = captureLogger('debug');
    const t = await startTestApp({ logger: log.logger });
    const already = log.lines().length;

    const responses = [
      await t.request({ method: 'GET', url: '/health' }),
      await t.request({ method: 'GET', url: V3, token: t.admin.token }),
      await t.request({ method: 'GET', url: '/nowhere' }),
      await t.postPat({ name: 'x', colour: 'red' }),
      await t.request({
        method: 'GET',
        url: `/patina/v1/identities/${UNKNOWN_ID}`,
        token: t.admin.token,
      }),
    ];
    const lines = parse(log.lines().slice(already));
    expect(lines.every((line) => line.msg === 'request')).toBe(true);
    expect(lines.map((line) => [line.level, line.method, line.path, line.statusCode])).toEqual([
      // A passing health check is logged at debug (20), every other request at info (30).
      [20, 'GET', '/health', 200],
      [30, 'GET', V3, 200],
      [30, 'GET', '/nowhere', 404],
      [30, 'POST', V3, 400],
      [30, 'GET', `/patina/v1/identities/${UNKNOWN_ID}`, 404],
    ]);
    const ids = lines.map((line) => line.reqId);
    expect(new Set(ids).size).toBe(responses.length);
    for (const [i, res] of responses.entries()) {
      if (res.statusCode >= 400) {
        expect(res.json<{ trackingId: string }>().trackingId).toBe(ids[i]);
      }
    }
  });

  it('logs the cause of a 500 under the trackingId the client sees', async () => {
    const log = captureLogger();
    const t = await startTestApp({ logger: log.logger });
    vi.spyOn(t.services.storage.repos.pats, 'list').mockRejectedValue(new Error('boom'));
    const already = log.lines().length;
    const res = await t.request({
      method: 'GET',
      url: V3,
      token: t.admin.token,
    });
    expect(res.statusCode).toBe(500);
    const trackingId = res.json<{ trackingId: string }>().trackingId;
    const lines = parse(log.lines().slice(already));
    expect(lines.map((line) => [line.level, line.msg, line.reqId, line.err?.message])).toEqual([
      [50, 'request failed', trackingId, 'boom'],
      [30, 'request', trackingId, undefined],
    ]);
  });
});

describe('secrets in logs', () => {
  it('leaves no trace of a client_secret sent in the query string', async () => {
    const log = captureLogger();
    const t = await startTestApp({ logger: log.logger });
    const pat = await t.mintPat(t.admin.identity.id, { name: 'cli' });
    const query = (secret: string) =>
      new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: pat.id,
        client_secret: secret,
      }).toString();

    const ok = await t.app.inject({ method: 'POST', url: `/oauth/token?${query(pat.secret)}` });
    expect(ok.statusCode).toBe(200);
    const accessToken = ok.json<{ access_token: string }>().access_token;
    const wrong = 'patina_wrongwrongwrongwrongwrongwrongwrongwrongwrongwrongwrong';
    const bad = await t.app.inject({ method: 'POST', url: `/oauth/token?${query(wrong)}` });
    expect(bad.statusCode).toBe(401);
    const used = await t.request({
      method: 'GET',
      url: V3,
      token: accessToken,
    });
    expect(used.statusCode).toBe(200);

    const lines = log.lines();
    expect(parse(lines).filter((l) => l.path === '/oauth/token')).toHaveLength(3);
    for (const line of lines) {
      for (const secret of [pat.secret, wrong, t.admin.secret]) {
        expect(line.includes(secret)).toBe(false);
      }
      expect(line.includes(accessToken)).toBe(false);
      expect(line.includes(t.admin.token)).toBe(false);
      expect(line.includes('client_secret')).toBe(false);
    }
  });

  it('does not log the secret of a create response or the bearer token of the request', async () => {
    const log = captureLogger();
    const t = await startTestApp({ logger: log.logger });
    const created = await t.postPat({ name: 'fresh' });
    expect(created.statusCode).toBe(200);
    const secret = created.json<{ secret: string }>().secret;
    const refused = await t.postPat({ name: 'fresh' });
    expect(refused.statusCode).toBe(400);

    const lines = log.lines();
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const line of lines) {
      expect(line.includes(secret)).toBe(false);
      expect(line.includes(t.admin.token)).toBe(false);
      expect(line.includes('patina_')).toBe(false);
      expect(line.toLowerCase().includes('authorization')).toBe(false);
    }
  });
});
