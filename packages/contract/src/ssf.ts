import { Type, type Static } from '@sinclair/typebox';
import { FreeText } from './free-text.js';
import { DateTime, Id, Nullable, StringEnum } from './schema-helpers.js';

/**
 * Patina's Shared Signals transmitter (OpenID Shared Signals Framework 1.0 with the CAEP
 * interoperability profile): discovery, stream management, and the Security Event Tokens
 * (RFC 8417) it delivers by poll (RFC 8936) or push (RFC 8935). Member names are the
 * specifications' own (snake_case), so any SSF receiver reads them; RFC 8936's poll members are
 * camelCase because that RFC spells them so.
 */

/** SSF 1.0 §7.1 `spec_version` of the final specification. */
export const SSF_SPEC_VERSION = '1_0';

/** The delivery methods (SSF 1.0 §6.1.1 and §6.1.2). */
export const SSF_DELIVERY_PUSH = 'urn:ietf:rfc:8935';
export const SSF_DELIVERY_POLL = 'urn:ietf:rfc:8936';
export const SSF_DELIVERY_METHODS = [SSF_DELIVERY_PUSH, SSF_DELIVERY_POLL] as const;
export type SsfDeliveryMethod = (typeof SSF_DELIVERY_METHODS)[number];

/** RFC 8417 §2.3: the JWS `typ` of a SET, and the media type a push carries (RFC 8935 §2). */
export const SET_TYP = 'secevent+jwt';
export const SET_MEDIA_TYPE = 'application/secevent+jwt';

/** SSF 1.0 §7.1.1 `authorization_schemes`: receivers present OAuth 2.0 access tokens. */
export const SSF_AUTHORIZATION_SCHEME = 'urn:ietf:rfc:6749';

export const SSF_EVENTS = {
  credentialChange: 'https://schemas.openid.net/secevent/caep/event-type/credential-change',
  sessionRevoked: 'https://schemas.openid.net/secevent/caep/event-type/session-revoked',
  tokenClaimsChange: 'https://schemas.openid.net/secevent/caep/event-type/token-claims-change',
  verification: 'https://schemas.openid.net/secevent/ssf/event-type/verification',
  streamUpdated: 'https://schemas.openid.net/secevent/ssf/event-type/stream-updated',
} as const;

/** The CAEP event types a stream may ask for; the SSF stream events are always delivered. */
export const SSF_CAEP_EVENT_TYPES = [
  SSF_EVENTS.credentialChange,
  SSF_EVENTS.sessionRevoked,
  SSF_EVENTS.tokenClaimsChange,
] as const;
export type SsfCaepEventType = (typeof SSF_CAEP_EVENT_TYPES)[number];

/** CAEP 1.0 §3.3 `change_type` of credential-change. */
export const CREDENTIAL_CHANGE_TYPES = ['create', 'revoke', 'update', 'delete'] as const;
export type CredentialChangeType = (typeof CREDENTIAL_CHANGE_TYPES)[number];

/**
 * The `credential_type` Patina sends for a PAT. CAEP lists the credential kinds it names; a
 * personal access token is none of them, so Patina names it plainly (docs/decisions.md,
 * "Shared Signals").
 */
export const PAT_CREDENTIAL_TYPE = 'personal-access-token';

/**
 * The `credential_type` for a trust policy of workload identity federation: the credential behind
 * the access tokens a workload got by exchange (their client_id is the policy's id).
 */
export const TRUST_POLICY_CREDENTIAL_TYPE = 'workload-trust-policy';

export const STREAM_STATUSES = ['enabled', 'paused', 'disabled'] as const;
export type StreamStatusValue = (typeof STREAM_STATUSES)[number];

/**
 * Subject identifiers (RFC 9493). A PAT is `{ format: 'opaque', id: <PAT id> }`; an identity is
 * `{ format: 'iss_sub', iss: <Patina's issuer>, sub: <identity id> }`, the `sub` of its access
 * tokens; a stream is `{ format: 'opaque', id: <stream id> }` (SSF 1.0 §8.1.4).
 */
export const SubjectIdentifier = Type.Union(
  [
    Type.Object(
      { format: Type.Literal('opaque'), id: Type.String({ minLength: 1, maxLength: 256 }) },
      { additionalProperties: false },
    ),
    Type.Object(
      {
        format: Type.Literal('iss_sub'),
        iss: Type.String({ minLength: 1, maxLength: 2048 }),
        sub: Type.String({ minLength: 1, maxLength: 256 }),
      },
      { additionalProperties: false },
    ),
  ],
  { description: 'RFC 9493 subject identifier: opaque (a PAT id) or iss_sub (an identity)' },
);
export type SubjectIdentifier = Static<typeof SubjectIdentifier>;

