import { DEFAULT_MAX_DELEGATION_DEPTH, SIGNING_ALGORITHMS } from '@patina/contract';
import { Type, type Static } from '@sinclair/typebox';
import { LOG_FORMATS } from '../core/log.js';

/**
 * Every setting Patina has, with its default and its documentation. This schema is the
 * configuration reference: the README's Configuration table is held to it by
 * test/unit/readme-config.test.ts (every setting, every default), and a bad value stops the start
 * with the exact path of the setting (see load.ts).
 */
const Scope = Type.Object(
  {
    name: Type.String({
      minLength: 1,
      maxLength: 200,
      pattern: '^[^\\s]+$',
      description: 'The scope string, e.g. `orders:read`. No white space.',
    }),
    description: Type.String({ default: '', description: 'Shown in the OpenAPI document.' }),
  },
  { additionalProperties: false },
);

/** One entry of `policy.rules`: limits for PATs that name any of `scopes`. */
const PolicyRule = Type.Object(
  {
    scopes: Type.Array(Type.String({ minLength: 1 }), {
      minItems: 1,
      description: 'Catalogued scopes; a PAT naming any of them is bound by the rule.',
    }),
    maxLifetimeDays: Type.Union([Type.Integer({ minimum: 1, maximum: 3650 }), Type.Null()], {
      default: null,
      description:
        'Longest lifetime, in days from creation; also the default expiry where one is defaulted.',
    }),
    revokeAfterInactiveDays: Type.Union(
      [Type.Integer({ minimum: 1, maximum: 3650 }), Type.Null()],
      {
        default: null,
        description: 'Revoked by the housekeeping sweep after this many days unused.',
      },
    ),
    allowNeverExpiring: Type.Boolean({
      default: true,
      description:
        'false refuses never-expiring PATs under this rule; true leaves it to policy.allowNeverExpiring.',
    }),
  },
  { additionalProperties: false },
);

const Policy = Type.Object(
  {
    maxLifetimeMonths: Type.Integer({
      minimum: 1,
      maximum: 120,
      default: 6,
      description:
        'Longest PAT lifetime, in calendar months from creation. Bounds every given expirationDate; the default expiry for API versions v3, beta, v2024 and v2025.',
    }),
    allowNeverExpiring: Type.Boolean({
      default: false,
      description:
        'Grant never-expiring PATs to creators who send `userAwareTokenNeverExpires: true` with no expirationDate.',
    }),
    maxTokensPerOwner: Type.Integer({
      minimum: 1,
      maximum: 10_000,
      default: 10,
      description: 'Most PATs one identity may hold at once.',
    }),
    accessTokenValiditySeconds: Type.Object(
      {
        min: Type.Integer({ minimum: 1, default: 15 }),
        max: Type.Integer({ minimum: 1, maximum: 31_536_000, default: 43_200 }),
        default: Type.Integer({ minimum: 1, default: 43_200 }),
      },
      {
        default: {},
        additionalProperties: false,
        description: 'Bounds and default for a PAT’s accessTokenValiditySeconds.',
      },
    ),
    rateLimit: Type.Object(
      {
        max: Type.Integer({ minimum: 1, default: 100 }),
        windowSeconds: Type.Integer({ minimum: 1, default: 10 }),
      },
      {
        default: {},
        additionalProperties: false,
        description:
          'Requests allowed per client id (or per address, before authentication) per API base per window.',
      },
    ),
    lockout: Type.Object(
      {
        maxFailures: Type.Integer({ minimum: 1, default: 10 }),
        maxFailuresPerAddress: Type.Integer({ minimum: 1, default: 100 }),
        windowSeconds: Type.Integer({ minimum: 1, default: 300 }),
        durationSeconds: Type.Integer({ minimum: 1, default: 900 }),
      },
      {
        default: {},
        additionalProperties: false,
        description:
          'Throttling of failed exchanges at the OAuth endpoints: after maxFailures failures of one client id from one address (or maxFailuresPerAddress from one address, whatever the client id) within windowSeconds, further failures from there are answered 429 for durationSeconds. A correct secret is never refused.',
      },
    ),
    expiringSoonDays: Type.Integer({
      minimum: 0,
      maximum: 365,
      default: 14,
      description:
        'A PAT that expires within this many days has status EXPIRING on the Patina PAT resource; 0 never says EXPIRING.',
    }),
    onRotatedSecretReuse: Type.Union([Type.Literal('alert'), Type.Literal('revoke')], {
      default: 'alert',
      description:
        'What a secret presented after its rotation grace ended does beside the failed exchange: `alert` records PERSONAL_ACCESS_TOKEN_SECRET_REUSED; `revoke` also revokes the PAT (someone else holds the old secret).',
    }),
    leakRevocationRateLimit: Type.Object(
      {
        max: Type.Integer({ minimum: 1, default: 60 }),
        windowSeconds: Type.Integer({ minimum: 1, default: 3600 }),
      },
      {
        default: {},
        additionalProperties: false,
        description:
          'Requests to the unauthenticated POST /patina/v1/credentials/revoke allowed per source IP per window.',
      },
    ),
    inactivity: Type.Object(
      {
        revokeAfterDays: Type.Union([Type.Integer({ minimum: 1, maximum: 3650 }), Type.Null()], {
          default: null,
        }),
        warnDaysBefore: Type.Integer({ minimum: 0, maximum: 365, default: 7 }),
      },
      {
        default: {},
        additionalProperties: false,
        description:
          'A PAT unused (lastUsed, or created if never used) for revokeAfterDays is revoked by the housekeeping sweep (reason INACTIVE), never sooner than warnDaysBefore days after its PERSONAL_ACCESS_TOKEN_INACTIVE_WARNING. null: never.',
      },
    ),
    rules: Type.Array(PolicyRule, {
      default: [],
      maxItems: 100,
      description:
        'Tighter limits for PATs naming risky scopes, e.g. `[{ "scopes": ["orders:write"], "maxLifetimeDays": 30 }]`. A PAT naming any listed scope (or sp:scopes:all) is bound by the rule; under several rules the strictest limit of each kind wins.',
    }),
  },
  { default: {}, additionalProperties: false },
);

