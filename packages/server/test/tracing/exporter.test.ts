import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { startTracing } from '../../src/tracing/start.js';
import { NO_TRACING, SPAN_NAMES } from '../../src/tracing/tracing.js';

/** What an OpenTelemetry collector's OTLP/HTTP receiver was sent. */
interface Export {
  path: string;
  headers: IncomingHttpHeaders;
  body: {
    resourceSpans: {
      resource: { attributes: { key: string; value: { stringValue?: string } }[] };
      scopeSpans: { spans: { name: string; traceId: string }[] }[];
    }[];
  };
}

/** A stand-in collector on 127.0.0.1 that keeps each export, answering `status`. */
async function collector(status = 200) {
  const exports: Export[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      exports.push({
        path: request.url ?? '',
        headers: request.headers,
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Export['body'],
      });
      response.writeHead(status, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as AddressInfo;
  return { exports, url: `http://127.0.0.1:${port}` };
}

/** The standard OpenTelemetry variables, for this test only. */
function stubEnv(variables: Record<string, string>): void {
  for (const [name, value] of Object.entries(variables)) vi.stubEnv(name, value);
  onTestFinished(() => {
    vi.unstubAllEnvs();
  });
}

describe('the OTLP exporter', () => {
  it('sends to the collector OTEL_EXPORTER_OTLP_ENDPOINT names, as OTEL_SERVICE_NAME', async () => {
    const { exports, url } = await collector();
    stubEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: url, OTEL_SERVICE_NAME: 'patina-eu-1' });
    const tracing = await startTracing({ enabled: true });
    await tracing.span(SPAN_NAMES.clientAuthentication, {}, () => Promise.resolve());
    await tracing.close();

    expect(exports).toHaveLength(1);
    const [sent] = exports;
    expect(sent!.path).toBe('/v1/traces');
    expect(sent!.headers['content-type']).toBe('application/json');
    const [resourceSpans] = sent!.body.resourceSpans;
    const attributes = Object.fromEntries(
      resourceSpans!.resource.attributes.map((a) => [a.key, a.value.stringValue]),
    );
    expect(attributes['service.name']).toBe('patina-eu-1');
    expect(attributes['service.version']).toMatch(/^\d+\.\d+\.\d+/);
    expect(resourceSpans!.scopeSpans.flatMap((s) => s.spans.map((span) => span.name))).toEqual([
      'patina.client_authentication',
    ]);
  });

  it('names the service `patina`, and follows OTEL_TRACES_SAMPLER', async () => {
    const { exports, url } = await collector();
    stubEnv({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${url}/traces` });
    const on = await startTracing({ enabled: true });
    await on.span(SPAN_NAMES.delivery, {}, () => Promise.resolve(), { root: true });
    await on.close();
    expect(exports.map((e) => e.path)).toEqual(['/traces']);
    const service = exports[0]!.body.resourceSpans[0]!.resource.attributes.find(
      (a) => a.key === 'service.name',
    );
    expect(service?.value.stringValue).toBe('patina');

    stubEnv({ OTEL_TRACES_SAMPLER: 'always_off' });
    const sampledOut = await startTracing({ enabled: true });
    await sampledOut.span(SPAN_NAMES.delivery, {}, () => Promise.resolve(), { root: true });
    await sampledOut.close();
    expect(exports).toHaveLength(1);
  });

  it('logs a failed export once, without what it sent', async () => {
    const { exports, url } = await collector(400);
    stubEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: url });
    const lines: Record<string, unknown>[] = [];
    const logger = pino(
      { level: 'warn' },
      { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
    );
    const tracing = await startTracing({ enabled: true }, { logger });
    await tracing.span(SPAN_NAMES.clientAuthentication, {}, () => Promise.resolve());
    await tracing.close();
    expect(exports).toHaveLength(1);
    expect(
      lines.map(({ msg, spans, err }) => ({
        msg,
        spans,
        err: (err as { message: string }).message,
      })),
    ).toEqual([
      {
        msg: 'trace export failed; spans dropped (OTEL_EXPORTER_OTLP_ENDPOINT)',
        spans: 1,
        err: 'Bad Request',
      },
    ]);
    expect(JSON.stringify(lines)).not.toContain('patina.client_authentication');
  });

  it('is not started when tracing is off', async () => {
    expect(await startTracing({ enabled: false })).toBe(NO_TRACING);
  });
});