/** SSF 1.0 §7.1: the transmitter configuration metadata at /.well-known/ssf-configuration. */
export const SsfConfiguration = Type.Object({
  spec_version: Type.String(),
  issuer: Type.String(),
  jwks_uri: Type.String(),
  delivery_methods_supported: Type.Array(Type.String()),
  configuration_endpoint: Type.String(),
  status_endpoint: Type.String(),
  add_subject_endpoint: Type.String(),
  remove_subject_endpoint: Type.String(),
  verification_endpoint: Type.String(),
  authorization_schemes: Type.Array(Type.Object({ spec_urn: Type.String() })),
  default_subjects: Type.String({ description: 'ALL: every subject, until removed' }),
});
export type SsfConfiguration = Static<typeof SsfConfiguration>;

const EventsRequested = Type.Array(FreeText({ minLength: 1, maxLength: 2048 }), {
  maxItems: 20,
  uniqueItems: true,
  description: 'Event type URIs the receiver wants; those Patina does not send are dropped',
});
const Description = FreeText({ maxLength: 1000, description: 'What the stream is for' });

/** The `delivery` a receiver asks for (SSF 1.0 §8.1.1): poll, or push to its URL. */
export const DeliveryRequest = Type.Union([
  Type.Object(
    { method: Type.Literal(SSF_DELIVERY_POLL) },
    { additionalProperties: false, description: 'Poll: Patina supplies endpoint_url' },
  ),
  Type.Object(
    {
      method: Type.Literal(SSF_DELIVERY_PUSH),
      endpoint_url: Type.String({
        minLength: 1,
        maxLength: 2048,
        description: 'https, resolving to a public address unless the deployment allows others',
      }),
      authorization_header: Type.Optional(
        Type.String({
          minLength: 1,
          maxLength: 4096,
          description: 'Sent as the Authorization header of every push; never shown again',
        }),
      ),
    },
    { additionalProperties: false },
  ),
]);
export type DeliveryRequest = Static<typeof DeliveryRequest>;

/** POST to configuration_endpoint (SSF 1.0 §8.1.1.1): the receiver-supplied members. */
export const CreateStreamRequest = Type.Object(
  {
    events_requested: Type.Optional(EventsRequested),
    delivery: Type.Optional(DeliveryRequest),
    description: Type.Optional(Description),
  },
  { additionalProperties: false },
);
export type CreateStreamRequest = Static<typeof CreateStreamRequest>;

/**
 * PATCH (update, SSF 1.0 §8.1.1.3) and PUT (replace, §8.1.1.4): the stream id and the
 * receiver-supplied members. Transmitter-supplied members may be sent back as read; they are
 * ignored, as the specification allows.
 */
export const UpdateStreamRequest = Type.Object(
  {
    stream_id: Type.String({ minLength: 1, maxLength: 64 }),
    events_requested: Type.Optional(EventsRequested),
    delivery: Type.Optional(DeliveryRequest),
    description: Type.Optional(Description),
    iss: Type.Optional(Type.String()),
    aud: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())])),
    events_supported: Type.Optional(Type.Array(Type.String())),
    events_delivered: Type.Optional(Type.Array(Type.String())),
    min_verification_interval: Type.Optional(Type.Integer()),
    inactivity_timeout: Type.Optional(Type.Integer()),
  },
  { additionalProperties: false },
);
export type UpdateStreamRequest = Static<typeof UpdateStreamRequest>;

/** A stream's configuration as Patina answers it (SSF 1.0 §8.1.1). */
export const StreamConfiguration = Type.Object({
  stream_id: Type.String(),
  iss: Type.String(),
  aud: Type.String({ description: 'The audience of this stream’s SETs: its receiver' }),
  events_supported: Type.Array(Type.String()),
  events_requested: Type.Array(Type.String()),
  events_delivered: Type.Array(Type.String()),
  delivery: Type.Object({
    method: Type.String(),
    endpoint_url: Type.String(),
  }),
  min_verification_interval: Type.Integer({ description: 'Seconds between verification requests' }),
  inactivity_timeout: Type.Integer({
    description:
      'Seconds without a word from the receiver after which the transmitter deletes the stream',
  }),
  description: Type.Optional(Type.String()),
});
export type StreamConfiguration = Static<typeof StreamConfiguration>;

export const StreamIdQuery = Type.Object({
  stream_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
});
export const RequiredStreamIdQuery = Type.Object({
  stream_id: Type.String({ minLength: 1, maxLength: 64 }),
});

/** SSF 1.0 §8.1.2: a stream's status. */
export const StreamStatus = Type.Object({
  stream_id: Type.String(),
  status: StringEnum(STREAM_STATUSES),
  reason: Type.Optional(Type.String()),
});
export type StreamStatus = Static<typeof StreamStatus>;

export const UpdateStreamStatusRequest = Type.Object(
  {
    stream_id: Type.String({ minLength: 1, maxLength: 64 }),
    status: StringEnum(STREAM_STATUSES),
    reason: Type.Optional(FreeText({ maxLength: 1000 })),
  },
  { additionalProperties: false },
);
export type UpdateStreamStatusRequest = Static<typeof UpdateStreamStatusRequest>;

/** SSF 1.0 §8.1.4.2: a verification request; `state` comes back in the verification event. */
export const VerificationRequest = Type.Object(
  {
    stream_id: Type.String({ minLength: 1, maxLength: 64 }),
    // Not free text: an opaque value the receiver gets back exactly as it sent it (§8.1.4.2).
    state: Type.Optional(Type.String({ maxLength: 1000 })),
  },
  { additionalProperties: false },
);
export type VerificationRequest = Static<typeof VerificationRequest>;

