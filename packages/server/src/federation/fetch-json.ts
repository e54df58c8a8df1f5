import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import {
  checkUrl,
  pinnedLookup,
  resolvePermitted,
  type Resolve,
  type UrlPolicy,
} from '../notifications/ssrf-guard.js';

/** A key set or discovery document larger than this is refused. */
const MAX_BYTES = 256 * 1024;
const TIMEOUT_MS = 5000;

/** Why a document could not be had; the message is safe to show (it names the URL only). */
export class FetchFailed extends Error {
  override readonly name = 'FetchFailed';
}

/**
 * GETs a JSON document (an issuer's discovery document or key set) through the same SSRF guard as
 * webhooks: the URL's scheme and every address its host resolves to are checked, and the
 * connection goes to the addresses checked. No redirect is followed.
 */
export async function fetchJson(
  raw: string,
  policy: UrlPolicy,
  resolve: Resolve,
): Promise<Record<string, unknown>> {
  const url = checkUrl(raw, policy);
  const addresses = await resolvePermitted(url, policy, resolve);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const text = await new Promise<string>((done, fail) => {
    const req = send(url, {
      method: 'GET',
      lookup: pinnedLookup(addresses),
      headers: { accept: 'application/json', 'user-agent': 'Patina-Federation/1' },
    });
    const timer = setTimeout(
      () => req.destroy(new FetchFailed(`${url.origin} did not answer in time`)),
      TIMEOUT_MS,
    );
    req.on('error', (error) => {
      clearTimeout(timer);
      fail(error instanceof FetchFailed ? error : new FetchFailed(`${raw}: ${error.message}`));
    });
    req.on('response', (res: IncomingMessage) => {
      if (res.statusCode !== 200) {
        clearTimeout(timer);
        res.resume();
        fail(new FetchFailed(`${raw} answered ${res.statusCode ?? 'nothing'}`));
        return;
      }
      const chunks: Buffer[] = [];
      let read = 0;
      res.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read > MAX_BYTES) {
          req.destroy(new FetchFailed(`${raw} answered more than ${MAX_BYTES} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => {
        clearTimeout(timer);
        done(Buffer.concat(chunks).toString('utf8'));
      });
    });
    req.end();
  });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new FetchFailed(`${raw} did not answer JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new FetchFailed(`${raw} did not answer a JSON object`);
  }
  return value as Record<string, unknown>;
}
