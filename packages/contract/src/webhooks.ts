import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { FreeText } from './free-text.js';
import { DateTime, Id, Nullable, pageQueryFields, StringEnum } from './schema-helpers.js';

/**
 * Webhooks (admin API, `/patina/v1/webhooks`) and the events they carry. Requests follow the
 * Standard Webhooks specification (standardwebhooks.com): headers `webhook-id`,
 * `webhook-timestamp` and `webhook-signature`, and a body `{ type, timestamp, data }`. The
 * payloads carry ids, names, owners, times and reasons, never a secret, a digest or a token.
 */
export const WEBHOOK_EVENT_TYPES = [
  'personal_access_token.created',
  'personal_access_token.updated',
  'personal_access_token.deleted',
  'personal_access_token.rotated',
  'personal_access_token.revoked',
  'personal_access_token.expiring',
  'personal_access_token.expired',
  'personal_access_token.secret_reused',
  'personal_access_token.inactive_warning',
  'identity.created',
  'identity.updated',
  'identity.disabled',
  'identity.offboarded',
  'webhook.disabled',
  'pat_request.created',
  'pat_request.approved',
  'pat_request.denied',
  'pat_request.expired',
  'access_review.started',
  'access_review.reminder',
  'access_review.closed',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** What `POST /patina/v1/webhooks/{id}/test` sends: to that endpoint only, never subscribed to. */
export const PING_EVENT_TYPE = 'ping';

/** The prefix of a webhook signing secret (Standard Webhooks): `whsec_` + base64 of 32 bytes. */
export const WEBHOOK_SECRET_PREFIX = 'whsec_';

/** The largest request body Patina sends to a receiver, in bytes. */
export const WEBHOOK_MAX_BODY_BYTES = 20_480;

/** Why Patina disabled an endpoint: it answered 410 Gone, or it failed for five days. */
export const WEBHOOK_DISABLED_REASONS = ['GONE', 'FAILING'] as const;
export type WebhookDisabledReason = (typeof WEBHOOK_DISABLED_REASONS)[number];

const WebhookUrl = Type.String({
  minLength: 1,
  maxLength: 2048,
  description:
    'Where events are POSTed: https, resolving to a public address (unless the deployment allows http or private networks)',
  examples: ['https://hooks.example.com/patina'],
});
const WebhookEvents = Type.Array(StringEnum(WEBHOOK_EVENT_TYPES), {
  minItems: 1,
  uniqueItems: true,
  description: 'The event types this endpoint receives',
});
const WebhookDescription = FreeText({
  maxLength: 1000,
  description: 'What the endpoint is for; 0..1000 characters',
});

const webhookFields = {
  id: Id('The webhook id'),
  url: Type.String({ description: 'Where events are POSTed' }),
  description: Type.String(),
  events: Type.Array(StringEnum(WEBHOOK_EVENT_TYPES)),
  enabled: Type.Boolean({ description: 'false: no events are sent to it (or queued for it)' }),
  disabledReason: Nullable(
    StringEnum(
      WEBHOOK_DISABLED_REASONS,
      'Set when Patina disabled the endpoint: GONE (it answered 410), FAILING (five days of failures)',
    ),
  ),
  failingSince: Nullable(DateTime('Start of the current run of failed deliveries')),
  previousSecretExpiresAt: Nullable(
    DateTime('After a secret rotation: until then requests are signed with both secrets'),
  ),
  created: DateTime('When the webhook was created'),
  modified: DateTime('When the webhook last changed'),
};

export const WebhookResponse = Type.Object(webhookFields, { $id: 'Webhook' });
export type Webhook = Static<typeof WebhookResponse>;

export const CreateWebhookResponse = Type.Object(
  {
    ...webhookFields,
    secret: Type.String({
      pattern: '^whsec_[A-Za-z0-9+/]{43}=$',
      description:
        'The signing secret (Standard Webhooks). Returned at create and at rotate-secret only, never again.',
    }),
  },
  { $id: 'CreateWebhookResponse' },
);
export type CreateWebhookResponse = Static<typeof CreateWebhookResponse>;

export const CreateWebhookRequest = Type.Object(
  {
    url: WebhookUrl,
    events: WebhookEvents,
    description: Type.Optional(WebhookDescription),
    enabled: Type.Optional(Type.Boolean({ description: 'Default true' })),
  },
  { additionalProperties: false, $id: 'CreateWebhookRequest' },
);
export type CreateWebhookRequest = Static<typeof CreateWebhookRequest>;

export const WebhookMergePatch = Type.Object(
  {
    url: Type.Optional(WebhookUrl),
    events: Type.Optional(WebhookEvents),
    description: Type.Optional(WebhookDescription),
    enabled: Type.Optional(
      Type.Boolean({ description: 'true re-enables an endpoint Patina disabled' }),
    ),
  },
  { additionalProperties: false, $id: 'WebhookMergePatch', description: 'RFC 7396 merge patch' },
);
export type WebhookMergePatch = Static<typeof WebhookMergePatch>;

export const DELIVERY_STATUSES = ['PENDING', 'DELIVERED', 'FAILED'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export const DeliveryAttempt = Type.Object({
  attempt: Type.Integer({ minimum: 1, description: '1 for the first try' }),
  at: DateTime('When the request was sent'),
  statusCode: Nullable(
    Type.Integer({ description: "The receiver's HTTP status; null: no answer" }),
  ),
  error: Nullable(
    Type.String({ description: 'Why it failed without an answer (timeout, refused, …)' }),
  ),
  durationMs: Type.Integer({ minimum: 0 }),
});
export type DeliveryAttempt = Static<typeof DeliveryAttempt>;

export const WebhookDeliveryResponse = Type.Object(
  {
    id: Id('The delivery id'),
    webhookId: Id('The endpoint it goes to'),
    eventId: Type.String({ description: 'The `webhook-id` header: the same on every retry' }),
    eventType: Type.String({ description: 'One of the webhook event types, or ping' }),
    status: StringEnum(
      DELIVERY_STATUSES,
      'PENDING: not yet answered 2xx (see nextAttemptAt); DELIVERED; FAILED: given up',
    ),
    attempts: Type.Array(DeliveryAttempt, { description: 'Every try, oldest first' }),
    nextAttemptAt: Nullable(DateTime('When the next try is due; null once delivered or failed')),
    created: DateTime('When the event was queued'),
    deliveredAt: Nullable(DateTime('When the receiver answered 2xx')),
  },
  { $id: 'WebhookDelivery' },
);
export type WebhookDelivery = Static<typeof WebhookDeliveryResponse>;

export const DeliveriesQuery = Type.Object({
  status: Type.Optional(StringEnum(DELIVERY_STATUSES, 'Only deliveries in this state')),
  ...pageQueryFields,
});
export type DeliveriesQuery = Static<typeof DeliveriesQuery>;

export const WebhookTestResponse = Type.Object(
  {
    deliveryId: Id('The delivery of the ping: follow it in the deliveries list'),
    eventId: Type.String({ description: 'The `webhook-id` the receiver will see' }),
  },
  { $id: 'WebhookTestResponse' },
);
export type WebhookTestResponse = Static<typeof WebhookTestResponse>;

// ---- Event payloads: the `data` member of each body ----

const EventActor = Type.Object(
  {
    id: Nullable(Type.String({ description: 'The identity that acted; null for Patina itself' })),
    name: Nullable(Type.String()),
  },
  { additionalProperties: false, description: 'Who caused the event' },
);

const EventPat = Type.Object(
  {
    id: Id('The PAT id (its client id)'),
    name: Type.String(),
    owner: Type.Object(
      { type: Type.Literal('IDENTITY'), id: Type.String(), name: Nullable(Type.String()) },
      { additionalProperties: false },
    ),
    scope: Type.Array(Type.String()),
    managed: Type.Boolean(),
    created: DateTime('When the PAT was created'),
    lastUsed: Nullable(DateTime('When it was last exchanged')),
    expirationDate: Nullable(DateTime('When it expires; null: never')),
  },
  { additionalProperties: false, description: 'The PAT, as it is after the event' },
);

const EventIdentity = Type.Object(
  {
    id: Type.String(),
    login: Type.String(),
    name: Type.String(),
    status: Type.String({ description: 'ACTIVE or DISABLED' }),
  },
  { additionalProperties: false },
);

const auditEventId = Type.String({
  description: 'The audit event this notification comes from (GET /patina/v1/audit-events)',
});

const patData = (extra: Record<string, TSchema> = {}) =>
  Type.Object(
    { auditEventId, personalAccessToken: EventPat, actor: EventActor, ...extra },
    { additionalProperties: false },
  );
const identityData = (extra: Record<string, TSchema> = {}) =>
  Type.Object(
    { auditEventId, identity: EventIdentity, actor: EventActor, ...extra },
    { additionalProperties: false },
  );
const changed = Type.Array(Type.String(), { description: 'The fields that changed' });

const EventPerson = Type.Object(
  { id: Nullable(Type.String()), name: Type.String() },
  { additionalProperties: false },
);

const EventPatRequest = Type.Object(
  {
    id: Type.String({ description: 'The request id (GET /patina/v1/pat-requests/{id})' }),
    kind: Type.String({ description: 'CREATE or SCOPE_CHANGE' }),
    status: Type.String({ description: 'PENDING, APPROVED, DENIED, EXPIRED or FULFILLED' }),
    requester: EventPerson,
    owner: EventPerson,
    name: Type.String({ description: 'The PAT’s name' }),
    scope: Type.Array(Type.String()),
    sensitiveScopes: Type.Array(Type.String()),
    justification: Type.String(),
    ticketUrl: Nullable(Type.String()),
    patId: Nullable(Type.String()),
    expiresAt: DateTime('When a pending request expires'),
    comment: Nullable(Type.String({ description: 'The approver’s comment' })),
  },
  { additionalProperties: false, description: 'The request, as it is after the event' },
);
const requestData = () =>
  Type.Object(
    { auditEventId, request: EventPatRequest, actor: EventActor },
    { additionalProperties: false },
  );

const EventAccessReview = Type.Object(
  {
    id: Type.String({ description: 'The campaign id (GET /patina/v1/access-reviews/{id})' }),
    name: Type.String(),
    status: Type.String({ description: 'OPEN or CLOSED' }),
    deadline: DateTime('When undecided items are handled'),
    whenUndecided: Type.String({ description: 'revoke or keep' }),
    items: Type.Integer({ minimum: 0 }),
    pending: Type.Integer({ minimum: 0, description: 'Items still undecided' }),
  },
  { additionalProperties: false },
);
const reviewData = (extra: Record<string, TSchema> = {}) =>
  Type.Object(
    { auditEventId, accessReview: EventAccessReview, actor: EventActor, ...extra },
    { additionalProperties: false },
  );

/** The `data` schema of each event type. */
export const WEBHOOK_EVENT_DATA = {
  'personal_access_token.created': patData(),
  'personal_access_token.updated': patData({ changed }),
  'personal_access_token.deleted': patData(),
  'personal_access_token.rotated': patData({
    gracePeriodSeconds: Nullable(
      Type.Integer({ description: 'How long the previous secret keeps working' }),
    ),
  }),
  'personal_access_token.revoked': patData({
    reason: Type.String({
      description: 'LEAKED, INACTIVE, OFFBOARDED or REUSED',
      examples: ['LEAKED'],
    }),
  }),
  'personal_access_token.expiring': patData({
    daysLeft: Type.Integer({
      minimum: 0,
      description: 'Whole days (UTC calendar days) until the expiry; 0: it expires today',
    }),
  }),
  'personal_access_token.expired': patData(),
  'personal_access_token.secret_reused': patData({
    sourceIp: Nullable(Type.String({ description: 'Where the old secret was presented from' })),
  }),
  'personal_access_token.inactive_warning': patData({
    revokeAt: Nullable(DateTime('When the PAT will be revoked unless it is used')),
  }),
  'identity.created': identityData(),
  'identity.updated': identityData({ changed }),
  'identity.disabled': identityData({ changed }),
  'identity.offboarded': identityData({
    revokedCount: Nullable(Type.Integer({ description: 'How many PATs were revoked' })),
  }),
  'webhook.disabled': Type.Object(
    {
      auditEventId,
      webhook: Type.Object(
        { id: Type.String(), url: Type.String(), description: Type.String() },
        { additionalProperties: false },
      ),
      reason: StringEnum(WEBHOOK_DISABLED_REASONS),
      failingSince: Nullable(DateTime('When its failures began')),
    },
    { additionalProperties: false },
  ),
  'pat_request.created': requestData(),
  'pat_request.approved': requestData(),
  'pat_request.denied': requestData(),
  'pat_request.expired': requestData(),
  'access_review.started': reviewData(),
  'access_review.reminder': reviewData({
    daysLeft: Type.Integer({ minimum: 0, description: 'Whole days until the deadline' }),
  }),
  'access_review.closed': reviewData({
    outcomes: Type.Record(Type.String(), Type.Integer({ minimum: 0 }), {
      description: 'Items per outcome (CERTIFIED, REVOKED, KEPT, AUTO_REVOKED, GONE)',
    }),
  }),
} satisfies Record<WebhookEventType, TSchema>;

export type WebhookEventData<T extends WebhookEventType> = Static<(typeof WEBHOOK_EVENT_DATA)[T]>;

export const PingEventData = Type.Object(
  {
    webhook: Type.Object(
      { id: Type.String(), url: Type.String() },
      { additionalProperties: false },
    ),
    message: Type.String(),
  },
  { additionalProperties: false },
);

/** A request body as the receiver sees it (Standard Webhooks' payload structure). */
export const WebhookEventBody = Type.Object(
  {
    type: Type.String({ description: 'The event type' }),
    timestamp: DateTime('When the event happened'),
    data: Type.Record(Type.String(), Type.Unknown()),
  },
  { $id: 'WebhookEventBody' },
);
export type WebhookEventBody = Static<typeof WebhookEventBody>;
