import type { HttpRequest } from './http.js';

/** A request to an API route: JSON in and out, the bearer token added by the client. */
export interface ApiRequest extends Omit<HttpRequest, 'headers' | 'body'> {
  /** A JSON body, sent with `contentType` (default application/json). */
  json?: unknown;
  contentType?: string;
}

/** What the resources need from the client: one authenticated call. */
export interface Api {
  call<T>(request: ApiRequest): Promise<T>;
}

/** A path segment as given, percent-encoded so an odd id cannot change the route. */
export function segment(value: string): string {
  return encodeURIComponent(value);
}
