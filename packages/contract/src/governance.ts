import { Type, type Static } from '@sinclair/typebox';
import { FreeText } from './free-text.js';
import { DateTime, Id, Nullable, StringEnum, pageQueryFields } from './schema-helpers.js';
import { ADMIN_BASE } from './versions.js';

/**
 * Governance of PATs (docs/governance.md): a PAT with a sensitive scope needs someone else's yes
 * (approval requests, config `approval.rules`), and every PAT is reviewed now and then by someone
 * who knows whether it is still needed (access reviews, certification campaigns).
 */

/** Requests for a PAT (or a PAT's new scope) that an approval rule holds back. */
export const PAT_REQUESTS_PATH = `${ADMIN_BASE}/pat-requests`;
/** Certification campaigns. */
export const ACCESS_REVIEWS_PATH = `${ADMIN_BASE}/access-reviews`;

/** Ids of requests, campaigns and campaign items: a prefix and 32 hex digits, never a PAT id. */
export const PAT_REQUEST_ID_PREFIX = 'prq_';
export const ACCESS_REVIEW_ID_PREFIX = 'rev_';
export const ACCESS_REVIEW_ITEM_ID_PREFIX = 'rvi_';
const prefixedId = (prefix: string) => `^${prefix}[0-9a-f]{32}$`;
export const PAT_REQUEST_ID_PATTERN = prefixedId(PAT_REQUEST_ID_PREFIX);
export const ACCESS_REVIEW_ID_PATTERN = prefixedId(ACCESS_REVIEW_ID_PREFIX);
export const ACCESS_REVIEW_ITEM_ID_PATTERN = prefixedId(ACCESS_REVIEW_ITEM_ID_PREFIX);

/** Whether `value` has the shape of an id made with `prefix` (then it may be echoed). */
export function hasPrefixedIdShape(value: string, prefix: string): boolean {
  return new RegExp(prefixedId(prefix)).test(value);
}

/**
 * PENDING: waiting for an approver. APPROVED: the PAT is made and its secret waits to be fetched
 * once. FULFILLED: the secret was fetched (or, for a scope change, the scope applied). DENIED and
 * EXPIRED: nothing was made (an approved secret nobody fetched in time expires too, and its PAT
 * is deleted).
 */
export const PAT_REQUEST_STATUSES = [
  'PENDING',
  'APPROVED',
  'DENIED',
  'EXPIRED',
  'FULFILLED',
] as const;
export type PatRequestStatus = (typeof PAT_REQUEST_STATUSES)[number];

/** CREATE: a new PAT. SCOPE_CHANGE: a PATCH that adds a sensitive scope to an existing PAT. */
export const PAT_REQUEST_KINDS = ['CREATE', 'SCOPE_CHANGE'] as const;
export type PatRequestKind = (typeof PAT_REQUEST_KINDS)[number];

export const MAX_JUSTIFICATION_LENGTH = 1000;
export const MAX_COMMENT_LENGTH = 1000;

/** Why a sensitive scope is asked for; required whenever an approval rule applies. */
export const Justification = FreeText({
  minLength: 1,
  maxLength: MAX_JUSTIFICATION_LENGTH,
  description:
    'Why the PAT needs its sensitive scopes, for the approver; required when an approval rule applies (config approval.rules)',
});

/** A link to the change ticket, for the approver: http or https. */
export const TicketUrl = Nullable(
  Type.String({
    minLength: 1,
    maxLength: 2048,
    pattern: '^https?://[^\\s]+$',
    description: 'An http(s) link to the ticket that asked for this access',
    examples: ['https://tickets.example.com/SEC-1234'],
  }),
);

const PersonRef = Type.Object(
  {
    id: Nullable(Type.String({ description: 'The identity id; null for Patina itself' })),
    name: Type.String({ description: 'The display name' }),
  },
  { additionalProperties: false },
);

