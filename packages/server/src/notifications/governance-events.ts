import type { AuditEvent, AuditEventType, WebhookEventType } from '@patina/contract';
import type { AccessReviewRecord } from '../storage/access-reviews-repository.js';
import type { IdentitySubject } from '../storage/notification-subjects-repository.js';
import type { PatRequestRecord } from '../storage/pat-requests-repository.js';
import type { Repositories } from '../storage/repositories.js';
import {
  accessReviewClosedMail,
  accessReviewReminderMail,
  accessReviewStartedMail,
  patRequestApprovedMail,
  patRequestCreatedMail,
  patRequestDeniedMail,
  patRequestExpiredMail,
  type MailAccessReview,
  type MailPatRequest,
} from './governance-mails.js';
import { daysLeft, type MailContent, type MailContext } from './mail-templates.js';

/** The governance events that are notified, and as which webhook event type. */
const GOVERNANCE_EVENTS: Partial<Record<AuditEventType, WebhookEventType>> = {
  PAT_REQUEST_CREATED: 'pat_request.created',
  PAT_REQUEST_APPROVED: 'pat_request.approved',
  PAT_REQUEST_DENIED: 'pat_request.denied',
  PAT_REQUEST_EXPIRED: 'pat_request.expired',
  ACCESS_REVIEW_STARTED: 'access_review.started',
  ACCESS_REVIEW_REMINDED: 'access_review.reminder',
  ACCESS_REVIEW_CLOSED: 'access_review.closed',
};

/**
 * A notification whose mail goes to named identities (approvers, requesters, reviewers, a
 * campaign's creator), one mail each, written for its reader: `mail` runs in the transaction
 * of the event, and answers undefined when there is nothing to tell that reader.
 */
export interface MailToIdentities {
  type: WebhookEventType;
  data: Record<string, unknown>;
  /** Identity ids; the outbox mails each ACTIVE one with an address, once. */
  recipients: string[];
  mail: (
    ctx: MailContext,
    recipient: IdentitySubject,
  ) => MailContent | undefined | Promise<MailContent | undefined>;
}

/**
 * Mails per event are bounded by who can be named: at most 50 approvers per rule (config) and
 * 200 reviewers per campaign (the access-review service); this cuts anything beyond.
 */
const MAX_RECIPIENTS = 200;

export function isGovernanceEvent(type: AuditEventType): boolean {
  return type in GOVERNANCE_EVENTS;
}

/** The notification of a governance audit event, or undefined when there is none. */
export async function governanceNotificationOf(
  repos: Repositories,
  event: AuditEvent,
): Promise<MailToIdentities | undefined> {
  const type = GOVERNANCE_EVENTS[event.type];
  const id = event.target.id;
  if (!type || id === null) return undefined;
  if (event.target.type === 'PAT_REQUEST') return requestNotification(repos, event, type, id);
  if (event.target.type === 'ACCESS_REVIEW') return reviewNotification(repos, event, type, id);
  return undefined;
}

async function requestNotification(
  repos: Repositories,
  event: AuditEvent,
  type: WebhookEventType,
  id: string,
): Promise<MailToIdentities | undefined> {
  const request = await repos.patRequests.findById(id);
  if (!request) return undefined;
  const owner = await repos.notificationSubjects.identity(request.ownerId);
  const ownerName = owner?.name ?? request.ownerId;
  const data = {
    auditEventId: event.id,
    request: requestBody(request, ownerName),
    actor: event.actor,
  };
  const someoneElses = request.requesterId !== request.ownerId;
  const mailed: MailPatRequest = {
    id: request.id,
    kind: request.kind,
    requesterName: request.requesterName,
    forOwner: someoneElses ? ownerName : null,
    patName: request.patName,
    patId: request.patId,
    scope: request.scope,
    sensitiveScopes: request.sensitiveScopes,
    justification: request.justification,
    ticketUrl: request.ticketUrl,
    expiresAt: request.expiresAt,
    expirationDate: request.expirationDate,
  };
  // The owner reads about their own PAT: "of yours", not "of <their name>".
  const forReader = (recipient: IdentitySubject) => ({
    request: recipient.id === request.requesterId ? mailed : { ...mailed, forOwner: 'yours' },
    toRequester: recipient.id === request.requesterId,
  });
  const answered = [request.requesterId, request.ownerId].filter((v): v is string => v !== null);
  const deciderName = request.decidedByName ?? event.actor.name ?? 'An approver';
  switch (type) {
    case 'pat_request.created': {
      // Never ask the requester or the owner to approve their own request.
      const approvers = stringList(event.details.approverIds).filter(
        (approver) => !answered.includes(approver),
      );
      return {
        type,
        data,
        recipients: approvers.slice(0, MAX_RECIPIENTS),
        mail: (ctx) => patRequestCreatedMail(ctx, mailed),
      };
    }
    case 'pat_request.approved':
      return {
        type,
        data,
        recipients: answered,
        mail: (ctx, recipient) => {
          const reader = forReader(recipient);
          return patRequestApprovedMail(ctx, reader.request, {
            deciderName,
            comment: request.comment,
            secretAvailableUntil: request.secretAvailableUntil,
            toRequester: reader.toRequester,
          });
        },
      };
    case 'pat_request.denied':
      return {
        type,
        data,
        recipients: answered,
        mail: (ctx, recipient) => {
          const reader = forReader(recipient);
          const comment = typeof event.details.comment === 'string' ? event.details.comment : null;
          return patRequestDeniedMail(ctx, reader.request, {
            deciderName,
            comment: request.comment ?? comment,
            toRequester: reader.toRequester,
          });
        },
      };
    case 'pat_request.expired': {
      const stage = event.details.stage === 'SECRET' ? 'SECRET' : 'PENDING';
      return {
        type,
        data,
        recipients: request.requesterId === null ? [] : [request.requesterId],
        mail: (ctx) => patRequestExpiredMail(ctx, mailed, { stage, at: event.time }),
      };
    }
    default:
      return undefined;
  }
}

