import type { HttpRequest } from './http.js';

/** A request to an API route: JSON in and out, the bearer token added by the client. */
export interface ApiRequest extends Omit<HttpRequest, 'headers' | 'body'> {
  /** A JSON body, sent with `contentType` (default application/json). */
  json?: unknown;
  contentType?: string;
  /** What to ask for (default application/json); any other type answers the body as text. */
  accept?: string;
}

/** A 2xx answer: its status (201, or 202 for what waits on someone) and its body. */
export interface ApiAnswer<T> {
  status: number;
  body: T;
}

/** What the resources need from the client: one authenticated call. */
export interface Api {
  call<T>(request: ApiRequest): Promise<T>;
  /** The same call, answering the status with the body. */
  answer<T>(request: ApiRequest): Promise<ApiAnswer<T>>;
}

/** A path segment as given, percent-encoded so an odd id cannot change the route. */
export function segment(value: string): string {
  return encodeURIComponent(value);
}
