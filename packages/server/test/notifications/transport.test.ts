import { describe, expect, it } from 'vitest';
import { HttpWebhookTransport } from '../../src/notifications/webhook-sender.js';
import { eventually } from '../poll.js';
import { Receiver } from './receivers.js';

const STRICT = { allowHttp: false, allowPrivateNetworks: false };

describe('the webhook transport', () => {
  it('refuses a private address by default and connects nowhere', async () => {
    const receiver = await Receiver.start();
    const https = receiver.url.replace('http://', 'https://');
    const transport = new HttpWebhookTransport({ policy: { ...STRICT, allowHttp: true } });
    const result = await transport.send({ url: receiver.url, headers: {}, body: '{}' });
    expect(result).toMatchObject({
      statusCode: null,
      error:
        "'url' must reach a public address: 127.0.0.1 is private, loopback or reserved (webhooks.allowPrivateNetworks)",
    });
    const strict = await new HttpWebhookTransport({ policy: STRICT }).send({
      url: https,
      headers: {},
      body: '{}',
    });
    expect(strict.error).toMatch(/^'url' must reach a public address/);
    expect(receiver.received).toEqual([]);
  });

  it('checks the addresses at send time: a name that now resolves to loopback is refused', async () => {
    const receiver = await Receiver.start();
    const port = new URL(receiver.url).port;
    let answer = '93.184.216.34';
    const transport = new HttpWebhookTransport({
      policy: { allowHttp: true, allowPrivateNetworks: false },
      resolve: () => Promise.resolve([{ address: answer, family: 4 }]),
    });
    answer = '127.0.0.1';
    const result = await transport.send({
      url: `http://hooks.example.com:${port}/hook`,
      headers: {},
      body: '{}',
    });
    expect(result.error).toBe(
      "'url' must reach a public address: 127.0.0.1 is private, loopback or reserved (webhooks.allowPrivateNetworks)",
    );
    // Marked as the guard's refusal, which no retry can mend (a push stream is then disabled).
    expect(result.refused).toBe(true);
    expect(receiver.received).toEqual([]);
  });

  it('connects to the address it checked, whatever the system resolver says', async () => {
    const receiver = await Receiver.start();
    const port = new URL(receiver.url).port;
    const transport = new HttpWebhookTransport({
      policy: { allowHttp: true, allowPrivateNetworks: true },
      resolve: () => Promise.resolve([{ address: '127.0.0.1', family: 4 }]),
    });
    const result = await transport.send({
      url: `http://hooks.invalid:${port}/hook`,
      headers: {},
      body: '{}',
    });
    expect(result).toMatchObject({ statusCode: 200, error: null });
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]!.headers.host).toBe(`hooks.invalid:${port}`);
  });

  it('gives up on a receiver that does not answer in time', async () => {
    const receiver = await Receiver.start();
    receiver.answer = () => 'hang';
    const transport = new HttpWebhookTransport({
      policy: { allowHttp: true, allowPrivateNetworks: true },
      timeoutMs: 300,
    });
    const result = await transport.send({ url: receiver.url, headers: {}, body: '{}' });
    expect(result).toMatchObject({
      statusCode: null,
      error: 'timeout: no answer within the time allowed',
    });
    expect(result.durationMs).toBeGreaterThanOrEqual(290);
    expect(result.refused).toBeUndefined();
  });

  it('ends a request at once when its signal aborts (the node is shutting down)', async () => {
    const receiver = await Receiver.start();
    receiver.answer = () => 'hang';
    const transport = new HttpWebhookTransport({
      policy: { allowHttp: true, allowPrivateNetworks: true },
    });
    const abort = new AbortController();
    const sent = transport.send({
      url: receiver.url,
      headers: {},
      body: '{}',
      signal: abort.signal,
    });
    await eventually(
      'the receiver got the request',
      2000,
      () => Promise.resolve(receiver.received.length),
      (n) => n === 1,
    );
    abort.abort();
    const result = await sent;
    expect(result).toMatchObject({ statusCode: null, error: 'request failed: ABORT_ERR' });
    expect(result.durationMs).toBeLessThan(2000);
  });
});
