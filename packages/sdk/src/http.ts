import { PatinaApiError, PatinaConnectionError } from './errors.js';

/** How the client retries answers that say "later" (429 and 503). */
export interface RetryOptions {
  /** Retries after the first attempt; 0 turns retrying off. Default 2. */
  maxRetries?: number;
  /**
   * Longest wait the client accepts, in milliseconds. A `Retry-After` asking for more is not
   * waited out: the error is thrown at once, its `retryAfterSeconds` telling the caller. Default
   * 30000.
   */
  maxDelayMs?: number;
}

export interface RequestOptions {
  /** Cancels the request, and any wait before a retry. */
  signal?: AbortSignal | undefined;
}

export interface HttpRequest extends RequestOptions {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** The path with its parameters filled in. */
  path: string;
  /** The same path as a template (`/v3/personal-access-tokens/{id}`): what errors name. */
  route: string;
  query?: Record<string, string | number | boolean | undefined> | undefined;
  headers?: Record<string, string>;
  /** Sent as is: a string body (JSON or a form) so a retry can send it again. */
  body?: string;
  /**
   * The media type asked for (default application/json). Any other (`text/csv`) makes a 2xx
   * answer's body its text, as is; error answers are read as JSON still.
   */
  accept?: string;
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  body: unknown;
}

const JSON_TYPE = 'application/json';
const DEFAULT_MAX_RETRIES = 2;
const DEFAULT_MAX_DELAY_MS = 30_000;
/** Without a Retry-After: 1 s, then 2 s, … */
const BACKOFF_BASE_MS = 1000;

/**
 * One HTTP exchange with Patina, with the retries of 429 and 503 (RFC 9110 §10.2.3
 * `Retry-After`, in seconds or as an HTTP date). Any other error answer is thrown as a
 * PatinaApiError; a request that got no answer as a PatinaConnectionError.
 */
export class Http {
  readonly #baseUrl: string;
  readonly #fetch: typeof fetch;
  readonly #maxRetries: number;
  readonly #maxDelayMs: number;
  readonly #now: () => number;

  constructor(options: {
    baseUrl: string;
    fetch?: typeof fetch | undefined;
    retry?: RetryOptions | undefined;
    now: () => number;
  }) {
    this.#baseUrl = options.baseUrl.replace(/\/+$/, '');
    // Bound to globalThis: browsers refuse a fetch called as a method of another object.
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.#maxRetries = options.retry?.maxRetries ?? DEFAULT_MAX_RETRIES;
    this.#maxDelayMs = options.retry?.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
    this.#now = options.now;
  }

  get baseUrl(): string {
    return this.#baseUrl;
  }

  /** The response of a 2xx answer; throws for every other. */
  async send(request: HttpRequest): Promise<HttpResponse> {
    for (let attempt = 0; ; attempt++) {
      const response = await this.#once(request);
      if (response.status >= 200 && response.status < 300) return response;
      const retryAfterSeconds = readRetryAfter(response.headers.get('retry-after'), this.#now());
      const error = new PatinaApiError({
        status: response.status,
        request: `${request.method} ${request.route}`,
        body: response.body,
        retryAfterSeconds,
      });
      if ((response.status !== 429 && response.status !== 503) || attempt >= this.#maxRetries) {
        throw error;
      }
      const delayMs =
        retryAfterSeconds !== undefined ? retryAfterSeconds * 1000 : BACKOFF_BASE_MS * 2 ** attempt;
      if (delayMs > this.#maxDelayMs) throw error;
      await sleep(delayMs, request.signal);
    }
  }

  async #once(request: HttpRequest): Promise<HttpResponse> {
    const url = new URL(this.#baseUrl + request.path);
    for (const [name, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    let response: Response;
    try {
      response = await this.#fetch(url, {
        method: request.method,
        headers: { accept: request.accept ?? JSON_TYPE, ...request.headers },
        body: request.body ?? null,
        signal: request.signal ?? null,
      });
    } catch (cause) {
      if (request.signal?.aborted) throw request.signal.reason;
      throw new PatinaConnectionError(`${request.method} ${request.route}`, {
        cause,
        baseUrl: this.#baseUrl,
      });
    }
    const text = await response.text();
    let body: unknown = undefined;
    if (request.accept !== undefined && request.accept !== JSON_TYPE && response.ok) {
      body = text;
    } else if (text !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        // Not JSON: a proxy's page, say. The status tells the story; the page is not repeated.
        body = undefined;
      }
    }
    return { status: response.status, headers: response.headers, body };
  }
}

/** RFC 9110 §10.2.3: delay-seconds or an HTTP-date; undefined when absent or unreadable. */
export function readRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - nowMs) / 1000));
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