export const PatRequest = Type.Object(
  {
    id: Type.String({ pattern: PAT_REQUEST_ID_PATTERN, description: 'The request id' }),
    kind: StringEnum(PAT_REQUEST_KINDS, 'CREATE: a new PAT; SCOPE_CHANGE: a scope added by PATCH'),
    status: StringEnum(PAT_REQUEST_STATUSES),
    requester: PersonRef,
    owner: PersonRef,
    name: Type.String({ description: 'The name of the PAT asked for (or changed)' }),
    scope: Type.Array(Type.String(), { description: 'Every scope the PAT would have' }),
    sensitiveScopes: Type.Array(Type.String(), {
      description: 'The scopes an approval rule holds back: what the approver says yes to',
    }),
    justification: Type.String(),
    ticketUrl: Nullable(Type.String()),
    expirationDate: Nullable(
      DateTime('When the PAT would expire (CREATE), capped by the rule’s maxLifetimeDays'),
    ),
    patId: Nullable(Id('The PAT: made on approval (CREATE), or the one to change (SCOPE_CHANGE)')),
    created: DateTime('When it was asked for'),
    expiresAt: DateTime('When a PENDING request expires unanswered'),
    decidedBy: Nullable(PersonRef),
    decidedAt: Nullable(DateTime('When it was approved or denied')),
    comment: Nullable(Type.String({ description: 'The approver’s comment' })),
    secretAvailableUntil: Nullable(
      DateTime(
        'APPROVED (CREATE): until when the requester can fetch the secret, once; the PAT is deleted if nobody does',
      ),
    ),
    canDecide: Type.Boolean({
      description: 'Whether the caller may approve or deny it now (an approver, not the requester)',
    }),
  },
  { $id: 'PatRequest', additionalProperties: false, description: 'A request for a sensitive PAT' },
);
export type PatRequest = Static<typeof PatRequest>;

/** The answer of a create (or change) that an approval rule holds back: 202 Accepted. */
export const PendingPatResponse = Type.Object(
  { request: Type.Ref('PatRequest') },
  {
    $id: 'PendingPatResponse',
    description: 'No PAT was made yet: an approver must say yes first; the request is PENDING',
  },
);
export type PendingPatResponse = { request: PatRequest };

export const ListPatRequestsQuery = Type.Object({
  status: Type.Optional(
    Type.Unsafe<string>({
      type: 'string',
      enum: [...PAT_REQUEST_STATUSES, ...PAT_REQUEST_STATUSES.map((s) => s.toLowerCase())],
      description: 'Only requests in this status (either case)',
    }),
  ),
  ...pageQueryFields,
});
export type ListPatRequestsQuery = Static<typeof ListPatRequestsQuery>;

export const ApprovePatRequestBody = Type.Object(
  {
    comment: Type.Optional(
      FreeText({ maxLength: MAX_COMMENT_LENGTH, description: 'Why, for the record' }),
    ),
  },
  { additionalProperties: false, $id: 'ApprovePatRequest' },
);
export type ApprovePatRequestBody = Static<typeof ApprovePatRequestBody>;

export const DenyPatRequestBody = Type.Object(
  {
    comment: FreeText({
      minLength: 1,
      maxLength: MAX_COMMENT_LENGTH,
      description: 'Why not: the requester reads it',
    }),
  },
  { additionalProperties: false, $id: 'DenyPatRequest' },
);
export type DenyPatRequestBody = Static<typeof DenyPatRequestBody>;

// ---------------------------------------------------------------------------------------------
// Access reviews

export const ACCESS_REVIEW_STATUSES = ['OPEN', 'CLOSED'] as const;
export type AccessReviewStatus = (typeof ACCESS_REVIEW_STATUSES)[number];

export const REVIEWER_KINDS = ['OWNER', 'MANAGER'] as const;
export const WHEN_UNDECIDED = ['revoke', 'keep'] as const;
export type WhenUndecided = (typeof WHEN_UNDECIDED)[number];
export const REVIEW_DECISIONS = ['certify', 'revoke'] as const;
export type ReviewDecision = (typeof REVIEW_DECISIONS)[number];

/**
 * What became of an item: PENDING (undecided, campaign open); CERTIFIED or REVOKED by a
 * reviewer; KEPT or AUTO_REVOKED at the deadline per `whenUndecided`; GONE: the PAT was deleted
 * by other means before a decision.
 */
export const REVIEW_ITEM_OUTCOMES = [
  'PENDING',
  'CERTIFIED',
  'REVOKED',
  'KEPT',
  'AUTO_REVOKED',
  'GONE',
] as const;
export type ReviewItemOutcome = (typeof REVIEW_ITEM_OUTCOMES)[number];

/** `90d`: a campaign that starts again this many days after it started. */
export const EVERY_PATTERN = '^[1-9][0-9]{0,3}d$';
export const MAX_REVIEW_ITEMS = 10_000;

export const AccessReviewSelection = Type.Object(
  {
    scopes: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 200 }), {
        minItems: 1,
        maxItems: 100,
        description:
          'Only PATs with one of these scopes (a trailing `*` matches a prefix; a PAT with the all-scopes default matches every one)',
      }),
    ),
    unusedForDays: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 3650,
        description: 'Only PATs not exchanged for this many days (or never)',
      }),
    ),
    ownerRoles: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
        minItems: 1,
        maxItems: 20,
        description: 'Only PATs whose owner holds one of these roles',
      }),
    ),
  },
  { additionalProperties: false, description: 'Which live PATs the campaign reviews; {}: all' },
);
export type AccessReviewSelection = Static<typeof AccessReviewSelection>;

