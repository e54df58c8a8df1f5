import {
  CONSOLE_CSRF_HEADER,
  type ConsolePolicy,
  type ConsoleSession,
  type ConsoleSignedOut,
  type ConsoleSignInOptions,
  type CreateTrustPolicyRequest,
  type TrustPolicyMergePatch,
} from '@patina/contract';
import { PatinaApiError, PatinaClient } from '@patina/sdk';

/**
 * The console talks to Patina's API through its session: every call goes to /ui/api/…, where the
 * server adds the session's access token (the browser never holds one). A state-changing call
 * carries the session's CSRF token. docs/decisions.md, "The console calls the API through its
 * session".
 */
let csrfToken = '';

export function setCsrfToken(token: string): void {
  csrfToken = token;
}

/** Told when the server says the session is over, so the app can show the sign-in page. */
export const sessionEnded = new EventTarget();

const API = '/ui/api';

/** A fetch for the SDK: same-origin, cookie-borne, never an Authorization header of its own. */
export const sessionFetch: typeof fetch = async (input, init = {}) => {
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  const headers = new Headers(init.headers);
  headers.delete('authorization');
  const method = (init.method ?? 'GET').toUpperCase();
  if (method !== 'GET' && method !== 'HEAD') headers.set(CONSOLE_CSRF_HEADER, csrfToken);
  const response = await fetch(url, { ...init, headers, credentials: 'same-origin' });
  if (response.status === 401) sessionEnded.dispatchEvent(new Event('ended'));
  return response;
};

/** The SDK, pointed at the session proxy. It needs a token to hold; the proxy replaces it. */
export const patina = new PatinaClient({
  baseUrl: `${window.location.origin}${API}`,
  accessToken: 'session',
  fetch: sessionFetch,
  retry: { maxRetries: 1 },
});

/** Trust policies of workload identity federation (all-read to read, all-manage to change). */
export const trustPolicies = {
  /** The first page, as the other admin lists show theirs (up to 250). */
  list: () => patina.trustPolicies.list({ limit: 250 }),
  get: (id: string) => patina.trustPolicies.get(id),
  create: (body: CreateTrustPolicyRequest) => patina.trustPolicies.create(body),
  update: (id: string, patch: TrustPolicyMergePatch) => patina.trustPolicies.update(id, patch),
  delete: (id: string) => patina.trustPolicies.delete(id),
};

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The readable part of any of Patina's error bodies (SailPoint's, OAuth's, the console's). */
export function errorText(body: unknown, status: number): string {
  const b = (body ?? {}) as {
    messages?: { text?: string }[];
    message?: string;
    error_description?: string;
    error?: string;
  };
  return b.messages?.[0]?.text ?? b.message ?? b.error_description ?? b.error ?? `HTTP ${status}`;
}

/** What to show a person: the API's own words (the SDK's message is written for developers). */
export function messageOf(error: unknown): string {
  if (error instanceof PatinaApiError) {
    const texts = error.messages?.map((m) => m.text).filter(Boolean) ?? [];
    if (texts.length > 0) return texts.join('; ');
    if (error.errorDescription) return error.errorDescription;
    if (error.status === 429) return 'Too many requests; try again in a moment.';
  }
  if (error instanceof Error) return error.message;
  return String(error);
}

/** GET /ui/auth/session: who is signed in and what the console needs to know (the contract's). */
export type SessionInfo = ConsoleSession;
export type ScopeEntry = SessionInfo['scopes'][number];
export type SignInOptions = ConsoleSignInOptions;

/** What caps a PAT's expiry: the deployment's limit and its `policy.rules`. */
export type ExpiryPolicy = Pick<
  ConsolePolicy,
  'maxLifetimeMonths' | 'allowNeverExpiring' | 'rules'
>;

export type SessionState =
  | { signedIn: true; info: SessionInfo }
  | { signedIn: false; signIn: SignInOptions; message: string };

/**
 * Who is signed in. Not being signed in is a 200 `{ signedIn: false, … }`, not a 401, so a visit
 * to the sign-in page logs no failed request in the browser.
 */
export async function loadSession(): Promise<SessionState> {
  const response = await fetch('/ui/auth/session', { credentials: 'same-origin' });
  const body = (await response.json()) as ConsoleSession | ConsoleSignedOut;
  if (!response.ok) throw new ApiError(response.status, errorText(body, response.status));
  if (!body.signedIn) return { signedIn: false, signIn: body.signIn, message: body.message };
  setCsrfToken(body.csrfToken);
  return { signedIn: true, info: body };
}

export async function signInWithPat(clientId: string, clientSecret: string): Promise<SessionInfo> {
  const response = await fetch('/ui/auth/pat', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ clientId, clientSecret }),
  });
  const body = (await response.json()) as SessionInfo;
  if (!response.ok) throw new ApiError(response.status, errorText(body, response.status));
  setCsrfToken(body.csrfToken);
  return body;
}

export async function signOut(): Promise<void> {
  await fetch('/ui/auth/sign-out', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { [CONSOLE_CSRF_HEADER]: csrfToken },
  });
  setCsrfToken('');
}

/** The rights the console checks before it offers an action (the contract's). */
export { RIGHTS } from '@patina/contract';
