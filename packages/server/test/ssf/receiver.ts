import { createLocalJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { expect } from 'vitest';
import type { TestApp } from '../helpers.js';

/**
 * A Shared Signals receiver written from the specifications alone (SSF 1.0, RFC 8417, RFC 8936),
 * with jose; nothing of Patina's code. It discovers the transmitter, keeps the stream it opened,
 * and verifies every SET it polls against the transmitter's jwks_uri.
 */
export class SpecReceiver {
  constructor(
    private readonly t: TestApp,
    readonly token: string,
  ) {}

  /** `/.well-known/ssf-configuration`: SSF 1.0 §7.2, appended to the issuer's host. */
  async discover(): Promise<Record<string, unknown>> {
    const res = await this.t.request({ method: 'GET', url: '/.well-known/ssf-configuration' });
    expect(res.statusCode).toBe(200);
    return res.json();
  }

  async createPollStream(events?: string[]): Promise<{ id: string; pollUrl: string; aud: string }> {
    const config = await this.discover();
    const res = await this.t.request({
      method: 'POST',
      url: path(config.configuration_endpoint),
      token: this.token,
      json: {
        delivery: { method: 'urn:ietf:rfc:8936' },
        ...(events && { events_requested: events }),
      },
    });
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json<{ stream_id: string; aud: string; delivery: { endpoint_url: string } }>();
    return { id: body.stream_id, pollUrl: body.delivery.endpoint_url, aud: body.aud };
  }

  /** RFC 8936 §2.4: one poll; returns the raw answer. */
  poll(pollUrl: string, body: Record<string, unknown>) {
    return this.t.request({ method: 'POST', url: path(pollUrl), token: this.token, json: body });
  }

  /**
   * Polls once without waiting, verifies every SET (signature against jwks_uri, typ
   * secevent+jwt, iss, aud; RFC 8417 §2.2 claims; no sub, no exp) and acknowledges them all.
   */
  async drain(stream: { pollUrl: string; aud: string }): Promise<VerifiedSet[]> {
    const config = await this.discover();
    const res = await this.poll(stream.pollUrl, { returnImmediately: true });
    expect(res.statusCode, res.body).toBe(200);
    const { sets, moreAvailable } = res.json<{
      sets: Record<string, string>;
      moreAvailable: boolean;
    }>();
    expect(moreAvailable).toBe(false);
    const jwks = await this.t.request({ method: 'GET', url: path(config.jwks_uri) });
    const keys = createLocalJWKSet(jwks.json());
    const verified: VerifiedSet[] = [];
    for (const [jti, jwt] of Object.entries(sets)) {
      const { payload, protectedHeader } = await jwtVerify(jwt, keys, {
        typ: 'secevent+jwt',
        issuer: config.issuer as string,
        audience: stream.aud,
        algorithms: ['RS256'],
      });
      expect(payload.jti).toBe(jti);
      expect(payload.sub).toBeUndefined();
      expect(payload.exp).toBeUndefined();
      expect(typeof payload.iat).toBe('number');
      expect(typeof payload.txn).toBe('string');
      const events = payload.events as Record<string, Record<string, unknown>>;
      expect(Object.keys(events)).toHaveLength(1);
      verified.push({
        payload,
        kid: protectedHeader.kid,
        type: Object.keys(events)[0]!,
        event: Object.values(events)[0]!,
      });
    }
    if (verified.length > 0) {
      const ack = await this.poll(stream.pollUrl, {
        ack: Object.keys(sets),
        maxEvents: 0,
        returnImmediately: true,
      });
      expect(ack.statusCode).toBe(200);
      expect(ack.json()).toEqual({ sets: {}, moreAvailable: false });
    }
    return verified;
  }
}

export interface VerifiedSet {
  payload: JWTPayload;
  kid: string | undefined;
  type: string;
  event: Record<string, unknown>;
}

/** The path of an absolute URL the transmitter gave, for the in-process app. */
export function path(url: unknown): string {
  const parsed = new URL(String(url));
  return `${parsed.pathname}${parsed.search}`;
}