/** SSF 1.0 §8.1.3.2 and §8.1.3.3: add or remove a subject of a stream. */
export const AddSubjectRequest = Type.Object(
  {
    stream_id: Type.String({ minLength: 1, maxLength: 64 }),
    subject: SubjectIdentifier,
    verified: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type AddSubjectRequest = Static<typeof AddSubjectRequest>;
export const RemoveSubjectRequest = Type.Object(
  { stream_id: Type.String({ minLength: 1, maxLength: 64 }), subject: SubjectIdentifier },
  { additionalProperties: false },
);
export type RemoveSubjectRequest = Static<typeof RemoveSubjectRequest>;

/** RFC 8936 §2.4: a poll request; every member is optional. */
export const PollRequest = Type.Object(
  {
    maxEvents: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
    returnImmediately: Type.Optional(Type.Boolean()),
    ack: Type.Optional(Type.Array(Type.String({ maxLength: 256 }), { maxItems: 1000 })),
    setErrs: Type.Optional(
      Type.Record(
        Type.String(),
        Type.Object({ err: Type.String(), description: Type.Optional(Type.String()) }),
      ),
    ),
  },
  { additionalProperties: false },
);
export type PollRequest = Static<typeof PollRequest>;

/** RFC 8936 §2.5: the SETs, by jti, and whether more are waiting. */
export const PollResponse = Type.Object({
  sets: Type.Record(Type.String(), Type.String()),
  moreAvailable: Type.Boolean(),
});
export type PollResponse = Static<typeof PollResponse>;

/**
 * A stream as an administrator sees it (`GET /patina/v1/ssf-streams`): every client's streams,
 * with whose they are and whether they still run. Patina's own camelCase, as its other admin
 * resources; the push Authorization header is never answered.
 */
export const SsfStreamResponse = Type.Object(
  {
    id: Id('The stream id (SSF stream_id)'),
    clientId: Id(
      'The PAT whose access token made the stream: its receiver, and the audience of its SETs',
    ),
    ownerId: Nullable(Id('The identity that owns that PAT; null when the PAT is gone')),
    active: Type.Boolean({
      description:
        'false: the PAT has ended (deleted, revoked, expired) or its identity is disabled; the stream takes, serves and pushes no event',
    }),
    deliveryMethod: StringEnum(
      SSF_DELIVERY_METHODS,
      'urn:ietf:rfc:8935 push, urn:ietf:rfc:8936 poll',
    ),
    endpointUrl: Nullable(Type.String({ description: 'Push: the receiver’s URL; poll: null' })),
    eventsRequested: Type.Array(Type.String(), { description: 'Event type URIs asked for' }),
    description: Nullable(Type.String()),
    status: StringEnum(STREAM_STATUSES, 'SSF 1.0 §8.1.2 status'),
    statusReason: Nullable(Type.String()),
    created: DateTime('When the stream was made'),
    modified: DateTime('When the stream last changed'),
  },
  { $id: 'SsfStream' },
);
export type SsfStream = Static<typeof SsfStreamResponse>;

/** The claims of every SET Patina signs (RFC 8417 §2.2; SSF 1.0 §4): no `sub`, no `exp`. */
export interface SecurityEventClaims {
  iss: string;
  aud: string;
  iat: number;
  jti: string;
  /** RFC 8417 §2.2: the same for every SET told of one change (the audit event's id). */
  txn: string;
  sub_id: SubjectIdentifier;
  events: Record<string, Record<string, unknown>>;
}

/** CAEP 1.0 §3.3 credential-change, as Patina sends it for a PAT or a trust policy. */
export interface CredentialChangeEvent {
  credential_type: typeof PAT_CREDENTIAL_TYPE | typeof TRUST_POLICY_CREDENTIAL_TYPE;
  change_type: CredentialChangeType;
  friendly_name?: string;
  event_timestamp: number;
  initiating_entity: 'admin' | 'user' | 'policy' | 'system';
  reason_admin: { en: string };
  /**
   * Patina's extension member (CAEP defines none for it; RFC 7519 §4: a receiver ignores a claim
   * it does not understand), only on the `update` of a rotation with a grace window: when the
   * previous secret's grace ends, a NumericDate like `event_timestamp`, in milliseconds'
   * precision. Tokens of this PAT issued before the rotation's second stay valid until then and
   * are refused from then on; a rotation without it ends them at `event_timestamp`.
   */
  previous_secret_valid_until?: number;
}

/** The transmitter's paths; SailPoint's where it has them, so its receivers' settings carry over. */
export const SSF_PATHS = {
  configuration: '/.well-known/ssf-configuration',
  jwks: '/ssf/jwks',
  streams: '/ssf/streams',
  status: '/ssf/streams/status',
  verify: '/ssf/streams/verify',
  addSubject: '/ssf/streams/subjects:add',
  removeSubject: '/ssf/streams/subjects:remove',
  poll: '/ssf/poll',
} as const;