/** One entry of `approval.rules`: scopes that need someone else's yes (docs/governance.md). */
const ApprovalRule = Type.Object(
  {
    scopes: Type.Array(Type.String({ minLength: 1, maxLength: 200 }), {
      minItems: 1,
      maxItems: 100,
      description:
        'Scopes that need approval: catalogued scopes, or a prefix ending in `*` (`payments:*`). A create or a scope change naming one (or sp:scopes:all while the owner holds one) waits for an approver.',
    }),
    approvers: Type.Object(
      {
        roles: Type.Array(Type.String({ minLength: 1 }), {
          default: [],
          description: 'Identities with any of these roles may approve.',
        }),
        rights: Type.Array(Type.String({ minLength: 1 }), {
          default: [],
          description: 'Identities holding any of these rights may approve.',
        }),
        identities: Type.Array(Type.String({ pattern: '^[0-9a-f]{32}$' }), {
          default: [],
          description: 'These identities (ids) may approve.',
        }),
      },
      {
        additionalProperties: false,
        description:
          'Who may approve (at least one entry): never the requester, never the owner, never through a delegated token.',
      },
    ),
    requestTtlHours: Type.Integer({
      minimum: 1,
      maximum: 2160,
      default: 72,
      description: 'A request nobody answers expires after this many hours; nothing is made.',
    }),
    maxLifetimeDays: Type.Union([Type.Integer({ minimum: 1, maximum: 3650 }), Type.Null()], {
      default: null,
      description:
        'Longest lifetime of a PAT approved under the rule, in days from its creation; a longer expirationDate is refused, a defaulted one is shortened.',
    }),
  },
  { additionalProperties: false },
);