/** The request as events carry it (EventPatRequest): never its input or sealed secret. */
function requestBody(request: PatRequestRecord, ownerName: string) {
  return {
    id: request.id,
    kind: request.kind,
    status: request.status,
    requester: { id: request.requesterId, name: request.requesterName },
    owner: { id: request.ownerId, name: ownerName },
    name: request.patName,
    scope: request.scope,
    sensitiveScopes: request.sensitiveScopes,
    justification: request.justification,
    ticketUrl: request.ticketUrl,
    patId: request.patId,
    expiresAt: request.expiresAt,
    comment: request.comment,
  };
}

async function reviewNotification(
  repos: Repositories,
  event: AuditEvent,
  type: WebhookEventType,
  id: string,
): Promise<MailToIdentities | undefined> {
  const reviews = repos.accessReviews;
  const review = await reviews.findById(id);
  if (!review) return undefined;
  const progress = await reviews.progress(id);
  const data: Record<string, unknown> = {
    auditEventId: event.id,
    accessReview: {
      id: review.id,
      name: review.name,
      status: review.status,
      deadline: review.deadline,
      whenUndecided: review.whenUndecided,
      items: progress.total,
      pending: progress.pending,
    },
    actor: event.actor,
  };
  const mailed: MailAccessReview = {
    id: review.id,
    name: review.name,
    deadline: review.deadline,
    whenUndecided: review.whenUndecided,
  };
  const details = event.details;
  switch (type) {
    case 'access_review.started': {
      const reviewerIds = Array.isArray(details.reviewerIds)
        ? stringList(details.reviewerIds)
        : await reviews.reviewerIds(id, MAX_RECIPIENTS);
      return {
        type,
        data,
        recipients: reviewerIds.slice(0, MAX_RECIPIENTS),
        mail: async (ctx, reviewer) => {
          const items = await reviews.countItems({ reviewId: id, reviewerId: reviewer.id });
          if (items === 0) return undefined;
          return accessReviewStartedMail(ctx, mailed, { by: starter(review), items });
        },
      };
    }
    case 'access_review.reminder': {
      const left =
        integerOrNull(details.daysLeft) ??
        Math.max(daysLeft(review.deadline, new Date(event.time)), 0);
      data.daysLeft = left;
      const reviewerIds = Array.isArray(details.reviewerIds)
        ? stringList(details.reviewerIds)
        : await reviews.pendingReviewerIds(id, MAX_RECIPIENTS);
      return {
        type,
        data,
        recipients: reviewerIds.slice(0, MAX_RECIPIENTS),
        mail: async (ctx, reviewer) => {
          const pending = await reviews.countItems({
            reviewId: id,
            reviewerId: reviewer.id,
            outcome: 'PENDING',
          });
          // Decided everything since the reminder was planned: nothing to remind of.
          if (pending === 0) return undefined;
          return accessReviewReminderMail(ctx, mailed, { daysLeft: left, pending });
        },
      };
    }
    case 'access_review.closed': {
      const outcomes = counts(details.outcomes) ?? {
        ...(await reviews.outcomesOf([id])).get(id),
      };
      data.outcomes = outcomes;
      return {
        type,
        data,
        recipients: review.createdById === null ? [] : [review.createdById],
        mail: (ctx) =>
          accessReviewClosedMail(ctx, mailed, {
            at: review.closedAt ?? event.time,
            outcomes,
            nextStartAt: review.nextStartAt,
          }),
      };
    }
    default:
      return undefined;
  }
}

/**
 * Who started a campaign, as its reviewers read it: its creator's display name (the audit
 * actor's name is a login), or Patina for a recurrence.
 */
function starter(review: AccessReviewRecord): string {
  return review.previousId !== null
    ? `Patina (a recurring campaign of ${review.createdByName})`
    : review.createdByName;
}

function counts(value: unknown): Record<string, number> | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const found: Record<string, number> = {};
  for (const [key, n] of Object.entries(value)) {
    if (typeof n === 'number' && Number.isInteger(n) && n >= 0) found[key] = n;
  }
  return found;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value)
    ? [...new Set(value.filter((v): v is string => typeof v === 'string'))]
    : [];
}

function integerOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : null;
}