const ReviewerKind = StringEnum(REVIEWER_KINDS);
const ReviewerIds = Type.Array(Id('An identity id'), {
  minItems: 1,
  maxItems: 50,
  uniqueItems: true,
});

/**
 * A kind or a list of identity ids. Written as if/then/else, not anyOf, so that a bad value is
 * refused with the message of the form it was meant as (`'reviewers[0]' must match …`), not with
 * the first alternative's (`'reviewers' must be a string`).
 */
export const Reviewers = Type.Unsafe<Static<typeof ReviewerKind> | string[]>({
  if: { type: 'string' },
  then: ReviewerKind,
  else: ReviewerIds,
  description:
    "OWNER: each PAT's owner; MANAGER: the owner's manager when known (else the campaign's creator); or named identities, who review every item",
});
export type Reviewers = Static<typeof Reviewers>;

export const CreateAccessReviewRequest = Type.Object(
  {
    name: FreeText({ minLength: 1, maxLength: 128, description: 'A name for people' }),
    selection: Type.Optional(AccessReviewSelection),
    reviewers: Reviewers,
    deadline: DateTime('When undecided items are handled per whenUndecided; in the future'),
    whenUndecided: Type.Optional(
      StringEnum(WHEN_UNDECIDED, 'What happens to items undecided at the deadline; default revoke'),
    ),
    every: Type.Optional(
      Type.String({
        pattern: EVERY_PATTERN,
        description:
          'Recurring: the next campaign starts this many days after this one (`90d`), with the same deadline offset',
        examples: ['90d'],
      }),
    ),
  },
  { additionalProperties: false, $id: 'CreateAccessReviewRequest' },
);
export type CreateAccessReviewRequest = Static<typeof CreateAccessReviewRequest>;

const Progress = Type.Object(
  {
    total: Type.Integer({ minimum: 0 }),
    decided: Type.Integer({ minimum: 0, description: 'Items with a reviewer’s decision' }),
    certified: Type.Integer({ minimum: 0 }),
    revoked: Type.Integer({ minimum: 0, description: 'Revoked by a reviewer or at the deadline' }),
    pending: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);

export const AccessReview = Type.Object(
  {
    id: Type.String({ pattern: ACCESS_REVIEW_ID_PATTERN }),
    name: Type.String(),
    status: StringEnum(ACCESS_REVIEW_STATUSES),
    selection: AccessReviewSelection,
    reviewers: Reviewers,
    deadline: DateTime('When undecided items are handled'),
    whenUndecided: StringEnum(WHEN_UNDECIDED),
    every: Nullable(Type.String({ description: 'Recurring period, e.g. `90d`' })),
    nextStartAt: Nullable(DateTime('When the next campaign of a recurring one starts')),
    previousId: Nullable(Type.String({ description: 'The campaign this one recurs from' })),
    createdBy: PersonRef,
    created: DateTime('When it started'),
    closedAt: Nullable(DateTime('When it closed')),
    progress: Progress,
  },
  { $id: 'AccessReview', additionalProperties: false, description: 'A certification campaign' },
);
export type AccessReview = Static<typeof AccessReview>;

export const UsageDay = Type.Object(
  {
    day: Type.String({ description: 'A UTC day, YYYY-MM-DD', examples: ['2026-01-15'] }),
    succeeded: Type.Integer({ minimum: 0, description: 'Exchanges of the PAT that day' }),
    failed: Type.Integer({ minimum: 0, description: 'Refused exchanges with the PAT’s client id' }),
  },
  { $id: 'UsageDay', additionalProperties: false },
);
export type UsageDay = Static<typeof UsageDay>;

export const PatUsageResponse = Type.Object(
  {
    patId: Id('The PAT'),
    days: Type.Array(Type.Ref('UsageDay'), {
      description: 'One entry per UTC day of the window, oldest first, zero days included',
    }),
  },
  { $id: 'PatUsageResponse', additionalProperties: false },
);
export type PatUsageResponse = { patId: string; days: UsageDay[] };

export const PatUsageQuery = Type.Object(
  {
    days: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 400, default: 30, description: 'How many days back' }),
    ),
  },
  { additionalProperties: false },
);