export const ConfigSchema = Type.Object(
  {
    host: Type.String({ default: '127.0.0.1', description: 'Address to listen on.' }),
    port: Type.Integer({ minimum: 0, maximum: 65_535, default: 7070, description: 'TCP port.' }),
    workers: Type.Union([Type.Integer({ minimum: 1, maximum: 256 }), Type.Literal('auto')], {
      default: 1,
      description:
        'Processes that serve the port: 1 (the default) is one process; `auto` is one per core the machine offers (docs/operations.md, "Workers").',
    }),
    dataDir: Type.String({
      default: './data',
      description: 'Where the SQLite database, the master key file and bootstrap credentials live.',
    }),
    publicBaseUrl: Type.Union([Type.String({ format: 'uri' }), Type.Null()], {
      default: null,
      description:
        'The URL clients reach Patina at; default `http://<host>:<port>`. Used in /oauth/info and bootstrap credentials.',
    }),
    issuer: Type.Union([Type.String({ format: 'uri' }), Type.Null()], {
      default: null,
      description: 'The `iss` of access tokens; default the public base URL.',
    }),
    audience: Type.Union([Type.String({ minLength: 1 }), Type.Null()], {
      default: null,
      description: 'The `aud` of access tokens; default the issuer.',
    }),
    database: Type.Object(
      {
        url: Type.Union([Type.String({ pattern: '^postgres(ql)?://' }), Type.Null()], {
          default: null,
          description:
            'A `postgres://` URL selects PostgreSQL (several nodes may share it); null keeps the embedded SQLite database in dataDir.',
        }),
        schema: Type.Union([Type.String({ pattern: '^[a-z_][a-z0-9_]{0,47}$' }), Type.Null()], {
          default: null,
          description:
            'PostgreSQL only: the schema Patina keeps its tables in, made when missing; null uses the connection’s search_path (normally `public`).',
        }),
        poolMax: Type.Integer({
          minimum: 1,
          maximum: 1000,
          default: 10,
          description: 'PostgreSQL only: most connections this node holds open.',
        }),
        connectTimeoutMs: Type.Integer({
          minimum: 100,
          maximum: 600_000,
          default: 5000,
          description:
            'PostgreSQL only: how long a request waits for a connection before it is answered 503.',
        }),
        idleTimeoutMs: Type.Integer({
          minimum: 1000,
          maximum: 3_600_000,
          default: 30_000,
          description: 'PostgreSQL only: an idle pooled connection is closed after this long.',
        }),
        statementTimeoutMs: Type.Integer({
          minimum: 100,
          maximum: 600_000,
          default: 15_000,
          description: 'PostgreSQL only: a statement running longer is cancelled.',
        }),
      },
      {
        default: {},
        additionalProperties: false,
        description: 'Where Patina keeps its data. Environment: PATINA_DATABASE_URL for url.',
      },
    ),
    redis: Type.Object(
      {
        url: Type.Union([Type.String({ pattern: '^rediss?://' }), Type.Null()], {
          default: null,
          description:
            'A `redis://` URL makes rate limits and the token-endpoint lockout count across every node sharing it; null counts per node.',
        }),
        keyPrefix: Type.String({
          minLength: 1,
          maxLength: 64,
          default: 'patina:',
          description: 'Prefix of every Redis key Patina writes.',
        }),
      },
      {
        default: {},
        additionalProperties: false,
        description: 'Shared counters for several nodes. Environment: PATINA_REDIS_URL for url.',
      },
    ),
    metrics: Type.Object(
      {
        port: Type.Union([Type.Integer({ minimum: 0, maximum: 65_535 }), Type.Null()], {
          default: null,
          description:
            'A port serves Prometheus metrics at `GET /metrics` on a listener of its own; null (the default) serves none and counts nothing.',
        }),
        host: Type.String({
          minLength: 1,
          default: '127.0.0.1',
          description:
            'Address of the metrics listener. The metrics name routes, outcomes and counts, never a caller; still, keep the listener where only your Prometheus reaches it.',
        }),
      },
      {
        default: {},
        additionalProperties: false,
        description:
          'Prometheus metrics (docs/operations.md). Environment: PATINA_METRICS_PORT for port, PATINA_METRICS_HOST for host.',
      },
    ),
    tracing: Type.Object(
      {
        enabled: Type.Boolean({
          default: false,
          description:
            'Send OpenTelemetry traces (OTLP over HTTP) to the collector the standard OTEL_* variables name. Off (the default), the OpenTelemetry SDK is not even loaded.',
        }),
      },
      {
        default: {},
        additionalProperties: false,
        description:
          'OpenTelemetry traces (docs/operations.md, "Traces"). Environment: PATINA_TRACING for enabled (true or false).',
      },
    ),
    masterKey: Type.Union([Type.String(), Type.Null()], {
      default: null,
      description:
        '32 random bytes, base64. Encrypts signing keys at rest and keys the PAT secret digests. Required with PostgreSQL (every node must hold the same key); with SQLite, made on first start and kept in `<dataDir>/master.key` (mode 0600) when not set.',
    }),
    logLevel: Type.Union(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
      { default: 'info', description: 'pino log level.' },
    ),
    log: Type.Object(
      {
        format: Type.Union(
          LOG_FORMATS.map((f) => Type.Literal(f)),
          {
            default: 'json',
            description:
              '`json`: one JSON object a line, for a log collector. `pretty`: coloured lines for a person at a terminal, with the same fields.',
          },
        ),
      },
      {
        default: {},
        additionalProperties: false,
        description: 'How log lines are written. Environment: PATINA_LOG_FORMAT for format.',
      },
    ),
    bodyLimitBytes: Type.Integer({
      minimum: 1024,
      maximum: 10_485_760,
      default: 65_536,
      description: 'Largest request body accepted.',
    }),
    http: Type.Object(
      {
        requestTimeoutMs: Type.Integer({
          minimum: 100,
          maximum: 600_000,
          default: 30_000,
          description:
            'A request whose headers and body have not all arrived after this long is answered 408 and its connection closed.',
        }),
        connectionTimeoutMs: Type.Integer({
          minimum: 100,
          maximum: 600_000,
          default: 60_000,
          description: 'A connection on which nothing is sent or received for this long is closed.',
        }),
        keepAliveTimeoutMs: Type.Integer({
          minimum: 100,
          maximum: 600_000,
          default: 5000,
          description:
            'An idle keep-alive connection is closed after this long; behind a load balancer, make it longer than the balancer’s idle timeout.',
        }),
        maxConnectionsPerAddress: Type.Integer({
          minimum: 0,
          maximum: 1_000_000,
          default: 256,
          description:
            'Open connections one peer address may hold; one more is closed at once. 0: no cap. Behind a reverse proxy every connection comes from the proxy: set 0 there and cap at the proxy.',
        }),
      },
      {
        default: {},
        additionalProperties: false,
        description: 'How long a client may take: slow senders must not hold connections open.',
      },
    ),
    tenant: Type.Object(
      {
        name: Type.String({ minLength: 1, default: 'patina' }),
        org: Type.String({ minLength: 1, default: 'patina' }),
        pod: Type.String({ minLength: 1, default: 'local' }),
      },
      {
        default: {},
        additionalProperties: false,
        description: 'SailPoint tenant fields echoed in token responses and /oauth/info.',
      },
    ),
    trustProxy: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
      default: [],
      maxItems: 100,
      description:
        'CIDRs (or addresses) of the reverse proxies in front of Patina: a request from one of them is taken to come from the address its X-Forwarded-For names (audit sourceIp, rate limits, allowedCidrs). Empty: the peer address is the client.',
    }),
    resources: Type.Array(Type.String({ format: 'uri' }), {
      default: [],
      description:
        'Audiences a client may ask for with the RFC 8707 `resource` parameter, beside the default audience.',
    }),
    signing: Type.Object(
      {
        algorithm: Type.Union(
          SIGNING_ALGORITHMS.map((a) => Type.Literal(a)),
          { default: 'ES256' },
        ),
        rotateAfterDays: Type.Union([Type.Integer({ minimum: 1, maximum: 3650 }), Type.Null()], {
          default: null,
        }),
      },
      {
        default: {},
        additionalProperties: false,
        description:
          'Algorithm of new signing keys, and optional scheduled rotation: a new key when the signing key is older than rotateAfterDays (the Shared Signals keys rotate on the same schedule).',
      },
    ),
    policy: Policy,
    housekeeping: Type.Object(
      {
        intervalSeconds: Type.Integer({
          minimum: 10,
          maximum: 86_400,
          default: 300,
          description:
            'How often each node runs the housekeeping sweep: expiries, expiry warnings, pruning, scheduled key rotation.',
        }),
      },
      { default: {}, additionalProperties: false, description: 'The periodic sweep.' },
    ),
    dpop: Type.Object(
      {
        proofMaxAgeSeconds: Type.Integer({
          minimum: 10,
          maximum: 300,
          default: 60,
          description:
            'How old a DPoP proof may be (by its iat), in seconds; a proof is refused after, and its jti remembered until then.',
        }),
        requireNonce: Type.Boolean({
          default: false,
          description:
            'Make every DPoP proof carry a server nonce (RFC 9449 §8): a proof without one is answered with use_dpop_nonce and the nonce to use.',
        }),
      },
      {
        default: {},
        additionalProperties: false,
        description:
          'Sender-constrained tokens (RFC 9449): a token asked for with a DPoP proof is bound to the proof’s key.',
      },
    ),
    federation: Type.Object(
      {
        allowPrivateNetworks: Type.Boolean({
          default: false,
          description:
            'Let trust-policy issuers and their key sets be on loopback, private or other non-public addresses (tests and labs). Off, every address must be public (a guard against SSRF).',
        }),
        allowHttp: Type.Boolean({
          default: false,
          description:
            'Let trust-policy issuers and key sets use plain http; off, they must be https.',
        }),
        maxTokenAgeSeconds: Type.Integer({
          minimum: 60,
          maximum: 86_400,
          default: 3600,
          description:
            'The oldest incoming workload token (by its iat) a federated exchange accepts, in seconds.',
        }),
        maxDelegationDepth: Type.Integer({
          minimum: 1,
          maximum: 10,
          default: DEFAULT_MAX_DELEGATION_DEPTH,
          description:
            'How many times a Patina access token may be exchanged for a narrower one down a chain (RFC 8693 delegation).',
        }),
        clockSkewSeconds: Type.Integer({
          minimum: 0,
          maximum: 300,
          default: 60,
          description:
            'How far the incoming token’s exp, nbf and iat may be off this node’s clock, in seconds.',
        }),
      },
      {
        default: {},
        additionalProperties: false,
        description:
          'Workload identity federation: trust policies let a workload trade its platform’s OIDC token for an access token (docs/federation.md).',
      },
    ),
    webhooks: Type.Object(
      {
        allowPrivateNetworks: Type.Boolean({
          default: false,
          description:
            'Let webhook URLs reach loopback, private, link-local and other non-public addresses. Off, every address a URL resolves to must be public (a guard against SSRF).',
        }),
        allowHttp: Type.Boolean({
          default: false,
          description: 'Let webhook URLs use plain http; off, they must be https.',
        }),
        maxWebhooks: Type.Integer({
          minimum: 1,
          maximum: 10_000,
          default: 100,
          description:
            'Webhook endpoints the deployment may have at once: each matching event is signed and sent to every one of them. One more is refused with a 400.',
        }),
      },
      {
        default: {},
        additionalProperties: false,
        description: 'Where webhooks may point, and how many there may be.',
      },
    ),
    email: Type.Object(
      {
        smtp: Type.Object(
          {
            url: Type.Union([Type.String({ pattern: '^smtps?://' }), Type.Null()], {
              default: null,
              description:
                'The mail server, e.g. `smtp://user:pass@mail.example.com:587` (STARTTLS when the server offers it) or `smtps://…:465`; null sends no mail.',
            }),
            from: Type.Union([Type.String({ minLength: 3, maxLength: 320 }), Type.Null()], {
              default: null,
              description:
                'The From of every mail, e.g. `Patina <patina@example.com>`; required with url.',
            }),
          },
          { default: {}, additionalProperties: false },
        ),
      },
      {
        default: {},
        additionalProperties: false,
        description:
          'Mail to PAT owners about their PATs. Environment: PATINA_SMTP_URL for smtp.url.',
      },
    ),
    ssf: Type.Object(
      {
        eventRetentionDays: Type.Integer({
          minimum: 1,
          maximum: 365,
          default: 7,
          description:
            'How long a Security Event Token waits for its receiver (poll or push retries) before it is dropped.',
        }),
        minVerificationIntervalSeconds: Type.Integer({
          minimum: 0,
          maximum: 86400,
          default: 30,
          description:
            'A stream may ask for a verification event at most this often (SSF `min_verification_interval`).',
        }),
        pollMaxWaitSeconds: Type.Integer({
          minimum: 0,
          maximum: 30,
          default: 30,
          description:
            'Longest a poll waits for an event before answering empty (RFC 8936 long polling).',
        }),
        pushConcurrency: Type.Integer({
          minimum: 1,
          maximum: 256,
          default: 16,
          description:
            'Push streams one node sends to at once, one SET at a time each: a receiver that is slow or never answers holds one of these (up to 10 s per SET), never the others.',
        }),
        maxStreamsPerClient: Type.Integer({
          minimum: 1,
          maximum: 1000,
          default: 10,
          description:
            'Streams one client (one PAT) may have at once; one more is refused with a 400.',
        }),
        inactivityTimeoutSeconds: Type.Integer({
          minimum: 300,
          maximum: 31536000,
          default: 86400,
          description:
            'A stream whose receiver is not heard from for this long is deleted (SSF `inactivity_timeout`): a poll or call about the stream, or for push a delivered SET while one waits.',
        }),
        maxStreams: Type.Integer({
          minimum: 1,
          maximum: 100000,
          default: 1000,
          description:
            'Streams the whole deployment may have at once: every stream is a receiver Patina signs and sends for.',
        }),
        maxStreamConfigurationBytes: Type.Integer({
          minimum: 1024,
          maximum: 65536,
          default: 8192,
          description:
            "Bytes of a stream's stored configuration (events_requested, delivery, description) as UTF-8 JSON; more is a 400.",
        }),
      },
      {
        default: {},
        additionalProperties: false,
        description:
          'The Shared Signals transmitter. Push URLs follow the webhooks settings (https, public addresses).',
      },
    ),
    approval: Type.Object(
      {
        rules: Type.Array(ApprovalRule, {
          default: [],
          maxItems: 100,
          description:
            'Scopes that need approval, e.g. `[{ "scopes": ["payments:write"], "approvers": { "roles": ["ORG_ADMIN"] }, "requestTtlHours": 72, "maxLifetimeDays": 90 }]`. [] needs none.',
        }),
        secretWindowHours: Type.Integer({
          minimum: 1,
          maximum: 168,
          default: 24,
          description:
            'After approval, how long the requester has to fetch the new PAT’s secret (once); after that the PAT is deleted unused.',
        }),
      },
      {
        default: {},
        additionalProperties: false,
        description: 'Approval of sensitive scopes (docs/governance.md).',
      },
    ),
    scim: Type.Object(
      {
        groupRoles: Type.Record(Type.String({ minLength: 1 }), Type.Array(Type.String()), {
          default: {},
          description:
            'Roles by directory group, e.g. `{ "Patina Admins": ["ORG_ADMIN"] }`: a SCIM-provisioned identity has USER plus the roles of its groups, set again at every membership change.',
        }),
      },
      {
        default: {},
        additionalProperties: false,
        description:
          'The SCIM 2.0 service the directory provisions identities with (docs/scim.md).',
      },
    ),
    accessReviews: Type.Object(
      {
        reminderDaysBefore: Type.Array(Type.Integer({ minimum: 0, maximum: 365 }), {
          default: [7, 1],
          maxItems: 10,
          uniqueItems: true,
          description:
            'Days before a campaign’s deadline at which reviewers with undecided items are reminded by mail (and webhook access_review.reminder).',
        }),
        usageHistoryDays: Type.Integer({
          minimum: 30,
          maximum: 3650,
          default: 90,
          description:
            'How many days of per-PAT exchange counts (success and failure per UTC day) are kept, as the evidence of access reviews.',
        }),
      },
      {
        default: {},
        additionalProperties: false,
        description: 'Access reviews (certification campaigns) and their evidence.',
      },
    ),
    notifications: Type.Object(
      {
        expiryWarningDays: Type.Array(Type.Integer({ minimum: 0, maximum: 365 }), {
          default: [30, 7, 1, 0],
          maxItems: 10,
          uniqueItems: true,
          description:
            'Days before a PAT expires at which its owner is warned (webhook `personal_access_token.expiring` and mail); 0 is the day it expires. [] warns never.',
        }),
      },
      { default: {}, additionalProperties: false, description: 'Expiry warnings.' },
    ),
    console: Type.Object(
      {
        idleTimeoutMinutes: Type.Integer({
          minimum: 1,
          maximum: 1440,
          default: 30,
          description:
            'A web console session unused for this long ends; the next request signs in again.',
        }),
        absoluteLifetimeHours: Type.Integer({
          minimum: 1,
          maximum: 720,
          default: 12,
          description:
            'A web console session ends this long after sign-in, however active; a PAT sign-in ends sooner when its access token expires.',
        }),
        signInRateLimit: Type.Object(
          {
            max: Type.Integer({ minimum: 1, default: 30 }),
            windowSeconds: Type.Integer({ minimum: 1, default: 300 }),
          },
          {
            default: {},
            additionalProperties: false,
            description:
              'Successful console sign-ins (PAT or SSO) allowed per address (an IPv6 /64) within windowSeconds; each makes a session. After max, sign-ins from there are answered 429 for windowSeconds. Failed ones are counted by policy.lockout instead.',
          },
        ),
      },
      {
        default: {},
        additionalProperties: false,
        description: 'The web console at /ui/: its sessions and sign-ins.',
      },
    ),
    sso: Type.Object(
      {
        issuer: Type.Union([Type.String({ format: 'uri' }), Type.Null()], {
          default: null,
          description:
            'The OpenID Connect issuer the console signs people in through (its discovery document is read at first use); null: no SSO, sign-in with a PAT only.',
        }),
        clientId: Type.Union([Type.String({ minLength: 1 }), Type.Null()], {
          default: null,
          description: 'The console’s client id at the issuer; required with issuer.',
        }),
        clientSecret: Type.Union([Type.String({ minLength: 1 }), Type.Null()], {
          default: null,
          description:
            'The console’s client secret at the issuer (sent with HTTP Basic, RFC 6749 §2.3.1); required with issuer.',
        }),
        redirectUri: Type.Union([Type.String({ format: 'uri' }), Type.Null()], {
          default: null,
          description:
            'The redirect URI registered at the issuer; default `<publicBaseUrl>/ui/auth/sso/callback`.',
        }),
        scopes: Type.Array(Type.String({ minLength: 1, pattern: '^[^\\s]+$' }), {
          default: ['openid', 'email', 'profile'],
          minItems: 1,
          description: 'Scopes asked of the issuer; must include openid.',
        }),
        identityClaims: Type.Array(Type.String({ minLength: 1 }), {
          default: ['email', 'preferred_username'],
          minItems: 1,
          description:
            'Claims tried in order for the login of an identity a first SSO sign-in makes (a taken login gets a suffix, e.g. `admin-2`); an `email` counts only with `email_verified: true`. Never used to find an existing identity: sign-ins are matched on the (issuer, `sub`) pair only.',
        }),
        autoProvision: Type.Boolean({
          default: true,
          description:
            'Make a USER identity, linked to the person’s (issuer, `sub`), at a first SSO sign-in that no identity is linked to; false refuses such a sign-in (an administrator links the identity: PATCH `ssoLink`).',
        }),
        linkExistingByVerifiedEmail: Type.Boolean({
          default: false,
          description:
            'At a first SSO sign-in, link the one identity without an SSO link whose `email` is the person’s address, when the issuer sends `email_verified: true`. Only for an issuer whose verified addresses you trust to name your people; off, only an administrator links an existing identity.',
        }),
        groupsClaim: Type.String({
          minLength: 1,
          default: 'groups',
          description: 'The claim that lists the person’s groups, for groupRoles.',
        }),
        groupRoles: Type.Record(Type.String({ minLength: 1 }), Type.Array(Type.String()), {
          default: {},
          description:
            'Roles by group, e.g. `{ "patina-admins": ["ORG_ADMIN"] }`. Set: each SSO sign-in sets the roles of the identity linked to the person’s account to USER plus its groups’ roles (no other identity’s roles). Empty: roles are left as administrators set them.',
        }),
        label: Type.String({
          minLength: 1,
          maxLength: 64,
          default: 'SSO',
          description: 'The name on the sign-in button: “Sign in with <label>”.',
        }),
        allowHttp: Type.Boolean({
          default: false,
          description:
            'Let the issuer be plain http (development and tests only); off, it must be https.',
        }),
      },
      {
        default: {},
        additionalProperties: false,
        description:
          'Sign-in to the web console through OpenID Connect (authorization code with PKCE, state and nonce). Environment: PATINA_SSO_CLIENT_SECRET for clientSecret.',
      },
    ),
    scopes: Type.Array(Scope, {
      default: [],
      description: 'The scope catalogue: scopes of your own APIs that PATs may name.',
    }),
    roles: Type.Record(Type.String({ pattern: '^[A-Z][A-Z0-9_]*$' }), Type.Array(Type.String()), {
      default: {},
      // TypeBox turns the key pattern into patternProperties only; without this, a role name
      // that breaks the pattern would be accepted silently.
      additionalProperties: false,
      description:
        'Extra roles and the rights they give, e.g. `{ "AUDITOR": ["sp:all-personal-access-tokens:read"] }`. ORG_ADMIN (every right) and USER (the my- rights) are built in.',
    }),
  },
  { additionalProperties: false },
);

export type Config = Static<typeof ConfigSchema>;
export type Policy = Config['policy'];
export type PolicyRule = Policy['rules'][number];
export type ApprovalRule = Config['approval']['rules'][number];
