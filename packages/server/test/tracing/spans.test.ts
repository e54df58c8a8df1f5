import { ADMIN_BASE, SECRET_CANDIDATE_PATTERN } from '@patina/contract';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { deliver, LOCAL_WEBHOOKS, Receiver, subscribe } from '../notifications/receivers.js';
import { startTestApp, V3 } from '../helpers.js';
import { spanText, startTracedApp } from './traced-app.js';

/** A W3C trace context header, as a caller's own tracing would send it. */
const CALLER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';
const TRACEPARENT = `00-${CALLER_TRACE}-${CALLER_SPAN}-01`;

/** A pino logger whose lines land in `lines`, parsed. */
function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'info' },
    { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
  );
  return { logger, lines };
}

describe('traces', () => {
  it('name routes, outcomes and operations, and never a secret, a token or a digest', async () => {
    const { t, spans } = await startTracedApp({ config: LOCAL_WEBHOOKS });
    const receiver = await Receiver.start(t.clock);
    const webhook = await subscribe(t, receiver, ['identity.created']);

    // A create through the API, exchanges (one refused), a rotation, a bearer-checked list.
    const created = await t.postPat({ name: 'ci' });
    expect(created.statusCode).toBe(200);
    const pat = created.json<{ id: string; secret: string }>();
    const token = await t.accessToken(pat.id, pat.secret);
    expect((await t.exchange(pat.id, `${pat.secret.slice(0, -1)}x`)).statusCode).toBe(401);
    const rotated = await t.request({
      method: 'POST',
      url: `${ADMIN_BASE}/personal-access-tokens/${pat.id}/rotate`,
      token: t.admin.token,
      json: { gracePeriodSeconds: 60 },
    });
    expect(rotated.statusCode).toBe(200);
    const newSecret = rotated.json<{ secret: string }>().secret;
    const newToken = await t.accessToken(pat.id, newSecret);
    const list = await t.request({ method: 'GET', url: `${V3}?limit=5`, token: newToken });
    expect(list.statusCode).toBe(200);
    // A new identity queues a webhook delivery, which the worker sends to the receiver.
    const bea = await t.user({ name: 'Bea', login: 'bea' });
    await deliver(t);
    expect(receiver.events).toHaveLength(1);

    const digests = await t.storage.db
      .selectFrom('personal_access_tokens')
      .select(['secret_digest', 'previous_secret_digest'])
      .execute();
    const secrets = [
      t.admin.secret,
      t.admin.token,
      pat.secret,
      token,
      newSecret,
      newToken,
      bea.secret,
      bea.token,
      webhook.secret,
      ...digests.flatMap((row) => [row.secret_digest, row.previous_secret_digest ?? []].flat()),
    ];
    expect(secrets.length).toBeGreaterThan(12);

    const all = spans();
    const texts = all.map(spanText);
    const leaks = secrets.filter((secret) => texts.some((text) => text.includes(secret)));
    expect(leaks).toEqual([]);
    expect(texts.filter((text) => new RegExp(SECRET_CANDIDATE_PATTERN).test(text))).toEqual([]);
    expect(texts.filter((text) => /bearer|client_secret|whsec_|\?limit/i.test(text))).toEqual([]);

    const names = new Set(all.map((span) => span.name));
    for (const name of [
      'POST /oauth/token',
      'POST /v3/personal-access-tokens',
      'POST /patina/v1/personal-access-tokens/:id/rotate',
      'GET /v3/personal-access-tokens',
      'patina.client_authentication',
      'patina.access_token.sign',
      'patina.outbox.delivery',
      'SELECT',
      'INSERT',
      'UPDATE',
    ]) {
      expect(names, name).toContain(name);
    }
    // The work of a request is in its span: authentication and signing in the token endpoint's.
    const nameOf = new Map(all.map((span) => [span.spanContext().spanId, span.name]));
    const parents = (name: string) =>
      new Set(
        all
          .filter((span) => span.name === name)
          .map((span) => nameOf.get(span.parentSpanContext?.spanId ?? '')),
      );
    expect(parents('patina.client_authentication')).toEqual(new Set(['POST /oauth/token']));
    expect(parents('patina.access_token.sign')).toEqual(new Set(['POST /oauth/token']));
    expect(parents('patina.outbox.delivery')).toEqual(new Set([undefined]));
    // Client authentication says how it ended, as the audit trail does.
    const outcomes = all
      .filter((span) => span.name === 'patina.client_authentication')
      .map((span) => span.attributes['patina.client_authentication.outcome']);
    expect(new Set(outcomes)).toEqual(new Set(['success', 'wrong_secret']));
    const listSpan = all.find((span) => span.name === 'GET /v3/personal-access-tokens')!;
    expect(listSpan.attributes).toEqual({
      'http.request.method': 'GET',
      'http.route': '/v3/personal-access-tokens',
      'http.response.status_code': 200,
    });
    // Queries name their operation, nothing of their text or parameters.
    const query = all.find((span) => span.name === 'SELECT')!;
    expect(Object.keys(query.attributes).sort()).toEqual(['db.operation.name', 'db.system.name']);

    // The delivery's POST carried the delivery span's trace context.
    const delivery = all.find((span) => span.name === 'patina.outbox.delivery')!;
    expect(delivery.attributes).toEqual({
      'patina.outbox': 'webhook',
      'patina.delivery.attempt': 1,
      'patina.delivery.outcome': 'delivered',
      'http.response.status_code': 200,
    });
    const sent = String(receiver.received[0]!.headers.traceparent);
    const { traceId, spanId } = delivery.spanContext();
    expect(sent).toMatch(new RegExp(`^00-${traceId}-${spanId}-0[01]$`));
  });

  it("continues the caller's trace, and the work of the request is in it", async () => {
    const { t, spans } = await startTracedApp();
    const response = await t.request({
      method: 'GET',
      url: V3,
      token: t.admin.token,
      headers: { traceparent: TRACEPARENT },
    });
    expect(response.statusCode).toBe(200);
    const request = spans().find((span) => span.name === 'GET /v3/personal-access-tokens')!;
    expect(request.spanContext().traceId).toBe(CALLER_TRACE);
    expect(request.parentSpanContext?.spanId).toBe(CALLER_SPAN);
    const children = spans().filter(
      (span) => span.parentSpanContext?.spanId === request.spanContext().spanId,
    );
    expect(children.map((span) => span.name)).toContain('SELECT');

    // Without one (or with a malformed one), a trace of its own.
    await t.request({ method: 'GET', url: V3, token: t.admin.token });
    await t.request({
      method: 'GET',
      url: V3,
      token: t.admin.token,
      headers: { traceparent: `00-${CALLER_TRACE}-zz-01` },
    });
    const own = spans()
      .filter((span) => span.name === 'GET /v3/personal-access-tokens')
      .slice(1)
      .map((span) => span.spanContext().traceId);
    expect(own).toHaveLength(2);
    expect(own).not.toContain(CALLER_TRACE);
    expect(own[0]).not.toBe(own[1]);
  });

  it('says a throttled authentication was throttled', async () => {
    const { t, spans } = await startTracedApp({
      config: { policy: { lockout: { maxFailures: 1 } } },
    });
    const wrong = `${t.admin.secret.slice(0, -1)}x`;
    expect((await t.exchange(t.admin.patId, wrong)).statusCode).toBe(401);
    expect((await t.exchange(t.admin.patId, wrong)).statusCode).toBe(429);
    const failures = spans()
      .filter((span) => span.name === 'patina.client_authentication')
      .slice(-2)
      .map((span) => [span.attributes['patina.client_authentication.outcome'], span.status.code]);
    expect(failures).toEqual([
      ['wrong_secret', 2],
      ['throttled', 2],
    ]);
  });

  it('names a request no route matched by its method only, without its path', async () => {
    const { t, spans } = await startTracedApp();
    await t.request({ method: 'GET', url: '/no/such/path?token=x' });
    const span = spans().find((s) => s.attributes['http.response.status_code'] === 404)!;
    expect(span.name).toBe('GET');
    expect(spanText(span)).not.toMatch(/no\/such|token=x/);
    expect(span.attributes).toEqual({
      'http.request.method': 'GET',
      'http.response.status_code': 404,
    });
  });

  it('puts the trace id on every log line of a request', async () => {
    const { logger, lines } = capturingLogger();
    const { t, spans } = await startTracedApp({ logger });
    expect(t.app.printRoutes({ includeHooks: true })).toMatch(
      /startRequestSpan\(\)[\s\S]*reenterRequestSpan\(\)[\s\S]*endRequestSpan\(\)/,
    );
    await t.request({
      method: 'GET',
      url: V3,
      token: t.admin.token,
      headers: { traceparent: TRACEPARENT },
    });
    const requestLines = lines.filter((line) => line.reqId !== undefined);
    expect(requestLines.length).toBeGreaterThan(0);
    expect(requestLines.filter((line) => typeof line.traceId !== 'string')).toEqual([]);
    const last = requestLines.at(-1)!;
    expect(last).toMatchObject({ msg: 'request', traceId: CALLER_TRACE });
    expect(spans().some((span) => span.spanContext().traceId === last.traceId)).toBe(true);
  });
});

describe('tracing off (the default)', () => {
  it('adds no hook, makes no span and writes no trace id', async () => {
    const { logger, lines } = capturingLogger();
    const t = await startTestApp({ logger });
    expect(t.services.config.tracing.enabled).toBe(false);
    expect(t.services.tracing.enabled).toBe(false);
    const routes = t.app.printRoutes({ includeHooks: true });
    expect(routes).toContain('(onRequest)');
    expect(routes).not.toMatch(/RequestSpan/);
    const response = await t.request({
      method: 'GET',
      url: V3,
      token: t.admin.token,
      headers: { traceparent: TRACEPARENT },
    });
    expect(response.statusCode).toBe(200);
    expect(lines.filter((line) => 'traceId' in line)).toEqual([]);
    expect(lines.some((line) => line.msg === 'request')).toBe(true);
  });
});
