import { Type, type Static } from '@sinclair/typebox';

/**
 * The web console's own endpoints: sign-in and the session at /ui/auth/, the session proxy at
 * /ui/api/. They are not part of the API (the OpenAPI document leaves them out), but the server
 * and the console share their shapes, so both take them from here.
 */

/** The header the console sends its session's CSRF token in, on every state-changing request. */
export const CONSOLE_CSRF_HEADER = 'x-patina-csrf';

/** POST /ui/auth/pat: sign in with a PAT's client id and secret. */
export const ConsolePatSignIn = Type.Object(
  {
    clientId: Type.String({ minLength: 1, maxLength: 128 }),
    clientSecret: Type.String({ minLength: 1, maxLength: 512 }),
  },
  { additionalProperties: false },
);
export type ConsolePatSignIn = Static<typeof ConsolePatSignIn>;

/** Every refusal of the console's endpoints: a stable code and a sentence to show a person. */
export const ConsoleError = Type.Object(
  {
    error: Type.String({
      description: 'e.g. "NOT_SIGNED_IN", "EXPIRED", "CSRF", "CROSS_SITE", "invalid_client"',
    }),
    message: Type.String({ description: 'What was wrong, in words for the person signing in' }),
  },
  { $id: 'ConsoleError' },
);
export type ConsoleErrorBody = Static<typeof ConsoleError>;

/** How a person may sign in: with a PAT always, with single sign-on when it is configured. */
export const ConsoleSignInOptions = Type.Object({
  sso: Type.Union([Type.Object({ label: Type.String(), url: Type.String() }), Type.Null()]),
});
export type ConsoleSignInOptions = Static<typeof ConsoleSignInOptions>;

/**
 * GET /ui/auth/session when no one is signed in: a 200, not a 401, which the browser would log as
 * a failed request on every visit to the sign-in page. `error` and `message` say why.
 */
export const ConsoleSignedOut = Type.Object({
  signedIn: Type.Literal(false),
  error: Type.String({ description: 'e.g. "NOT_SIGNED_IN", "EXPIRED", "IDLE"' }),
  message: Type.String(),
  signIn: ConsoleSignInOptions,
});
export type ConsoleSignedOut = Static<typeof ConsoleSignedOut>;

/** The limits of the PAT create form, as the API applies them (config `policy`). */
export const ConsolePolicy = Type.Object({
  maxLifetimeMonths: Type.Integer(),
  allowNeverExpiring: Type.Boolean(),
  accessTokenValiditySeconds: Type.Object({
    min: Type.Integer(),
    max: Type.Integer(),
    default: Type.Integer(),
  }),
  expiringSoonDays: Type.Integer(),
  /** A PAT naming any of a rule's scopes is bound by it; under several, the strictest wins. */
  rules: Type.Array(
    Type.Object({
      scopes: Type.Array(Type.String()),
      maxLifetimeDays: Type.Union([Type.Integer(), Type.Null()]),
      allowNeverExpiring: Type.Boolean(),
    }),
  ),
});
export type ConsolePolicy = Static<typeof ConsolePolicy>;

/**
 * GET /ui/auth/session (and a PAT sign-in's answer): who is signed in, what they may do, and what
 * the console needs to know to show it.
 */
export const ConsoleSession = Type.Object({
  signedIn: Type.Literal(true),
  identity: Type.Object({ id: Type.String(), name: Type.String(), login: Type.String() }),
  method: Type.Union([Type.Literal('PAT'), Type.Literal('SSO')]),
  /** The PAT the session was signed in with; null for single sign-on. */
  patId: Type.Union([Type.String(), Type.Null()]),
  rights: Type.Array(Type.String()),
  /** Sent back in the CONSOLE_CSRF_HEADER header on every state-changing request. */
  csrfToken: Type.String(),
  expiresAt: Type.String({ format: 'date-time' }),
  idleTimeoutSeconds: Type.Integer(),
  /** The scopes a PAT may name, with what each does. */
  scopes: Type.Array(Type.Object({ name: Type.String(), description: Type.String() })),
  /** Every role an identity may be given: the built-in ones and the deployment's. */
  roles: Type.Array(Type.String()),
  policy: ConsolePolicy,
  baseUrl: Type.String(),
  signIn: ConsoleSignInOptions,
});
export type ConsoleSession = Static<typeof ConsoleSession>;