export const AccessReviewItem = Type.Object(
  {
    id: Type.String({ pattern: ACCESS_REVIEW_ITEM_ID_PATTERN }),
    reviewId: Type.String(),
    pat: Type.Object(
      {
        id: Id('The PAT'),
        name: Type.String(),
        scope: Type.Array(Type.String()),
        created: DateTime('When the PAT was made'),
        lastUsed: Nullable(DateTime('Last exchange (at most daily precision)')),
        expirationDate: Nullable(DateTime('When it expires; null: never')),
        managed: Type.Boolean(),
        live: Type.Boolean({ description: 'false once the PAT is deleted, revoked or expired' }),
      },
      { additionalProperties: false },
    ),
    owner: Type.Object(
      { id: Type.String(), name: Type.String(), login: Type.String() },
      { additionalProperties: false },
    ),
    reviewers: Type.Array(PersonRef),
    evidence: Type.Object(
      {
        lastUsedFrom: Type.Array(Type.Ref('PatUseSource')),
        usage: Type.Array(Type.Ref('UsageDay'), { description: 'The last 30 UTC days' }),
        rotations: Type.Array(DateTime('A rotation of the secret'), {
          description: 'When the secret was rotated, newest first (from the audit trail)',
        }),
      },
      { additionalProperties: false },
    ),
    outcome: StringEnum(REVIEW_ITEM_OUTCOMES),
    decision: Nullable(StringEnum(REVIEW_DECISIONS)),
    decidedBy: Nullable(PersonRef),
    decidedAt: Nullable(DateTime('When it was decided')),
    comment: Nullable(Type.String()),
    expirationDate: Nullable(DateTime('certify: the expiry it was shortened to, if it was')),
  },
  { $id: 'AccessReviewItem', additionalProperties: false },
);
export type AccessReviewItem = Static<typeof AccessReviewItem>;

export const ListAccessReviewItemsQuery = Type.Object({
  reviewer: Type.Optional(
    Type.Union([Type.Literal('me'), Id('An identity id')], {
      description: 'Only items this reviewer may decide (`me`: the caller)',
    }),
  ),
  outcome: Type.Optional(StringEnum(REVIEW_ITEM_OUTCOMES, 'Only items with this outcome')),
  ...pageQueryFields,
});
export type ListAccessReviewItemsQuery = Static<typeof ListAccessReviewItemsQuery>;

export const ListAccessReviewsQuery = Type.Object({
  status: Type.Optional(
    Type.Unsafe<string>({
      type: 'string',
      enum: [...ACCESS_REVIEW_STATUSES, ...ACCESS_REVIEW_STATUSES.map((s) => s.toLowerCase())],
      description: 'Only campaigns in this status (either case)',
    }),
  ),
  ...pageQueryFields,
});
export type ListAccessReviewsQuery = Static<typeof ListAccessReviewsQuery>;

const decisionFields = {
  decision: StringEnum(REVIEW_DECISIONS),
  comment: FreeText({
    minLength: 1,
    maxLength: MAX_COMMENT_LENGTH,
    description: 'Why, for the auditor',
  }),
  expirationDate: Type.Optional(
    DateTime('certify only: a new, earlier expiry for the PAT (it can never be extended here)'),
  ),
};

export const ReviewDecisionRequest = Type.Object(decisionFields, {
  additionalProperties: false,
  $id: 'ReviewDecisionRequest',
});
export type ReviewDecisionRequest = Static<typeof ReviewDecisionRequest>;

export const MAX_BULK_DECISIONS = 500;

export const BulkReviewDecisionRequest = Type.Object(
  {
    decisions: Type.Array(
      Type.Object(
        {
          itemId: Type.String({ pattern: ACCESS_REVIEW_ITEM_ID_PATTERN }),
          ...decisionFields,
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: MAX_BULK_DECISIONS },
    ),
  },
  { additionalProperties: false, $id: 'BulkReviewDecisionRequest' },
);
export type BulkReviewDecisionRequest = Static<typeof BulkReviewDecisionRequest>;

export const BulkReviewDecisionResponse = Type.Object(
  {
    results: Type.Array(
      Type.Object(
        {
          itemId: Type.String(),
          status: Type.Integer({
            description: '200 decided, or the status the single call answers',
          }),
          message: Type.Optional(Type.String({ description: 'Why not, when not decided' })),
          item: Type.Optional(Type.Ref('AccessReviewItem')),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { $id: 'BulkReviewDecisionResponse', additionalProperties: false },
);
export type BulkReviewDecisionResponse = {
  results: { itemId: string; status: number; message?: string; item?: AccessReviewItem }[];
};

export const AccessReviewReport = Type.Object(
  {
    review: Type.Ref('AccessReview'),
    generatedAt: DateTime('When this report was made'),
    items: Type.Array(Type.Ref('AccessReviewItem')),
  },
  { $id: 'AccessReviewReport', additionalProperties: false },
);
export type AccessReviewReport = {
  review: AccessReview;
  generatedAt: string;
  items: AccessReviewItem[];
};

/** The columns of the CSV report, in order. */
export const ACCESS_REVIEW_CSV_COLUMNS = [
  'itemId',
  'patId',
  'patName',
  'ownerId',
  'ownerLogin',
  'scope',
  'created',
  'lastUsed',
  'expirationDate',
  'outcome',
  'decision',
  'decidedBy',
  'decidedAt',
  'comment',
] as const;
